"""The statsforecast peer of ``benchmarks/forecast.py``, run in its own virtual environment.

statsforecast 2.1.1 needs pandas < 3 and the book's ``.venv`` has pandas 3, so
``benchmarks/forecast.py`` runs this file with ``benchmarks/.venv-statsforecast/bin/python``
(see ``benchmarks/README.md``). It imports nothing from ``analysis``.

Usage: ``python _statsforecast_peer.py SERIES.csv SPEC.json``. ``SERIES.csv`` has
columns ``ds, y`` (the trading-day series, one row a step); ``SPEC.json`` holds
``season``, ``horizon``, ``train_ends`` (the origins, 0-based) and ``levels``.
It prints one JSON object: per model the forecasts and interval bounds at each
origin and the seconds spent fitting and predicting over all origins.

With ``"panel": true`` in ``SPEC.json``, ``SERIES.csv`` also has a ``unique_id``
column (one series per product, the same steps each) and the models are AutoETS
(with intervals) and CrostonOptimized (intermittent demand, no intervals), fitted to
every series at each origin; ``runs`` then holds, per origin, each series' forecasts.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, CrostonOptimized, SeasonalNaive


def main(series_path: str, spec_path: str) -> None:
    spec = json.loads(open(spec_path).read())
    y = pd.read_csv(series_path)["y"].to_numpy(dtype=np.float64)
    m, h, levels = int(spec["season"]), int(spec["horizon"]), [int(round(100 * x)) for x in spec["levels"]]
    peers = {
        "statsforecast AutoETS": lambda: AutoETS(season_length=m),
        "statsforecast AutoARIMA": lambda: AutoARIMA(season_length=m),
        "statsforecast AutoTheta": lambda: AutoTheta(season_length=m),
        "statsforecast seasonal naive": lambda: SeasonalNaive(season_length=m),
    }
    out = {}
    for name, make in peers.items():
        runs, seconds = [], 0.0
        for end in spec["train_ends"]:
            df = pd.DataFrame({"unique_id": "s", "ds": np.arange(end), "y": y[:end]})
            model = make()
            start = time.perf_counter()
            fc = StatsForecast(models=[model], freq=1, n_jobs=1).forecast(df=df, h=h, level=levels)
            seconds += time.perf_counter() - start
            col = str(model)
            run = {"mean": fc[col].tolist()}
            for lv in levels:
                run[f"lo_{lv}"] = fc[f"{col}-lo-{lv}"].tolist()
                run[f"hi_{lv}"] = fc[f"{col}-hi-{lv}"].tolist()
            runs.append(run)
        out[name] = {"runs": runs, "seconds": seconds}
        print(f"{name}: {seconds:.2f} s", file=sys.stderr, flush=True)
    print(json.dumps(out))


def panel(series_path: str, spec_path: str) -> None:
    spec = json.loads(open(spec_path).read())
    data = pd.read_csv(series_path, dtype={"unique_id": str})
    m, h, levels = int(spec["season"]), int(spec["horizon"]), [int(round(100 * x)) for x in spec["levels"]]
    peers = {
        "statsforecast AutoETS": (lambda: AutoETS(season_length=m), levels),
        "statsforecast CrostonOptimized": (lambda: CrostonOptimized(), []),
    }
    out = {}
    for name, (make, lv) in peers.items():
        runs, seconds = [], 0.0
        for end in spec["train_ends"]:
            df = data[data["ds"] < end]
            model = make()
            start = time.perf_counter()
            sf = StatsForecast(models=[model], freq=1, n_jobs=1)
            fc = sf.forecast(df=df, h=h, level=lv) if lv else sf.forecast(df=df, h=h)
            seconds += time.perf_counter() - start
            col = str(model)
            run = {}
            for uid, part in fc.groupby("unique_id", sort=False):
                run[str(uid)] = {"mean": part[col].tolist(),
                                 **{f"lo_{x}": part[f"{col}-lo-{x}"].tolist() for x in lv},
                                 **{f"hi_{x}": part[f"{col}-hi-{x}"].tolist() for x in lv}}
            runs.append(run)
        out[name] = {"runs": runs, "seconds": seconds}
        print(f"{name}: {seconds:.2f} s", file=sys.stderr, flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    if json.loads(open(sys.argv[2]).read()).get("panel"):
        panel(sys.argv[1], sys.argv[2])
    else:
        main(sys.argv[1], sys.argv[2])
