"""The data parameter resolved once: analysis.data.source."""

from __future__ import annotations

import pytest

from analysis.chapters.risk.params import RiskParams
from analysis.data.params import DataParams
from analysis.data.source import BUILT_IN, source_of


def test_the_three_kinds():
    shop, cdnow, file = source_of("shop", 400, 3), source_of("cdnow"), source_of(" orders.csv ")
    assert (shop.kind, cdnow.kind, file.kind) == ("shop", "cdnow", "file")
    assert shop.built_in and shop.is_shop and cdnow.built_in and not cdnow.is_shop
    assert not file.built_in and file.text == "orders.csv" and str(file.path) == "orders.csv"
    assert shop.name == "shop(n_customers=400, seed=3)" and shop.path is None
    assert cdnow.path.name == "CDNOW_master.txt" and set(BUILT_IN) == {"shop", "cdnow"}


def test_params_carry_their_source():
    p = DataParams(data="shop", shop_customers=300, seed=4)
    assert p.source == source_of("shop", 300, 4)
    assert RiskParams(data="cdnow").source.kind == "cdnow"


def test_identity_hashes_a_file_and_names_built_in_data(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("x\n1\n")
    first = source_of(str(f)).identity()
    assert first.startswith(str(f) + "#")
    f.write_text("x\n2\n")
    assert source_of(str(f)).identity() != first
    assert source_of("shop").identity() == "shop" and source_of("cdnow").identity() == "cdnow"


def test_the_shop_is_simulated_once_and_only_for_the_shop():
    src = source_of("shop", 60, 1)
    assert src.shop() is src.shop()  # the loader and the chapter's truth share one simulation
    assert src.shop().transactions["customer_id"].nunique() <= 60
    with pytest.raises(ValueError, match="not the built-in shop"):
        source_of("cdnow").shop()


def test_loading_the_shop_leaves_the_kept_simulation_as_it_was():
    from analysis.data import load_data

    src = source_of("shop", 60, 2)
    before = src.shop().transactions.copy()
    load_data({"data": "shop", "shop_customers": 60, "seed": 2})
    assert src.shop().transactions.equals(before)
