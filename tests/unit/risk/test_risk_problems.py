"""The three problems: churn labels and features on a tiny log (nothing after the cut-off in any feature), the
shop's fraud features and Bayes score (the planted model, the best AUC), labelled tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from analysis.data.labelled import read_labelled
from analysis.errors import DataError
from analysis.risk.problems import (
    cap_levels,
    churn_features,
    churn_labels,
    churn_problem,
    credit_problem,
    default_cutoff,
    fraud_problem,
)
from analysis.shop import make_shop
from analysis.shop.fraud import FRAUD_FEATURES, fraud_design_matrix


def _log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "order_id", "quantity", "unit_price"]).assign(
        timestamp=lambda d: pd.to_datetime(d["timestamp"])
    )


TINY = _log([
    ("A", "2024-01-05 10:00", "o1", 1, 10.0),
    ("A", "2024-02-01 09:00", "o2", 2, 10.0),
    ("A", "2024-03-15 12:00", "o3", 1, 50.0),  # after the cut-off, inside the window: A stays
    ("B", "2024-01-20 18:00", "o4", 1, 30.0),  # B never comes back: churned
    ("C", "2024-02-28 23:59", "o5", 3, 5.0),  # the cut-off day itself counts as before
    ("C", "2024-06-01 08:00", "o6", 1, 5.0),  # after the window: C churned
    ("D", "2024-03-02 08:00", "o7", 1, 99.0),  # first purchase after the cut-off: not a case
])  # fmt: skip
CUT = "2024-02-28"


def test_churn_labels_on_a_tiny_log():
    labels = churn_labels(TINY, CUT, 30).set_index("customer_id")["churned"]
    assert labels.to_dict() == {"A": 0, "B": 1, "C": 1}


def test_churn_features_use_nothing_after_the_cut_off():
    feats = churn_features(TINY, CUT).set_index("customer_id")
    assert feats.loc["A", "orders"] == 2 and feats.loc["A", "revenue"] == pytest.approx(30.0)
    assert feats.loc["A", "recency_days"] == 27 and feats.loc["A", "tenure_days"] == 54
    assert feats.loc["C", "recency_days"] == 0 and feats.loc["C", "revenue"] == pytest.approx(15.0)
    assert "D" not in feats.index
    # anything after the cut-off can change without changing a single feature
    later = TINY[TINY["timestamp"].dt.normalize() > pd.Timestamp(CUT)]
    changed = pd.concat([TINY[~TINY.index.isin(later.index)],
                         later.assign(quantity=100, customer_id=["B", "B", "E"])])  # fmt: skip
    pd.testing.assert_frame_equal(churn_features(changed, CUT).set_index("customer_id"), feats)


def test_churn_problem_and_default_cutoff():
    shop = make_shop(150, seed=1)
    tx = shop.transactions
    cut = default_cutoff(tx, 60)
    assert cut == tx["timestamp"].max().normalize() - pd.Timedelta(days=60)
    data = churn_problem(tx, cut.date().isoformat(), 60)
    assert len(data.y) == len(data.X) == len(data.ids) == len(data.baseline) == len(data.value)
    assert data.unit == "customer" and 0 < data.y.mean() < 1
    assert np.all((data.baseline >= 0) & (data.baseline <= 1))
    assert (data.X["recency_days"] >= 0).all()


def test_fraud_bayes_score_is_the_planted_model():
    shop = make_shop(400, seed=5)
    data = fraud_problem(shop.orders)
    X = fraud_design_matrix(shop.orders).to_numpy()
    beta = np.array([shop.truth.fraud_coefficients[k] for k in FRAUD_FEATURES])
    planted = 1 / (1 + np.exp(-(shop.truth.fraud_intercept + X @ beta)))
    assert np.allclose(data.bayes, planted)
    assert data.y.tolist() == shop.orders["is_fraud"].astype(int).tolist()
    assert "fraud_probability" not in data.X.columns and "is_fraud" not in data.X.columns
    assert roc_auc_score(data.y, data.bayes) > 0.6


def test_the_bayes_auc_beats_a_model_fitted_in_sample():
    """No score of the same orders ranks better than the planted probability, up to sampling noise."""
    from sklearn.linear_model import LogisticRegression

    from analysis.risk.models import onehot

    shop = make_shop(1500, seed=2)
    data = fraud_problem(shop.orders)
    Z = onehot(data.numeric, data.categorical).fit_transform(data.X)
    fitted = LogisticRegression(max_iter=2000).fit(Z, data.y).predict_proba(Z)[:, 1]  # even seen in sample
    assert roc_auc_score(data.y, fitted) < roc_auc_score(data.y, data.bayes) + 0.02


def test_credit_problem_maps_the_sensitive_codes(tmp_path):
    from tests.unit.data.test_labelled import german_lines

    path = tmp_path / "german.data"
    path.write_text(german_lines(60))
    table, report = read_labelled(path)
    data = credit_problem(table, report)
    assert data.sensitive is not None and data.sensitive["personal_status_sex"].str.contains("male").all()
    assert data.sensitive_kinds == {"personal_status_sex": "sex and marital status", "age": "age",
                                    "foreign_worker": "national origin"}  # fmt: skip
    # left out by default: personal status and sex, foreign worker; age stays a feature
    assert "foreign_worker" not in data.X.columns and "age" in data.X.columns
    assert data.notes["left_out"] == ["personal_status_sex", "foreign_worker"]
    assert "class" not in data.X.columns
    # the sensitive attribute is left out of the model's features, kept for the group check
    assert "personal_status_sex" not in data.X.columns
    assert data.categorical == [c for c in report.categorical if c not in ("personal_status_sex", "foreign_worker")]
    # category codes are written in words
    assert not data.X["checking_status"].str.fullmatch(r"A\d+").any()
    with pytest.raises(DataError, match="sensitive"):
        credit_problem(table, report, ["religion"])


def test_rare_levels_are_pooled():
    X = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 3 + ["c", "d"]})
    assert cap_levels(X, ["c"], max_levels=2)["c"].tolist() == ["a"] * 5 + ["b"] * 3 + ["other"] * 2


def test_churn_uses_the_clv_time_split_and_refuses_a_window_past_the_data():
    cases = churn_problem(TINY, CUT, 30)
    assert cases.notes == {"cutoff": CUT, "churn_days": 30, "holdout_days": 94}
    with pytest.raises(DataError, match="runs past the data's last day") as err:
        churn_problem(TINY, CUT, 200)
    assert "churn_days below 148" in err.value.fix  # 2024-06-01 - 200 days is before the first purchase
    with pytest.raises(DataError, match="runs past") as err:
        churn_problem(TINY, CUT, 100)
    assert "set cutoff to 2024-02-22 or earlier" in err.value.fix
    with pytest.raises(DataError, match="outside the data"):
        churn_problem(TINY, "2025-01-01", 30)


def test_bgnbd_baseline_is_the_probability_of_a_quiet_window():
    from analysis.clv import BGNBD
    from analysis.risk.problems import p_alive_baseline

    tx = make_shop(150, seed=3).transactions
    cut = default_cutoff(tx, 56)
    customers = churn_labels(tx, cut, 56)["customer_id"]
    got = p_alive_baseline(tx, cut, customers, 56)
    # the same by hand for one repeat customer: weekly summary up to the cut-off, eq. (risk-bgnbd-quiet)
    days = tx[tx["timestamp"].dt.normalize() <= cut].assign(d=lambda d: d["timestamp"].dt.normalize())
    per = days.groupby("customer_id")["d"].agg(["min", "max", "nunique"])
    per = per.assign(x=per["nunique"] - 1, t_x=(per["max"] - per["min"]).dt.days / 7, T=(cut - per["min"]).dt.days / 7)
    fit = per[per["T"] > 0]
    bg = BGNBD().fit(fit["x"], fit["t_x"], fit["T"])
    who = fit[fit["x"] > 2].index[0]
    row = fit.loc[who]
    alive = bg.prob_alive(row["x"], row["t_x"], row["T"])
    expected = 1 - alive + alive * ((bg.alpha_ + row["T"]) / (bg.alpha_ + row["T"] + 8)) ** (bg.r_ + row["x"])
    assert got[list(customers).index(who)] == pytest.approx(expected, rel=1e-6)
    assert np.all((got > 0) & (got < 1))


def test_a_numeric_sensitive_attribute_keeps_the_files_codes(tmp_path):
    path = tmp_path / "cards.csv"
    frame = pd.DataFrame({"MARRIAGE": [1, 2, 3] * 20, "BILL": [float(i % 7) for i in range(60)],
                          "default": [0, 1] * 30})  # fmt: skip
    frame.to_csv(path, index=False)
    table, report = read_labelled(path, target="default")
    data = credit_problem(table, report)  # found by name: a number, the groups read 1, 2, 3, not 1.0
    assert sorted(data.sensitive["MARRIAGE"].unique()) == ["1", "2", "3"] and "MARRIAGE" not in data.X.columns
    table, report = read_labelled(path, target="default", categorical=["MARRIAGE"])
    data = credit_problem(table, report, ["MARRIAGE"])  # a category, listed: the same labels
    assert sorted(data.sensitive["MARRIAGE"].unique()) == ["1", "2", "3"]


def test_churn_on_a_log_without_prices_has_no_spend_features_and_no_value_at_stake():
    log = TINY.assign(unit_price=np.nan)
    feats = churn_features(log, CUT).set_index("customer_id")
    assert not {"revenue", "value_last_year", "mean_order_value"} & set(feats.columns)
    full = churn_features(TINY, CUT).set_index("customer_id")
    pd.testing.assert_frame_equal(feats, full.drop(columns=["revenue", "value_last_year", "mean_order_value"]))


def test_most_common_is_pandas_mode_per_customer():
    """The vectorised modal country against pandas' own mode, customer by customer: ties (the smallest value),
    missing values left out, a customer with none at all "missing", the same index and dtype."""
    import numpy as np
    import pandas as pd

    from analysis import schema as S
    from analysis.risk.problems import most_common

    rng = np.random.default_rng(7)
    n = 3000
    tx = pd.DataFrame({
        S.CUSTOMER: pd.Series(rng.integers(0, 400, n).astype(str), dtype="str"),
        S.COUNTRY: pd.Series(rng.choice(["UK", "France", "EIRE", None], n, p=[0.3, 0.3, 0.3, 0.1]), dtype="str"),
    })  # fmt: skip
    tx.loc[tx[S.CUSTOMER] == "7", S.COUNTRY] = None
    expected = tx.groupby(S.CUSTOMER)[S.COUNTRY].agg(lambda s: s.mode().iloc[0] if s.notna().any() else "missing")
    got = most_common(tx, S.COUNTRY)
    pd.testing.assert_series_equal(got, expected, check_names=False)
    assert got.loc["7"] == "missing"
    ties = pd.DataFrame({S.CUSTOMER: ["a", "a", "b"], S.COUNTRY: ["UK", "France", "UK"]})
    assert most_common(ties, S.COUNTRY).to_dict() == {"a": "France", "b": "UK"}
