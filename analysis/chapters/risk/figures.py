"""The Risk chapter's figures; each function returns a matplotlib Figure (the book's style applies)."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve
from sklearn.tree import plot_tree

from analysis import fmt
from analysis.risk.models import MODEL_LABELS

#: Below this positive share the precision axis is logarithmic (the floor would sit on the axis otherwise).
RARE_AXIS = 0.1
#: Characters per line of a drawn tree's split text (longer splits wrap).
SPLIT_WIDTH = 30

__all__ = ["calibration", "cost_curve", "depth_curve", "partial_dependence", "roc_pr", "strategy_curve", "tree",
           "tree_box_text", "value_curve"]


def depth_curve(curve: pd.DataFrame, best: int) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    ax.errorbar(curve["depth"], curve["auc"], yerr=curve["auc_sd"], marker="o", capsize=3)
    ax.axvline(best, ls="--", color="grey")
    ax.set(xlabel="maximum depth of the tree", ylabel="ROC AUC (inner cross-validation)")
    fig.tight_layout()
    return fig


def tree_box_text(text: str) -> str:
    """A box of scikit-learn's drawn tree in words: "samples = 40.0%" -> "40.0% of cases", "value = [0.7, 0.3]" ->
    "70% negative, 30% positive", "class = positive" -> "mostly positive", a one-hot split "col = v <= 0.5" ->
    "col is not v"."""
    out = []
    for line in text.split("\n"):
        if line.startswith("samples = "):
            line = line.removeprefix("samples = ") + " of cases"
        elif line.startswith("value = ["):
            neg, pos = (float(v) for v in line.removeprefix("value = [").rstrip("]").split(","))
            line = f"{neg:.0%} negative, {pos:.0%} positive"
        elif line.startswith("class = "):
            line = "mostly " + line.removeprefix("class = ")
        elif " = " in line and line.endswith(" <= 0.5"):
            feature, value = line.removesuffix(" <= 0.5").split(" = ", 1)
            line = f"{feature} is not {value}"
        out.append(textwrap.fill(line, SPLIT_WIDTH) if not out else line)  # a long split on two lines
    return "\n".join(out)


def tree(pipeline, max_depth: int = 2) -> plt.Figure:
    """The fitted tree's top ``max_depth`` levels, splits named by the encoded features (raw units)."""
    names = [fmt.label(n) for n in pipeline.named_steps["encode"].get_feature_names_out()]
    fig, ax = plt.subplots(figsize=(9, 4.8))  # 9 pt text stays readable at page width
    boxes = plot_tree(pipeline.named_steps["model"], max_depth=max_depth, feature_names=names,
                      class_names=["negative", "positive"], filled=True, impurity=False, proportion=True, rounded=True,
                      fontsize=9, precision=2, ax=ax)  # fmt: skip
    for box in boxes:
        box.set_text(tree_box_text(box.get_text()))
    ax.grid(False)
    fig.tight_layout()
    return fig


def roc_pr(y: np.ndarray, scores: dict[str, np.ndarray]) -> plt.Figure:
    """ROC and precision-recall curves; for a rare outcome the precision axis is logarithmic, so that the
    random score's floor (the positive share) and the curves near it stay visible."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4.6))
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(y, s)
        prec, rec, _ = precision_recall_curve(y, s)
        label = MODEL_LABELS.get(name, name)
        style = dict(ls="--", color="black") if name in ("bayes", "p_alive") else {}
        left.plot(fpr, tpr, label=label, lw=1.3, **style)
        right.plot(rec, prec, lw=1.3, **style)
    left.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
    base = float(np.mean(y))
    right.axhline(base, color="grey", lw=0.8, ls=":")
    left.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    right.set(xlabel="recall", ylabel="precision", title="precision-recall")
    if 0 < base < RARE_AXIS:
        right.set_yscale("log")
        right.set_ylim(base / 2, 1.05)
        right.set_ylabel("precision (log scale)")
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def calibration(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    top = max(float(t[["predicted", "observed"]].to_numpy().max()) for t in tables.values())
    ax.plot([0, top], [0, top], color="grey", ls=":", lw=0.8)
    for name, t in tables.items():
        ax.plot(t["predicted"], t["observed"], marker="o", ms=3.5, label=name)
    ax.set(xlabel="mean predicted probability (bin)", ylabel="observed share positive (bin)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def cost_curve(curve: pd.DataFrame, chosen_share: float, theory_share: float) -> plt.Figure:
    """Mean cost against the share flagged; when both thresholds flag under a tenth of the cases the share axis
    is logarithmic, so that the two lines do not sit on top of each other at 0."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(curve["share_flagged"], curve["cost"], lw=1.3)
    ax.axvline(chosen_share, color="C3", ls="--", label="cheapest threshold")
    ax.axvline(theory_share, color="grey", ls=":", label=r"threshold $\omega_{FP} / (\omega_{FP} + \omega_{FN})$")
    ax.set(xlabel="share of cases flagged", ylabel="mean cost per case (cost units)")
    positive = curve.loc[curve["share_flagged"] > 0, "share_flagged"]
    if max(chosen_share, theory_share) < RARE_AXIS and min(chosen_share, theory_share) > 0 and len(positive):
        ax.set_xscale("log")
        ax.set_xlim(left=float(positive.min()))
        ax.set_xlabel("share of cases flagged (log scale)")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def value_curve(curve: pd.DataFrame, best_share: float, file_share: float, currency: str) -> plt.Figure:
    """Churn: the offers' realised value against the share of customers offered (highest expected value first),
    with the best share in hindsight and the file's rule."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(curve["share_flagged"], curve["value"], lw=1.3)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(best_share, color="C3", ls="--", label="most value in hindsight")
    ax.axvline(file_share, color="grey", ls=":", label="the file's rule (expected value > 0)")
    ax.set(xlabel="share of customers offered", ylabel=f"realised value ({currency or 'money'})")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def strategy_curve(curve: pd.DataFrame, accepted: float, bad_rate: float, base_rate: float) -> plt.Figure:
    """The strategy curve: the bad rate among the accepted cases (lowest scores first) against the share
    accepted, the file's decision marked and the bad rate of accepting everybody dotted."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.plot(curve["share_accepted"], curve["bad_rate_accepted"], lw=1.4)
    ax.axhline(base_rate, color="grey", ls=":", lw=0.8, label="accept everybody")
    if 0 < accepted:
        ax.plot([accepted], [bad_rate], "o", color="C3", label="the file's decision")
    ax.set(xlabel="share of cases accepted (lowest scores first)", ylabel="positive rate among the accepted")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def partial_dependence(grid: np.ndarray, average: np.ndarray, feature: str, categorical: bool = False) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    if categorical:
        ax.bar([fmt.label(g) for g in grid], average)
        ax.tick_params(axis="x", labelrotation=45)
    else:
        ax.plot(grid, average, lw=1.5)
    ax.set(xlabel=fmt.label(feature), ylabel="mean predicted probability")
    fig.tight_layout()
    return fig
