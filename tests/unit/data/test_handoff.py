"""The cleaned table handed from the runner to a chapter's kernel (analysis.data.handoff)."""

import pandas as pd
import pytest

import analysis.data.load as load
from analysis.data import DataParams, handoff, load_data
from analysis.shop import make_shop


@pytest.fixture
def log(tmp_path):
    """A small transaction log on disk, with the awkward bits a report carries (a cancellation, a postage line)."""
    shop = make_shop(n_customers=60, seed=3)
    path = tmp_path / "orders.csv"
    table = shop.transactions.head(2000).copy()
    table.loc[table.index[0], "product_id"] = "POST"
    table.to_csv(path, index=False)
    return path


@pytest.fixture
def counted(monkeypatch):
    """How often load_data read and cleaned the data itself."""
    calls = []
    real = load._load

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "_load", counting)
    return calls


def test_a_second_read_with_the_same_parameters_gets_the_same_table_and_report(tmp_path, log, counted, monkeypatch):
    monkeypatch.setenv(handoff.ENV, str(tmp_path / "handoff"))
    table, report = load_data({"data": str(log)})
    again, report_again = load_data({"data": str(log)})
    assert len(counted) == 1  # the second call read the hand-off
    pd.testing.assert_frame_equal(again, table, check_exact=True)
    assert report_again == report and str(report_again) == str(report)
    assert sorted(p.suffix for p in (tmp_path / "handoff").iterdir()) == [".arrow", ".json"]


def test_other_parameters_or_a_changed_file_read_the_data_again(tmp_path, log, counted, monkeypatch):
    monkeypatch.setenv(handoff.ENV, str(tmp_path / "handoff"))
    load_data({"data": str(log)})
    load_data({"data": str(log), "drop_non_product": True})
    assert len(counted) == 2
    before, _ = load_data({"data": str(log)})
    log.write_text(log.read_text() + log.read_text().splitlines()[1] + "\n")  # one more line
    changed, _ = load_data({"data": str(log)})
    assert len(counted) == 3 and changed.attrs == before.attrs and len(changed) == len(before) + 1


def test_without_the_runner_nothing_is_written_or_read(tmp_path, log, counted, monkeypatch):
    monkeypatch.delenv(handoff.ENV, raising=False)
    load_data({"data": str(log)})
    load_data({"data": str(log)})
    assert len(counted) == 2 and handoff.folder() is None


def test_the_shop_key_names_its_knobs_and_a_file_key_its_content(tmp_path, log):
    shop = handoff.key(DataParams(data="shop", seed=1))
    assert shop != handoff.key(DataParams(data="shop", seed=2))
    assert handoff.key(DataParams(data=str(log), seed=1)) == handoff.key(DataParams(data=str(log), seed=2))
    before = handoff.key(DataParams(data=str(log)))
    log.write_text(log.read_text() + log.read_text().splitlines()[1] + "\n")
    assert handoff.key(DataParams(data=str(log))) != before


def test_a_damaged_hand_off_is_read_past(tmp_path, log, counted, monkeypatch):
    monkeypatch.setenv(handoff.ENV, str(tmp_path / "handoff"))
    table, _ = load_data({"data": str(log)})
    for path in (tmp_path / "handoff").glob("*.arrow"):
        path.write_bytes(b"not arrow")
    again, _ = load_data({"data": str(log)})
    assert len(counted) == 2
    pd.testing.assert_frame_equal(again, table, check_exact=True)


def test_a_folder_that_cannot_be_written_only_costs_the_second_read(tmp_path, log, counted, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(handoff.ENV, str(blocker / "handoff"))  # a folder inside a file
    load_data({"data": str(log)})
    load_data({"data": str(log)})
    assert len(counted) == 2


# --------------------------------------------------------------------------- the runner reads while the kernel starts


def _runner_reading(where, pid: int) -> None:
    """The marker :func:`handoff.reading` leaves while another process (``pid``) reads the data."""
    where.mkdir(parents=True, exist_ok=True)
    (where / handoff.READING).write_text(str(pid))


def test_a_kernel_waits_for_the_runner_and_takes_its_table(tmp_path, log, counted, monkeypatch):
    import os
    import threading
    import time

    where = tmp_path / "handoff"
    monkeypatch.setenv(handoff.ENV, str(where))
    table, _ = load_data({"data": str(log)})  # what the runner will have handed off
    (where / "kept").mkdir()
    for path in where.glob("*.*"):
        path.rename(where / "kept" / path.name)  # not there yet: the runner is still reading
    _runner_reading(where, os.getppid())  # a process that is running (pytest's parent)

    def runner_done():
        time.sleep(0.3)
        for path in (where / "kept").iterdir():
            path.rename(where / path.name)
        (where / handoff.READING).unlink()

    threading.Thread(target=runner_done).start()
    start = time.perf_counter()
    again, _ = load_data({"data": str(log)})
    assert time.perf_counter() - start >= 0.3  # it waited, then read the hand-off rather than the file
    assert len(counted) == 1
    pd.testing.assert_frame_equal(again, table, check_exact=True)


def test_a_kernel_stops_when_the_runner_refused_the_data(tmp_path, log, monkeypatch):
    import os
    import threading
    import time

    from analysis.errors import DataError

    where = tmp_path / "handoff"
    monkeypatch.setenv(handoff.ENV, str(where))
    _runner_reading(where, os.getppid())

    def refused():
        time.sleep(0.1)
        (where / handoff.REFUSED).write_text("")
        (where / handoff.READING).unlink()

    threading.Thread(target=refused).start()
    with pytest.raises(DataError, match="runner could not read or check these data"):
        load_data({"data": str(log)})


def test_a_runner_that_is_gone_or_this_process_is_not_waited_for(tmp_path, log, counted, monkeypatch):
    import os
    import subprocess
    import sys

    where = tmp_path / "handoff"
    monkeypatch.setenv(handoff.ENV, str(where))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _runner_reading(where, int(gone.stdout))  # a process that ended
    assert handoff.wait() is True
    load_data({"data": str(log)})
    assert len(counted) == 1
    marker = handoff.begin()  # the runner's own read, in the runner's process: no wait for itself
    assert (where / handoff.READING).read_text() == str(os.getpid())
    load_data({"data": str(log), "drop_non_product": True})
    handoff.end(marker, refused=False)
    assert len(counted) == 2 and not (where / handoff.READING).exists() and handoff.wait() is True


def test_a_failed_read_leaves_the_refusal_and_the_next_read_clears_it(tmp_path, monkeypatch):
    where = tmp_path / "handoff"
    monkeypatch.setenv(handoff.ENV, str(where))
    handoff.end(handoff.begin(), refused=True)
    assert (where / handoff.REFUSED).exists() and not (where / handoff.READING).exists()
    assert handoff.wait() is False
    handoff.end(handoff.begin(), refused=False)
    assert handoff.wait() is True


def test_reading_where_nothing_can_be_written_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(handoff.ENV, str(blocker / "handoff"))
    assert handoff.begin() is None
    handoff.end(None, refused=True)
    assert handoff.wait() is True
