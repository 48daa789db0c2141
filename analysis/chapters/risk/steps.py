"""The Risk chapter, one function per step: each returns an :class:`analysis.page.Step`."""

from __future__ import annotations

import html
import warnings

import numpy as np
import pandas as pd
from IPython.display import HTML
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from analysis import fmt
from analysis.errors import DataError
from analysis.evaluate import classification as C
from analysis.chapters.risk import findings as F
from analysis.page import Step
from analysis.chapters.risk import figures
from analysis.risk.compare import FITTED, Comparison, compare_models, tree_depth_curve
from analysis.risk.logistic import NewtonLogistic, gradient, numeric_gradient, penalty_from_c, scorecard_points
from analysis.risk.models import MODEL_LABELS, binary_columns, make_models, onehot, weighted_variants
from analysis.risk import decisions as D
from analysis.risk.problems import RiskData, churn_problem, credit_problem, default_cutoff, fraud_problem, sensitive_columns
from analysis.risk.sensitive import group_values

__all__ = [
    "banner", "cases_step", "drop_duplicate_columns", "problem_intro", "compare_step", "cost_step", "evaluation_step", "explain_step", "framing_step",
    "group_step", "imbalance_step", "logistic_step", "offer_deciles", "offer_value", "problem_step", "scorecard_step", "scores_table",
    "takeaway_step", "tree_step", "truth_step", "decide", "in_money", "policy_step", "realised", "scores_columns",
    "scores_keys",
]  # fmt: skip

#: Rows the explanations (permutation importance, partial dependence) look at, at most.
EXPLAIN_ROWS = 3000
C_TEXTBOOK = 1.0


def cases_step(params, problem: str, table: pd.DataFrame, report) -> Step:
    """The cases of this run's problem as a :class:`RiskData` (``step["cases"]``)."""
    if problem == "fraud":
        cases = fraud_problem(table)
    elif problem == "credit":
        cases = credit_problem(table, report, params.sensitive)
    else:
        cut = params.cutoff or default_cutoff(table, params.churn_days).date().isoformat()
        cases = churn_problem(table, cut, params.churn_days)
    if problem != "credit":
        if params.sensitive and [c for c in params.sensitive if c not in cases.X.columns]:
            raise DataError(f"The sensitive attribute {params.sensitive[0]!r} is not a feature of this problem.",
                            parameter="sensitive", rows=[f"features: {', '.join(cases.X.columns)}"],
                            fix="set sensitive to a list of the features listed, or [] for none")  # fmt: skip
        cases = sensitive_columns(cases, cases.X, params.sensitive)
    when = ""
    if problem == "credit":
        gaps = {c: int(cases.X[c].isna().sum()) for c in cases.numeric}
        # german.doc says which attributes are numerical: no guessing at codes there
        kept = set(params.numeric_codes)  # ordered codes the user keeps as numbers: no hint for them
        codes = [] if report.layout == "german_credit" else [c for c in F.code_like(cases.X, cases.numeric)
                                                             if c not in kept]  # fmt: skip
        found = [c for c in getattr(report, "codes_found", []) if c in cases.categorical]
        when = F.columns_read(cases.numeric, cases.categorical, list(report.id_columns), codes, gaps, len(cases.y),
                              found)  # fmt: skip
    if problem == "churn":
        when = (f"The cut-off is {cases.notes['cutoff']}: every feature comes from purchases up to that day, the "
                f"label from the {params.churn_days} days after it.")  # fmt: skip
    cases, twins = drop_duplicate_columns(cases)
    if twins:
        pairs = "; ".join(f"{fmt.escape(a, code=True)} repeats {fmt.escape(b, code=True)}" for a, b in twins)
        when += (f" Identical feature columns are dropped ({pairs}): on these data they hold the same number for "
                 "every case, so a model would only split the credit between them.")  # fmt: skip
    found = F.sensitive_found(cases.notes.get("found", {}), cases.notes.get("left_out", []),
                              cases.notes.get("sensitive_given"), cases.unit)  # fmt: skip
    glue = {"problem": problem, "unit": cases.unit, "n_cases": len(cases.y), "cutoff_text": when.strip(),
            "sensitive_finding": found}  # fmt: skip
    return Step(glue=glue, data={"cases": cases})


def drop_duplicate_columns(cases: RiskData) -> tuple[RiskData, list[tuple[str, str]]]:
    """``cases`` without feature columns that repeat an earlier one exactly, and the ``(dropped, kept)`` pairs."""
    twins, seen = [], {}
    for name in cases.X.columns:
        col = cases.X[name]
        key = tuple(pd.util.hash_pandas_object(col, index=False).to_numpy())
        if key in seen and cases.X[seen[key]].equals(col):
            twins.append((name, seen[key]))
        else:
            seen.setdefault(key, name)
    if twins:
        gone = {a for a, _ in twins}
        cases.X = cases.X.drop(columns=sorted(gone))
        cases.numeric = [c for c in cases.numeric if c not in gone]
        cases.categorical = [c for c in cases.categorical if c not in gone]
    return cases, twins


def banner(report, problem: str) -> HTML:
    """The data banner of a labelled table or of the shop's orders (a transaction log has page.data_banner)."""
    facts = [
        f"<strong>Data:</strong> <code>{html.escape(str(report.source))}</code> (layout <code>{html.escape(str(report.layout))}</code>)",
        f"{fmt.count(report.rows_kept)} of {fmt.count(report.rows_read)} rows kept",
        f"target <code>{html.escape(report.target)}</code>, positive = <code>{html.escape(report.positive_label)}</code> "
        f"({html.escape(report.label_chosen)})",
        f"problem <code>{problem}</code>",
    ]
    extra = f" · identifier columns left out: {html.escape(', '.join(report.id_columns))}" if report.id_columns else ""
    style = "border-left: 4px solid #3b6ea5; background: #eef3fb; padding: 0.5em 0.9em; margin: 0.6em 0;"
    return HTML(f'<div class="data-banner" style="{style}"><p style="margin: 0;">{" · ".join(facts)}{extra}</p></div>')


def framing_step(cases: RiskData) -> Step:
    n, pos = len(cases.y), cases.positives
    table = pd.DataFrame({"outcome": [f"positive: {cases.label_text}", "negative"], "cases": [pos, n - pos],
                          "share": [pos / n, (n - pos) / n]})  # fmt: skip
    glue = {"n_positive": pos, "positive_share": pos / n, "n_features": cases.X.shape[1],
            "label_text": fmt.escape(cases.label_text),
            "balance_finding": F.balance(pos, n, cases.unit, fmt.escape(cases.label_text))}  # fmt: skip
    return Step(glue=glue, table=table)


def logistic_step(cases: RiskData, seed: int) -> Step:
    """Our Newton fit against scikit-learn's at C = 1, the gradient checked numerically, odds ratios."""
    # each category against its column's most common value (which gets no column): an odds ratio then compares
    # two values, not one value with a penalised average of all of them
    reference = {c: str(cases.X[c].value_counts().index[0]) for c in cases.categorical}
    enc = onehot(cases.numeric, cases.categorical, reference=reference)
    Z = enc.fit_transform(cases.X)
    names = [str(n) for n in enc.get_feature_names_out()]
    lam = penalty_from_c(C_TEXTBOOK, len(Z))
    with threadpool_limits(limits=1):  # one thread: the same sums in the same order on every run
        ours = NewtonLogistic(lam).fit(Z, cases.y)
        sk = LogisticRegression(C=C_TEXTBOOK, tol=1e-10, max_iter=10_000).fit(Z, cases.y)
    diff = float(np.max(np.abs(np.r_[sk.intercept_, sk.coef_.ravel()] - np.r_[ours.intercept_, ours.coef_.ravel()])))
    w = np.random.default_rng(seed).normal(0, 0.1, Z.shape[1] + 1)
    grad_error = float(np.max(np.abs(gradient(w, Z, cases.y, lam) - numeric_gradient(w, Z, cases.y, lam))))
    coef = ours.coef_.ravel()
    flags = binary_columns(enc)
    odds = pd.DataFrame({"feature": names, "coefficient": coef, "odds ratio": np.exp(coef),
                         "cases": [_cases_with(cases.X, n, n in flags) for n in names]})  # fmt: skip
    odds = odds.reindex(odds["coefficient"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    # the strongest effect is named among values that enough cases hold (a level of 12 cases is noise)
    enough = odds[odds["cases"] >= F.MIN_LEVEL_CASES]
    top = (enough if len(enough) else odds).iloc[0]
    odds = odds.head(10)
    kind = "flag" if top["feature"] in flags else "number" if top["feature"] in cases.numeric else "category"
    column = str(top["feature"]).split(" = ", 1)[0] if kind == "category" else str(top["feature"])
    odds["against"] = [reference.get(str(f).split(" = ", 1)[0], "") if " = " in str(f) else "" for f in odds["feature"]]
    glue = {"newton_steps": ours.n_iter_, "coef_max_diff": diff, "grad_error": grad_error, "lambda_pen": lam,
            "lambda_pen_text": fmt.number(lam),
            "newton_finding": F.newton(diff, ours.n_iter_, grad_error),
            "odds_finding": F.strongest(top["feature"], float(top["odds ratio"]), kind,
                                        reference.get(column, ""), int(top["cases"]), len(cases.y))}  # fmt: skip
    return Step(glue=glue, table=odds, data={"fit": ours, "names": names, "encoder": enc, "sklearn": sk, "Z": Z,
                                             "reference": reference, "strongest": column})  # fmt: skip


def _cases_with(X: pd.DataFrame, name: str, flag: bool) -> int:
    """How many cases a coefficient speaks of: a category value's (``col = v``) holders, a 0/1 flag's rarer
    side, every case for a number."""
    if name in X.columns:
        return int(min((X[name] == 1).sum(), (X[name] == 0).sum())) if flag else len(X)
    column, value = name.split(" = ", 1)
    return int((X[column].astype(str) == value).sum())


def tree_step(cases: RiskData, seed: int) -> Step:
    curve, tree = tree_depth_curve(cases, seed)
    best = int(curve.loc[curve["auc"].idxmax(), "depth"])
    return Step(glue={"tree_depth": best, "tree_depth_auc": float(curve["auc"].max())},
                data={"curve": curve, "tree": tree, "fig_curve": figures.depth_curve(curve, best),
                      "fig_tree": figures.tree(tree)})  # fmt: skip


def _diff_sd(comp: Comparison, ranked: list[str]) -> float:
    """The spread across folds of the AUC difference between the first two models (scored on the same folds)."""
    first, second = (comp.folds[k]["auc"].to_numpy() for k in ranked[:2])
    return float(np.std(first - second, ddof=1)) if len(first) > 1 else float("nan")


def compare_step(cases: RiskData, folds: int, seed: int) -> Step:
    comp = compare_models(cases, folds, seed)
    table = comp.table
    fitted = table[table["key"].isin([*FITTED, "blend"])].sort_values("auc", ascending=False, kind="stable")
    best = comp.best()
    glue = {"best_model": MODEL_LABELS[best], "best_auc": float(table.set_index("key").loc[best, "auc"]),
            "best_pr_auc": float(table.set_index("key").loc[best, "pr_auc"]), "pr_floor": float(cases.y.mean()),
            "best_finding": F.best_model(fitted.reset_index(drop=True), _diff_sd(comp, fitted["key"].tolist()))
            + " " + F.pr_vs_floor(
                float(table.set_index("key").loc[best, "pr_auc"]), float(cases.y.mean())),
            "cv_folds_used": folds}  # fmt: skip
    shown = table.drop(columns=["key", "seconds"]).rename(columns={"auc": "ROC AUC", "auc_sd": "ROC AUC sd", "pr_auc": "PR AUC",
                                                      "brier": "Brier score"})  # fmt: skip
    return Step(glue=glue, table=shown, data={"comparison": comp, "best": best})


def evaluation_step(cases: RiskData, comp: Comparison, best: str, act: np.ndarray, folds: int, seed: int) -> Step:
    """ROC / PR curves, calibration with Platt and isotonic recalibration, the confusion matrix of the file's
    decision ``act`` (the cases flagged or offered)."""
    y, p = cases.y, comp.scores[best]
    platt = C.recalibrate(y, p, "platt", folds=folds, seed=seed)
    iso = C.recalibrate(y, p, "isotonic", folds=folds, seed=seed)
    briers = {k: C.score_metrics(y, s)["brier"] for k, s in (("raw", p), ("platt", platt), ("isotonic", iso))}
    tables = {"as fitted": C.calibration_table(y, p), "Platt": C.calibration_table(y, platt),
              "isotonic": C.calibration_table(y, iso)}  # fmt: skip
    act = np.asarray(act, dtype=bool)
    conf = {"tp": int(np.sum(act & (y == 1))), "fp": int(np.sum(act & (y == 0))),
            "fn": int(np.sum(~act & (y == 1))), "tn": int(np.sum(~act & (y == 0)))}  # fmt: skip
    verb = _verb(cases)
    matrix = pd.DataFrame({verb[1]: [conf["tp"], conf["fp"]], verb[2]: [conf["fn"], conf["tn"]]},
                          index=pd.Index(["actually positive", "actually negative"], name="outcome"))  # fmt: skip
    glue = {"brier_raw": briers["raw"], "brier_platt": briers["platt"], "brier_isotonic": briers["isotonic"],
            "conf_tp": conf["tp"], "conf_fp": conf["fp"], "conf_fn": conf["fn"],
            "calibration_finding": F.calibration(briers["raw"], briers["platt"], briers["isotonic"], MODEL_LABELS[best],
                                                 float(np.mean(y)))}  # fmt: skip
    shown = {k: v for k, v in comp.scores.items()}
    return Step(glue=glue, table=matrix, data={"fig_roc": figures.roc_pr(y, shown), "fig_cal": figures.calibration(tables),
                                                "platt": platt, "isotonic": iso})  # fmt: skip


def _verb(cases: RiskData) -> tuple[str, str, str]:
    """``(verb, done, not done)``: flag / flagged / let through, or offer / offered / no offer (churn)."""
    return ("offer", "offered", "no offer") if cases.problem == "churn" else ("flag", "flagged", "let through")


def in_money(cases: RiskData) -> bool:
    """Churn on a log with prices decides in money; everything else (and churn without prices) by the costs."""
    return cases.problem == "churn" and cases.value is not None


def decide(cases: RiskData, p: np.ndarray, params) -> tuple[np.ndarray, float]:
    """``(act, threshold)``: the cases the decision flags or offers to, from scores ``p`` alone (no label).

    Churn with prices: the offer where its expected value is positive (:func:`analysis.risk.decisions.offer_rule`,
    threshold nan); otherwise flag at the threshold from the costs, cost_fp / (cost_fp + cost_fn) (eq.
    risk-threshold), which needs calibrated scores and no label.
    """
    p = np.asarray(p, dtype=np.float64)
    if in_money(cases):
        return D.offer_rule(p, cases.value, params.offer_success, params.margin, params.offer_cost), float("nan")
    t = C.bayes_threshold(params.cost_fp, params.cost_fn)
    return p >= t, t


def realised(cases: RiskData, params):
    """The realised value of a decision on the labels (higher is better): money for churn with prices, minus
    the mean cost per case otherwise."""
    if in_money(cases):
        return lambda act: D.realised_offer_value(cases.y, act, cases.value, params.offer_success, params.margin,
                                                  params.offer_cost)  # fmt: skip
    return lambda act: -D.realised_cost(cases.y, act, params.cost_fp, params.cost_fn)


class Undersampled:
    """A model fitted on all cases of the rarer outcome and an equal-sized random sample of the commoner (seeded)."""

    def __init__(self, model, seed: int):
        self.model, self.seed = model, seed

    def get_params(self, deep: bool = False):
        return {"model": self.model, "seed": self.seed}

    def set_params(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)
        return self

    def fit(self, X, y):
        from sklearn.base import clone

        rng = np.random.default_rng(self.seed)
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        rare, common = (pos, neg) if len(pos) <= len(neg) else (neg, pos)  # the majority class, whichever it is
        keep = np.sort(np.r_[rare, rng.choice(common, size=len(rare), replace=False)])
        self.fitted_ = clone(self.model).fit(X.iloc[keep], y[keep])
        return self

    def predict_proba(self, X):
        return self.fitted_.predict_proba(X)


def imbalance_step(cases: RiskData, comp: Comparison, folds: int, seed: int) -> Step:
    """Logistic regression as fitted (the comparison's scores), with balanced class weights, and undersampled."""
    models = weighted_variants(cases.numeric, cases.categorical, seed)
    models["undersampled"] = Undersampled(models.pop("plain"), seed)
    rows = {"plain": {"auc": comp.folds["logistic"]["auc"].mean(), "brier": comp.folds["logistic"]["brier"].mean(),
                      "mean_score": comp.scores["logistic"].mean()}}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        fold_auc = {}
        for name, model in models.items():
            oof, per_fold = C.cross_validate(model, cases.X, cases.y, folds=folds, seed=seed)
            fold_auc[name] = per_fold["auc"].to_numpy()
            rows[name] = {"auc": per_fold["auc"].mean(), "brier": per_fold["brier"].mean(), "mean_score": oof.mean()}
    # the same folds (same seed): the weighted minus plain AUC fold by fold, and its spread
    diff_sd = float(np.std(fold_auc["weighted"] - comp.folds["logistic"]["auc"].to_numpy(), ddof=1))
    table = pd.DataFrame(rows).T.rename_axis("training")
    rate = float(cases.y.mean())
    glue = {"imb_auc_plain": float(table.loc["plain", "auc"]), "imb_auc_weighted": float(table.loc["weighted", "auc"]),
            "imb_mean_weighted": float(table.loc["weighted", "mean_score"]),
            "imb_auc_diff_sd": diff_sd, "imbalance_finding": F.imbalance(table, rate, diff_sd)}  # fmt: skip
    return Step(glue=glue, table=table.rename(columns={"auc": "ROC AUC", "brier": "Brier score",
                                                       "mean_score": "mean score"}).reset_index())  # fmt: skip


def cost_step(cases: RiskData, scores: np.ndarray, params, act: np.ndarray, currency: str = "EUR") -> Step:
    """Fraud, credit (and churn without prices): the cost curve of ``scores``, the cheapest threshold in
    hindsight and the threshold from the costs, which the file uses. Churn with prices: the offers' realised
    value as they go to more customers, highest expected value first."""
    if in_money(cases):
        expected = scores * params.offer_success * params.margin * cases.value
        order = np.argsort(-expected, kind="stable")
        each = cases.y[order] * params.offer_success * params.margin * cases.value[order] - params.offer_cost
        curve = pd.DataFrame({"share_flagged": np.r_[0, np.arange(1, len(order) + 1)] / len(order),
                              "value": np.r_[0.0, np.cumsum(each)]})  # fmt: skip
        k = int(np.argmax(curve["value"].to_numpy()))
        file_value = realised(cases, params)(act)
        glue = {"best_share_flagged": float(curve["share_flagged"].iloc[k]), "best_value": float(curve["value"].iloc[k]),
                "cost_finding": F.value_curve(float(curve["share_flagged"].iloc[k]), float(curve["value"].iloc[k]),
                                              float(np.mean(act)), file_value, currency)}  # fmt: skip
        fig = figures.value_curve(curve, float(curve["share_flagged"].iloc[k]), float(np.mean(act)), currency)
        return Step(glue=glue, data={"fig": fig})
    cost_fp, cost_fn = params.cost_fp, params.cost_fn
    curve = C.cost_curve(cases.y, scores, cost_fp, cost_fn)
    best_t, best_cost = C.min_cost_threshold(cases.y, scores, cost_fp, cost_fn)
    theory_t = C.bayes_threshold(cost_fp, cost_fn)
    theory_cost = C.expected_cost(cases.y, scores, theory_t, cost_fp, cost_fn)
    none_cost = float(curve["cost"].iloc[0])
    best_share = float(curve.loc[curve["threshold"] == best_t, "share_flagged"].iloc[0]) if np.isfinite(best_t) else 0.0
    theory_share = float((scores >= theory_t).mean())
    glue = {"best_threshold": best_t, "best_cost": best_cost, "theory_threshold": theory_t, "theory_cost": theory_cost,
            "none_cost": none_cost, "best_share_flagged": best_share,
            "cost_finding": F.cost_threshold(best_t, best_cost, theory_t, theory_cost, none_cost)}  # fmt: skip
    return Step(glue=glue, data={"fig": figures.cost_curve(curve, best_share, theory_share)})


def problem_intro(problem: str, has_money: bool = True) -> str:
    """The paragraph on this problem's decision (fraud: review capacity; churn: the offer; credit: none)."""
    if problem == "churn" and not has_money:
        return ("**Churn: whom to send an offer.** These data have no prices, so `offer_cost`, `offer_success` "
                "and `margin` cannot be set against the revenue a kept customer brings: the chapter falls back "
                "to the cost matrix, an offer to a customer who would have stayed costing `cost_fp` and a churner "
                "missed `cost_fn` (cost units, not money), and sends the offer at the threshold from those costs; "
                "the table counts customers, churners and offers by score decile.")  # fmt: skip
    if problem == "fraud":
        return ("**Fraud: review capacity.** A fraud team reviews a fixed share of orders (`review_share`), so the "
                "question is the precision in the top of the ranking.")  # fmt: skip
    if problem == "churn":  # plain symbols, no $...$: the issue saw raw LaTeX reach the page from a glued sentence
        return ("**Churn: the value of an offer.** A retention offer costs `offer_cost` (in the data's currency) and "
                "keeps a would-be churner with probability `offer_success`, who is then worth `margin` times their "
                "revenue of the past year, the value at stake. The expected value of sending it to a customer of "
                "churn score π is π × `offer_success` × `margin` × value at stake − `offer_cost`; the scores "
                "file sends it where that is positive. What it *realised* is read on "
                "the labels: each offer to a customer who did churn keeps `offer_success` of `margin` times their "
                "value at stake, and every offer costs `offer_cost`; the table reads it by score decile.")  # fmt: skip
    return ("**Credit: the cost matrix.** The threshold from the costs weighs the two mistakes "
            "by the costs in the table below; no other decision is made on a credit table.")  # fmt: skip


def problem_step(cases: RiskData, comp: Comparison, best: str, params, currency: str, act: np.ndarray) -> Step:
    """The decision of each problem, with its table: fraud, precision at the review capacity; churn, the offers
    and what they realised by score decile, and the P(alive) baseline; credit, the cost matrix."""
    p = comp.scores[best]
    if cases.problem == "fraud":
        r = C.precision_at_share(cases.y, p, params.review_share)
        glue = {"review_precision": r["precision"], "review_recall": r["recall"], "reviewed": r["reviewed"],
                "problem_finding": F.review(r["reviewed"], r["precision"], r["recall"], r["base_rate"], params.review_share)}  # fmt: skip
        table = pd.DataFrame({"orders reviewed": [r["reviewed"]], "frauds among them": [r["hits"]],
                              "precision": [r["precision"]], "share of all frauds caught": [r["recall"]],
                              "fraud rate of all orders": [r["base_rate"]]})  # fmt: skip
        return Step(glue=glue, table=table)
    if cases.problem == "churn":
        deciles = offer_deciles(cases.y, p, act, cases.value, params)
        alive = comp.folds.get("p_alive")
        auc_alive = float(alive["auc"].mean()) if alive is not None else float("nan")
        auc_model = float(comp.folds[best]["auc"].mean())
        diff_sd = (float(np.std(comp.folds[best]["auc"].to_numpy() - alive["auc"].to_numpy(), ddof=1))
                   if alive is not None else float("nan"))  # fmt: skip
        if cases.value is not None:
            finding = F.offer_value(deciles, int(act.sum()), len(p), realised(cases, params)(act), currency)
        else:
            finding = (f"These data have no prices, so the offer's value in money is not known: {int(act.sum()):,} "
                       f"of {len(p):,} customers score at or above the threshold from the costs and get the offer.")
        glue = {"offer_deciles_positive": int((deciles["offers"] > 0).sum()), "offer_count": int(act.sum()),
                "offer_share": float(act.mean()),
                "problem_finding": finding + " " + F.p_alive_baseline(auc_model, auc_alive, diff_sd)}  # fmt: skip
        return Step(glue=glue, table=deciles)
    matrix = pd.DataFrame({"outcome": [f"bad ({cases.label_text})", "good"], "flagged": [0.0, params.cost_fp],
                           "let through": [params.cost_fn, 0.0]})  # fmt: skip
    return Step(glue={"problem_finding": ""}, table=matrix)


def offer_value(p: np.ndarray, value: np.ndarray, offer_cost: float, success: float, margin: float = 1.0) -> np.ndarray:
    """The expected value of sending the offer to each customer: score x success x margin x value - offer cost."""
    return np.asarray(p, dtype=np.float64) * success * margin * np.asarray(value, dtype=np.float64) - offer_cost


def offer_deciles(y: np.ndarray, p: np.ndarray, act: np.ndarray, value: np.ndarray | None, params) -> pd.DataFrame:
    """Per score decile (1 = highest): customers, churn rate, mean score, offers sent and, with prices, the
    mean value at stake and what the offers realised on the labels (kept churners' margin on their value,
    less every offer's cost)."""
    rank = pd.Series(p).rank(method="first", ascending=False).to_numpy()
    decile = np.minimum(10, 1 + ((rank - 1) * 10 // len(p)).astype(int))
    frame = pd.DataFrame({"decile": decile, "y": y, "p": p, "o": np.asarray(act, dtype=bool)})
    if value is not None:
        each = np.asarray(y) * params.offer_success * params.margin * np.asarray(value) - params.offer_cost
        frame["v"], frame["r"] = value, np.where(frame["o"], each, 0.0)
    g = frame.groupby("decile")
    out = pd.DataFrame({"customers": g.size(), "churn rate": g["y"].mean(), "mean score": g["p"].mean(),
                        "offers": g["o"].sum().astype(int)})  # fmt: skip
    if value is not None:
        out["value at stake"] = g["v"].mean()
        out["realised value"] = g["r"].sum()
    return out.reset_index()


def explain_step(cases: RiskData, seed: int, strongest: str = "") -> Step:
    """Permutation importance and partial dependence of the boosting model, on a held-out quarter; whether the
    importance ranking agrees with section 2's strongest single effect (its column ``strongest``). A partial
    dependence that draws nothing (a flat line: the model does not use the feature) is not drawn."""
    model = make_models(cases.numeric, cases.categorical, seed, len(cases.y), names=("boosting",))["boosting"]
    train, test = train_test_split(np.arange(len(cases.y)), test_size=0.25, stratify=cases.y, random_state=seed)
    test = test[:EXPLAIN_ROWS]
    with threadpool_limits(limits=1):
        model.fit(cases.X.iloc[train], cases.y[train])
        imp = permutation_importance(model, cases.X.iloc[test], cases.y[test], scoring="roc_auc", n_repeats=3,
                                     random_state=seed)  # fmt: skip
    full = pd.DataFrame({"feature": cases.X.columns, "auc_drop": imp.importances_mean, "auc_drop_sd": imp.importances_std})
    full = full.sort_values("auc_drop", ascending=False, kind="stable").reset_index(drop=True)
    table = full.head(10)
    feature = str(table.iloc[0]["feature"])
    categorical = feature in cases.categorical
    with threadpool_limits(limits=1):
        pd_result = partial_dependence(model, cases.X.iloc[test], [feature], grid_resolution=30,
                                       categorical_features=[feature] if categorical else None)  # fmt: skip
    grid, average = pd_result["grid_values"][0], pd_result["average"][0]
    drawn = len(grid) > 1 and float(np.ptp(average)) > F.FLAT_PDP
    fig = figures.partial_dependence(grid, average, feature, categorical) if drawn else None
    ranks = {str(f): i + 1 for i, f in enumerate(full["feature"])}
    agree = F.importance_agrees(strongest, ranks.get(strongest), len(full), feature) if strongest else ""
    # top_feature: the column's own name, which the exercise drops (no page cites it); the page cites top_feature_md
    glue = {"top_feature": feature, "top_feature_md": fmt.escape(feature, code=True),
            "top_auc_drop": float(table.iloc[0]["auc_drop"]), "importance_finding": agree,
            "pdp_note": "" if drawn else F.flat_pdp(feature)}  # fmt: skip
    from IPython.display import Markdown

    # a flat partial dependence is not drawn: the page shows the sentence that says why in its place
    data = {"model": model, "fig_pdp": fig if drawn else Markdown(glue["pdp_note"]), "drawn": drawn}
    return Step(glue=glue, table=table.rename(columns={"auc_drop": "ROC AUC lost", "auc_drop_sd": "sd"}), data=data)


def scorecard_step(names: list[str], fit) -> Step:
    """Points per feature (value) from the Newton fit: PDO points double the odds of good."""
    base, points, factor = scorecard_points(fit.coef_.ravel(), float(fit.intercept_[0]))
    table = pd.DataFrame({"feature": names, "points": points})
    table = table.reindex(table["points"].abs().sort_values(ascending=False).index).head(12).reset_index(drop=True)
    return Step(glue={"score_base": base, "score_factor": factor}, table=table)


def group_step(cases: RiskData, scores: np.ndarray, act: np.ndarray) -> Step:
    """The check by group of every sensitive attribute at the file's decision ``act``: cases, share flagged
    (or offered), bad rate among the accepted (the cases not flagged), observed rate, mean score (calibration
    in the large) and ROC AUC within the group; age in bands."""
    if cases.sensitive is None:  # a one-row table keeps the chapter's table numbers the same on every run
        table = pd.DataFrame({"note": ["not run: these data name no sensitive attribute (parameter sensitive)"]})
        return Step(glue={"group_finding": F.group_check(None)}, table=table)
    act = np.asarray(act, dtype=bool)
    parts = []
    for name, kind in cases.sensitive_kinds.items():
        groups = group_values(cases.sensitive[name], kind).to_numpy()
        part = C.by_group(cases.y, scores, groups)
        frame = pd.DataFrame({"g": groups.astype(str), "a": act, "y": cases.y})
        per = frame.groupby("g", sort=True)
        part["flagged"] = per["a"].mean().to_numpy()
        accepted = frame[~frame["a"]].groupby("g")["y"].mean()
        part["bad_accepted"] = part["group"].map(accepted).to_numpy(dtype=float)
        part.insert(0, "attribute", name)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    verb = _verb(cases)[1]
    names = {"observed": "observed rate", "predicted": "mean score", "auc": "ROC AUC", "flagged": f"share {verb}",
             "bad_accepted": "bad rate among accepted" if cases.problem != "churn" else "churn rate among not offered"}
    shown = table[["attribute", "group", "cases", "flagged", "bad_accepted", "observed", "predicted", "auc"]]
    formats = {"counts": ["cases"], "shares": [names[k] for k in ("flagged", "bad_accepted", "observed", "predicted")],
               "numbers": ["ROC AUC"]}  # fmt: skip
    column = ", ".join(cases.sensitive_kinds)
    return Step(glue={"group_finding": F.group_check(table), "group_column": fmt.escape(column)},
                table=shown.rename(columns=names), data={"formats": formats, "groups": table})  # fmt: skip


def policy_step(cases: RiskData, comp: Comparison, best: str, params, currency: str = "EUR") -> Step:
    """The decision in one table: every policy (each model's scores and the baselines' under the same rule,
    acting on nobody, acting on everybody) valued on the out-of-fold labels, best first; the strategy curve
    of the file's model (bad rate among the accepted against the share accepted)."""
    value = realised(cases, params)
    verb, done, _ = _verb(cases)
    names = {k: MODEL_LABELS.get(k, k) for k in comp.scores}
    acts = {names[k]: decide(cases, s, params)[0] for k, s in comp.scores.items()}
    none, every = ("offer to nobody", "offer to everybody") if verb == "offer" else ("flag nobody", "flag everybody")
    rows = D.policy_rows(cases.y, acts, value)
    rows["policy"] = rows["policy"].replace({D.NONE: none, D.ALL: every})
    rows = rows.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    money = in_money(cases)
    fitted = [names[k] for k in comp.scores if k not in ("bayes", "p_alive")]
    baselines = [names[k] for k in comp.scores if k in ("bayes", "p_alive")]
    assumptions = ""
    if money:
        assumptions = (f"An offer costs {fmt.money(params.offer_cost, currency)} (`offer_cost`) and keeps "
                       f"{fmt.share(params.offer_success)} of the churners it reaches (`offer_success`), each then "
                       f"worth {fmt.share(params.margin)} (`margin`) of their revenue of the past year"
                       + (": the value kept is revenue, not profit, unless `margin` says otherwise."
                          if params.margin == 1 else "."))  # fmt: skip
    elif cases.problem == "churn":
        assumptions = ("These data have no prices, so the offer is valued with `cost_fp` and `cost_fn` in cost "
                       "units, not in money.")  # fmt: skip
    perfect = cases.y == 1  # perfect foresight: act on exactly the cases that turn out positive (and pay)
    if money:
        perfect = perfect & D.offer_rule(1.0, cases.value, params.offer_success, params.margin, params.offer_cost)
    trivial = rows.set_index("policy").loc[[none, every], "value"].max()
    scale = abs(value(perfect) - float(trivial))
    finding = F.policies(rows[["policy", "value"]], fitted, baselines, none, every, money, currency, assumptions,
                         scale)  # fmt: skip
    chosen = names[best]
    file_row = rows.set_index("policy").loc[chosen]
    shown = rows.assign(policy=[p + " (the file's)" if p == chosen else p for p in rows["policy"]])
    shown = shown[["policy", "share_acted", "positive_rate_rest", "positive_rate_acted", "value"]]
    rest = "bad rate among accepted" if cases.problem != "churn" else "churn rate among not offered"
    worth = f"realised value ({currency})" if money else "mean cost per case"
    shown = shown.assign(value=shown["value"] if money else -shown["value"]).rename(columns={
        "share_acted": f"share {done}", "positive_rate_rest": rest,
        "positive_rate_acted": f"positive rate among {done}", "value": worth})  # fmt: skip
    curve = D.strategy_curve(cases.y, comp.scores[best])
    fig = figures.strategy_curve(curve, 1 - float(file_row["share_acted"]), float(file_row["positive_rate_rest"]),
                                 float(np.mean(cases.y)))  # fmt: skip
    glue = {"policy_finding": finding, "file_share": float(file_row["share_acted"]),
            "file_bad_accepted": float(file_row["positive_rate_rest"]), "file_value": float(file_row["value"]),
            "value_all": float(rows.set_index("policy").loc[every, "value"]),
            "value_none": float(rows.set_index("policy").loc[none, "value"])}  # fmt: skip
    formats = {"shares": [f"share {done}", rest, f"positive rate among {done}"],
               "money": [worth] if money else [], "numbers": [] if money else [worth]}  # fmt: skip
    return Step(glue=glue, table=shown, data={"formats": formats, "fig": fig, "policies": rows, "scale": scale})


def truth_step(cases: RiskData, comp: Comparison) -> Step:
    if cases.bayes is None:  # a one-row table keeps the chapter's table numbers the same on every run
        table = pd.DataFrame({"note": ["no planted model in these data: the best possible score is unknown"]})
        return Step(glue={"truth_finding": F.truth(None, None)}, table=table)
    bayes = float(C.score_metrics(cases.y, cases.bayes)["auc"])
    gaps = {MODEL_LABELS[k]: bayes - C.score_metrics(cases.y, comp.scores[k])["auc"] for k in comp.scores if k != "bayes"}
    table = pd.DataFrame({"model": list(gaps), "gap to Bayes ROC AUC": list(gaps.values())})
    return Step(glue={"bayes_auc": bayes, "truth_finding": F.truth(gaps, bayes)}, table=table,
                data={"formats": {"numbers": ["gap to Bayes ROC AUC"]}})


#: The scores file's columns, in words (the page shows them; ``scores_columns`` picks those present).
SCORE_COLUMNS = {
    "score": "the out-of-fold probability of the positive outcome from the file's model (scored by a model that "
             "never saw the case)",
    "decision": "flag / pass (fraud, credit: flag when the score is at least cost_fp / (cost_fp + cost_fn)) or "
                "offer / no offer (churn: where the offer's expected value is positive)",
    "label": "the outcome that happened, 1 = positive",
    "value_at_stake": "churn: the customer's revenue in the year before the cut-off, in the data's currency",
    "bgnbd_churn_score": "churn: the BG/NBD's probability of no purchase in the window, a baseline without labels",
}


def scores_table(cases: RiskData, scores: np.ndarray, act: np.ndarray, comp: Comparison) -> pd.DataFrame:
    """The analyst's file: one row per case, keyed by the data's own id (or the row number, ``row``), with its
    out-of-fold score, the decision ``act`` in words, the label, churn's value at stake and baseline, and the
    sensitive attributes' values for audit (never a model input when protected)."""
    verb = _verb(cases)
    decision = np.where(np.asarray(act, dtype=bool), verb[0], "pass" if verb[0] == "flag" else "no offer")
    out = pd.DataFrame({cases.ids.name or cases.unit: cases.ids.to_numpy(), "score": scores, "decision": decision,
                        "label": cases.y})  # fmt: skip
    if cases.value is not None:
        out["value_at_stake"] = cases.value
    if "p_alive" in comp.scores:
        out["bgnbd_churn_score"] = comp.scores["p_alive"]
    if cases.sensitive is not None:
        for name in cases.sensitive.columns:
            out[name if name not in out.columns else f"audit_{name}"] = cases.sensitive[name].to_numpy()
    return out


#: The unit of each scores-file column that :data:`SCORE_COLUMNS` describes.
SCORE_UNITS = {"score": "probability", "decision": "text", "label": "0/1", "value_at_stake": "{currency}",
               "bgnbd_churn_score": "probability"}  # fmt: skip


def scores_columns(cases: RiskData, scores: pd.DataFrame, currency: str = "") -> pd.DataFrame:
    """The scores file's columns, their unit and what each holds, for the page and the file's descriptor."""
    key = scores.columns[0]
    own = ("the data's own id column" if key != "row" and cases.problem == "credit" else
           "the row number in the file, from 1 (the data have no id column)" if key == "row" else
           f"the {cases.unit}'s id in the data")  # fmt: skip
    rows = [(key, "row number" if key == "row" else "id", own)]
    for name in scores.columns[1:]:
        if name in SCORE_COLUMNS:
            rows.append((name, SCORE_UNITS[name].format(currency=currency or "money"), SCORE_COLUMNS[name]))
        else:
            source = name.removeprefix("audit_")
            kind = cases.sensitive_kinds.get(source, "")
            kept = "left out of the models" if source in cases.notes.get("left_out", []) else "a model feature"
            rows.append((name, "as in the data", f"sensitive attribute ({kind}), for audit only; {kept}"))
    return pd.DataFrame(rows, columns=["column", "unit", "meaning"])  # the table formatter escapes the names


def scores_keys(scores: pd.DataFrame) -> list[str]:
    """The scores file's primary key: its id column, when no two cases share an id (a labelled table's text
    ids need only be nearly unique to be read as ids)."""
    key = scores.columns[0]
    return [key] if scores[key].notna().all() and scores[key].is_unique else []


def takeaway_step(cases: RiskData, comp: Comparison, params, policies: pd.DataFrame, scale: float,
                  currency: str = "EUR") -> Step:
    """Each model's pooled out-of-fold ROC AUC, PR AUC and Brier score, and what its decision realised on the
    labels (``policies``, ``scale``: :func:`policy_step`'s rows and tie scale): money for churn with prices, else
    the mean cost per case."""
    money = in_money(cases)
    values = dict(zip(policies["policy"], policies["value"]))
    key = "realised value" if money else "mean cost per case"
    rows = []
    for name, s in comp.scores.items():
        m = C.score_metrics(cases.y, s)
        label = MODEL_LABELS.get(name, name)
        rows.append({"model": label, "ROC AUC": m["auc"], "PR AUC": m["pr_auc"], "Brier score": m["brier"],
                     key: values[label] if money else -values[label]})  # fmt: skip
    table = pd.DataFrame(rows).sort_values(key, ascending=not money, kind="stable").reset_index(drop=True)
    # the planted Bayes score and the label-free baseline are yardsticks, not models one could deploy
    fitted = table[~table["model"].isin([MODEL_LABELS.get(k, k) for k in ("bayes", "p_alive")])]
    top, amount = str(fitted.iloc[0]["model"]), float(fitted.iloc[0][key])
    others = {str(m): float(v) for m, v in zip(fitted["model"].iloc[1:], fitted[key].iloc[1:])}
    finding = F.takeaway(top, amount, money, currency, others, scale)
    return Step(glue={"cheapest_md": top, "cheapest_cost": amount, "takeaway_finding": finding}, table=table,
                data={"money": [key] if money else [], "numbers": [] if money else [key]})
