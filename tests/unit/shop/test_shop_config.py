"""The shop's settings: ShopConfig and keyword forms give the same shop; bad settings are refused."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.shop import (
    DEFAULT_PERSONAS,
    Calendar,
    Promotion,
    Shop,
    ShopConfig,
    make_shop,
    write_shop_parquet,
)


# --------------------------------------------------------------------------
# bad arguments
# --------------------------------------------------------------------------


_BAD_PERSONAS = [dataclasses.replace(p, share=0.5) for p in DEFAULT_PERSONAS]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"n_customers": 0}, "n_customers"),
        ({"n_customers": -5}, "n_customers"),
        ({"n_customers": 2.5}, "n_customers"),
        ({"n_customers": True}, "n_customers"),
        ({"seed": -1}, "seed"),
        ({"days": 0}, "days"),
        ({"start": "not a date"}, "start"),
        ({"start": "2023-01-01 10:30"}, "start"),
        ({"fraud_rate": 0.0}, "fraud_rate"),
        ({"fraud_rate": 1.5}, "fraud_rate"),
        ({"fraud_coefficients": {"night": 1.0}}, "fraud_coefficients"),
        ({"personas": _BAD_PERSONAS}, "personas"),
        ({"personas": []}, "personas"),
        ({"n_products": 3}, "n_products"),
        ({"n_products": 10**6}, "n_products"),
        ({"temperature": 0}, "temperature"),
        ({"calendar": Calendar(weekly=(1.0, 1.0))}, "calendar.weekly"),
        ({"acquisition_decay": -1}, "acquisition_decay"),
    ],
)
def test_make_shop_rejects_bad_arguments(kwargs: dict, argument: str) -> None:
    with pytest.raises(DataError) as info:
        make_shop(**{"n_customers": 10, **kwargs})
    message = str(info.value)
    assert argument in message
    assert "fix:" in message and info.value.fix


# --------------------------------------------------------------------------
# ShopConfig and the keyword form
# --------------------------------------------------------------------------


def _assert_same_shop(a: Shop, b: Shop) -> None:
    for name in ("transactions", "orders", "customers", "products"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.truth.fraud_intercept == b.truth.fraud_intercept


def test_config_and_keywords_give_the_same_shop() -> None:
    by_keywords = make_shop(n_customers=300, seed=3, days=365, n_products=120)
    by_config = make_shop(300, config=ShopConfig(seed=3, days=365, n_products=120))
    mixed = make_shop(300, seed=3, config=ShopConfig(days=365, n_products=120))
    _assert_same_shop(by_keywords, by_config)
    _assert_same_shop(by_keywords, mixed)
    assert by_keywords.as_of - by_keywords.start == pd.Timedelta(days=365)


def test_keywords_override_the_config() -> None:
    config = ShopConfig(seed=1, days=200)
    _assert_same_shop(make_shop(200, config=config, seed=2, days=100), make_shop(200, seed=2, days=100))
    assert config.seed == 1 and config.days == 200  # the config itself is unchanged



def test_config_is_normalised_and_comparable() -> None:
    config = ShopConfig()
    assert config.start == pd.Timestamp("2023-01-01") and config.start.unit == "us"
    assert config.personas == DEFAULT_PERSONAS and config.calendar == Calendar()
    assert config == ShopConfig(start=pd.Timestamp("2023-01-01"), personas=list(DEFAULT_PERSONAS),
                                calendar=Calendar())
    assert hash(config) == hash(ShopConfig())
    assert isinstance(ShopConfig(temperature=1).temperature, float)


@pytest.mark.parametrize(
    ("fields", "argument"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.0}, "seed"),
        ({"days": 3}, "days"),
        ({"start": "2023-01-01T00:00:00+01:00"}, "start"),
        ({"main_channel_prob": 1.5}, "main_channel_prob"),
        ({"country_mismatch_rate": 1.0}, "country_mismatch_rate"),
        ({"max_quantity": 0}, "max_quantity"),
        ({"taste_noise": float("nan")}, "taste_noise"),
        ({"calendar": "flat"}, "calendar"),
        ({"calendar": Calendar(hourly=(1.0,) * 23 + (-1.0,))}, "calendar.hourly"),
        ({"calendar": Calendar(yearly_amplitude=1.0)}, "calendar.yearly_amplitude"),
        ({"calendar": Calendar(promotions=(Promotion("Leap", 2, 29, 3, 1.2, 0.1),))},
         "calendar.promotions"),
        ({"calendar": Calendar(promotions=(Promotion("Free", 5, 1, 3, 1.2, 1.0),))},
         "calendar.promotions['Free'].discount"),
        ({"personas": [dataclasses.replace(DEFAULT_PERSONAS[0], share=1.0, r=-1.0)]}, "personas"),
    ],
)
def test_config_refuses_bad_fields_when_made(fields: dict, argument: str) -> None:
    with pytest.raises(DataError) as info:
        ShopConfig(**fields)
    assert argument in str(info.value) and info.value.fix
    with pytest.raises(DataError):  # replace() checks too
        dataclasses.replace(ShopConfig(), **fields)


def test_unknown_settings_and_wrong_config_are_refused(tmp_path) -> None:
    with pytest.raises(DataError) as info:
        make_shop(10, dayz=30)
    assert "dayz" in str(info.value) and "days" in info.value.fix
    with pytest.raises(DataError) as info:
        write_shop_parquet(tmp_path / "x.parquet", 100, chunk_size=10)
    assert "chunk_size" in str(info.value)
    with pytest.raises(DataError) as info:
        make_shop(10, config={"seed": 1})
    assert "config" in str(info.value)
    with pytest.raises(DataError) as info:
        make_shop(ShopConfig())
    assert "n_customers" in str(info.value) and "config=" in info.value.fix
    assert not (tmp_path / "x.parquet").exists()
