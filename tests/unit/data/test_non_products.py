"""Lines that are not products (analysis.data.products): found by code and by description, each way,
counted per code in the data report, dropped with drop_non_product and kept without it."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema as S
from analysis.data import CleaningRules, clean, load_data, non_product_lines, non_product_summary
from analysis.data.products import NON_PRODUCT_CODES

#: (code, description, kind the detector must give) of lines that are not products
NOT_PRODUCTS = [
    ("POST", "POSTAGE", "postage"),
    ("DOT", "DOTCOM POSTAGE", "postage"),
    ("M", "Manual", "manual line"),
    ("m", "Manual", "manual line"),
    ("C2", "CARRIAGE", "carriage"),
    ("BANK CHARGES", "Bank Charges", "bank charges"),
    ("ADJUST", "Adjustment by john on 26/01/2010 17", "adjustment"),
    ("B", "Adjust bad debt", "adjustment"),
    ("AMAZONFEE", "AMAZON FEE", "fee"),
    ("CRUK", "CRUK Commission", "fee"),
    ("D", "Discount", "discount"),
    ("S", "SAMPLES", "samples"),
    ("TEST001", "This is a test product.", "test code"),
    ("gift_0001_20", "Dotcomgiftshop Gift Voucher £20.00", "gift voucher"),
    # a product code, a description that says what the line is
    ("23574", "PACKING CHARGE", "fee"),
    ("99001", "  dotcom   postage ", "postage"),
    ("X-17", "Gift voucher 25 GBP", "gift voucher"),
]
#: products whose code or description holds one of the words above without being such a line
PRODUCTS = [
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER"),
    ("22423", "REGENCY CAKESTAND 3 TIER"),
    ("21931", "FRENCH CARRIAGE LANTERN"),  # carriage, but a lantern
    ("22111", "SET OF TEA COFFEE SUGAR TINS PANTRY"),  # coffee holds "fee"
    ("84997B", "ZINC HEART LATTICE CHARGER LARGE"),  # charger
    ("22501", "VINTAGE POSTAGE STAMP CARD"),  # postage, but a card
    ("COFFEE", "COFFEE BEANS 1KG"),  # a code that ends in "fee"
    ("DCGSSGIRL", "GIRLS PARTY BAG"),
    ("P0280", "Vintage Cushion, Green"),
    ("SP1002", "TEST TUBE RACK"),  # test as a word of a product's name
]


def _table(rows, with_description: bool = True) -> pd.DataFrame:
    n = len(rows)
    table = pd.DataFrame({
        S.ORDER: [f"O{i}" for i in range(n)], S.CUSTOMER: ["C1"] * n, S.PRODUCT: [r[0] for r in rows],
        S.QUANTITY: [2.0] * n, S.PRICE: [1.5] * n,
        S.TIMESTAMP: pd.to_datetime(["2011-01-03 10:00"] * n).astype("datetime64[us]"),
    })  # fmt: skip
    if with_description:
        table[S.DESCRIPTION] = pd.Series([r[1] for r in rows], dtype="str")
    return table


def test_every_kind_of_non_product_line_is_found_with_its_kind():
    kinds = non_product_lines(_table(NOT_PRODUCTS))
    assert kinds.tolist() == [r[2] for r in NOT_PRODUCTS]


def test_products_are_not_taken_for_non_products():
    kinds = non_product_lines(_table(PRODUCTS))
    assert kinds.eq("").all(), dict(zip([r[0] for r in PRODUCTS], kinds))


def test_codes_alone_without_descriptions():
    codes = [r for r in NOT_PRODUCTS if not r[0][0].isdigit() and r[0] != "X-17"]
    assert non_product_lines(_table(codes, with_description=False)).ne("").all()
    assert non_product_lines(_table(PRODUCTS, with_description=False)).eq("").all()


@pytest.mark.parametrize("code", NON_PRODUCT_CODES)
def test_every_online_retail_non_product_code_matches_a_pattern(code):
    assert non_product_lines(_table([(code, "")])).iloc[0] != ""


def test_listed_codes_are_non_products_too():
    table = _table([("PADS", "PADS TO MATCH ALL CUSHIONS"), ("22423", "REGENCY CAKESTAND 3 TIER")])
    assert non_product_lines(table).tolist() == ["", ""]
    assert non_product_lines(table, ("PADS",)).tolist() == ["listed code", ""]


def test_summary_counts_rows_and_revenue_per_code_most_rows_first():
    table = _table([("POST", "POSTAGE"), ("22423", "CAKESTAND"), ("POST", "POSTAGE"), ("M", "Manual")])
    table.loc[3, S.PRICE] = -4.0  # a manual line that refunds
    summary = non_product_summary(table, non_product_lines(table))
    assert summary.to_dict("records") == [
        {"product_id": "POST", "kind": "postage", "description": "POSTAGE", "rows": 2, "revenue": 6.0},
        {"product_id": "M", "kind": "manual line", "description": "Manual", "rows": 1, "revenue": -8.0},
    ]
    assert non_product_summary(table, pd.Series("", index=table.index)).empty


def test_cleaning_flags_them_and_drops_them_only_on_request():
    table = _table(NOT_PRODUCTS + PRODUCTS)
    kept, report = clean(table)
    assert len(kept) == len(table) and "non_product" not in report.dropped
    flag = report.flag("non_product")
    assert flag.action == "kept" and flag.count == len(NOT_PRODUCTS) and "drop_non_product: true" in flag.message
    assert {e["product_id"] for e in report.non_products} == {r[0] for r in NOT_PRODUCTS}
    assert "not products, kept" in str(report) and "PACKING CHARGE" in str(report)
    kept, report = clean(table, rules=CleaningRules(drop_non_product=True))
    assert sorted(kept[S.PRODUCT]) == sorted(r[0] for r in PRODUCTS)
    assert report.dropped["non_product"] == len(NOT_PRODUCTS) and report.flag("non_product").action == "dropped"
    assert sum(e["rows"] for e in report.non_products) == len(NOT_PRODUCTS)


def test_the_built_in_shop_has_no_non_product_line():
    table, report = load_data({"data": "shop", "shop_customers": 200, "drop_non_product": True})
    assert report.non_products == [] and report.flag("non_product") is None
    assert non_product_lines(table).eq("").all()


def test_kinds_per_distinct_value_equal_the_kinds_line_by_line():
    # the detector classifies each distinct code and description once and maps them back to the lines;
    # line by line (the definition) must give the same kinds, with missing descriptions, spaces around codes,
    # listed codes and repeated lines in any order
    from analysis.data import products as PD

    lines = NOT_PRODUCTS + [(c, d, "") for c, d in PRODUCTS] + [(" POST ", None, "postage"), ("X9", None, ""),
                                                                  ("LISTED", "a listed code", "listed code")]
    table = pd.DataFrame([lines[i % len(lines)][:2] for i in (7, 3, 0, 25, 1, 0, 3, 19, 22, 21, 20, 2, 5)
                          for _ in range(2)] + [line[:2] for line in lines], columns=[S.PRODUCT, S.DESCRIPTION])
    got = non_product_lines(table, extra_codes=("LISTED",))
    for i, (code, text) in enumerate(table.itertuples(index=False)):
        one = PD._kinds(pd.Series([code], dtype="str").str.strip(), PD._CODES).iloc[0]
        if one == "" and str(code).strip() == "LISTED":
            one = "listed code"
        if one == "" and isinstance(text, str):
            norm = pd.Series([" ".join(text.split())], dtype="str")
            one = PD._kinds(norm, PD._DESCRIPTIONS).iloc[0]
        assert got.iloc[i] == one, (code, text, got.iloc[i], one)
    assert str(got.dtype) == "str" and got.index.equals(table.index)
