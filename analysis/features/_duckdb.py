"""The DuckDB engine: the transactions as the view ``tx`` of a one-thread connection."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from analysis import schema as S
from analysis._checks import require_columns
from analysis.errors import DataError

Source = pd.DataFrame | str | Path

NUMERIC = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT",
           "UINTEGER", "USMALLINT", "UTINYINT")  # fmt: skip


#: The process's in-memory DuckDB databases, one for each setting of :func:`_database` (and process id).
_DATABASES: dict[tuple, duckdb.DuckDBPyConnection] = {}
_DATABASES_LOCK = threading.Lock()


def _database() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB database with one thread and :func:`_memory_config`, made once.

    Each query opens a connection to it (:func:`_connect`) instead of a database of its own: closing a database
    hands all its memory back to the system, and the next query's memory then came as new pages to map and zero
    (on Online Retail, a data read and three interaction tables: 167 k page faults with a database a query,
    109 k with this one). Nothing is stored in it: a query's view and table are its connection's own."""
    config = {"threads": 1, **_memory_config()}
    key = (os.getpid(), tuple(sorted(config.items())))
    with _DATABASES_LOCK:
        if key not in _DATABASES:
            _DATABASES[key] = duckdb.connect(config=config)
        return _DATABASES[key]


@contextmanager
def _connect(source: Source):
    """A DuckDB connection with the transactions visible as the view ``tx``."""
    # One thread: DuckDB's parallel hash aggregation adds floats in a different
    # order on every run, so per-customer sums would differ in the last bit from
    # run to run (and a fit near the edge of its parameter space would follow
    # them). One thread reads the rows in file order: same input, same sums.
    con = _database().cursor()  # a connection of its own: the registered table and the view are its alone
    try:
        if isinstance(source, pd.DataFrame):
            _check_columns(list(source.columns), "<DataFrame>")
            con.register("tx_frame", source)
            con.execute("create temp view tx as select * from tx_frame")
        else:
            path = Path(source)
            if not path.exists():
                raise DataError(
                    "The transactions file does not exist.",
                    source=str(path),
                    fix="check the path, or pass the table as a DataFrame",
                )
            con.execute(f"create temp view tx as select * from {reader(path)}('{quoted(path)}')")
            described = {r[0]: r[1] for r in con.execute("describe tx").fetchall()}
            _check_columns(list(described), str(path))
            _check_types(described, str(path))
        yield con
    finally:
        con.close()


#: Under an address-space limit (``ulimit -v``, ``prlimit --as``, the benchmark's cap), DuckDB may use this
#: share of it; the pandas tables of the same process hold the rest. DuckDB's own default (80 % of the
#: machine's memory) ignores the limit, so a large query fails with an allocation error instead of spilling.
CAPPED_SHARE = 0.25


def _memory_config() -> dict[str, str]:
    """DuckDB's memory limit and spill folder when the process runs under an address-space limit, else {}."""
    import resource
    import tempfile

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return {}
    return {"memory_limit": f"{max(int(soft * CAPPED_SHARE) // 2**20, 64)}MiB",
            "temp_directory": str(Path(tempfile.gettempdir()) / "analysis-duckdb-spill")}


def reader(path: Path) -> str:
    """DuckDB's table function for the file: Parquet by its suffix, else CSV."""
    return "read_parquet" if path.suffix.lower() in (".parquet", ".pq") else "read_csv_auto"


def quoted(path: Path | str) -> str:
    """The path inside a single-quoted SQL string."""
    return str(path).replace("'", "''")


def run(sql: str, source: Source) -> pd.DataFrame:
    """The result of ``sql`` (over the view ``tx``) as a DataFrame."""
    with _connect(source) as con:
        return con.execute(sql).df()


def _check_columns(columns: list[str], source: str) -> None:
    require_columns(
        pd.DataFrame(columns=columns),
        (S.ORDER, S.CUSTOMER, S.QUANTITY, S.PRICE, S.TIMESTAMP),
        source=source,
        fix="load the file with analysis.data.load_data first (it maps known layouts "
        f"to the canonical names); columns found: {', '.join(map(str, columns))}",
    )


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
