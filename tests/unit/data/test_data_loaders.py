"""Loaders for every known layout, on small files the tests write, and every DataError case."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import DataError
from analysis.data import CleaningRules, cdnow_master_path, detect_layout, load_transactions, read_table, to_canonical

UCI_ROWS = [
    # InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country
    ("536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, "12/1/2010 8:26", 2.55, 17850.0, "United Kingdom"),
    ("536365", "71053", "WHITE METAL LANTERN", 6, "12/1/2010 8:26", 3.39, 17850.0, "United Kingdom"),
    ("536366", "22633", "HAND WARMER UNION JACK", 6, "12/1/2010 8:28", 1.85, 17850.0, "United Kingdom"),
    ("C536379", "D", "Discount", -1, "12/1/2010 9:41", 27.50, 14527.0, "United Kingdom"),  # cancellation
    ("536414", "22139", "?", 56, "12/1/2010 11:52", 0.0, np.nan, "United Kingdom"),  # no customer
    ("536520", "21756", "BATH BUILDING BLOCK WORD", 1, "12/1/2010 12:50", 5.95, 14729.0, "United Kingdom"),
    ("536520", "POST", "POSTAGE", 1, "12/1/2010 12:50", 18.0, 14729.0, "United Kingdom"),  # non-product
    ("536521", "22900", "SET 2 TEA TOWELS", -3, "12/1/2010 13:00", 2.95, 12583.0, "France"),  # qty <= 0
    ("536522", "22901", "FREE GIFT", 1, "12/1/2010 13:05", 0.0, 12583.0, "France"),  # price <= 0
    ("536523", "22902", "MUG", 2, "12/2/2010 10:00", 1.25, 12583.0, "France"),
    ("536523", "22902", "MUG", 2, "12/2/2010 10:00", 1.25, 12583.0, "France"),  # exact duplicate
]
UCI_COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


@pytest.fixture
def uci() -> pd.DataFrame:
    return pd.DataFrame(UCI_ROWS, columns=UCI_COLUMNS)


def write(df: pd.DataFrame, path: Path, **kwargs) -> Path:
    suffix = path.suffix
    if suffix == ".parquet":
        df.to_parquet(path)
    elif suffix == ".xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_csv(path, index=False, **kwargs)
    return path


# --------------------------------------------------------------------------- layouts


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("orders.csv", {}),
        ("orders_semicolon.csv", {"sep": ";"}),
        ("orders_tab.tsv", {"sep": "\t"}),
        ("orders_pipe.txt", {"sep": "|"}),
        ("orders_latin1.csv", {"encoding": "latin-1"}),
        ("orders.parquet", {}),
        ("orders.xlsx", {}),
    ],
)
def test_uci_layout_in_every_format(tmp_path, uci, name, kwargs):
    df = uci.copy()
    df.loc[0, "Description"] = "CRÈME BRÛLÉE DISH"  # a non-ASCII character for the encodings
    path = write(df, tmp_path / name, **kwargs)
    table, report = load_transactions(path)
    assert report.layout == "online_retail"
    assert report.rows_read == len(UCI_ROWS)
    # default rules: dates before 1990 or after today, missing customer, cancellation, qty <= 0, price <= 0
    assert report.dropped == {
        "unparseable_timestamp": 0,
        "unparseable_number": 0,
        "before_min_date": 0,
        "after_max_date": 0,
        "missing_customer": 1,
        "cancellation": 1,
        "non_positive_quantity": 1,
        "non_positive_price": 1,
    }
    assert report.rows_kept == len(UCI_ROWS) - 4
    assert table["customer_id"].iloc[0] == "17850"
    assert table["timestamp"].iloc[0] == pd.Timestamp("2010-12-01 08:26")
    assert table["description"].iloc[0] == "CRÈME BRÛLÉE DISH"
    assert report.revenue == pytest.approx(6 * 2.55 + 6 * 3.39 + 6 * 1.85 + 5.95 + 18.0 + 2 * 1.25 * 2)


def test_uci_second_edition(tmp_path, uci):
    df = uci.rename(columns={"InvoiceNo": "Invoice", "UnitPrice": "Price", "CustomerID": "Customer ID"})
    _, report = load_transactions(write(df, tmp_path / "ii.csv"))
    assert report.layout == "online_retail_ii"
    assert report.rows_kept == len(UCI_ROWS) - 4


def test_cdnow_layout_whitespace_crlf_yyyymmdd(tmp_path):
    text = (
        "customer_id date number_of_cds dollar_value\r\n"
        "    00001 19970101 1   11.77\r\n"
        "    00002 19970112 1   12.00\r\n"
        "    00002 19970112 5   77.00\r\n"
        "    00003 19970102 2    0.00\r\n"
    )
    path = tmp_path / "CDNOW_small.txt"
    path.write_bytes(text.encode())
    table, report = load_transactions(path)
    assert report.layout == "cdnow"
    assert report.rows_kept == 4  # zero-dollar purchases are purchases in the CDNOW counts
    assert report.customers == 3
    assert table["timestamp"].tolist()[:2] == [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-12")]
    assert table["unit_price"].iloc[2] == pytest.approx(77.0 / 5)
    assert report.revenue == pytest.approx(11.77 + 12.0 + 77.0)


def test_cdnow_master_from_the_lifetimes_wheel():
    pytest.importorskip("lifetimes")
    _, report = load_transactions(cdnow_master_path())
    assert (report.rows_read, report.rows_kept, report.customers) == (69_659, 69_659, 23_570)
    assert (report.first_date, report.last_date) == ("1997-01-01", "1998-06-30")


def test_movielens_layout(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n")
    table, report = load_transactions(path)
    assert report.layout == "movielens"
    assert report.kind == "interactions"
    assert report.revenue is None
    assert report.currency == "" and "currency    n/a (no prices in these data)" in str(report)
    assert table["rating"].tolist() == [3, 3, 1]
    assert table["timestamp"].iloc[0] == pd.Timestamp(881250949, unit="s")


def test_explicit_mapping_for_an_unknown_layout(tmp_path):
    df = pd.DataFrame(
        {
            "Order Number": ["A1", "A1", "A2"],
            "Client": ["x", "x", "y"],
            "SKU": ["s1", "s2", "s1"],
            "Units": ["1", "2", "3"],
            "Each": ["9.99", "1.50", "9.99"],
            "When": ["2024-03-01 10:00", "2024-03-01 10:00", "2024-03-05 18:30"],
        }
    )
    path = write(df, tmp_path / "shopify.csv")
    mapping = {
        "order_id": "Order Number",
        "customer_id": "Client",
        "product_id": "SKU",
        "quantity": "Units",
        "unit_price": "Each",
        "timestamp": "When",
    }
    table, report = load_transactions(path, mapping=mapping)
    assert report.layout == "mapped"
    assert report.rows_kept == 3
    assert report.revenue == pytest.approx(9.99 + 3.0 + 29.97)


def test_string_and_path_sources_agree(tmp_path, uci):
    path = write(uci, tmp_path / "o.csv")
    a, _ = load_transactions(str(path))
    b, _ = load_transactions(Path(path))
    pd.testing.assert_frame_equal(a, b)


def test_dataframe_source_and_detect_layout(uci):
    assert detect_layout(uci).name == "online_retail"
    table, layout = to_canonical(uci)
    assert list(table.columns[:6]) == ["order_id", "customer_id", "product_id", "quantity", "unit_price", "timestamp"]
    _, report = load_transactions(uci)
    assert report.source == "<DataFrame>"


# --------------------------------------------------------------------------- cleaning rules


def test_each_optional_rule(tmp_path, uci):
    path = write(uci, tmp_path / "o.csv")
    _, base = load_transactions(path)
    _, dup = load_transactions(path, overrides={"duplicates": True})
    assert dup.dropped["duplicate"] == 1 and dup.rows_kept == base.rows_kept - 1
    assert base.flag("non_product").action == "kept" and base.non_products[0]["product_id"] == "POST"
    _, post = load_transactions(path, overrides={"drop_non_product": True})
    assert post.dropped["non_product"] == 1 and post.rows_kept == base.rows_kept - 1
    _, keep_c = load_transactions(path, overrides={"cancellation_prefix": None, "non_positive_quantity": False})
    assert "cancellation" not in keep_c.dropped and keep_c.rows_kept == base.rows_kept + 2


def test_counts_add_up_and_a_row_is_counted_once(uci):
    # the cancellation line also has quantity <= 0: counted by the first rule only
    _, report = load_transactions(uci)
    assert sum(report.dropped.values()) == report.rows_read - report.rows_kept
    steps = report.steps()
    assert steps["rows_left"].iloc[-1] == report.rows_kept


def test_a_few_unparseable_timestamps_are_dropped_and_counted(uci):
    df = pd.concat([uci] * 20, ignore_index=True)  # 220 rows
    df.loc[5, "InvoiceDate"] = "not a date"
    table, report = load_transactions(df, overrides={"max_unparseable_share": 0.01})
    assert report.dropped["unparseable_timestamp"] == 1


def test_rules_are_checked():
    with pytest.raises(DataError, match="negative_price"):
        CleaningRules(negative_price="keep")
    with pytest.raises(DataError, match="Unknown cleaning rule"):
        CleaningRules.from_mapping({"drop_everything": True})


# --------------------------------------------------------------------------- DataError cases


def test_missing_file(tmp_path):
    with pytest.raises(DataError) as err:
        load_transactions(tmp_path / "nope.csv")
    assert "does not exist" in str(err.value) and "nope.csv" in str(err.value) and "fix:" in str(err.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="empty") as err:
        load_transactions(path)
    assert str(path) in str(err.value)


def test_header_only_file(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(",".join(UCI_COLUMNS) + "\n")
    with pytest.raises(DataError, match="no rows"):
        load_transactions(path)


def test_required_column_absent_lists_found_and_closest(tmp_path, uci):
    path = write(uci.drop(columns=["UnitPrice"]), tmp_path / "noprice.csv")
    with pytest.raises(DataError) as err:
        load_transactions(path)
    msg = str(err.value)
    assert "look like the layout online_retail" in msg and "UnitPrice is missing" in msg
    assert "InvoiceNo" in msg  # the columns found
    assert "order_id='InvoiceNo'" in msg  # the closest names, as a mapping to copy
    assert str(path) in msg


def test_mapping_to_a_column_that_is_not_there(uci):
    mapping = {
        "order_id": "InvoiceNo",
        "customer_id": "CustomerID",
        "product_id": "StockCode",
        "quantity": "Quantity",
        "unit_price": "Unit Price",
        "timestamp": "InvoiceDate",
    }
    with pytest.raises(DataError) as err:
        load_transactions(uci, mapping=mapping)
    assert "Unit Price" in str(err.value) and "UnitPrice" in str(err.value)


def test_number_column_that_does_not_parse(uci):
    df = uci.copy()
    df["UnitPrice"] = ["£2.55", "£3.39", "£1.85", "£27.50", "£0", "£5.95", "£18", "£2.95", "£0", "£1.25", "£1.25"]
    with pytest.raises(DataError) as err:
        load_transactions(df)
    msg = str(err.value)
    assert "unit_price" in msg and "cannot be parsed as numbers" in msg
    assert "row 1: '£2.55'" in msg  # the value the file really holds
    assert "currency" in msg  # the fix


def test_date_column_that_does_not_parse(uci):
    df = uci.copy()
    df["InvoiceDate"] = "yesterday"
    with pytest.raises(DataError) as err:
        load_transactions(df)
    msg = str(err.value)
    assert "timestamp" in msg and "dates" in msg and "'yesterday'" in msg and "ISO 8601" in msg


def test_negative_prices_refused_when_the_rules_say_so(uci):
    df = uci.copy()
    df.loc[2, "UnitPrice"] = -11062.06
    _, report = load_transactions(df)  # default: dropped
    assert report.dropped["non_positive_price"] == 2
    with pytest.raises(DataError) as err:
        load_transactions(df, overrides={"negative_price": "error"})
    assert "negative" in str(err.value) and "row 3: -11062.06" in str(err.value)


def test_non_finite_prices_are_refused(uci):
    df = uci.copy()
    df.loc[1, "UnitPrice"] = np.inf
    with pytest.raises(DataError) as err:
        load_transactions(df)
    assert "infinite" in str(err.value) and "row 2" in str(err.value)


def test_customer_id_blank_on_every_row(uci):
    df = uci.copy()
    df["CustomerID"] = np.nan
    with pytest.raises(DataError, match="blank on every row"):
        load_transactions(df)


def test_folder_and_unreadable_files(tmp_path):
    with pytest.raises(DataError, match="folder"):
        read_table(tmp_path)
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="could not be read as Parquet"):
        read_table(bad)


# --------------------------------------------------------------------------- dates


def _dated(uci: pd.DataFrame, dates: list[str]) -> pd.DataFrame:
    df = pd.concat([uci.iloc[[0]]] * len(dates), ignore_index=True)
    df["InvoiceNo"] = [str(536000 + i) for i in range(len(dates))]
    df["InvoiceDate"] = dates
    return df.rename(columns={"InvoiceNo": "order", "CustomerID": "customer"})


MAPPING = {"order_id": "order", "customer_id": "customer", "product_id": "StockCode", "quantity": "Quantity",
           "unit_price": "UnitPrice", "timestamp": "InvoiceDate"}  # fmt: skip


def test_day_first_dates_are_read_day_first(uci):
    df = _dated(uci, ["31/12/2011 10:00", "1/2/2011 09:30", "13/2/2011 11:00"])
    table, _ = load_transactions(df, mapping=MAPPING)
    assert table["timestamp"].tolist() == [pd.Timestamp("2011-12-31 10:00"), pd.Timestamp("2011-02-01 09:30"),
                                           pd.Timestamp("2011-02-13 11:00")]  # fmt: skip


def test_month_first_dates_are_read_month_first(uci):
    df = _dated(uci, ["12/31/2011 10:00", "1/2/2011 09:30"])
    table, _ = load_transactions(df, mapping=MAPPING)
    assert table["timestamp"].tolist() == [pd.Timestamp("2011-12-31 10:00"), pd.Timestamp("2011-01-02 09:30")]


def test_ambiguous_dates_are_refused_and_date_format_settles_them(uci):
    df = _dated(uci, ["1/2/2011 10:00", "3/4/2011 09:30"])
    with pytest.raises(DataError) as err:
        load_transactions(df, mapping=MAPPING)
    msg = str(err.value)
    assert "day-first" in msg and "InvoiceDate" in msg and "date_format" in msg and "'1/2/2011 10:00'" in msg
    table, _ = load_transactions(df, mapping=MAPPING, date_format="%d/%m/%Y %H:%M")
    assert table["timestamp"].iloc[0] == pd.Timestamp("2011-02-01 10:00")


def test_a_known_layout_settles_ambiguous_dates(uci):
    table, _ = load_transactions(uci)  # every UCI date here has a day <= 12; the layout is month-first
    assert table["timestamp"].iloc[0] == pd.Timestamp("2010-12-01 08:26")


def test_time_zones_keep_the_local_time(tmp_path, uci):
    df = uci.copy()
    df["InvoiceDate"] = pd.date_range("2011-03-01 10:00", periods=len(df), freq="h", tz="Europe/Berlin")
    path = tmp_path / "tz.parquet"
    df.to_parquet(path)
    table, _ = load_transactions(path)
    assert table["timestamp"].dt.tz is None
    assert table["timestamp"].iloc[0] == pd.Timestamp("2011-03-01 10:00")
    text = _dated(uci, ["2024-01-01T10:00:00+01:00", "2024-01-02T11:00:00+01:00"])
    table, _ = load_transactions(text, mapping=MAPPING)
    assert table["timestamp"].iloc[0] == pd.Timestamp("2024-01-01 10:00")


# --------------------------------------------------------------------------- more refusals


def test_nothing_left_after_cleaning(uci):
    df = uci.copy()
    df["InvoiceNo"] = "C" + df["InvoiceNo"].str.lstrip("C")
    with pytest.raises(DataError) as err:
        load_transactions(df)
    assert "dropped every row" in str(err.value) and "'cancellation'" in str(err.value)


def test_empty_number_cells_are_named_as_empty(tmp_path, uci):
    df = pd.concat([uci] * 2, ignore_index=True)
    df.loc[[1, 4, 7], "Quantity"] = np.nan
    path = tmp_path / "gaps.csv"
    df.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_transactions(path)
    msg = str(err.value)
    assert "3 empty and 0 that cannot be parsed" in msg and "row 2: empty" in msg and "fill the empty cells" in msg


def test_title_rows_above_the_header(tmp_path, uci):
    path = tmp_path / "export.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["Sales export 2011"]]).to_excel(writer, index=False, header=False)
        uci.to_excel(writer, index=False, startrow=2)
    with pytest.raises(DataError) as err:
        load_transactions(path)
    assert "header is probably not on the first row" in str(err.value)


def test_a_few_unparseable_numbers_are_dropped_and_counted(uci):
    df = pd.concat([uci] * 20, ignore_index=True)  # 220 rows
    df["UnitPrice"] = df["UnitPrice"].astype(object)
    df.loc[7, "UnitPrice"] = "n/a"  # 2 of 220 rows: under the 1 % that is dropped quietly
    df["Quantity"] = df["Quantity"].astype(object)
    df.loc[9, "Quantity"] = "six"
    _, report = load_transactions(df, overrides={"max_unparseable_share": 0.01})
    assert report.dropped["unparseable_number"] == 2
    assert sum(report.dropped.values()) == report.rows_read - report.rows_kept
    flag = report.flag("unparseable_number")
    assert flag.column == "quantity (Quantity), unit_price (UnitPrice)"
    assert flag.rows == ["row 8 (order 536521): unit_price 'n/a'", "row 10 (order 536523): quantity 'six'"]
