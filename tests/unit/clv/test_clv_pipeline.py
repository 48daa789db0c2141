"""The chapter's CLV pipeline in analysis.clv: calibration end, fits, diagnostics, values, tracking."""

from __future__ import annotations

import warnings
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from analysis import clv, features
from analysis.errors import DataError

FHL = clv.BGNBD.from_parameters(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL 2005, CDNOW in weeks
FH = clv.GammaGamma.from_parameters(p=6.25, q=3.74, gamma=15.44)  # FH 2013, same cohort


def _summary(rows: list[tuple[str, int, float, float, float]]) -> pd.DataFrame:
    """A calibration summary as analysis.features.customer_summary gives it (in weeks)."""
    return pd.DataFrame(rows, columns=["customer_id", "x", "t_x", "T", "monetary_value"]).astype(
        {"customer_id": "str", "x": "int64"}
    )


# 15 customers, 12 repeaters: 10 with positive spend, one with free repeat orders (0), one with returns (< 0),
# and 3 customers who never came back.
SMALL = _summary(
    [
        ("c01", 2, 30.0, 38.0, 20.0), ("c02", 0, 0.0, 38.0, 0.0), ("c03", 5, 35.0, 37.0, 12.5),
        ("c04", 1, 4.0, 36.0, 40.0), ("c05", 0, 0.0, 35.0, 0.0), ("c06", 3, 20.0, 34.0, 8.0),
        ("c07", 1, 30.0, 33.0, 0.0), ("c08", 7, 31.0, 32.0, 25.0), ("c09", 2, 10.0, 31.0, -5.0),
        ("c10", 0, 0.0, 30.0, 0.0), ("c11", 4, 25.0, 29.0, 15.0), ("c12", 1, 2.0, 28.0, 60.0),
        ("c13", 6, 27.0, 27.5, 9.0), ("c14", 2, 12.0, 26.0, 33.0), ("c15", 3, 18.0, 25.0, 14.0),
    ]
)  # fmt: skip


# ---------------------------------------------------------------------------
# default_calibration_end
# ---------------------------------------------------------------------------


def test_default_calibration_end_arithmetic() -> None:
    # 30 days * 2/3 = 20 days
    assert clv.default_calibration_end("2024-01-01", "2024-01-31") == pd.Timestamp("2024-01-21")
    # times of day are dropped first: the same days give the same end
    assert clv.default_calibration_end(
        pd.Timestamp("2024-01-01 15:00"), pd.Timestamp("2024-01-31 09:30")
    ) == pd.Timestamp("2024-01-21")
    # 9 days * 1/2 = 4.5 days, floored to midnight
    assert clv.default_calibration_end("2011-12-01", "2011-12-10", share=0.5) == pd.Timestamp("2011-12-05")
    # UCI Online Retail: 373 days * 2/3 = 248.67 days after 2010-12-01
    end = clv.default_calibration_end(pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2011-12-09 12:50"))
    assert end == pd.Timestamp("2011-08-06")
    assert end == end.normalize()
    # the shortest span allowed: 2 days
    assert clv.default_calibration_end("2024-01-01", "2024-01-03") == pd.Timestamp("2024-01-02")


@pytest.mark.parametrize(
    ("first", "last", "days"),
    [("2024-01-01", "2024-01-01", "1 calendar day "), ("2024-01-01 00:05", "2024-01-02 23:55", "2 calendar days")],
)
def test_default_calibration_end_needs_two_days(first: str, last: str, days: str) -> None:
    with pytest.raises(DataError, match="too short") as err:
        clv.default_calibration_end(first, last)
    assert err.value.column == "calibration_end"
    assert days in err.value.problem
    assert "longer period" in err.value.fix


def test_default_calibration_end_refuses_bad_share_and_dates() -> None:
    for share in (0.0, -0.5, 1.5, float("nan")):
        with pytest.raises(DataError, match="share"):
            clv.default_calibration_end("2024-01-01", "2024-12-31", share=share)
    with pytest.raises(DataError, match="not a date"):
        clv.default_calibration_end("yesterday-ish", "2024-12-31")
    with pytest.raises(DataError, match="missing"):
        clv.default_calibration_end(pd.NaT, "2024-12-31")
    with pytest.raises(DataError, match="before first_day") as err:
        clv.default_calibration_end("2024-01-10", "2024-01-01")
    assert err.value.column == "last_day"


# ---------------------------------------------------------------------------
# fit_models
# ---------------------------------------------------------------------------


def test_fit_models_fits_bgnbd_on_all_rows_and_gammagamma_on_positive_spend() -> None:
    bg, gg = clv.fit_models(SMALL)
    assert bg.as_dict() == clv.BGNBD().fit(SMALL["x"], SMALL["t_x"], SMALL["T"]).as_dict()
    assert bg.n_customers_ == 15
    spend = SMALL[(SMALL["x"] > 0) & (SMALL["monetary_value"] > 0)]
    assert len(spend) == 10  # c07 (free repeat orders) and c09 (returns) are left out of the spend fit
    assert gg.as_dict() == clv.GammaGamma().fit(spend["x"], spend["monetary_value"]).as_dict()
    assert gg.n_customers_ == 10


def test_fit_models_on_cdnow_reproduces_the_published_fits(lifetimes_cdnow: pd.DataFrame) -> None:
    summary = lifetimes_cdnow
    bg, gg = clv.fit_models(summary)
    repeaters = summary[summary["x"] > 0]  # on CDNOW every repeater has a positive mean spend
    assert bg.as_dict() == clv.BGNBD().fit(summary["x"], summary["t_x"], summary["T"]).as_dict()
    assert gg.as_dict() == clv.GammaGamma().fit(repeaters["x"], repeaters["monetary_value"]).as_dict()
    assert bg.n_customers_ == 2357 and gg.n_customers_ == 946 and bg.converged_ and gg.converged_
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bg, f"{name}_") == pytest.approx(getattr(FHL, f"{name}_"), abs=1e-3), name
    assert bg.loglik_ == pytest.approx(-9582.4, abs=0.05)
    for name in ("p", "q", "gamma"):
        assert getattr(gg, f"{name}_") == pytest.approx(getattr(FH, f"{name}_"), abs=1e-2), name
    flags = clv.fit_diagnostics(bg, gg)
    assert flags == dict.fromkeys(["no_dropout", "spend_degenerate", "spend_mean_undefined"], False)


def test_fit_models_without_repeaters_speaks_of_calibration_end() -> None:
    nobody = SMALL.assign(x=0, t_x=0.0, monetary_value=0.0)
    with pytest.raises(DataError) as err:
        clv.fit_models(nobody)
    text = str(err.value)
    assert err.value.column == "calibration_end"
    assert "15 customers bought before the calibration end and 0 of them bought again" in text
    assert "at least 10" in text
    assert "calibration_end" in err.value.fix and "parameters file" in err.value.fix
    assert "too few repeat customers" in err.value.fix  # no holdout column: both ways out are named


def test_fit_models_fix_depends_on_the_holdout() -> None:
    first3 = SMALL.index < 3  # c01 and c03 are the only repeaters
    few = SMALL.assign(
        x=SMALL["x"].where(first3, 0),
        t_x=SMALL["t_x"].where(first3, 0.0),
        monetary_value=SMALL["monetary_value"].where(first3, 0.0),
    )
    later = few.assign(x_holdout=[1] * 12 + [0, 0, 0])
    with pytest.raises(DataError, match="15 customers .* 2 of them") as err:
        clv.fit_models(later)
    assert err.value.fix.startswith("choose a later calibration_end in the parameters file")
    assert "12 customers of this cohort had bought again" in err.value.fix
    never = few.assign(x_holdout=0)
    with pytest.raises(DataError) as err:
        clv.fit_models(never)
    assert err.value.fix.startswith("these data have too few repeat customers for the CLV models")
    assert "later calibration_end" not in err.value.fix
    # min_repeaters is the threshold, for repeaters and for repeaters with a positive spend
    assert clv.fit_models(SMALL, min_repeaters=10)[1].n_customers_ == 10
    with pytest.raises(DataError, match="only 10 of them spent a positive amount") as err:
        clv.fit_models(SMALL, min_repeaters=11)  # 12 repeaters, 10 with a positive spend
    assert "with positive repeat spend = 10" in str(err.value)
    assert "the repeat purchases of 2 customers had a value of 0 or less" in err.value.fix
    with pytest.raises(DataError, match="12 of them bought again"):
        clv.fit_models(SMALL, min_repeaters=13)


def test_fit_models_refuses_bad_input() -> None:
    with pytest.raises(DataError, match="No customer") as err:
        clv.fit_models(SMALL.iloc[0:0])
    assert "calibration_end" in err.value.fix
    with pytest.raises(DataError, match="monetary_value"):
        clv.fit_models(SMALL.drop(columns="monetary_value"))
    with pytest.raises(DataError, match="must be 0 when x == 0") as err:  # bad values, not "too few repeaters"
        clv.fit_models(SMALL.assign(x=0))
    assert err.value.column == "t_x"
    for bad in (0, -1, 2.5, True):
        with pytest.raises(DataError, match="min_repeaters"):
            clv.fit_models(SMALL, min_repeaters=bad)


# ---------------------------------------------------------------------------
# fit_diagnostics
# ---------------------------------------------------------------------------


def test_fit_diagnostics_flags() -> None:
    assert clv.fit_diagnostics(FHL, FH) == {
        "no_dropout": False,
        "spend_degenerate": False,
        "spend_mean_undefined": False,
    }
    immortal = clv.BGNBD.from_parameters(r=0.5, alpha=3.0, a=1e-4, b=2.0)  # a/(a+b) = 5e-5
    assert clv.fit_diagnostics(immortal, FH)["no_dropout"] is True
    edge = clv.BGNBD.from_parameters(r=0.5, alpha=3.0, a=1.1e-3, b=1.0)  # a/(a+b) = 1.0988e-3: just above the threshold
    assert clv.fit_diagnostics(edge, FH)["no_dropout"] is False
    degenerate = clv.GammaGamma.from_parameters(p=5e4, q=2.0, gamma=1e-3)
    assert clv.fit_diagnostics(FHL, degenerate)["spend_degenerate"] is True
    inside = clv.GammaGamma.from_parameters(p=999.0, q=2.0, gamma=1.0)
    assert clv.fit_diagnostics(FHL, inside)["spend_degenerate"] is False
    no_mean = clv.GammaGamma.from_parameters(p=2.0, q=0.8, gamma=1.0)
    assert clv.fit_diagnostics(FHL, no_mean)["spend_mean_undefined"] is True


# ---------------------------------------------------------------------------
# value_customers
# ---------------------------------------------------------------------------


def test_value_customers_by_hand() -> None:
    out = clv.value_customers(SMALL, FHL, FH, horizon_days=365, annual_discount_rate=0.10)
    assert list(out.columns) == ["customer_id", "p_alive", "expected_purchases", "expected_spend", "clv"]
    assert out.index.equals(SMALL.index) and out["customer_id"].tolist() == SMALL["customer_id"].tolist()
    x, t_x, T, m = SMALL["x"], SMALL["t_x"], SMALL["T"], SMALL["monetary_value"]
    weeks = 52  # round(365 / 7)
    rate = 1.10 ** (7 / 365.25) - 1
    x_spend = np.where(m > 0, x, 0)
    mbar = np.where(m > 0, m, 0.0)
    np.testing.assert_allclose(out["p_alive"], FHL.prob_alive(x, t_x, T), rtol=1e-12)
    np.testing.assert_allclose(
        out["expected_purchases"], FHL.conditional_expected_purchases(weeks, x, t_x, T), rtol=1e-12
    )
    np.testing.assert_allclose(out["expected_spend"], FH.conditional_expected_spend(x_spend, mbar), rtol=1e-12)
    by_hand = clv.customer_lifetime_value(
        FHL, FH, x, t_x, T, mbar, horizon=weeks, discount_rate=rate, x_spend=x_spend
    )
    np.testing.assert_allclose(out["clv"], by_hand, rtol=1e-12)
    # free repeat orders (c07), returns (c09) and no repeat (c02) get the population mean spend
    mean_spend = FH.p_ * FH.gamma_ / (FH.q_ - 1)
    spend = out.set_index("customer_id")["expected_spend"]
    assert spend[["c02", "c07", "c09"]].tolist() == pytest.approx([mean_spend] * 3, rel=1e-12)
    assert spend["c01"] != pytest.approx(mean_spend)
    # c07 is valued on its own purchase history: x = 1 drives the forecast, not x_spend = 0
    c07 = SMALL.set_index("customer_id").loc["c07"]
    assert out.set_index("customer_id").loc["c07", "expected_purchases"] == pytest.approx(
        FHL.conditional_expected_purchases(weeks, 1, c07["t_x"], c07["T"]), rel=1e-12
    )


def test_value_customers_horizon_and_unit() -> None:
    # 3 days in weeks rounds to 0: at least one step
    short = clv.value_customers(SMALL, FHL, FH, horizon_days=3, annual_discount_rate=0.0)
    x, t_x, T = SMALL["x"], SMALL["t_x"], SMALL["T"]
    np.testing.assert_allclose(short["expected_purchases"], FHL.conditional_expected_purchases(1, x, t_x, T))
    # no discount, one step: CLV = spend * expected purchases
    np.testing.assert_allclose(short["clv"], short["expected_spend"] * short["expected_purchases"], rtol=1e-12)
    # the same customers in days, valued daily for 30 days: alpha scales with the unit
    days = SMALL.assign(t_x=SMALL["t_x"] * 7, T=SMALL["T"] * 7)
    daily_bg = clv.BGNBD.from_parameters(r=FHL.r_, alpha=FHL.alpha_ * 7, a=FHL.a_, b=FHL.b_)
    out = clv.value_customers(days, daily_bg, FH, horizon_days=30, annual_discount_rate=0.05, unit_days=1.0)
    m = SMALL["monetary_value"]
    by_hand = clv.customer_lifetime_value(
        daily_bg, FH, x, days["t_x"], days["T"], m.clip(lower=0), horizon=30,
        discount_rate=1.05 ** (1 / 365.25) - 1, x_spend=x.where(m > 0, 0),
    )  # fmt: skip
    np.testing.assert_allclose(out["clv"], by_hand, rtol=1e-12)
    np.testing.assert_allclose(
        out["expected_purchases"], FHL.conditional_expected_purchases(30 / 7, x, t_x, T), rtol=1e-9
    )


def test_value_customers_on_cdnow_matches_lifetimes(lifetimes_cdnow: pd.DataFrame, lifetimes: ModuleType) -> None:
    summary = lifetimes_cdnow.iloc[::25]
    bg = FHL
    out = clv.value_customers(summary, bg, FH, horizon_days=365, annual_discount_rate=0.0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"lifetimes(\.|$)")
        lt = lifetimes.BetaGeoFitter()
        lt.params_ = pd.Series({"r": bg.r_, "alpha": bg.alpha_, "a": bg.a_, "b": bg.b_})
        ggf = lifetimes.GammaGammaFitter()
        ggf.params_ = pd.Series({"p": FH.p_, "q": FH.q_, "v": FH.gamma_})
        x, t_x, T = summary["x"], summary["t_x"], summary["T"]
        expected = lt.conditional_expected_number_of_purchases_up_to_time(52, x, t_x, T)
        spend = ggf.conditional_expected_average_profit(summary["x"], summary["monetary_value"])
    np.testing.assert_allclose(out["expected_purchases"], expected, rtol=1e-6)
    np.testing.assert_allclose(out["expected_spend"], spend, rtol=1e-9)
    # without discount the CLV telescopes to spend * expected purchases over the horizon
    np.testing.assert_allclose(out["clv"], out["expected_spend"] * out["expected_purchases"], rtol=1e-9)


def test_value_customers_refuses_bad_input() -> None:
    for kwargs, column in [
        ({"horizon_days": 0, "annual_discount_rate": 0.1}, "horizon_days"),
        ({"horizon_days": 0.5, "annual_discount_rate": 0.1}, "horizon_days"),
        ({"horizon_days": float("nan"), "annual_discount_rate": 0.1}, "horizon_days"),
        ({"horizon_days": 365, "annual_discount_rate": -0.01}, "annual_discount_rate"),
        ({"horizon_days": 365, "annual_discount_rate": float("inf")}, "annual_discount_rate"),
        ({"horizon_days": 365, "annual_discount_rate": 0.1, "unit_days": 0}, "unit_days"),
    ]:
        with pytest.raises(DataError) as err:
            clv.value_customers(SMALL, FHL, FH, **kwargs)
        assert err.value.column == column
    with pytest.raises(DataError, match="customer_id"):
        clv.value_customers(SMALL.drop(columns="customer_id"), FHL, FH, horizon_days=365, annual_discount_rate=0.1)
    with pytest.raises(DataError, match="empty"):
        clv.value_customers(SMALL.iloc[0:0], FHL, FH, horizon_days=365, annual_discount_rate=0.1)


# ---------------------------------------------------------------------------
# tracking_curve
# ---------------------------------------------------------------------------


def _tx(purchases: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(purchases))],
            "customer_id": [c for c, _, _ in purchases],
            "product_id": "p1",
            "quantity": 1.0,
            "unit_price": [v for _, _, v in purchases],
            "timestamp": pd.to_datetime([t for _, t, _ in purchases]),
        }
    )


CAL_END = pd.Timestamp("2024-01-11")
# Cohort (first purchase before 2024-01-11): a, b, c. d first buys ON the calibration end (not in the
# cohort, as in customer_summary), e after it. Two orders of a on 01-03 make one purchase day.
TRACK_TX = _tx(
    [
        ("a", "2024-01-01 09:00", 10.0), ("a", "2024-01-03 10:00", 5.0), ("a", "2024-01-03 17:00", 5.0),
        ("b", "2024-01-02 12:00", 20.0), ("a", "2024-01-08 08:00", 7.0), ("b", "2024-01-09 19:00", 9.0),
        ("c", "2024-01-10 11:00", 4.0), ("a", "2024-01-11 10:00", 6.0), ("d", "2024-01-11 12:00", 8.0),
        ("c", "2024-01-14 09:00", 3.0), ("d", "2024-01-15 09:00", 8.0), ("e", "2024-01-16 09:00", 1.0),
        ("d", "2024-01-18 09:00", 8.0), ("b", "2024-01-20 09:00", 2.0), ("e", "2024-01-20 10:00", 1.0),
    ]
)  # fmt: skip
FIRST_DAY, LAST_DAY = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-20")


@pytest.fixture(scope="module")
def tracked() -> tuple[pd.DataFrame, pd.DataFrame]:
    summary = features.customer_summary(TRACK_TX, CAL_END, LAST_DAY)
    daily = features.repeat_purchases_by_day(TRACK_TX, CAL_END, end=LAST_DAY)
    return summary, clv.tracking_curve(daily, summary, FHL, FIRST_DAY)


def test_tracking_curve_actual_is_the_hand_count(tracked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    summary, curve = tracked
    assert list(curve.columns) == ["actual", "expected"]
    assert curve.index.name == "date"
    assert curve.index[0] == FIRST_DAY and curve.index[-1] == LAST_DAY and len(curve) == 20
    # repeat purchase days of a, b, c: a 01-03, 01-08, 01-11; b 01-09, 01-20; c 01-14 (d and e never count)
    repeats = {"2024-01-03": 1, "2024-01-08": 1, "2024-01-09": 1, "2024-01-11": 1, "2024-01-14": 1, "2024-01-20": 1}
    hand = pd.Series(0, index=curve.index)
    for day, n in repeats.items():
        hand[pd.Timestamp(day)] = n
    assert curve["actual"].tolist() == hand.cumsum().tolist()
    assert curve.loc["2024-01-10", "actual"] == 3 and curve.loc["2024-01-19", "actual"] == 5


def test_tracking_cohort_is_the_summary_cohort(tracked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    summary, curve = tracked
    assert sorted(summary["customer_id"]) == ["a", "b", "c"]
    # Same customers in both: repeats up to the calibration end are the summary's x, and repeats after
    # it are the summary's holdout purchases (d, first buying on the calibration end, is in neither).
    assert curve.loc[:CAL_END, "actual"].iloc[-1] == summary["x"].sum() == 4
    assert curve["actual"].iloc[-1] == summary["x"].sum() + summary["x_holdout"].sum() == 6


def test_tracking_curve_expected_by_hand(tracked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    summary, curve = tracked
    birth = (summary["first_purchase"] - FIRST_DAY).dt.days.to_numpy() / 7  # a 0, b 1/7, c 9/7 weeks
    np.testing.assert_allclose(birth, [0, 1 / 7, 9 / 7])
    end_of_last_day = ((LAST_DAY - FIRST_DAY).days + 1) / 7  # 20 days
    expected = sum(float(FHL.expected_purchases(end_of_last_day - b)) for b in birth)
    assert curve["expected"].iloc[-1] == pytest.approx(expected, rel=1e-12)
    assert curve["expected"].iloc[-1] == pytest.approx(
        FHL.expected_cumulative_repeats(birth, [end_of_last_day])[0], rel=1e-12
    )
    # c is born on 01-10: by the end of 01-09 only a and b count
    end_of_0109 = 9 / 7
    assert curve.loc["2024-01-09", "expected"] == pytest.approx(
        float(FHL.expected_purchases(end_of_0109)) + float(FHL.expected_purchases(end_of_0109 - 1 / 7))
    )
    assert curve["expected"].is_monotonic_increasing and curve["expected"].iloc[0] > 0


def test_tracking_curve_in_days_and_errors(tracked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    summary, curve = tracked
    daily = features.repeat_purchases_by_day(TRACK_TX, CAL_END, end=LAST_DAY)
    in_days = clv.tracking_curve(
        daily, summary, clv.BGNBD.from_parameters(r=FHL.r_, alpha=FHL.alpha_ * 7, a=FHL.a_, b=FHL.b_), FIRST_DAY,
        unit_days=1.0,
    )
    np.testing.assert_allclose(in_days["expected"], curve["expected"], rtol=1e-9)  # the unit cancels out
    with pytest.raises(DataError, match="after the first purchase of 2 customers") as err:
        clv.tracking_curve(daily, summary, FHL, "2024-01-03")
    assert err.value.column == "first_day" and "'a' first bought on 2024-01-01" in str(err.value)
    with pytest.raises(DataError, match="indexed by date"):
        clv.tracking_curve(daily.reset_index(drop=True), summary, FHL, FIRST_DAY)
    with pytest.raises(DataError, match="empty"):
        clv.tracking_curve(daily.iloc[0:0], summary, FHL, FIRST_DAY)
    with pytest.raises(DataError, match="first_purchase"):
        clv.tracking_curve(daily, summary.drop(columns="first_purchase"), FHL, FIRST_DAY)


# ---------------------------------------------------------------------------
# lifetimes' CDNOW summary, in the package's column names
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lifetimes() -> ModuleType:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"lifetimes(\.|$)")
        return pytest.importorskip("lifetimes")


@pytest.fixture(scope="module")
def lifetimes_cdnow(lifetimes: ModuleType) -> pd.DataFrame:
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

    cdnow = load_cdnow_summary_data_with_monetary_value()
    return pd.DataFrame(
        {
            "customer_id": cdnow.index.astype(str),
            "x": cdnow["frequency"].astype("int64").to_numpy(),
            "t_x": cdnow["recency"].to_numpy(dtype=float),
            "T": cdnow["T"].to_numpy(dtype=float),
            "monetary_value": cdnow["monetary_value"].to_numpy(dtype=float),
        }
    )
