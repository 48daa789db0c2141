"""The Spark engine: the same SQL text, run by Spark SQL over the same Parquet file.

:func:`spark_session` returns the running Spark session, or starts one: local
mode on this machine by default (``local[*]``: one worker thread per core, no
cluster, no Hadoop), or the cluster named by ``master`` (``spark://host:7077``,
``yarn``, ``k8s://...``). Under ``spark-submit`` (or beside a session the
caller started) the job's own session is used as it is, with the master and
settings the launcher gave it.

A DataFrame source is written to a temporary Parquet file first (a CSV file
is converted by DuckDB the same way), so Spark always reads Parquet. On a
cluster, pass a path every executor can read (``hdfs://``, ``s3a://``, a
shared disk): a temporary file on the driver is only visible in local mode.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import schema as S
from analysis.errors import DataError
from analysis.features import _duckdb

VIEW = "tx"
LOCAL = "local[*]"
#: Spark's settings for the sessions this module starts; ``conf`` overrides them.
SETTINGS = {
    "spark.app.name": "analysis.features",
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.showConsoleProgress": "false",
}
LOCAL_SETTINGS = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
LOG_CONFIG = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""
INSTALL_FIX = "install PySpark and Java 17 or newer (pip install '.[spark]'; Debian: apt-get install " \
    "openjdk-17-jre-headless), or use engine='duckdb'"  # fmt: skip


def spark_available() -> str | None:
    """None when Spark can start here; otherwise what is missing, in words."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (java is not on PATH and JAVA_HOME is not set)"
    return None


def spark_session(master: str | None = None, conf: dict[str, Any] | None = None):
    """The running Spark session, or a new one for ``master`` (default: local mode, quiet logs)."""
    missing = spark_available()
    if missing:
        raise DataError(f"engine='spark' cannot start: {missing}.", parameter="engine", fix=INSTALL_FIX)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is None and master is None and os.environ.get("PYSPARK_GATEWAY_PORT"):
        # Under spark-submit the JVM is already up, configured by the launcher: take its session as it is.
        active = SparkSession.builder.getOrCreate()
    if active is not None:
        running = active.sparkContext.master
        if master is None or master == running:
            return active
        raise DataError(
            f"A Spark session with master {running!r} is already running; this call asks for {master!r}.",
            parameter="master",
            fix="leave master unset to use the running session, or stop it first (spark.stop())",
        )
    master = master or LOCAL
    settings = {**SETTINGS, "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{_log_config()}"}
    if master.startswith("local"):
        settings.update(LOCAL_SETTINGS)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    settings.update({k: str(v) for k, v in (conf or {}).items()})
    builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _log_config() -> Path:
    """A log4j2 file that lets only errors through (Spark's default prints every warning)."""
    path = Path(tempfile.gettempdir()) / "analysis_features_log4j2.properties"
    if not path.exists() or path.read_text() != LOG_CONFIG:
        path.write_text(LOG_CONFIG)
    return path


def run(sql: str, source: _duckdb.Source, master: str | None = None) -> pd.DataFrame:
    """The result of ``sql`` (over the view ``tx``), computed by Spark, as a DataFrame."""
    spark = spark_session(master)
    with tempfile.TemporaryDirectory(prefix="analysis_spark_") as tmp, warnings.catch_warnings():
        # PySpark checks the pandas version even on the Arrow path, which never uses pandas.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        path = _parquet_for(source, Path(tmp))
        frame = spark.read.parquet(path)
        _duckdb._check_columns(frame.columns, path)
        frame.createOrReplaceTempView(VIEW)
        try:
            table = spark.sql(sql).toArrow()
        finally:
            spark.catalog.dropTempView(VIEW)
    return table.to_pandas()


def _is_url(source: Any) -> bool:
    return isinstance(source, str) and "://" in source and not source.startswith("file://")


def _parquet_for(source: _duckdb.Source, tmp: Path) -> str:
    """A Parquet path Spark can read holding the source: the file itself, or a checked copy in ``tmp``."""
    if _is_url(source):
        return str(source)  # the cluster's storage: Spark reads and checks it
    if isinstance(source, pd.DataFrame):
        _duckdb._check_columns(list(source.columns), "<DataFrame>")
        path = tmp / "tx.parquet"
        columns = [c for c in S.TRANSACTION_REQUIRED if c in source.columns]
        try:
            source[columns].to_parquet(path, index=False, coerce_timestamps="us")
        except (ValueError, TypeError) as err:  # pyarrow's ArrowInvalid / ArrowTypeError derive from these
            raise DataError(
                f"The table cannot be handed to Spark as Parquet: {err}",
                source="<DataFrame>",
                fix="load the data with analysis.data.load_data (one type per column, timestamps to the "
                "microsecond), or pass the path of a Parquet file",
            ) from None
        return str(path)
    with _duckdb._connect(source) as con:  # the same checks as the DuckDB engine
        src = Path(source)
        if _duckdb.reader(src) == "read_parquet":
            return str(src.resolve())
        path = tmp / "tx.parquet"
        con.execute(f"copy (select * from tx) to '{_duckdb.quoted(path)}' (format parquet)")
        return str(path)
