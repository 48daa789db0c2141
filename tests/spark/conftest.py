"""One local Spark session for the whole tier (Java and PySpark needed, else every test skips, saying why)."""

from __future__ import annotations

import pytest

from analysis import features

MASTER = "local[2]"


@pytest.fixture(scope="session")
def spark():
    missing = features.spark_available()
    if missing:
        pytest.skip(f"the Spark tier needs PySpark and Java 17+: {missing} (pip install '.[spark]')")
    session = features.spark_session(MASTER)  # quiet logs, no web UI, bound to 127.0.0.1, 4 shuffle partitions
    yield session
    session.stop()
