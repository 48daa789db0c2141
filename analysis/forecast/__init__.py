r"""Sales forecasting and inventory: the functions behind the Forecasting chapter.

1. :mod:`~analysis.forecast.series` -- the sales series on a trading calendar
   (non-trading weekdays out, closures flagged, a partial last day dropped).
2. :mod:`~analysis.forecast.models` -- baselines, the calendar regression,
   gradient boosting, ETS, seasonal ARIMA and Theta, Croston's method and the median
   combination of forecasters, scikit-learn estimators
   (``fit(task, train_end, horizon)``, ``predict(horizon)``).
3. :mod:`~analysis.forecast.backtest` -- rolling origins
   (:func:`analysis.split.rolling_origins`), scores
   (:mod:`analysis.evaluate.forecast`), model and conformal intervals.
4. :mod:`~analysis.forecast.price` -- discount days, promotion lift, price elasticity.
5. :mod:`~analysis.forecast.inventory` and :mod:`~analysis.forecast.products` --
   the products' forecast chosen by the backtest among its candidates, safety stock,
   reorder point, the (s, S) policy simulated day by day (its safety stock raised until
   the simulation meets the target), the newsvendor, the run-rate check.
   :mod:`~analysis.forecast.ahead` -- the calendar ahead (closures carried forward and
   given) and the forecast of the days after the data end, with intervals.
6. :mod:`~analysis.chapters.forecast.steps` and :mod:`~analysis.chapters.forecast.figures` -- one
   function per step of the chapter, and its figures.

:mod:`~analysis.chapters.forecast.params` (the chapter's parameters) is imported by the
book's registry, not here.
"""

from analysis.forecast.ahead import forecast_ahead, forward_calendar, parse_closures
from analysis.forecast.backtest import Backtest, backtest, conformal_bounds, conformal_quantile, recent_level
from analysis.forecast.inventory import (
    Policy,
    PolicyRun,
    empirical_safety_stock,
    newsvendor,
    newsvendor_empirical,
    normal_safety_stock,
    policy_for,
    simulate_policy,
    window_errors,
)
from analysis.forecast.models import ETS, MODELS, CalendarRegression, Forecast, Forecaster, Task, task_of
from analysis.forecast.price import discount_days, price_elasticity, promotion_flags, promotion_lift, quantity_pricing
from analysis.forecast.products import future_task, product_tasks, stock_plan, top_products, window_error_sums
from analysis.forecast.series import SalesSeries, sales_series

__all__ = [
    "ETS",
    "MODELS",
    "Backtest",
    "CalendarRegression",
    "Forecast",
    "Forecaster",
    "Policy",
    "PolicyRun",
    "SalesSeries",
    "Task",
    "backtest",
    "conformal_bounds",
    "conformal_quantile",
    "discount_days",
    "empirical_safety_stock",
    "forecast_ahead",
    "forward_calendar",
    "future_task",
    "newsvendor",
    "newsvendor_empirical",
    "normal_safety_stock",
    "policy_for",
    "price_elasticity",
    "product_tasks",
    "parse_closures",
    "promotion_flags",
    "promotion_lift",
    "quantity_pricing",
    "recent_level",
    "sales_series",
    "simulate_policy",
    "stock_plan",
    "task_of",
    "top_products",
    "window_error_sums",
    "window_errors",
]
