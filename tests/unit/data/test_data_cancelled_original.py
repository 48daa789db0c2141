"""The cancelled_original rule: earlier kept lines that a dropped cancellation cancels."""

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.data.clean import CleaningRules, cancelled_originals, clean


def _log(rows):
    t = pd.DataFrame(rows, columns=[S.ORDER, S.CUSTOMER, S.PRODUCT, S.QUANTITY, S.PRICE, S.TIMESTAMP])
    t[S.QUANTITY] = t[S.QUANTITY].astype("float64")
    t[S.PRICE] = t[S.PRICE].astype("float64")
    t[S.TIMESTAMP] = pd.to_datetime(t[S.TIMESTAMP]).astype("datetime64[us]")
    return t


LOG = _log([
    ("1", "a", "jar", 74215, 1.04, "2011-01-18 10:01"),   # cancelled 16 minutes later
    ("C2", "a", "jar", -74215, 1.04, "2011-01-18 10:17"),
    ("3", "b", "mug", 2, 3.0, "2011-02-01 09:00"),        # older of two equal lines: not matched
    ("4", "b", "mug", 2, 3.0, "2011-02-02 09:00"),        # the most recent before the cancellation
    ("C5", "b", "mug", -2, 3.0, "2011-02-03 09:00"),
    ("6", "c", "pen", 5, 1.0, "2011-03-01 09:00"),        # other quantity: not matched
    ("C7", "c", "pen", -3, 1.0, "2011-03-02 09:00"),
    ("C8", "d", "cup", -1, 2.0, "2011-03-02 09:00"),      # cancellation before the purchase: not matched
    ("9", "d", "cup", 1, 2.0, "2011-03-03 09:00"),
    ("10", "e", "jar", 1, 1.04, "2011-03-03 09:00"),      # other customer, same product
])  # fmt: skip


def test_each_cancellation_matches_the_most_recent_earlier_line_once():
    cancels = LOG[S.QUANTITY].to_numpy() < 0
    hit = cancelled_originals(LOG, cancels, ~cancels)
    assert list(np.flatnonzero(hit)) == [0, 3]
    twice = pd.concat([LOG.iloc[[2, 3, 4]], LOG.iloc[[4]]], ignore_index=True)  # two cancellations, two lines
    c = twice[S.QUANTITY].to_numpy() < 0
    assert list(np.flatnonzero(cancelled_originals(twice, c, ~c))) == [0, 1]


def test_a_line_at_the_same_time_is_not_earlier():
    log = _log([("1", "a", "jar", 1, 1.0, "2011-01-01 10:00"), ("C2", "a", "jar", -1, 1.0, "2011-01-01 10:00")])
    c = log[S.QUANTITY].to_numpy() < 0
    assert not cancelled_originals(log, c, ~c).any()


def test_the_originals_are_flagged_and_kept_by_default():
    out, report = clean(LOG)
    assert report.rows_kept == 6 and "cancelled_original" not in report.dropped
    assert report.cancelled_originals == 2
    assert report.cancelled_revenue == round(74215 * 1.04 + 2 * 3.0, 2)
    flag = report.flag("cancelled_original")
    assert flag.action == "kept" and flag.count == 2 and "net_cancellations" in flag.message
    assert "77,189.60" in flag.message and "order 1" in flag.rows[0] and "quantity 74215" in flag.rows[0]


def test_net_cancellations_drops_them():
    out, report = clean(LOG, rules=CleaningRules(net_cancellations=True))
    assert report.dropped["cancelled_original"] == 2 and report.rows_kept == 4
    assert set(out[S.ORDER]) == {"3", "6", "9", "10"}
    assert report.rows_read - sum(report.dropped.values()) == report.rows_kept
    assert report.flag("cancelled_original").action == "dropped"


def test_nothing_when_cancellations_are_kept_or_absent():
    _, report = clean(LOG, rules=CleaningRules(cancellation_prefix=None, non_positive_quantity=False))
    assert report.cancelled_originals == 0 and report.flag("cancelled_original") is None
    _, report = clean(LOG[LOG[S.QUANTITY] > 0], rules=CleaningRules(net_cancellations=True))
    assert report.cancelled_originals == 0 and report.dropped["cancelled_original"] == 0


def test_duplicates_kept_counts_only_kept_rows():
    log = pd.concat([LOG, LOG.iloc[[1, 2]]], ignore_index=True)  # a repeated cancellation and a repeated sale
    _, report = clean(log)
    assert report.duplicates == 2 and report.duplicates_kept == 1


def test_steps_list_rules_off_for_the_layout():
    _, report = clean(LOG, rules=CleaningRules(non_positive_price=False))
    report.rules_off = {"non_positive_price": "free purchases count"}
    steps = report.steps()
    row = steps[steps["rule"] == "non_positive_price"].iloc[0]
    assert row["rows_dropped"] == 0 and row["note"] == "off for this layout: free purchases count"
    assert (steps.loc[steps["rule"] != "non_positive_price", "note"] == "").all()
