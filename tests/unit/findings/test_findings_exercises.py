"""Exercise 2.1's sentence: the largest RFM segment, more, less or about its share of revenue."""

from __future__ import annotations

from analysis.chapters.clustering import findings as F


def test_largest_rfm_segment_each_way():
    about = F.largest_rfm_segment("lost", 0.30, 0.33)
    assert "30.0%" in about and "33.0%" in about and "about its share" in about and about.endswith(".")
    more = F.largest_rfm_segment("champions", 0.20, 0.60)
    assert "3 times its share" in more and "more than the average customer" in more
    less = F.largest_rfm_segment("lost", 0.40, 0.10)
    assert "0.25 times" in less and "less than the average customer" in less
    edge = F.largest_rfm_segment("lost", 0.50, 0.50 * (1 + F.FAIR_SHARE))
    assert "about its share" in edge
    assert F.largest_rfm_segment("lost", 0.0, 0.0).startswith("The largest RFM segment is lost")
