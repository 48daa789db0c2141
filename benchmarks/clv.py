"""Benchmark: our BG/NBD + Gamma-Gamma fits against lifetimes' on the CDNOW summary.

Run from the project root:  OPENBLAS_NUM_THREADS=1 python benchmarks/clv.py

Both libraries fit the same data (2,357 customers, weeks; Gamma-Gamma on the
946 with a repeat purchase) in the same process.  Each fit is timed five times
with time.perf_counter and the median kept; ``seconds`` is the median BG/NBD
fit plus the median Gamma-Gamma fit.  The last line printed is one JSON object
``{"ours": {...}, "lifetimes": {...}}`` with keys r, alpha, a, b, p, q, gamma,
seconds.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# lifetimes sets a pandas option that pandas 3 deprecates (raised from lifetimes.utils)
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"lifetimes(\.|$)")

import pandas as pd  # noqa: E402
from lifetimes import BetaGeoFitter, GammaGammaFitter  # noqa: E402
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value  # noqa: E402

from analysis import clv  # noqa: E402

RUNS = 5
Result = TypeVar("Result")


def median_time(fit: Callable[[], Result], runs: int = RUNS) -> tuple[Result, float]:
    """The last fit's result and the median wall time over ``runs`` fits."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def ours(data: pd.DataFrame, repeaters: pd.DataFrame) -> dict[str, Any]:
    bg, bg_seconds = median_time(lambda: clv.BGNBD().fit(data["frequency"], data["recency"], data["T"]))
    gg, gg_seconds = median_time(lambda: clv.GammaGamma().fit(repeaters["frequency"], repeaters["monetary_value"]))
    return {
        "r": bg.r_,
        "alpha": bg.alpha_,
        "a": bg.a_,
        "b": bg.b_,
        "p": gg.p_,
        "q": gg.q_,
        "gamma": gg.gamma_,
        "seconds": bg_seconds + gg_seconds,
    }


def theirs(data: pd.DataFrame, repeaters: pd.DataFrame) -> dict[str, Any]:
    with warnings.catch_warnings():  # lifetimes resets warning filters on every likelihood call
        bg, bg_seconds = median_time(lambda: BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"]))
        gg, gg_seconds = median_time(
            lambda: GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])
        )
    return {
        "r": float(bg.params_["r"]),
        "alpha": float(bg.params_["alpha"]),
        "a": float(bg.params_["a"]),
        "b": float(bg.params_["b"]),
        "p": float(gg.params_["p"]),
        "q": float(gg.params_["q"]),
        "gamma": float(gg.params_["v"]),
        "seconds": bg_seconds + gg_seconds,
    }


def main() -> None:
    data = load_cdnow_summary_data_with_monetary_value()
    repeaters = data[data["frequency"] > 0]
    results = {"ours": ours(data, repeaters), "lifetimes": theirs(data, repeaters)}
    for name, row in results.items():
        print(f"{name:>9}: " + ", ".join(f"{key}={value:.6g}" for key, value in row.items()))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
