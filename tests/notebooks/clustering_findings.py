"""Checks shared by the Clustering notebook tests and the real-data tests: the worded findings follow the glued numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis import fmt
from analysis.clv import P_BOUNDARY
from analysis.chapters.clustering import findings as F
from analysis.chapters._findings import CONCENTRATED, concentration
from analysis.segment import RFM_SEGMENTS
from analysis.chapters.clustering.steps import CSV_COLUMNS


def _f(glued: dict[str, str], name: str) -> float:
    return float(glued[name])


def check_findings(g: dict[str, str]) -> None:
    """Every worded finding of a run against the numbers the same run glued."""
    _segments(g)
    _clv_fits(g)
    _holdout_and_alive(g)
    for name in F.SUMMARY:
        assert g[name].strip() in g["run_summary"], name


def _segments(g: dict[str, str]) -> None:
    n = int(g["n_customers"])
    counts = {s: int(g[f"rfm_n_{s.replace(' ', '_')}"]) for s in RFM_SEGMENTS}
    assert sum(counts.values()) == n
    if counts["champions"]:
        assert fmt.share(_f(g, "rfm_champions_revenue")) in g["rfm_finding"]
    else:
        assert g["rfm_finding"].startswith("No customer scores as a champion")
    k_used = int(g["k_used"])
    assert f"k = {k_used}" in g["k_finding"] and f"k = {g['best_k']}" in g["k_finding"]
    assert ("highest at the smallest k" in g["silhouette_finding"]) == (int(g["best_k"]) == 2)
    clusters, noise = int(g["dbscan_clusters"]), _f(g, "dbscan_noise")
    text = g["dbscan_finding"]
    if clusters == 0 or noise >= F.MOSTLY_NOISE:
        assert "mostly too spread out" in text
    elif clusters == 1:
        assert "one dense mass" in text and fmt.share(noise) in text
    else:
        assert f"{clusters} dense clusters" in text and "one dense mass" not in text
    assert text.startswith("On all ") == (int(g["dbscan_sample"]) == n)
    # Ward and DBSCAN see the same customers: at most max_points_density
    assert int(g["ward_sample"]) == int(g["dbscan_sample"]) == min(n, int(g["max_points_density"]))
    assert g["ward_finding"].startswith("On all ") == (int(g["ward_sample"]) == n)
    high = _f(g, "high_tier_share")
    tier = g["tier_finding"]
    assert fmt.share(high) in tier
    top20 = _f(g, "top20_share")
    assert tier.endswith(concentration(top20) + ".")  # the book's one scale, the words chapter 1 uses
    assert ("concentrated in a minority" in tier) == (top20 >= CONCENTRATED)


def _clv_fits(g: dict[str, str]) -> None:
    at_boundary = bool(int(g["gg_at_boundary"]))
    assert ("degenerate" in g["boundary_finding"]) == at_boundary
    assert (_f(g, "fit_p") == P_BOUNDARY) == at_boundary and _f(g, "fit_p") <= P_BOUNDARY
    assert ("degenerate" in g["dropout_finding"]) == bool(int(g["bg_no_dropout"]) or int(g["bg_at_boundary"]))
    r = _f(g, "spend_corr")
    spend = g["spend_finding"]
    assert fmt.number(r) in spend
    assert ("close to 0, so the Gamma-Gamma assumption" in spend) == (abs(r) < F.INDEPENDENT)
    assert ("the assumption fails" in spend) == (abs(r) >= F.DEPENDENT)
    assert "0.0000" not in g["boundary_finding"] + g["fit_gamma_text"]


def _holdout_and_alive(g: dict[str, str]) -> None:
    err, text = _f(g, "holdout_error"), g["holdout_finding"]
    assert fmt.count(_f(g, "holdout_actual")) in text and fmt.count(_f(g, "holdout_predicted")) in text
    if abs(err) <= F.ACCURATE:
        assert "close" in text
    elif err < 0:
        assert f"under-predicts by {fmt.share(-err)}" in text and "too low" in text
    else:
        assert f"over-predicts by {fmt.share(err)}" in text and "too high" in text
    n, valued = int(g["n_customers"]), int(g["n_valued"])
    assert int(g["n_not_valued"]) == n - valued
    assert (g["excluded_finding"] == f"All {fmt.count(n)} customers are valued.") == (valued == n)
    lost = g["lost_alive_finding"]
    if int(g["lost_n"]) == 0:
        assert "No customer" in lost
    else:
        alive = _f(g, "lost_alive")
        assert f"mean P(alive) of {fmt.number(alive)}" in lost
        assert ("agrees" in lost) == (alive <= F.MOSTLY_DEAD)
    for key in ("lost", "at_risk"):
        share, text = _f(g, f"{key}_late_share"), g[f"{key}_rhythm_finding"]
        assert "none has a rhythm" in text or (fmt.share(share) in text and ("gone quiet" in text) == (share >= F.MOSTLY_LATE))
    no_dropout = bool(int(g["bg_no_dropout"]))
    win = g["win_back_finding"]
    # the win-back list rests on P(alive) only when the model passed its holdout check and sees dropout
    holds = abs(_f(g, "holdout_error")) <= F.ACCURATE and not no_dropout
    assert bool(int(g["model_holds"])) == holds and g["win_back_rule"] == ("p_alive" if holds else "overdue")
    assert ("below one half" in win) == holds and ("own rhythm" in win) == (not holds)
    assert f"{fmt.count(int(g['n_win_back']))} of the" in win
    assert g["holdout_cause_finding"] == F.holdout_cause(_f(g, "holdout_error"), _f(g, "misfit_error"), _f(g, "season_change"))
    raw, log = _f(g, "ex2_2"), _f(g, "ex2_2_log")
    ex1 = g["ex2_2_sentence"]
    assert fmt.share(raw) in ex1 and ("lumps" in ex1) == (raw >= F.MOST and raw - log >= F.CLEARLY)
    assert ("about the same size" in ex1) == (abs(raw - log) < F.CLEARLY)
    # the dropout sentence says the forecasts hold only when the holdout error is within ACCURATE
    drop, err = g["dropout_finding"], _f(g, "holdout_error")
    assert "still hold" not in drop or abs(err) <= F.ACCURATE
    if bool(int(g["bg_no_dropout"])):
        assert ("still hold" in drop) == (abs(err) <= F.ACCURATE)
    # every BG/NBD parameter on the edge of the box is named in the dropout sentence
    bounded = [] if g["bg_bounded"] == "none" else g["bg_bounded"].split(", ")
    assert not bounded or int(g["bg_at_boundary"])
    for name in bounded:
        assert f"{name} = {g[f'fit_{name}_text']}" in drop and "edge of the box" in drop
    assert ("edge of the box" in drop) == bool(bounded)


def _pasted(notebook: Path) -> dict[str, str]:
    """Caption -> glue name of every table the chapter pastes as a numbered table ({glue:figure} name, :name: tab-...)."""
    import re

    nb = json.loads(Path(notebook).read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    found = re.findall(r"```\{glue:figure\} (\w+)\n:name: tab-[^\n]*\n\n(.*?)\n```", text, flags=re.S)
    return {caption.strip().rstrip("."): name for name, caption in found}


def _html_outputs(notebook: Path) -> list[tuple[str, str]]:
    """(glue name or "", HTML) of every output: shown tables and glued ones."""
    nb = json.loads(Path(notebook).read_text())
    out = []
    for c in nb["cells"]:
        for o in c.get("outputs", []) if c["cell_type"] == "code" else []:
            name = o.get("metadata", {}).get("scrapbook", {}).get("name", "")
            out += [(name, "".join(v)) for k, v in o.get("data", {}).items() if k.endswith("text/html")]
    return out


def output_captions(notebook: Path) -> list[str]:
    """Captions of the tables the executed chapter shows: numbered tables' and shown tables' own."""
    import re

    shown = [m for _, h in _html_outputs(notebook) for m in re.findall(r"<caption>(.*?)</caption>", h)]
    return list(_pasted(notebook)) + shown


def check_page(notebook: Path, glued: dict[str, str]) -> None:
    """The RFM rules and segments tables are on the page; the analyst's CSV lies beside it, one row per customer."""
    captions = output_captions(notebook)
    assert any("RFM segment rules" in c for c in captions)
    assert any("Named RFM segments" in c for c in captions)
    csv = pd.read_csv(Path(notebook).parent / "clustering_customers.csv")
    assert list(csv.columns) == list(CSV_COLUMNS)
    assert len(csv) == int(glued["n_customers"])
    for money in ("monetary", "clv"):  # money in cents
        values = csv[money].dropna()
        assert ((values * 100).round() - values * 100).abs().max() < 1e-6, money
    _names_follow_profiles(notebook)
    assert csv["p_alive"].notna().sum() == int(glued["n_valued"])


def _names_follow_profiles(notebook: Path) -> None:
    """The k-means segments' names: unique, and "new" only for a tenure short against the data's window."""
    from analysis.segment.profiles import NEW_WINDOW_SHARE

    table = read_table(notebook, "Profiles of the k-means segments")
    assert table["name"].is_unique, table["name"].tolist()
    window = pd.read_csv(Path(notebook).parent / "clustering_customers.csv")["tenure"].max()
    for _, row in table[table["name"] == "new"].iterrows():
        assert float(row["median tenure (days)"]) <= NEW_WINDOW_SHARE * window


def read_table(notebook: Path, caption: str) -> pd.DataFrame:
    """The table with ``caption`` (a numbered table's caption, or a shown table's own) as text cells."""
    import re

    glued = _pasted(notebook).get(caption.rstrip("."))
    for name, html in _html_outputs(notebook):
        if (glued is not None and name == glued) or f"<caption>{caption}</caption>" in html:
            heads = re.findall(r"<th[^>]*col_heading[^>]*>(.*?)</th>", html)
            cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
            rows = [cells[i : i + len(heads)] for i in range(0, len(cells), len(heads))]
            return pd.DataFrame(rows, columns=heads)
    raise AssertionError(f"no table captioned {caption!r}")
