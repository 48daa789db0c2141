"""Compare what a method found with what the built-in shop planted.

The built-in shop (:mod:`analysis.shop`) draws every customer from a persona with
known BG/NBD and Gamma-Gamma parameters; these functions line the book's
estimates up against them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from analysis import clv
from analysis import schema as S
from analysis._checks import require_columns
from analysis.errors import DataError
from analysis.segment import fit_kmeans
from analysis.shop import Shop

__all__ = ["persona_recovery", "personas_of", "recovery_errors", "segments_against_personas"]


def personas_of(shop: Shop, customer_ids: Sequence[str] | pd.Series) -> pd.Series:
    """The planted persona of each customer id, in the order given."""
    planted = shop.customers.set_index(S.CUSTOMER)["persona"]
    ids = pd.Series(customer_ids, dtype="str")
    unknown = ids[~ids.isin(planted.index)]
    if len(unknown):
        raise DataError(
            "Some customers are not in this shop.",
            column=S.CUSTOMER,
            rows=unknown.head().tolist(),
            fix="compare with the shop the transactions came from (same n_customers and seed)",
        )
    return planted.loc[ids].reset_index(drop=True).rename("persona")


def persona_recovery(shop: Shop, summary: pd.DataFrame) -> pd.DataFrame:
    """Planted against fitted parameters, one row per persona.

    ``summary`` is :func:`analysis.features.customer_summary` of the shop's
    transactions, in weeks. For each persona the BG/NBD is fitted on its
    customers and the Gamma-Gamma on those with a positive repeat spend; the
    table gives the mean purchase rate :math:`r/\\alpha` (per week, among the
    living), the mean dropout probability :math:`a/(a+b)` and the spend shape
    parameters :math:`p, q`, planted and fitted.
    """
    require_columns(summary, [S.CUSTOMER, S.X, S.T_X, S.T_CAL, S.REPEAT_VALUE], source="customer summary")
    persona = personas_of(shop, summary[S.CUSTOMER]).to_numpy()
    rows = []
    for p in shop.truth.personas:
        part = summary[persona == p.name]
        bg = clv.BGNBD().fit(part[S.X], part[S.T_X], part[S.T_CAL])
        spenders = part[(part[S.X] > 0) & (part[S.REPEAT_VALUE] > 0)]
        gg = clv.GammaGamma().fit(spenders[S.X], spenders[S.REPEAT_VALUE])
        rows.append(
            {
                "persona": p.name,
                "customers": len(part),
                "r/alpha planted": p.r / p.alpha,
                "r/alpha fitted": bg.r_ / bg.alpha_,
                "a/(a+b) planted": p.a / (p.a + p.b),
                "a/(a+b) fitted": bg.a_ / (bg.a_ + bg.b_),
                "p planted": p.gg_p,
                "p fitted": gg.p_,
                "q planted": p.gg_q,
                "q fitted": gg.q_,
                "mean spend planted": p.gg_p * p.gg_gamma / (p.gg_q - 1),
                "mean spend fitted": gg.p_ * gg.gamma_ / (gg.q_ - 1) if gg.q_ > 1 else float("nan"),
            }
        )
    return pd.DataFrame(rows).set_index("persona")


def segments_against_personas(shop: Shop, customers: pd.DataFrame, labels, X, k: int, seed: int = 0) -> dict[str, float]:
    """ARI of the chapter's k segments and of k-means told the true number of personas, against the personas."""

    persona = personas_of(shop, customers[S.CUSTOMER])
    n_personas = len(shop.truth.personas)
    return {
        "k": k,
        "n_personas": n_personas,
        "persona_ari": float(adjusted_rand_score(persona, labels)),
        "persona_ari_true_k": float(adjusted_rand_score(persona, fit_kmeans(X, n_personas, seed=seed)[0])),
    }


def recovery_errors(recovery: pd.DataFrame) -> dict[str, float]:
    """Largest relative error, over personas, of the fitted purchase rate, dropout probability and mean spend."""

    def worst(name: str) -> float:
        return float((recovery[f"{name} fitted"] / recovery[f"{name} planted"] - 1).abs().max())

    return {"rate_error_max": worst("r/alpha"), "drop_error_max": worst("a/(a+b)"), "spend_error_max": worst("mean spend")}
