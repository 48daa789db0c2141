"""The derived tables, each one SQL text run by DuckDB (default) or Spark.

Every function takes ``engine="duckdb" | "spark"`` and, for Spark, ``master``
(None: the running session or local mode; else a cluster URL). An ``engine``
left at None is the engine in use (:func:`use_engine`; DuckDB unless a
chapter's ``engine`` parameter chose Spark). The SQL is
built once from the hooks of :mod:`analysis.features._dialect`, and both
engines' results pass through the same :func:`_finish`, so the two give the
same columns, dtypes and row order. Counts, ids, dates and integer sums are
equal; sums of floating-point revenue can differ in the last bits, because
the engines add the lines in a different order.
"""

from __future__ import annotations

import pandas as pd

from analysis import schema as S
from analysis._checks import check_choice
from analysis.errors import DataError
from analysis.features import _duckdb, _spark
from analysis.features._dialect import DIALECTS, Dialect
from analysis.features._duckdb import Source

ENGINES = ("duckdb", "spark")
DAY = "datetime64[us]"
MAX_DAY = "(select cast(max(timestamp) as date) from tx)"
MIN_DAY = "(select cast(min(timestamp) as date) from tx)"


#: the engine of the calls that name none (a module setting: a notebook's cells share it; see use_engine)
_IN_USE = {"engine": "duckdb"}
ENGINE_FIX = "use engine='duckdb' (one machine) or engine='spark'"


def use_engine(engine: str) -> str:
    """Make ``engine`` the engine of every call that names none (in this process); returns the one it replaces.

    ``analysis.chapters.chapter_params`` calls it with the chapter's ``engine``
    parameter, so a notebook's calls of this module follow that parameter.
    """
    check_choice("engine", engine, ENGINES, fix=ENGINE_FIX)
    before, _IN_USE["engine"] = _IN_USE["engine"], engine
    return before


def engine_in_use(engine: str | None = None) -> str:
    """``engine`` when given, else the engine :func:`use_engine` set (``"duckdb"`` by default)."""
    return _IN_USE["engine"] if engine is None else engine


def _dialect(engine: str | None, master: str | None) -> Dialect:
    engine = engine_in_use(engine)
    check_choice("engine", engine, ENGINES, fix=ENGINE_FIX)
    if master is not None and engine != "spark":
        raise DataError(
            f"master={master!r} is a Spark setting, but engine is {engine!r}.",
            parameter="master",
            fix="add engine='spark', or leave master unset",
        )
    return DIALECTS[engine]


def _run(sql: str, source: Source, engine: str | None, master: str | None) -> pd.DataFrame:
    if engine_in_use(engine) == "spark":
        return _spark.run(sql, source, master)
    return _duckdb.run(sql, source)


def _finish(df: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """The columns as the dtypes ``kinds`` names (``DAY``: a day or time, timezone-naive), whatever the engine."""
    for column, kind in kinds.items():
        if kind == DAY:
            values = pd.to_datetime(df[column])
            if values.dt.tz is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            df[column] = values.astype(DAY)
        else:
            df[column] = df[column].astype(kind)
    return df.reset_index(drop=True)


def _day(value) -> str:
    return f"DATE '{pd.Timestamp(value).date().isoformat()}'"


def customer_table(source: Source, *, as_of=None, engine: str | None = None, master: str | None = None) -> pd.DataFrame:
    """One row per customer: first/last purchase, recency, frequency, monetary, AOV, tenure.

    Orders are summed first (an order's value is the sum of its lines), then
    customers. Customers are sorted by id.
    """
    q = _dialect(engine, master)
    cutoff = f"{MAX_DAY} + 1" if as_of is None else _day(as_of)
    sql = f"""
    with orders as (
        select {S.CUSTOMER} as c, {S.ORDER} as o, min(timestamp) as ts, sum({S.QUANTITY} * {S.PRICE}) as value
        from tx group by 1, 2
    ), cutoff as (select {cutoff} as d)
    select c as {S.CUSTOMER},
           min(ts) as {S.FIRST},
           max(ts) as {S.LAST},
           {q.days("cast(max(ts) as date)", "(select d from cutoff)")} as {S.RECENCY},
           count(*) as {S.FREQUENCY},
           sum(value) as {S.MONETARY},
           sum(value) / count(*) as {S.AOV},
           {q.days("cast(min(ts) as date)", "(select d from cutoff)")} as {S.TENURE}
    from orders group by c order by c nulls last
    """
    out = _run(sql, source, engine, master)
    return _finish(out, {S.CUSTOMER: "str", S.FIRST: DAY, S.LAST: DAY, S.RECENCY: "int64",
                         S.FREQUENCY: "int64", S.MONETARY: "float64", S.AOV: "float64", S.TENURE: "int64"})  # fmt: skip


def _summary_sql(q: Dialect, cal: str, obs: str, unit_days: float) -> str:
    unit = f"cast({float(unit_days)!r} as double)"
    return f"""
    with days as (
        select {S.CUSTOMER} as c, cast(timestamp as date) as d, sum({S.QUANTITY} * {S.PRICE}) as value
        from tx where cast(timestamp as date) <= DATE '{obs}' group by 1, 2
    ), ranked as (
        select *, min(d) over (partition by c) as first_day,
               row_number() over (partition by c order by d) as k
        from days
    )
    select c as {S.CUSTOMER},
           min(first_day) as {S.FIRST},
           count(*) filter (where d <= DATE '{cal}') - 1 as {S.X},
           {q.days("min(first_day)", f"max(d) filter (where d <= DATE '{cal}')")} / {unit} as {S.T_X},
           {q.days("min(first_day)", f"DATE '{cal}'")} / {unit} as {S.T_CAL},
           coalesce(avg(value) filter (where d <= DATE '{cal}' and k > 1), 0) as {S.REPEAT_VALUE},
           count(*) filter (where d > DATE '{cal}') as {S.X_HOLDOUT}
    from ranked
    group by c
    having min(first_day) < DATE '{cal}'
    order by c nulls last
    """


def customer_summary(
    source: Source,
    calibration_end,
    observation_end=None,
    *,
    unit_days: float = 7.0,
    engine: str | None = None,
    master: str | None = None,
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
    q = _dialect(engine, master)
    cal = pd.Timestamp(calibration_end).date().isoformat()
    obs = pd.Timestamp(observation_end).date().isoformat() if observation_end is not None else cal
    if obs < cal:
        raise DataError(
            f"observation_end {obs} is before calibration_end {cal}.",
            column="observation_end",
            fix="choose an observation end on or after the calibration end",
        )
    out = _run(_summary_sql(q, cal, obs, unit_days), source, engine, master)
    if out.empty:
        raise DataError(
            f"No customer made a first purchase before the calibration end {cal}.",
            column="calibration_end",
            fix="choose a calibration end inside the data's date range",
        )
    out = _finish(out, {S.CUSTOMER: "str", S.FIRST: DAY, S.X: "int64", S.T_X: "float64", S.T_CAL: "float64",
                        S.REPEAT_VALUE: "float64", S.X_HOLDOUT: "int64"})  # fmt: skip
    if observation_end is None:
        out = out.drop(columns=S.X_HOLDOUT)
    else:
        out[S.DURATION_HOLDOUT] = (pd.Timestamp(obs) - pd.Timestamp(cal)).days / unit_days
    return out


def interactions(
    source: Source, *, weight: str = "quantity", engine: str | None = None, master: str | None = None
) -> pd.DataFrame:
    """The customer x product interactions table: ``customer_id, product_id, weight, timestamp``.

    ``weight`` is ``"quantity"`` (units bought), ``"orders"`` (distinct orders
    containing the product) or ``"revenue"``; ``timestamp`` is the last time.
    """
    _dialect(engine, master)
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
    select {S.CUSTOMER}, {S.PRODUCT}, cast({exprs[weight]} as double) as {S.WEIGHT}, max(timestamp) as timestamp
    from tx group by 1, 2 order by 1 nulls last, 2 nulls last
    """
    out = _run(sql, source, engine, master)
    return _finish(out, {S.CUSTOMER: "str", S.PRODUCT: "str", S.WEIGHT: "float64", "timestamp": DAY})


def daily_series(
    source: Source, *, start=None, end=None, engine: str | None = None, master: str | None = None
) -> pd.DataFrame:
    """A regular daily series: revenue, orders, units, customers; days with no sale are 0.

    The index runs from ``start`` (default: the first transaction day) to ``end``
    (default: the last) with every calendar day present. ``units`` is a float
    (a quantity may be fractional).
    """
    q = _dialect(engine, master)
    first = MIN_DAY if start is None else _day(start)
    last = MAX_DAY if end is None else _day(end)
    sql = f"""
    with agg as (
        select cast(timestamp as date) as date,
               sum({S.QUANTITY} * {S.PRICE}) as revenue,
               count(distinct {S.ORDER}) as orders,
               sum({S.QUANTITY}) as units,
               count(distinct {S.CUSTOMER}) as customers
        from tx group by 1
    ), cal as ({q.calendar(first, last)})
    select cal.date, coalesce(revenue, 0) as revenue, coalesce(orders, 0) as orders,
           coalesce(units, 0) as units, coalesce(customers, 0) as customers
    from cal left join agg using (date) order by cal.date
    """
    out = _run(sql, source, engine, master)
    out = _finish(out, {"date": DAY, "revenue": "float64", "orders": "int64", "units": "float64",
                        "customers": "int64"})  # fmt: skip
    return out.set_index("date").asfreq("D")


def product_daily_series(
    source: Source, products=None, *, engine: str | None = None, master: str | None = None
) -> pd.DataFrame:
    """Units, revenue and the mean unit price per product and calendar day, with days of no sale as 0.

    Long form ``product_id, date, units, revenue, unit_price`` (``unit_price`` is
    revenue / units on days with a sale and missing otherwise), sorted by
    product then date. Each product's calendar runs from the first to the last
    day of the whole log, so series of different products line up. ``products``
    limits the table to those product ids.
    """
    q = _dialect(engine, master)
    where = ""
    if products is not None:
        ids = ", ".join("'" + str(p).replace("'", "''") + "'" for p in products)
        where = f"where cast({S.PRODUCT} as string) in ({ids})" if ids else "where false"
    sql = f"""
    with agg as (
        select cast({S.PRODUCT} as string) as {S.PRODUCT}, cast(timestamp as date) as date,
               cast(sum({S.QUANTITY}) as double) as units, cast(sum({S.QUANTITY} * {S.PRICE}) as double) as revenue
        from tx {where} group by 1, 2
    ), cal as ({q.calendar(MIN_DAY, MAX_DAY)}),
    ids as (select distinct {S.PRODUCT} from agg)
    select ids.{S.PRODUCT}, cal.date, coalesce(units, 0) as units, coalesce(revenue, 0) as revenue,
           case when units > 0 then revenue / units end as unit_price
    from ids cross join cal left join agg using ({S.PRODUCT}, date)
    order by 1 nulls last, 2
    """
    out = _run(sql, source, engine, master)
    return _finish(out, {S.PRODUCT: "str", "date": DAY, "units": "float64", "revenue": "float64",
                         "unit_price": "float64"})  # fmt: skip


def baskets(source: Source, *, engine: str | None = None, master: str | None = None) -> pd.DataFrame:
    """One row per order and product bought in it: ``order_id, product_id`` (an order is a basket), sorted."""
    _dialect(engine, master)
    sql = f"""
    select distinct cast({S.ORDER} as string) as {S.ORDER}, cast({S.PRODUCT} as string) as {S.PRODUCT}
    from tx order by 1 nulls last, 2 nulls last
    """
    return _finish(_run(sql, source, engine, master), {S.ORDER: "str", S.PRODUCT: "str"})


def cohort_counts(source: Source, *, engine: str | None = None, master: str | None = None) -> pd.DataFrame:
    """Active customers by acquisition month (cohort) and activity month.

    Columns ``cohort, period, months_since, customers``: ``customers`` of the
    cohort who bought in ``period``; ``months_since`` = period - cohort in months.
    """
    _dialect(engine, master)
    sql = f"""
    with cm as (
        select {S.CUSTOMER} as c, cast(date_trunc('month', timestamp) as date) as period from tx group by 1, 2
    ), f as (select c, min(period) as cohort from cm group by 1)
    select cohort, period,
           (year(period) - year(cohort)) * 12 + month(period) - month(cohort) as months_since,
           count(*) as customers
    from cm join f using (c) group by 1, 2 order by 1, 2
    """
    out = _run(sql, source, engine, master)
    return _finish(out, {"cohort": DAY, "period": DAY, "months_since": "int64", "customers": "int64"})


def repeat_purchases_by_day(
    source: Source, cohort_end, *, end=None, engine: str | None = None, master: str | None = None
) -> pd.Series:
    """Repeat purchase days per calendar day, for the customers acquired by ``cohort_end``.

    A customer's purchase day counts as a repeat when it is not the customer's
    first purchase day; only customers whose first purchase is before
    ``cohort_end`` count, the same cohort as :func:`customer_summary` (the
    calibration cohort of the BG/NBD tracking plot, Fader, Hardie & Lee 2005, fig. 3). Every day up to ``end`` (default: the
    last transaction day) is present, with 0 where nobody came back.
    """
    q = _dialect(engine, master)
    cut = _day(cohort_end)
    last = MAX_DAY if end is None else _day(end)
    sql = f"""
    with days as (
        select {S.CUSTOMER} as c, cast(timestamp as date) as d from tx group by 1, 2
    ), firsts as (select c, min(d) as f from days group by 1 having min(d) < {cut}),
    repeats as (
        select d as date, count(*) as repeats from days join firsts using (c) where d > f group by 1
    ), cal as ({q.calendar("(select min(f) from firsts)", last)})
    select cal.date, coalesce(repeats, 0) as repeats from cal left join repeats using (date) order by cal.date
    """
    out = _finish(_run(sql, source, engine, master), {"date": DAY, "repeats": "int64"})
    return out.set_index("date")["repeats"].asfreq("D")
