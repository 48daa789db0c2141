"""Benchmark: daily revenue forecasts on UCI Online Retail, our models beside statsforecast's.

Run from the project root::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/forecast.py [--data PATH] [--no-peer]

Protocol (``../shared/benchmarks.md``)
--------------------------------------
* Daily revenue (quantity x unit price) over invoices whose number starts with a
  digit, quantity > 0, unit price > 0; the partial last day (2011-12-09) dropped.
  Read straight from the Parquet file with pandas, not through the data layer,
  whose cleaning differs in places.
* "Trading days": every calendar day from the first to the last, days without a
  sale as 0, Saturdays removed (the shop never trades on them), closures kept
  as 0; season 6.
* Horizon 24 trading days, 6 rolling origins, expanding window, test windows back
  to back ending on the last day.  MASE scaled by each origin's in-sample
  seasonal naive MAE, averaged over origins; sMAPE in %, averaged over origins;
  coverage of the 80 % and 95 % intervals pooled over the 144 test points.
* Our models (``analysis.forecast.models``) run in this process through
  ``analysis.forecast.backtest`` (which also fits 4 earlier origins, only to
  calibrate the conformal intervals of the first scored ones); the closures of a
  test window are given to the models that know the calendar, as a shop knows
  its own holidays.  ``coverage_*`` are our conformal intervals,
  ``model_coverage_*`` the model's own where it has them.  statsmodels ETS(A,Ad,A)
  runs here too.
* The peer: statsforecast 2.1.1 (AutoETS, AutoARIMA, AutoTheta, seasonal naive)
  needs pandas < 3, so it runs as a subprocess in ``benchmarks/.venv-statsforecast``
  (made from ``benchmarks/requirements-statsforecast.txt`` on first use) on the
  identical series (passed as a CSV file) and origins, in the same run.  Its
  forecasts come back as JSON and are scored here by the same functions.

Progress goes to stderr; the last line of stdout is one JSON object
``{"series": {...}, "models": {"<name>": {"mase", "smape", "coverage_80", "coverage_95",
"seconds", ...}}, "best": "<name>", "goals": {...}}``.
Goals (issue 11): our best MASE at least 5 % below AutoETS's; 80 % intervals covering
75-85 % and 95 % intervals 90-98 %.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.evaluate import forecast as M  # noqa: E402
from analysis.forecast import models as FM  # noqa: E402
from analysis.forecast.backtest import backtest  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "online_retail" / "online_retail.parquet"
PEER_VENV = ROOT / "benchmarks" / ".venv-statsforecast"
PEER_REQUIREMENTS = ROOT / "benchmarks" / "requirements-statsforecast.txt"
HORIZON, N_ORIGINS, SEASON, LEVELS = 24, 6, 6, (0.8, 0.95)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def protocol_series(path: Path) -> tuple[pd.Series, dict]:
    """The trading-day revenue series of the protocol and its description."""
    d = pd.read_parquet(path, columns=["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice"])
    d = d[d["InvoiceNo"].astype(str).str.match(r"^\d") & (d["Quantity"] > 0) & (d["UnitPrice"] > 0)]
    revenue = (d["Quantity"] * d["UnitPrice"]).groupby(d["InvoiceDate"].dt.normalize()).sum()
    last = revenue.index.max()
    revenue = revenue[revenue.index < last]  # the partial last day
    days = pd.date_range(revenue.index.min(), revenue.index.max(), freq="D")
    full = revenue.reindex(days, fill_value=0.0)
    y = full[full.index.day_of_week != 5]
    info = {"file": path.name, "first_day": str(y.index[0].date()), "last_day": str(y.index[-1].date()),
            "dropped_partial_day": str(last.date()), "trading_days": len(y), "closures": int((y == 0).sum()),
            "total_revenue": round(float(y.sum()), 2), "season": SEASON, "horizon": HORIZON,
            "origins": N_ORIGINS}
    return y, info


def ensure_peer_venv() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        log(f"creating {PEER_VENV} from {PEER_REQUIREMENTS.name} (first run only)")
        subprocess.run(["python3.11", "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(PEER_REQUIREMENTS)], check=True)
    return python


def run_peer(y: pd.Series, train_ends: list[int]) -> dict:
    python = ensure_peer_venv()
    with tempfile.TemporaryDirectory() as tmp:
        series, spec = Path(tmp) / "series.csv", Path(tmp) / "spec.json"
        pd.DataFrame({"ds": np.arange(len(y)), "y": y.to_numpy()}).to_csv(series, index=False)
        spec.write_text(json.dumps({"season": SEASON, "horizon": HORIZON, "train_ends": train_ends,
                                    "levels": list(LEVELS)}))
        done = subprocess.run([str(python), str(ROOT / "benchmarks" / "_statsforecast_peer.py"), str(series),
                               str(spec)], capture_output=True, text=True, check=True)
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def score_peer(y: np.ndarray, train_ends: list[int], peer: dict) -> dict:
    mase, smape, actual, lo, hi = [], [], [], {lv: [] for lv in LEVELS}, {lv: [] for lv in LEVELS}
    for end, run in zip(train_ends, peer["runs"], strict=True):
        a, f = y[end:end + HORIZON], np.asarray(run["mean"])
        mase.append(M.mase(a, f, y[:end], SEASON))
        smape.append(M.smape(a, f))
        actual.append(a)
        for lv in LEVELS:
            lo[lv].append(run[f"lo_{round(100 * lv)}"])
            hi[lv].append(run[f"hi_{round(100 * lv)}"])
    a = np.concatenate(actual)
    out = {"mase": float(np.mean(mase)), "smape": float(np.mean(smape))}
    for lv in LEVELS:
        out[f"coverage_{round(100 * lv)}"] = M.coverage(a, np.concatenate(lo[lv]), np.concatenate(hi[lv]))
    out["seconds"] = peer["seconds"]
    return out


class StatsmodelsETS(FM.Forecaster):
    """statsmodels ETS(A,Ad,A) on the trading days as they are (closures as 0, no calendar): the peer in-process.

    Attributes
    ----------
    results_ : ETSResults
        The statsmodels fit.
    """

    def fit(self, task: FM.Task, train_end: int | None = None, horizon: int | None = None) -> StatsmodelsETS:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        task = self._start(task, train_end, horizon)
        with FM._quiet():
            self.results_ = ETSModel(pd.Series(task.y), error="add", trend="add", damped_trend=True, seasonal="add",
                                     seasonal_periods=task.season).fit(disp=False, maxiter=1000)
        return self

    def predict(self, horizon: int | None = None) -> FM.Forecast:
        h = len(self._future(horizon))
        with FM._quiet():
            pred = self.results_.get_prediction(start=self.train_end_, end=self.train_end_ + h - 1)
        return FM.Forecast(np.asarray(pred.predicted_mean), np.sqrt(np.asarray(pred.var_pred_mean)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-peer", action="store_true", help="skip statsforecast")
    args = parser.parse_args()
    y, info = protocol_series(args.data)
    log(f"series: {info['trading_days']} trading days, {info['closures']} closures")
    v = y.to_numpy()
    task = FM.Task(y=v, dates=pd.DatetimeIndex(y.index), closed=v == 0, promo=np.zeros(len(v), bool), season=SEASON)
    models = {**{name: cls() for name, cls in FM.MODELS.items()}, "statsmodels ETS(A,Ad,A)": StatsmodelsETS()}
    bt = backtest(task, HORIZON, N_ORIGINS, LEVELS, models=models)
    results = {}
    for name, row in bt.scores.iterrows():
        keep = ["mase", "smape", "coverage_80", "coverage_95", "model_coverage_80", "model_coverage_95", "seconds"]
        results[name] = {k: (None if pd.isna(row[k]) else round(float(row[k]), 4)) for k in keep}
        log(f"{name}: MASE {row['mase']:.3f}")
    train_ends = [len(v) - (N_ORIGINS - k) * HORIZON for k in range(N_ORIGINS)]
    if not args.no_peer:
        for name, peer in run_peer(y, train_ends).items():
            results[name] = {k: round(float(x), 4) for k, x in score_peer(v, train_ends, peer).items()}
            log(f"{name}: MASE {results[name]['mase']:.3f}")
    ours = [n for n in results if not n.startswith(("statsforecast", "statsmodels"))]
    best = min(ours, key=lambda n: results[n]["mase"])
    goals = {"best_vs_autoets_mase": None, "coverage_80_in_75_85": None, "coverage_95_in_90_98": None}
    if "statsforecast AutoETS" in results:
        goals["best_vs_autoets_mase"] = round(results[best]["mase"] / results["statsforecast AutoETS"]["mase"] - 1, 4)
    for kind in ("coverage", "model_coverage"):
        c80, c95 = results[best][f"{kind}_80"], results[best][f"{kind}_95"]
        goals[f"{kind}_80_in_75_85"] = None if c80 is None else bool(0.75 <= c80 <= 0.85)
        goals[f"{kind}_95_in_90_98"] = None if c95 is None else bool(0.90 <= c95 <= 0.98)
    print(json.dumps({"series": info, "models": results, "best": best, "goals": goals}))


if __name__ == "__main__":
    main()
