"""The forecasters' scikit-learn shape: parameters in ``__init__``, ``fit`` returns the model with what it
learned in attributes ending in ``_``, ``predict`` refuses an unfitted model or a future without a calendar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone

from analysis.errors import DataError
from analysis.forecast import models as FM
from analysis.forecast.products import future_task


def _task(n: int = 120, season: int = 7, seed: int = 0) -> FM.Task:
    rng = np.random.default_rng(seed)
    y = 50 + 10 * np.sin(np.arange(n) * 2 * np.pi / season) + rng.normal(0, 2, n)
    closed = np.zeros(n, bool)
    closed[[40, 103]] = True
    y[closed] = 0.0
    dates = pd.date_range("2024-01-01", periods=n, freq="D")
    return FM.Task(y=y, dates=dates, closed=closed, promo=np.zeros(n, bool), season=season)


#: What each model learns, by the page's name.
LEARNED = {
    "mean": ("level_", "sigma_", "n_"), "naive": ("level_", "sigma_"),
    "seasonal naive": ("season_", "last_season_", "sigma_"), "drift": ("level_", "slope_", "sigma_", "n_"),
    "calendar regression": ("window_", "coef_", "sigma2_", "xtx_inv_"), "gradient boosting": ("model_", "level_"),
    "ETS": ("fits_", "form_", "results_"), "SARIMA": ("order_", "seasonal_order_", "results_"),
    "Theta": ("method_", "deseasonalize_", "results_"),
}


def test_the_page_names_map_to_the_estimator_classes():
    assert set(FM.MODELS) == set(LEARNED) == set(FM.BASELINES) | set(FM.CALENDAR_MODELS)
    for name, cls in FM.MODELS.items():
        assert issubclass(cls, FM.Forecaster) and issubclass(cls, BaseEstimator), name
        assert cls.knows_calendar == (name in FM.CALENDAR_MODELS), name


@pytest.mark.parametrize("name", list(FM.MODELS))
def test_fit_returns_the_model_with_its_fitted_attributes(name):
    model = FM.MODELS[name]()
    params = model.get_params()
    with pytest.raises(DataError, match=f"{type(model).__name__} is not fitted") as info:
        model.predict(7)
    assert "fit(task, train_end)" in info.value.fix
    assert model.fit(_task(), 100, 7) is model
    assert model.get_params() == params  # fit leaves the hyper-parameters alone
    for attribute in ("train_end_", "horizon_", "calendar_", *LEARNED[name]):
        assert hasattr(model, attribute), f"{name} has no {attribute}"
    assert model.train_end_ == 100 and model.horizon_ == 7 and len(model.calendar_.y) == 100
    f = model.predict(7)
    assert f.mean.shape == (7,) and np.isfinite(f.mean).all()
    np.testing.assert_array_equal(model.predict().mean, f.mean)  # the horizon of the fit is the default


def test_hyper_parameters_live_in_init_and_survive_clone():
    model = FM.CalendarRegression(window=70, window_seasons=(5, 10), inner_origins=2)
    assert model.get_params() == {"window": 70, "window_seasons": (5, 10), "inner_origins": 2}
    assert clone(model).get_params() == model.get_params()
    assert FM.GradientBoosting(seed=3).get_params()["seed"] == 3
    assert set(FM.ETS().get_params()) == {"forms", "intervals", "seed"}
    assert FM.SARIMA().get_params() == {"window": FM.SARIMA_WINDOW}
    assert FM.Naive().get_params() == {}
    assert repr(FM.GradientBoosting(seed=3)) == "GradientBoosting(seed=3)"


def test_a_refit_forgets_the_first_fit():
    task = _task()
    model = FM.CalendarRegression().fit(task, 80, 7).fit(task, 100, 7)
    np.testing.assert_array_equal(model.predict(7).mean, FM.CalendarRegression().fit(task, 100, 7).predict(7).mean)


def test_closures_are_forecast_as_zero_by_the_calendar_models_only():
    task = _task()  # step 103 is closed: the 4th step after 100
    assert FM.CalendarRegression().fit(task, 100, 7).predict(7).mean[3] == 0.0
    assert FM.Theta().fit(task, 100, 7).predict(7).sd[3] == 0.0
    assert FM.Naive().fit(task, 100).predict(7).mean[3] == task.y[99]


def test_a_calendar_model_needs_the_calendar_of_the_steps_it_forecasts():
    task = _task()
    assert len(FM.Naive().fit(task).predict(7).mean) == 7  # a baseline ignores the calendar
    model = FM.CalendarRegression().fit(task, horizon=7)
    with pytest.raises(DataError, match="calendar ends 0 steps after") as info:
        model.predict(7)
    assert "future_task" in info.value.fix
    ahead = FM.CalendarRegression().fit(future_task(task, 7), len(task), 7).predict(7)
    assert len(ahead.mean) == 7 and np.isfinite(ahead.mean).all()


def test_gradient_boosting_forecasts_at_most_the_horizon_it_was_fitted_for():
    model = FM.GradientBoosting().fit(_task(), 100, 7)
    np.testing.assert_array_equal(model.predict(3).mean, model.predict(7).mean[:3])
    with pytest.raises(DataError, match="fitted for 7 steps ahead") as info:
        model.predict(14)
    assert info.value.fix == "fit with horizon=14"


def test_ets_forms_and_point_forecasts():
    task = _task()
    every = FM.ETS().fit(task, 100)
    assert every.form_ == min(every.fits_, key=lambda k: every.fits_[k].aic)
    assert set(every.fits_) == set(FM.ETS_FORMS)  # the closures' zeros filled: multiplicative forms fit too
    one = FM.ETS(forms=("ETS(A,N,A)",), intervals=False).fit(task, 100)
    assert one.form_ == "ETS(A,N,A)" and list(one.fits_) == ["ETS(A,N,A)"]
    f = one.predict(7)
    assert f.sd is None
    np.testing.assert_allclose(f.mean, np.where(task.closed[100:107], 0, one.results_.forecast(7)))
    with pytest.raises(DataError, match="ETS knows the forms"):
        FM.ETS(forms=("ETS(X)",)).fit(task, 100)


def test_fit_refuses_a_training_end_outside_the_series():
    for bad in (0, 121, 2.5, "100"):
        with pytest.raises(DataError, match="cannot fit on the first") as info:
            FM.Naive().fit(_task(), bad)
        assert info.value.parameter == "train_end"
    with pytest.raises(DataError, match="cannot be fitted for 0 steps"):
        FM.Naive().fit(_task(), 100, 0)
