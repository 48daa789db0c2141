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
from analysis.risk.problems import RiskData, churn_problem, credit_problem, default_cutoff, fraud_problem, leave_out

__all__ = [
    "banner", "cases_step", "drop_duplicate_columns", "problem_intro", "compare_step", "cost_step", "evaluation_step", "explain_step", "framing_step",
    "group_step", "imbalance_step", "logistic_step", "offer_deciles", "offer_value", "problem_step", "scorecard_step", "scores_table",
    "takeaway_step", "tree_step", "truth_step",
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
    if params.sensitive and problem != "credit":
        if params.sensitive not in cases.X.columns:
            raise DataError(f"The sensitive attribute {params.sensitive!r} is not a feature of this problem.",
                            parameter="sensitive", rows=[f"features: {', '.join(cases.X.columns)}"],
                            fix='set sensitive to one of the features listed, or to "" for none')  # fmt: skip
        cases.sensitive = cases.X[params.sensitive].astype(str).rename(params.sensitive)
        cases = leave_out(cases, params.sensitive)
    when = ""
    if problem == "credit":
        gaps = {c: int(cases.X[c].isna().sum()) for c in cases.numeric}
        # german.doc says which attributes are numerical: no guessing at codes there
        codes = [] if report.layout == "german_credit" else F.code_like(cases.X, cases.numeric)
        when = F.columns_read(cases.numeric, cases.categorical, list(report.id_columns), codes,
                              cases.notes.get("left_out", ""), gaps, len(cases.y))  # fmt: skip
    if problem == "churn":
        when = (f"The cut-off is {cases.notes['cutoff']}: every feature comes from purchases up to that day, the "
                f"label from the {params.churn_days} days after it.")  # fmt: skip
    cases, twins = drop_duplicate_columns(cases)
    if twins:
        pairs = "; ".join(f"{fmt.escape(a, code=True)} repeats {fmt.escape(b, code=True)}" for a, b in twins)
        when += (f" Identical feature columns are dropped ({pairs}): on these data they hold the same number for "
                 "every case, so a model would only split the credit between them.")  # fmt: skip
    glue = {"problem": problem, "unit": cases.unit, "n_cases": len(cases.y), "cutoff_text": when.strip()}
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
    odds = pd.DataFrame({"feature": names, "coefficient": coef, "odds ratio": np.exp(coef)})
    odds = odds.reindex(odds["coefficient"].abs().sort_values(ascending=False).index).head(10).reset_index(drop=True)
    top = odds.iloc[0]
    flags = binary_columns(enc)
    kind = "flag" if top["feature"] in flags else "number" if top["feature"] in cases.numeric else "category"
    column = str(top["feature"]).split(" = ", 1)[0]
    odds["against"] = [reference.get(str(f).split(" = ", 1)[0], "") if " = " in str(f) else "" for f in odds["feature"]]
    glue = {"newton_steps": ours.n_iter_, "coef_max_diff": diff, "grad_error": grad_error, "lambda_pen": lam,
            "lambda_pen_text": fmt.number(lam),
            "newton_finding": F.newton(diff, ours.n_iter_, grad_error),
            "odds_finding": F.strongest(top["feature"], float(top["odds ratio"]), kind,
                                        reference.get(column, ""))}  # fmt: skip
    return Step(glue=glue, table=odds, data={"fit": ours, "names": names, "encoder": enc, "sklearn": sk, "Z": Z,
                                             "reference": reference})  # fmt: skip


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


def evaluation_step(cases: RiskData, comp: Comparison, best: str, threshold: float, folds: int, seed: int) -> Step:
    """ROC / PR curves, calibration with Platt and isotonic recalibration, the confusion matrix at ``threshold``."""
    y, p = cases.y, comp.scores[best]
    platt = C.recalibrate(y, p, "platt", folds=folds, seed=seed)
    iso = C.recalibrate(y, p, "isotonic", folds=folds, seed=seed)
    briers = {k: C.score_metrics(y, s)["brier"] for k, s in (("raw", p), ("platt", platt), ("isotonic", iso))}
    tables = {"as fitted": C.calibration_table(y, p), "Platt": C.calibration_table(y, platt),
              "isotonic": C.calibration_table(y, iso)}  # fmt: skip
    conf = C.confusion_at(y, p, threshold)
    matrix = pd.DataFrame({"flagged": [conf["tp"], conf["fp"]], "let through": [conf["fn"], conf["tn"]]},
                          index=pd.Index(["actually positive", "actually negative"], name="outcome"))  # fmt: skip
    glue = {"brier_raw": briers["raw"], "brier_platt": briers["platt"], "brier_isotonic": briers["isotonic"],
            "conf_threshold": threshold, "conf_tp": conf["tp"], "conf_fp": conf["fp"], "conf_fn": conf["fn"],
            "calibration_finding": F.calibration(briers["raw"], briers["platt"], briers["isotonic"], MODEL_LABELS[best],
                                                 float(np.mean(y)))}  # fmt: skip
    shown = {k: v for k, v in comp.scores.items()}
    return Step(glue=glue, table=matrix, data={"fig_roc": figures.roc_pr(y, shown), "fig_cal": figures.calibration(tables),
                                                "platt": platt, "isotonic": iso})  # fmt: skip


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


def cost_step(cases: RiskData, scores: np.ndarray, cost_fp: float, cost_fn: float) -> Step:
    """The cost curve of ``scores``, the cheapest threshold and the threshold from the costs alone."""
    curve = C.cost_curve(cases.y, scores, cost_fp, cost_fn)
    best_t, best_cost = C.min_cost_threshold(cases.y, scores, cost_fp, cost_fn)
    theory_t = C.bayes_threshold(cost_fp, cost_fn)
    theory_cost = C.expected_cost(cases.y, scores, theory_t, cost_fp, cost_fn)
    none_cost = float(curve["cost"].iloc[0])
    best_share = float(curve.loc[curve["threshold"] == best_t, "share_flagged"].iloc[0]) if np.isfinite(best_t) else 0.0
    theory_share = float((scores >= theory_t).mean())
    glue = {"best_threshold": best_t, "best_cost": best_cost, "theory_threshold": theory_t, "theory_cost": theory_cost,
            "none_cost": none_cost, "best_share_flagged": best_share,
            "cost_finding": F.cost_threshold(best_t, best_cost, theory_t, theory_cost, none_cost)
            + (" " + F.CHURN_DECIDES if cases.problem == "churn" and cases.value is not None else "")}  # fmt: skip
    return Step(glue=glue, data={"fig": figures.cost_curve(curve, best_share, theory_share), "threshold": best_t})


def problem_intro(problem: str, has_money: bool = True) -> str:
    """The paragraph on this problem's decision (fraud: review capacity; churn: the offer; credit: none)."""
    if problem == "churn" and not has_money:
        return ("**Churn: whom to send an offer.** These data have no prices, so the value at stake and the "
                "offer's expected value in money are not known: the offer goes to the customers whose churn "
                "score is at least the cheapest threshold of the cost curve above, and the table counts them by "
                "score decile.")  # fmt: skip
    if problem == "fraud":
        return ("**Fraud: review capacity.** A fraud team reviews a fixed share of orders (`review_share`), so the "
                "question is the precision in the top of the ranking.")  # fmt: skip
    if problem == "churn":
        return ("**Churn: the value of an offer.** A retention offer costs `offer_cost` (in the data's currency) and "
                "keeps a would-be churner with probability `offer_success`, who is then worth their revenue of the "
                "past year, the value at stake. The expected value of sending it to a customer of churn score $\\pi$ "
                "is $\\pi \\cdot$ `offer_success` $\\cdot$ value at stake $-$ `offer_cost`; the scores file "
                "sends it where that is positive, and the table reads it by score decile.")  # fmt: skip
    return ("**Credit: the cost matrix.** The cost threshold above weighs the two mistakes "
            "by the costs in the table below; no other decision is made on a credit table.")  # fmt: skip


def problem_step(cases: RiskData, comp: Comparison, best: str, params, currency: str) -> Step:
    """The decision of each problem, with its table: fraud, precision at the review capacity; churn, the offer's
    value by score decile and the P(alive) baseline; credit, the cost matrix the threshold weighs."""
    p = comp.scores[best]
    if cases.problem == "fraud":
        r = C.precision_at_share(cases.y, p, params.review_share)
        glue = {"review_precision": r["precision"], "review_recall": r["recall"], "reviewed": r["reviewed"],
                "problem_finding": F.review(r["reviewed"], r["precision"], r["recall"], r["base_rate"], params.review_share)}  # fmt: skip
        table = pd.DataFrame({"orders reviewed": [r["reviewed"]], "frauds among them": [r["hits"]],
                              "precision": [r["precision"]], "share of all frauds caught": [r["recall"]],
                              "fraud rate of all orders": [r["base_rate"]]})  # fmt: skip
        return Step(glue=glue, table=table)
    if cases.problem == "churn" and cases.value is None:
        return churn_without_money(cases, p, params)
    if cases.problem == "churn":
        deciles = offer_deciles(cases.y, p, cases.value, params.offer_cost, params.offer_success)
        gain = offer_value(p, cases.value, params.offer_cost, params.offer_success)
        alive = comp.folds.get("p_alive")
        auc_alive = float(alive["auc"].mean()) if alive is not None else float("nan")
        auc_model = float(comp.folds[best]["auc"].mean())
        offered = gain > 0
        finding = F.offer_value(deciles, int(offered.sum()), len(p), float(gain[offered].sum()), currency)
        glue = {"offer_deciles_positive": int((deciles["value_per_customer"] > 0).sum()),
                "offer_count": int(offered.sum()), "offer_share": float(offered.mean()),
                "problem_finding": finding + " " + F.p_alive_baseline(auc_model, auc_alive)}  # fmt: skip
        shown = deciles.rename(columns={"churn_rate": "churn rate", "mean_score": "mean score",
                                        "value_at_stake": "value at stake", "value_per_customer": "value per customer",
                                        "value_total": "value in all"})  # fmt: skip
        return Step(glue=glue, table=shown, data={"decision": np.where(offered, "offer", "no offer")})
    matrix = pd.DataFrame({"outcome": [f"bad ({cases.label_text})", "good"], "flagged": [0.0, params.cost_fp],
                           "let through": [params.cost_fn, 0.0]})  # fmt: skip
    return Step(glue={"problem_finding": ""}, table=matrix)


def churn_without_money(cases: RiskData, p: np.ndarray, params) -> Step:
    """Churn on a log without prices: the offer goes to scores at or above the cheapest cost threshold (no value
    at stake to weigh); the table counts customers, churners and offers by score decile."""
    threshold = C.min_cost_threshold(cases.y, p, params.cost_fp, params.cost_fn)[0]
    offered = p >= threshold if np.isfinite(threshold) else np.zeros(len(p), dtype=bool)
    rank = pd.Series(p).rank(method="first", ascending=False).to_numpy()
    decile = np.minimum(10, 1 + ((rank - 1) * 10 // len(p)).astype(int))
    frame = pd.DataFrame({"decile": decile, "y": cases.y, "p": p, "o": offered})
    g = frame.groupby("decile")
    table = pd.DataFrame({"customers": g.size(), "churn rate": g["y"].mean(), "mean score": g["p"].mean(),
                          "offers": g["o"].sum().astype(int)}).reset_index()  # fmt: skip
    finding = (f"These data have no prices, so the offer's value in money is not known: {int(offered.sum()):,} of "
               f"{len(p):,} customers score at or above the cheapest threshold and get the offer.")  # fmt: skip
    glue = {"offer_deciles_positive": int((table["offers"] > 0).sum()), "offer_count": int(offered.sum()),
            "offer_share": float(offered.mean()), "problem_finding": finding}  # fmt: skip
    return Step(glue=glue, table=table, data={"decision": np.where(offered, "offer", "no offer")})


def offer_value(p: np.ndarray, value: np.ndarray, offer_cost: float, success: float) -> np.ndarray:
    """The expected value of sending the offer to each customer: score x success x value at stake - offer cost."""
    return np.asarray(p, dtype=np.float64) * success * np.asarray(value, dtype=np.float64) - offer_cost


def offer_deciles(y: np.ndarray, p: np.ndarray, value: np.ndarray, offer_cost: float, success: float) -> pd.DataFrame:
    """Per score decile (1 = highest): customers, churn rate, mean score, and the offer's expected value.

    Expected value per customer offered = mean score x success x value at stake - offer cost.
    """
    rank = pd.Series(p).rank(method="first", ascending=False).to_numpy()
    decile = np.minimum(10, 1 + ((rank - 1) * 10 // len(p)).astype(int))
    frame = pd.DataFrame({"decile": decile, "y": y, "p": p, "v": value})
    g = frame.groupby("decile")
    out = pd.DataFrame({"customers": g.size(), "churn_rate": g["y"].mean(), "mean_score": g["p"].mean(),
                        "value_at_stake": g["v"].mean()})  # fmt: skip
    frame["ev"] = offer_value(frame["p"].to_numpy(), frame["v"].to_numpy(), offer_cost, success)
    out["value_per_customer"] = frame.groupby("decile")["ev"].mean()
    out["value_total"] = out["value_per_customer"] * out["customers"]
    return out.reset_index()


def explain_step(cases: RiskData, seed: int) -> Step:
    """Permutation importance and partial dependence of the boosting model, on a held-out quarter."""
    model = make_models(cases.numeric, cases.categorical, seed, len(cases.y), names=("boosting",))["boosting"]
    train, test = train_test_split(np.arange(len(cases.y)), test_size=0.25, stratify=cases.y, random_state=seed)
    test = test[:EXPLAIN_ROWS]
    with threadpool_limits(limits=1):
        model.fit(cases.X.iloc[train], cases.y[train])
        imp = permutation_importance(model, cases.X.iloc[test], cases.y[test], scoring="roc_auc", n_repeats=3,
                                     random_state=seed)  # fmt: skip
    table = pd.DataFrame({"feature": cases.X.columns, "auc_drop": imp.importances_mean, "auc_drop_sd": imp.importances_std})
    table = table.sort_values("auc_drop", ascending=False, kind="stable").head(10).reset_index(drop=True)
    feature = str(table.iloc[0]["feature"])
    categorical = feature in cases.categorical
    with threadpool_limits(limits=1):
        pd_result = partial_dependence(model, cases.X.iloc[test], [feature], grid_resolution=30,
                                       categorical_features=[feature] if categorical else None)  # fmt: skip
    fig = figures.partial_dependence(pd_result["grid_values"][0], pd_result["average"][0], feature, categorical)
    # top_feature: the column's own name, which the exercise drops (no page cites it); the page cites top_feature_md
    glue = {"top_feature": feature, "top_feature_md": fmt.escape(feature, code=True), "top_auc_drop": float(table.iloc[0]["auc_drop"])}
    data = {"model": model, "fig_pdp": fig}
    return Step(glue=glue, table=table.rename(columns={"auc_drop": "ROC AUC lost", "auc_drop_sd": "sd"}), data=data)


def scorecard_step(names: list[str], fit) -> Step:
    """Points per feature (value) from the Newton fit: PDO points double the odds of good."""
    base, points, factor = scorecard_points(fit.coef_.ravel(), float(fit.intercept_[0]))
    table = pd.DataFrame({"feature": names, "points": points})
    table = table.reindex(table["points"].abs().sort_values(ascending=False).index).head(12).reset_index(drop=True)
    return Step(glue={"score_base": base, "score_factor": factor}, table=table)


def group_step(cases: RiskData, scores: np.ndarray) -> Step:
    if cases.sensitive is None:  # a one-row table keeps the chapter's table numbers the same on every run
        table = pd.DataFrame({"note": ["not run: these data name no sensitive attribute (parameter sensitive)"]})
        return Step(glue={"group_finding": F.group_check(None, "")}, table=table)
    table = C.by_group(cases.y, scores, cases.sensitive)
    name = str(cases.sensitive.name)
    formats = {"counts": ["cases"], "shares": ["observed rate", "mean score"], "numbers": ["ROC AUC"]}
    return Step(glue={"group_finding": F.group_check(table, name), "group_column": fmt.escape(name)},
                table=table.rename(columns={"observed": "observed rate", "predicted": "mean score", "auc": "ROC AUC"}),
                data={"formats": formats})  # fmt: skip


def truth_step(cases: RiskData, comp: Comparison) -> Step:
    if cases.bayes is None:  # a one-row table keeps the chapter's table numbers the same on every run
        table = pd.DataFrame({"note": ["no planted model in these data: the best possible score is unknown"]})
        return Step(glue={"truth_finding": F.truth(None, None)}, table=table)
    bayes = float(C.score_metrics(cases.y, cases.bayes)["auc"])
    gaps = {MODEL_LABELS[k]: bayes - C.score_metrics(cases.y, comp.scores[k])["auc"] for k in comp.scores if k != "bayes"}
    table = pd.DataFrame({"model": list(gaps), "gap to Bayes ROC AUC": list(gaps.values())})
    return Step(glue={"bayes_auc": bayes, "truth_finding": F.truth(gaps, bayes)}, table=table,
                data={"formats": {"numbers": ["gap to Bayes ROC AUC"]}})


def scores_table(cases: RiskData, scores: np.ndarray, threshold: float, comp: Comparison,
                 decision: np.ndarray | None = None) -> pd.DataFrame:  # fmt: skip
    """The analyst's file: one row per case with its out-of-fold score, the decision and the label.

    The decision is ``flag`` / ``pass`` at ``threshold`` (fraud, credit), or the given one (churn: ``offer`` /
    ``no offer`` by the offer's expected value).
    """
    if decision is None:
        decision = np.where(scores >= threshold, "flag", "pass")
    out = pd.DataFrame({cases.unit: cases.ids.to_numpy(), "score": scores, "decision": decision,
                        "label": cases.y})  # fmt: skip
    if cases.value is not None:
        out["value_at_stake"] = cases.value
    if "p_alive" in comp.scores:
        out["bgnbd_churn_score"] = comp.scores["p_alive"]
    return out


def takeaway_step(cases: RiskData, comp: Comparison, cost_fp: float, cost_fn: float, params=None,
                  currency: str = "EUR") -> Step:  # fmt: skip
    """Each model's pooled out-of-fold ROC AUC, PR AUC and Brier score, and what its decision is worth: the mean
    cost at its cheapest threshold (fraud, credit), or the offer's expected value in all (churn, in money)."""
    churn = cases.problem == "churn" and cases.value is not None and params is not None
    rows = []
    for name, s in comp.scores.items():
        m = C.score_metrics(cases.y, s)
        row = {"model": MODEL_LABELS.get(name, name), "ROC AUC": m["auc"], "PR AUC": m["pr_auc"], "Brier score": m["brier"]}
        if churn:
            gain = offer_value(s, cases.value, params.offer_cost, params.offer_success)
            row["offer value in all"] = float(gain[gain > 0].sum())
        else:
            row["lowest mean cost"] = C.min_cost_threshold(cases.y, s, cost_fp, cost_fn)[1]
        rows.append(row)
    key = "offer value in all" if churn else "lowest mean cost"
    table = pd.DataFrame(rows).sort_values(key, ascending=not churn, kind="stable").reset_index(drop=True)
    # the planted Bayes score and the label-free baseline are yardsticks, not models one could deploy
    fitted = table[~table["model"].isin([MODEL_LABELS.get(k, k) for k in ("bayes", "p_alive")])]
    top, amount = str(fitted.iloc[0]["model"]), float(fitted.iloc[0][key])
    others = {str(m): float(v) for m, v in zip(fitted["model"].iloc[1:], fitted[key].iloc[1:])}
    finding = F.takeaway(top, amount, churn, currency, others)
    return Step(glue={"cheapest_md": top, "cheapest_cost": amount, "takeaway_finding": finding}, table=table,
                data={"money": ["offer value in all"] if churn else [], "numbers": [] if churn else ["lowest mean cost"]})
