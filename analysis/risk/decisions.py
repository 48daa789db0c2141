r"""Decisions valued on what happened: each policy (flag or offer to a set of cases) scored on the labels.

A score's own expectation flatters a score that over-predicts: a model that says
every customer churns with probability 0.9 expects a fortune from offering to all
of them. These functions value a decision on the *realised* labels instead
(out-of-fold labels in the chapter), against the two decisions that need no
model at all, acting on nobody and acting on everybody.

- Cost matrix (fraud, credit): flagging a good case costs :math:`\omega_{FP}`,
  letting a bad one through :math:`\omega_{FN}`; the realised mean cost per case
  of the flags :math:`f_i` is

  .. math:: \frac1n \sum_i \big[ f_i (1 - y_i)\, \omega_{FP} + (1 - f_i)\, y_i\, \omega_{FN} \big] .

- Offer (churn, in money): an offer costs :math:`c`, keeps a would-be churner
  with probability :math:`s` (``offer_success``), who is then worth
  :math:`m \cdot v_i` (``margin`` times the value at stake). The realised value
  of the offers :math:`o_i`, against sending none, is

  .. math:: \sum_i o_i \big( y_i\, s\, m\, v_i - c \big) ,

  and the rule that sends it where its expected value is positive, with score
  :math:`\pi_i`, is :math:`o_i = [\pi_i\, s\, m\, v_i > c]` (Verbeke et al. 2012,
  "New insights into churn prediction in the telecommunication sector: a profit
  driven data mining approach", EJOR 218).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["NONE", "ALL", "offer_rule", "policy_rows", "realised_cost", "realised_offer_value", "strategy_curve"]

NONE, ALL = "none", "all"


def _bool(a) -> np.ndarray:
    return np.asarray(a, dtype=bool)


def realised_cost(y, flag, cost_fp: float, cost_fn: float) -> float:
    """Mean cost per case of flagging ``flag`` on the labels ``y`` (1 = bad)."""
    y, flag = np.asarray(y, dtype=np.int8), _bool(flag)
    fp = np.sum(flag & (y == 0))
    fn = np.sum(~flag & (y == 1))
    return float((fp * cost_fp + fn * cost_fn) / len(y))


def offer_rule(p, value, offer_success: float, margin: float, offer_cost: float) -> np.ndarray:
    """Send the offer where its expected value is positive: score x success x margin x value > offer cost."""
    p, value = np.asarray(p, dtype=np.float64), np.asarray(value, dtype=np.float64)
    return p * offer_success * margin * value > offer_cost


def realised_offer_value(y, offer, value, offer_success: float, margin: float, offer_cost: float) -> float:
    """Money the offers ``offer`` realise on the labels ``y`` (1 = churned), against sending none."""
    y, offer = np.asarray(y, dtype=np.float64), _bool(offer)
    kept = y * offer_success * margin * np.asarray(value, dtype=np.float64)
    return float(np.sum((kept - offer_cost)[offer]))


def policy_rows(y, actions: dict[str, np.ndarray], value) -> pd.DataFrame:
    """One row per policy (``actions``: name -> cases acted on), plus acting on nobody and on everybody:
    ``policy, acted, share_acted, positive_rate_acted, positive_rate_rest, value``; ``value(action)`` is the
    policy's realised value (higher is better: pass minus a cost)."""
    y = np.asarray(y, dtype=np.int8)
    n = len(y)
    every = {**actions, NONE: np.zeros(n, dtype=bool), ALL: np.ones(n, dtype=bool)}
    rows = []
    for name, act in every.items():
        act = _bool(act)
        rows.append({
            "policy": name, "acted": int(act.sum()), "share_acted": float(act.mean()),
            "positive_rate_acted": float(y[act].mean()) if act.any() else np.nan,
            "positive_rate_rest": float(y[~act].mean()) if (~act).any() else np.nan,
            "value": float(value(act)),
        })  # fmt: skip
    return pd.DataFrame(rows)


def strategy_curve(y, p, points: int = 101) -> pd.DataFrame:
    """The lender's strategy curve: accepting the ``k`` cases with the lowest scores, for shares of 0 to 1,
    the share accepted and the bad rate among them (``share_accepted``, ``bad_rate_accepted``)."""
    y = np.asarray(y, dtype=np.float64)
    order = np.argsort(np.asarray(p, dtype=np.float64), kind="stable")
    bad = np.cumsum(y[order])
    n = len(y)
    ks = np.unique(np.round(np.linspace(1, n, min(points, n))).astype(int))
    return pd.DataFrame({"share_accepted": ks / n, "bad_rate_accepted": bad[ks - 1] / ks})
