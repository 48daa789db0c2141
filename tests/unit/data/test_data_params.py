"""DataParams: every value checked before anything is read, errors in the user's words."""

from __future__ import annotations

import codecs
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from analysis import DataError
from analysis.data import DATA_PARAM_MEANINGS, DataParams, data_params, load_data, params_error
from analysis.data.params import MAX_SEED, MAX_SHOP_CUSTOMERS


def test_defaults_are_the_contract():
    p = DataParams()
    assert p.model_dump() == {
        "data": "shop", "seed": 0, "shop_customers": 3000, "shop_history_days": 0, "mapping": {}, "encoding": "", "date_format": "",
        "decimal": ".", "thousands": "", "drop_duplicates": False, "drop_non_product": False,
        "min_date": "1990-01-01", "max_date": "", "outlier_threshold": 50.0, "drop_outliers": False, "currency": "",
        "net_cancellations": False, "sheet": "", "timezone": "", "cancellation_prefix": "C", "engine": "duckdb",
    }  # fmt: skip
    assert set(DATA_PARAM_MEANINGS) == set(DataParams.model_fields)
    assert p.max_day() == pd.Timestamp.today().normalize() and p.min_day() == pd.Timestamp("1990-01-01")
    assert DataParams(min_date="").min_day() is None


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"seed": -1}, "seed", "a whole number >= 0"),
        ({"seed": True}, "seed", "not True"),
        ({"shop_customers": 10}, "shop_customers", "a whole number from 50 to"),
        ({"outlier_threshold": 0}, "outlier_threshold", "a number > 0"),
        ({"outlier_threshold": float("nan")}, "outlier_threshold", "it must be a number"),
        ({"encoding": "klingon"}, "encoding", "not a codec"),
        ({"date_format": "dd/mm/yyyy"}, "date_format", "strftime codes"),
        ({"decimal": ";"}, "decimal", '"." or ","'),
        ({"thousands": "_"}, "thousands", "one of"),
        ({"decimal": ",", "thousands": ","}, "thousands", "must differ"),
        ({"min_date": "31/12/2011"}, "min_date", "ISO date"),
        ({"max_date": "2011-02-30"}, "max_date", "ISO date"),
        ({"min_date": "2012-01-01", "max_date": "2011-12-31"}, "max_date", "after min_date (2012-01-01)"),
        ({"min_date": "2999-01-01"}, "max_date", "today"),
        ({"currency": "pounds"}, "currency", "3-letter"),
        ({"mapping": {"price": "Price"}}, "mapping", "unknown canonical columns"),
        ({"data": "  "}, "data", "empty"),
        ({"drop_duplicates": "maybe"}, "drop_duplicates", "true or false"),
        ({"engine": "hadoop"}, "engine", "duckdb"),
        ({"k": 3}, "k", "Unknown parameter"),
    ],
)
def test_each_invalid_value_names_its_parameter(values, field, words):
    with pytest.raises(DataError) as raw:
        data_params(values, ignore_extra=False)
    err = raw.value
    msg = str(err)
    assert err.parameter == field and words in msg and "Input should" not in msg, msg
    assert f"{field} = " in msg or f"{field} is not a data parameter" in msg
    assert "fix:" in msg and (field in err.fix or "the data parameters: data, seed" in err.fix)


def test_valid_values_are_normalised():
    p = DataParams(currency="gbp", min_date=" 2011-01-01 ", max_date="2011-12-09T23:00", decimal=",", thousands=".")
    assert (p.currency, p.min_date, p.max_date) == ("GBP", "2011-01-01", "2011-12-09T23:00")
    assert DataParams(encoding="cp1252").encoding == "cp1252"
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%d.%m.%y %Hh%M", "%Y%m%d", "%d %b %Y %I:%M %p"):
        assert DataParams(date_format=fmt).date_format == fmt
    assert DataParams(outlier_threshold="12.5").outlier_threshold == 12.5  # YAML or CLI text


def test_data_params_ignores_other_keys_and_raises_data_error():
    p = data_params({"data": "cdnow", "k": 4, "tier_cuts": [0.5, 0.9], "__name__": "__main__"})
    assert p.data == "cdnow"
    assert data_params(p) is p

    class Chapter(BaseModel):  # a chapter's own model that does not subclass DataParams
        data: str = "cdnow"
        k: int = 3

    assert data_params(Chapter()).data == "cdnow"
    with pytest.raises(DataError) as err:
        data_params({"seed": -5, "k": 4})
    assert err.value.parameter == "seed" and "-5" in str(err.value)
    with pytest.raises(DataError) as err:
        data_params({"data": "shop", "drop_duplicate": True}, ignore_extra=False)
    assert err.value.parameter == "drop_duplicate" and "Unknown parameter" in str(err.value)
    assert "did you mean drop_duplicates?" in err.value.fix


def test_load_data_checks_parameters_before_reading(tmp_path):
    with pytest.raises(DataError) as err:
        load_data({"data": str(tmp_path / "nowhere.csv"), "decimal": ";"})
    assert err.value.parameter == "decimal"  # the parameter, not the missing file


# --------------------------------------------------------------------------- property-based

INVALID = st.one_of(
    st.tuples(st.just("seed"), st.integers(max_value=-1) | st.integers(min_value=MAX_SEED + 1)),
    st.tuples(st.just("shop_customers"), st.integers(max_value=49) | st.integers(min_value=MAX_SHOP_CUSTOMERS + 1)),
    st.tuples(st.just("outlier_threshold"), st.floats(max_value=0) | st.just(float("inf"))),
    st.tuples(st.just("decimal"), st.text(max_size=3).filter(lambda s: s not in (".", ","))),
    st.tuples(st.just("thousands"), st.text(max_size=3).filter(lambda s: s not in ("", ",", ".", " ", "'"))),
    st.tuples(st.just("currency"), st.text(max_size=6).filter(lambda s: not (len(s.strip()) == 3 and s.strip().isascii()
                                                                            and s.strip().isalpha()) and s.strip())),
    st.tuples(st.sampled_from(["min_date", "max_date"]), st.text(min_size=1, max_size=12)),
    st.tuples(st.just("encoding"), st.text(min_size=1, max_size=10)),
    st.tuples(st.just("date_format"), st.text(min_size=1, max_size=10).filter(lambda s: "%" not in s)),
    st.tuples(st.sampled_from(["seed", "shop_customers", "outlier_threshold"]), st.booleans()),
    st.tuples(st.text(min_size=1, max_size=8).filter(lambda s: s not in DataParams.model_fields), st.integers()),
)


def _is_valid(field: str, value) -> bool:
    """The few generated values that are in fact valid (a real codec, an ISO date)."""
    if field == "encoding":
        try:
            codecs.lookup(value)
            "a".encode(value)  # a text encoding, not rot13 or base64
        except (LookupError, ValueError, TypeError):
            return False
        return True
    if field in ("min_date", "max_date"):
        if not value.strip():  # blank: no limit
            return True
        try:
            stamp = datetime.fromisoformat(value.strip())
        except ValueError:
            return False
        return field == "max_date" or stamp < datetime.now()
    return False


@settings(max_examples=200, deadline=None)
@given(INVALID)
def test_any_invalid_value_is_refused_naming_the_field(case):
    field, value = case
    if _is_valid(field, value):
        return
    with pytest.raises(DataError) as err:
        data_params({field: value}, ignore_extra=False)
    assert field in err.value.parameter.split(", ") and "fix:" in str(err.value)


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "seed": st.integers(min_value=0, max_value=MAX_SEED),
            "shop_customers": st.integers(min_value=50, max_value=MAX_SHOP_CUSTOMERS),
            "outlier_threshold": st.floats(min_value=1e-6, max_value=1e6),
            "decimal": st.sampled_from([".", ","]),
            "currency": st.sampled_from(["", "GBP", "usd", "EUR"]),
            "encoding": st.sampled_from(["", "utf-8", "cp1252", "latin-1", "utf-16"]),
            "drop_outliers": st.booleans(),
        },
    )
)
def test_valid_values_pass(values):
    p = data_params(values)
    assert p.decimal != p.thousands


@pytest.mark.parametrize("value", ["20111231", "2011-W52-6", "31/12/2011"])
def test_dates_must_be_written_year_month_day(value):
    with pytest.raises((DataError, ValidationError)) as err:
        data_params({"min_date": value})
    assert "min_date" in str(err.value)
