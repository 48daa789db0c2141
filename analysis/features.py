"""Transactions -> the derived tables: customers, BG/NBD summary, interactions, series.

This is the one place that aggregates raw order lines. Every function takes a
canonical transactions table as a DataFrame *or* the path of a Parquet/CSV file
in the canonical layout, and runs the aggregation in DuckDB, which streams over
Parquet, so a log larger than memory works the same way as a small frame.

Definitions (``as_of`` defaults to the day after the last transaction):

- recency: days from the customer's last purchase to ``as_of``;
- frequency: number of distinct orders;
- monetary: total revenue, :math:`\\sum_\\text{lines} q \\cdot p`;
- avg_order_value: monetary / frequency;
- tenure: days from the first purchase to ``as_of``.

The BG/NBD summary (Fader, Hardie & Lee 2005) counts purchase *days*, as the
CDNOW data do: ``x`` is the number of repeat purchase days in the calibration
period, ``t_x`` the time from the first to the last purchase day, ``T`` the
time from the first purchase day to the calibration end, in units of
``unit_days`` (7: weeks).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from analysis import schema as S
from analysis._checks import require_columns
from analysis.errors import DataError

__all__ = [
    "cohort_counts",
    "repeat_purchases_by_day",
    "customer_summary",
    "customer_table",
    "baskets",
    "daily_series",
    "interactions",
    "product_daily_series",
]

Source = pd.DataFrame | str | Path


@contextmanager
def _connect(source: Source):
    """A DuckDB connection with the transactions visible as the view ``tx``."""
    # One thread: DuckDB's parallel hash aggregation adds floats in a different
    # order on every run, so per-customer sums would differ in the last bit from
    # run to run (and a fit near the edge of its parameter space would follow
    # them). One thread reads the rows in file order: same input, same sums.
    con = duckdb.connect(config={"threads": 1})
    try:
        if isinstance(source, pd.DataFrame):
            _check_columns(list(source.columns), "<DataFrame>")
            con.register("tx_frame", source)
            con.execute("create view tx as select * from tx_frame")
        else:
            path = Path(source)
            if not path.exists():
                raise DataError(
                    "The transactions file does not exist.",
                    source=str(path),
                    fix="check the path, or pass the table as a DataFrame",
                )
            reader = "read_parquet" if path.suffix.lower() in (".parquet", ".pq") else "read_csv_auto"
            escaped = str(path).replace("'", "''")
            con.execute(f"create view tx as select * from {reader}('{escaped}')")
            described = {r[0]: r[1] for r in con.execute("describe tx").fetchall()}
            _check_columns(list(described), str(path))
            _check_types(described, str(path))
        yield con
    finally:
        con.close()


def _check_columns(columns: list[str], source: str) -> None:
    require_columns(
        pd.DataFrame(columns=columns),
        (S.ORDER, S.CUSTOMER, S.QUANTITY, S.PRICE, S.TIMESTAMP),
        source=source,
        fix="load the file with analysis.data.load_data first (it maps known layouts "
        f"to the canonical names); columns found: {', '.join(map(str, columns))}",
    )


NUMERIC = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT",
           "UINTEGER", "USMALLINT", "UTINYINT")  # fmt: skip


def _check_types(described: dict[str, str], source: str) -> None:
    """A file read by DuckDB must already hold numbers and timestamps where the canonical table does."""
    wanted = {S.QUANTITY: "a number", S.PRICE: "a number", S.TIMESTAMP: "a timestamp"}
    for column, what in wanted.items():
        kind = described[column].upper()
        ok = kind.startswith(NUMERIC) if what == "a number" else kind.startswith(("TIMESTAMP", "DATE"))
        if not ok:
            raise DataError(
                f"Column {column} is {kind} in the file, but must be {what}.",
                source=source,
                column=column,
                fix="load the file with analysis.data.load_data (it parses and checks every column), "
                "or write numbers and ISO 8601 timestamps (2011-12-09 12:50:00)",
            )


def _as_of_sql(as_of) -> str:
    if as_of is None:
        return "(select max(timestamp)::date + 1 from tx)"
    return f"DATE '{pd.Timestamp(as_of).date().isoformat()}'"


def customer_table(source: Source, *, as_of=None) -> pd.DataFrame:
    """One row per customer: first/last purchase, recency, frequency, monetary, AOV, tenure.

    Orders are summed first (an order's value is the sum of its lines), then
    customers. Customers are sorted by id.
    """
    sql = f"""
    with orders as (
        select {S.CUSTOMER} as c, {S.ORDER} as o, min(timestamp) as ts, sum({S.QUANTITY} * {S.PRICE}) as value
        from tx group by 1, 2
    ), cutoff as (select {_as_of_sql(as_of)} as d)
    select c as {S.CUSTOMER},
           min(ts) as {S.FIRST},
           max(ts) as {S.LAST},
           date_diff('day', max(ts)::date, (select d from cutoff)) as {S.RECENCY},
           count(*) as {S.FREQUENCY},
           sum(value) as {S.MONETARY},
           sum(value) / count(*) as {S.AOV},
           date_diff('day', min(ts)::date, (select d from cutoff)) as {S.TENURE}
    from orders group by c order by c
    """
    with _connect(source) as con:
        out = con.execute(sql).df()
    return _tidy(out)


def customer_summary(
    source: Source,
    calibration_end,
    observation_end=None,
    *,
    unit_days: float = 7.0,
) -> pd.DataFrame:
    """The BG/NBD / Gamma-Gamma summary per customer for a calibration end.

    For customer :math:`i` with purchase days :math:`d_0 < d_1 < \\dots` up to
    the calibration end :math:`e`:

    .. math:: x_i = \\#\\{d_j \\le e\\} - 1,\\quad t_{x,i} = (d_{x} - d_0)/u,\\quad T_i = (e - d_0)/u

    and ``monetary_value`` is the mean revenue of the repeat days (0 when
    ``x = 0``), as in lifetimes' ``summary_data_from_transaction_data``;
    ``first_purchase`` is the day of the first purchase.
    With ``observation_end`` the holdout columns ``x_holdout`` (purchase days in
    :math:`(e, \\text{observation\\_end}]`) and ``duration_holdout`` are added.
    Customers whose first purchase is on or after ``e`` are left out: with
    :math:`T = 0` they carry no information about their purchase rate.
    """
    cal = pd.Timestamp(calibration_end).date().isoformat()
    obs = pd.Timestamp(observation_end).date().isoformat() if observation_end is not None else cal
    if obs < cal:
        raise DataError(
            f"observation_end {obs} is before calibration_end {cal}.",
            column="observation_end",
            fix="choose an observation end on or after the calibration end",
        )
    sql = f"""
    with days as (
        select {S.CUSTOMER} as c, timestamp::date as d, sum({S.QUANTITY} * {S.PRICE}) as value
        from tx where timestamp::date <= DATE '{obs}' group by 1, 2
    ), ranked as (
        select *, min(d) over (partition by c) as first_day,
               row_number() over (partition by c order by d) as k
        from days
    )
    select c as {S.CUSTOMER},
           min(first_day) as {S.FIRST},
           count(*) filter (where d <= DATE '{cal}') - 1 as {S.X},
           date_diff('day', min(first_day), max(d) filter (where d <= DATE '{cal}')) / {unit_days} as {S.T_X},
           date_diff('day', min(first_day), DATE '{cal}') / {unit_days} as {S.T_CAL},
           coalesce(avg(value) filter (where d <= DATE '{cal}' and k > 1), 0) as {S.REPEAT_VALUE},
           count(*) filter (where d > DATE '{cal}') as {S.X_HOLDOUT}
    from ranked
    group by c
    having min(first_day) < DATE '{cal}'
    order by c
    """
    with _connect(source) as con:
        out = con.execute(sql).df()
    if out.empty:
        raise DataError(
            f"No customer made a first purchase before the calibration end {cal}.",
            column="calibration_end",
            fix="choose a calibration end inside the data's date range",
        )
    if observation_end is None:
        out = out.drop(columns=S.X_HOLDOUT)
    else:
        out[S.DURATION_HOLDOUT] = (pd.Timestamp(obs) - pd.Timestamp(cal)).days / unit_days
    return _tidy(out)


def interactions(source: Source, *, weight: str = "quantity") -> pd.DataFrame:
    """The customer x product interactions table: ``customer_id, product_id, weight, timestamp``.

    ``weight`` is ``"quantity"`` (units bought), ``"orders"`` (distinct orders
    containing the product) or ``"revenue"``; ``timestamp`` is the last time.
    """
    exprs = {
        "quantity": f"sum({S.QUANTITY})",
        "orders": f"count(distinct {S.ORDER})",
        "revenue": f"sum({S.QUANTITY} * {S.PRICE})",
    }
    if weight not in exprs:
        raise DataError(
            f"Unknown interaction weight {weight!r}.", column="weight", fix=f"use one of {', '.join(exprs)}"
        )
    sql = f"""
    select {S.CUSTOMER}, {S.PRODUCT}, {exprs[weight]}::double as {S.WEIGHT}, max(timestamp) as timestamp
    from tx group by 1, 2 order by 1, 2
    """
    with _connect(source) as con:
        out = con.execute(sql).df()
    return _tidy(out)


def daily_series(source: Source, *, start=None, end=None) -> pd.DataFrame:
    """A regular daily series: revenue, orders, units, customers; days with no sale are 0.

    The index runs from ``start`` (default: the first transaction day) to ``end``
    (default: the last) with every calendar day present.
    """
    bounds = "(select min(timestamp)::date from tx)" if start is None else f"DATE '{pd.Timestamp(start).date()}'"
    upper = "(select max(timestamp)::date from tx)" if end is None else f"DATE '{pd.Timestamp(end).date()}'"
    sql = f"""
    with agg as (
        select timestamp::date as date,
               sum({S.QUANTITY} * {S.PRICE}) as revenue,
               count(distinct {S.ORDER}) as orders,
               sum({S.QUANTITY}) as units,
               count(distinct {S.CUSTOMER}) as customers
        from tx group by 1
    ), cal as (
        select unnest(generate_series({bounds}, {upper}, interval 1 day))::date as date
    )
    select cal.date, coalesce(revenue, 0) as revenue, coalesce(orders, 0) as orders,
           coalesce(units, 0) as units, coalesce(customers, 0) as customers
    from cal left join agg using (date) order by cal.date
    """
    with _connect(source) as con:
        out = con.execute(sql).df()
    out["date"] = pd.to_datetime(out["date"])
    out = out.set_index("date").asfreq("D")
    out[["orders", "customers"]] = out[["orders", "customers"]].astype("int64")
    return out


def product_daily_series(source: Source, products=None) -> pd.DataFrame:
    """Units, revenue and the mean unit price per product and calendar day, with days of no sale as 0.

    Long form ``product_id, date, units, revenue, unit_price`` (``unit_price`` is
    revenue / units on days with a sale and missing otherwise), sorted by
    product then date. Each product's calendar runs from the first to the last
    day of the whole log, so series of different products line up. ``products``
    limits the table to those product ids.
    """
    where = ""
    if products is not None:
        ids = ", ".join("'" + str(p).replace("'", "''") + "'" for p in products)
        where = f"where {S.PRODUCT}::varchar in ({ids})" if ids else "where false"
    sql = f"""
    with agg as (
        select {S.PRODUCT}::varchar as {S.PRODUCT}, timestamp::date as date,
               sum({S.QUANTITY})::double as units, sum({S.QUANTITY} * {S.PRICE})::double as revenue
        from tx {where} group by 1, 2
    ), cal as (
        select unnest(generate_series((select min(timestamp)::date from tx),
                                      (select max(timestamp)::date from tx), interval 1 day))::date as date
    ), ids as (select distinct {S.PRODUCT} from agg)
    select ids.{S.PRODUCT}, cal.date, coalesce(units, 0) as units, coalesce(revenue, 0) as revenue,
           case when units > 0 then revenue / units end as unit_price
    from ids cross join cal left join agg using ({S.PRODUCT}, date)
    order by 1, 2
    """
    with _connect(source) as con:
        out = con.execute(sql).df()
    out["date"] = pd.to_datetime(out["date"])
    return out


def baskets(source: Source) -> pd.DataFrame:
    """One row per order and product bought in it: ``order_id, product_id`` (an order is a basket), sorted."""
    sql = f"""
    select distinct {S.ORDER}::varchar as {S.ORDER}, {S.PRODUCT}::varchar as {S.PRODUCT}
    from tx order by 1, 2
    """
    with _connect(source) as con:
        return con.execute(sql).df()


def cohort_counts(source: Source) -> pd.DataFrame:
    """Active customers by acquisition month (cohort) and activity month.

    Columns ``cohort, period, months_since, customers``: ``customers`` of the
    cohort who bought in ``period``; ``months_since`` = period - cohort in months.
    """
    sql = f"""
    with cm as (
        select {S.CUSTOMER} as c, date_trunc('month', timestamp)::date as period from tx group by 1, 2
    ), f as (select c, min(period) as cohort from cm group by 1)
    select cohort, period,
           date_diff('month', cohort, period) as months_since,
           count(*) as customers
    from cm join f using (c) group by 1, 2 order by 1, 2
    """
    with _connect(source) as con:
        out = con.execute(sql).df()
    out["cohort"] = pd.to_datetime(out["cohort"])
    out["period"] = pd.to_datetime(out["period"])
    return out


def repeat_purchases_by_day(source: Source, cohort_end, *, end=None) -> pd.Series:
    """Repeat purchase days per calendar day, for the customers acquired by ``cohort_end``.

    A customer's purchase day counts as a repeat when it is not the customer's
    first purchase day; only customers whose first purchase is before
    ``cohort_end`` count, the same cohort as :func:`customer_summary` (the
    calibration cohort of the BG/NBD tracking plot, Fader, Hardie & Lee 2005, fig. 3). Every day up to ``end`` (default: the
    last transaction day) is present, with 0 where nobody came back.
    """
    cut = pd.Timestamp(cohort_end).date().isoformat()
    upper = "(select max(timestamp)::date from tx)" if end is None else f"DATE '{pd.Timestamp(end).date()}'"
    sql = f"""
    with days as (
        select {S.CUSTOMER} as c, timestamp::date as d from tx group by 1, 2
    ), firsts as (select c, min(d) as f from days group by 1 having min(d) < DATE '{cut}'),
    repeats as (
        select d as date, count(*) as repeats from days join firsts using (c) where d > f group by 1
    ), cal as (
        select unnest(generate_series((select min(f) from firsts), {upper}, interval 1 day))::date as date
    )
    select cal.date, coalesce(repeats, 0) as repeats from cal left join repeats using (date) order by cal.date
    """
    with _connect(source) as con:
        out = con.execute(sql).df()
    out["date"] = pd.to_datetime(out["date"])
    return out.set_index("date")["repeats"].astype("int64").asfreq("D")


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """DuckDB hands back object/str ids and int32 counts; make types predictable."""
    for col in (S.CUSTOMER, S.PRODUCT):
        if col in df:
            df[col] = df[col].astype("str")
    for col in (S.RECENCY, S.FREQUENCY, S.TENURE, S.X, S.X_HOLDOUT):
        if col in df:
            df[col] = df[col].astype("int64")
    return df.reset_index(drop=True)
