"""Input checks of the segmentation functions, built on :mod:`analysis._checks`.

Every check raises :class:`analysis.errors.DataError` naming the column (or
argument), a few offending customers or rows, and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis._checks import check_int, require_columns, row_labels
from analysis.errors import DataError
from analysis.schema import CUSTOMER, FREQUENCY, MONETARY, RECENCY, TENURE

#: What a customer's value is measured in, by its column: revenue with prices, orders (a count) without.
#: The segment tables name their total and share columns after it: ``revenue``/``share_revenue`` or
#: ``orders``/``share_orders``.
VALUE_NAMES: dict[str, str] = {MONETARY: "revenue", FREQUENCY: "orders"}


def value_name(value: str) -> str:
    """The name of the value measure in a table's columns: ``revenue`` for monetary, ``orders`` for frequency."""
    if value not in VALUE_NAMES:
        raise DataError(
            f"unknown value column {value!r}: segments are valued by {' or '.join(VALUE_NAMES)}",
            column=value, fix=f"pass value={MONETARY!r} (revenue) or value={FREQUENCY!r} (orders, for data without prices)",
        )  # fmt: skip
    return VALUE_NAMES[value]

_NEGATIVE_FIX = {
    MONETARY: "net revenue below zero means returns exceed purchases; drop or clip these customers "
    "(customers[col].clip(lower=0)) and say so",
    RECENCY: "recency below zero means a purchase after the as-of date; choose an as-of date after the last "
    "transaction",
    TENURE: "tenure below zero means a first purchase after the as-of date; choose an as-of date after the last "
    "transaction",
}


def _who(customers: pd.DataFrame, mask: np.ndarray, column: str) -> list[str]:
    """A few offending rows as ``customer_id=...: column=value``."""
    ids = customers[CUSTOMER] if CUSTOMER in customers.columns else customers.index.to_series()
    shown = row_labels(customers.index, mask)
    where = np.flatnonzero(np.asarray(mask, dtype=bool))[: len(shown)]
    values = customers[column].to_numpy()
    return [f"{CUSTOMER}={ids.iloc[i]}: {column}={values[i]}" for i in where]


def _numeric_column(customers: pd.DataFrame, col: str, what: str) -> np.ndarray:
    series = customers[col]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise DataError(
            f"{what}: column {col!r} is not numeric (dtype {series.dtype})",
            column=col,
            rows=[f"{v!r}" for v in series.head(3)],
            fix=f"convert {col!r} to numbers (pd.to_numeric) before segmenting",
        )
    values = series.to_numpy(dtype=float, na_value=np.nan)
    for bad, problem, fix in (
        (~np.isfinite(values), f"have a missing or infinite {col!r}", f"drop these customers or fill {col!r}"),
        (np.isfinite(values) & (values < 0), f"have a negative {col!r}", _NEGATIVE_FIX.get(col, "")),
    ):
        if bad.any():
            raise DataError(
                f"{what}: {int(bad.sum())} customer(s) {problem}",
                column=col,
                rows=_who(customers, bad, col),
                fix=fix or f"drop or correct the customers with negative {col!r}",
            )
    return values


def check_customers(customers: pd.DataFrame, columns: Sequence[str], *, what: str) -> dict[str, np.ndarray]:
    """Columns present, numeric, finite and non-negative, one row per customer; returns them as floats."""
    if not isinstance(customers, pd.DataFrame):
        raise DataError(
            f"{what} needs the customer table as a pandas DataFrame, got {type(customers).__name__}",
            fix="pass the one-row-per-customer table built by analysis.features",
        )
    require_columns(
        customers,
        columns,
        source=f"customer table ({what})",
        fix="build the customer table with analysis.features (one row per customer with "
        f"{', '.join(columns)}); columns found: {', '.join(map(repr, customers.columns))}",
    )
    if len(customers) == 0:
        raise DataError(f"{what}: the customer table has no rows", fix="check the filters upstream")
    if CUSTOMER in customers.columns and customers[CUSTOMER].duplicated().any():
        dup = customers[CUSTOMER].duplicated(keep=False).to_numpy()
        raise DataError(
            f"{what}: {CUSTOMER} is not unique ({int(dup.sum())} rows share an id); the table must have one row "
            "per customer",
            column=CUSTOMER,
            rows=_who(customers, dup, CUSTOMER),
            fix="aggregate transactions to customers first (analysis.features)",
        )
    return {col: _numeric_column(customers, col, what) for col in columns}


def check_X(X: ArrayLike, *, what: str, min_rows: int = 1) -> np.ndarray:
    """A finite 2-D float array with at least ``min_rows`` rows."""
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what}: X is not a numeric matrix ({exc})", fix="pass the matrix returned by rfm_matrix") from None
    if arr.ndim != 2:
        raise DataError(
            f"{what}: X must be 2-D (customers x features), got shape {arr.shape}",
            fix="pass the matrix returned by rfm_matrix (use X.reshape(-1, 1) for one feature)",
        )
    if arr.shape[0] < min_rows or arr.shape[1] == 0:
        raise DataError(
            f"{what}: X has {arr.shape[0]} row(s) and {arr.shape[1]} column(s); at least {min_rows} row(s) and one "
            "column are needed",
            fix="check the filters upstream: too few customers are left",
        )
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise DataError(
            f"{what}: {int(bad.sum())} row(s) of X contain NaN or infinity",
            rows=[f"row {i}" for i in row_labels(range(arr.shape[0]), bad)],
            fix="build X with rfm_matrix, which rejects missing values with the customer ids; or drop/impute these rows",
        )
    return np.ascontiguousarray(arr)


def check_k(k: int, n: int, *, what: str, low: int = 1) -> int:
    """A number of clusters between ``low`` and the number of customers ``n``."""
    k = check_int(f"{what}: k", k, low=low, fix=f"use k >= {low}, e.g. k=4")
    if k > n:
        raise DataError(
            f"{what}: k={k} clusters asked for but there are only {n} customers",
            column="k",
            fix=f"use k <= {n}, or segment a larger customer table",
        )
    return k


def check_labels(labels: ArrayLike, n: int, *, what: str) -> np.ndarray:
    """Integer cluster labels, one per row."""
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(
            f"{what}: labels must be 1-D with one entry per row ({n}), got shape {arr.shape}",
            fix="pass the labels returned by fit_kmeans / fit_dbscan for the same rows",
        )
    numeric = np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    bad = np.ones(n, bool) if not numeric else ~np.isfinite(arr) | (arr != np.round(arr))
    if not numeric or bad.any():
        raise DataError(
            f"{what}: labels must be whole numbers (dtype {arr.dtype})",
            rows=[f"row {i}" for i in row_labels(range(n), bad)],
            fix="pass the integer labels returned by the fit_* functions",
        )
    return arr.astype(np.int64)


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..m-1 by size (largest first), ties by first row; -1 (noise) stays."""
    out = np.full(labels.shape, -1, dtype=np.int64)
    kept = labels >= 0
    if not kept.any():
        return out
    uniq, first, counts = np.unique(labels[kept], return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))  # primary: size desc; secondary: first appearance
    new = np.empty(uniq.size, dtype=np.int64)
    new[order] = np.arange(uniq.size)
    out[kept] = new[np.searchsorted(uniq, labels[kept])]
    return out


def check_revenue(total: float, *, what: str, value: str = MONETARY) -> float:
    """A positive total of the value measure (revenue, or orders), without which its shares are undefined."""
    if not total > 0:
        name = value_name(value)
        raise DataError(
            f"{what}: total {name} is {total:g}, so {name} shares are undefined",
            column=value,
            fix="check the monetary column (is it filled? do returns cancel all purchases?)",
        )
    return total
