"""Worded findings of Concepts: each sentence on numbers that make the finding go each way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.chapters import _findings as findings
from analysis.chapters.concepts import findings as F


def test_shared_helpers():
    assert findings.sentence("  the  end ") == "The end."
    assert findings.sentence("Done?") == "Done?" and findings.sentence("") == ""
    assert findings.plural(1, "day") == "1 day" and findings.plural(2500, "order") == "2,500 orders"
    assert findings.plural(2, "category", "categories") == "2 categories"
    assert findings.join_words(["a"]) == "a" and findings.join_words(["a", "b", "c"]) == "a, b and c"
    assert findings.compare(1.2, 1.0) == "higher" and findings.compare(0.8, 1.0) == "lower"
    assert findings.compare(1.04, 1.0) == "about the same" and findings.compare(np.nan, 1) == "not comparable"
    assert findings.summary(["a", "", "b."]) == "- A.\n- B."


def test_cleaning_both_ways():
    assert F.cleaning(500, {"missing_customer": 0}) == (
        "All 500 rows read were kept: none of the cleaning rules found anything to drop."
    )
    text = F.cleaning(1000, {"missing_customer": 80, "cancellation": 20, "non_positive_price": 0})
    assert text == (
        "Cleaning dropped 100 of the 1,000 rows read (10.0%), most of them by the rule `missing_customer` (80 rows)."
    )
    assert "all of them by the rule `cancellation` (1 row)" in F.cleaning(10, {"cancellation": 1})


@pytest.mark.parametrize(
    ("top", "verdict"),
    [
        (0.82, "concentrated in a minority"),
        (F.CONCENTRATED, "concentrated in a minority"),
        (0.467, "moderately"),
        (0.25, "fairly evenly"),
    ],
)
def test_concentration(top, verdict):
    text = F.concentration(top, 0.2)
    assert verdict in text and text.startswith(f"The top 20% of customers bring {100 * top:.1f}%")


def test_concentration_needs_enough_customers():
    text = F.concentration(1.0, 0.2, customers=3)
    assert text == (
        "The top 20% of customers bring 100.0% of the revenue, "
        "but with only 3 customers that says little about concentration."
    )
    assert "concentrated in a minority" in F.concentration(0.9, 0.2, customers=F.MIN_CUSTOMERS)


def test_repeat_rate_both_ways():
    assert F.repeat_rate(0.835, 2000) == (
        "83.5% of the 2,000 customers (1,670) placed two or more orders: most customers came back within the data."
    )
    assert "most customers bought once" in F.repeat_rate(0.3, 100)


def _monthly(revenue, days, starts="2024-01-01"):
    idx = pd.date_range(starts, periods=len(revenue), freq="MS")
    out = pd.DataFrame({"revenue": revenue, "days": days}, index=idx)
    out["partial"] = out["days"] < idx.days_in_month
    return out


def test_best_month_uses_full_months_and_names_partial_ones():
    m = _monthly([100.0, 300.0, 250.0, 400.0], [31, 29, 31, 10])  # April: 10 days, the tallest bar
    text = F.best_month(m, "EUR")
    assert text.startswith("The best full month was February 2024 with €300.00 in revenue")
    assert "April 2024 is in the data for only 10 of its 30 days and is left out" in text
    assert "would have beaten February 2024" in text  # 40 a day against 300 / 29
    slow = F.best_month(_monthly([100.0, 300.0, 50.0], [31, 29, 10]))
    assert "would not have reached February 2024" in slow


def test_best_month_with_one_or_no_full_month():
    one = F.best_month(_monthly([5.0, 300.0, 1.0], [3, 29, 2]))
    assert "Only one month, February 2024, is covered completely" in one
    assert F.best_month(_monthly([5.0], [3])).startswith("No calendar month is covered completely")


def test_zero_sales_days_both_ways():
    assert F.zero_sales_days(730, 0) == "Every one of the 730 days in the data has at least one sale."
    text = F.zero_sales_days(374, 16, {"Saturday": (1, 53)}, ("2010-12-23", "2011-01-03", 12))
    assert text == (
        "The shop does not trade on Saturdays (sales on 1 of the 53 Saturdays in the data); of the other 321 days, "
        "16 (5.0%) have no sale; the longest closure runs from 2010-12-23 to 2011-01-03 (12 days)."
    )
    both = F.zero_sales_days(100, 0, {"Saturday": (0, 15), "Sunday": (0, 14)})
    assert both.startswith("The shop does not trade on Saturdays or Sundays (sales on none of the 15 Saturdays and none")
    assert both.endswith("of the other 71 days, every one has a sale.")
    one = F.zero_sales_days(10, 1)
    assert one == "1 of the 10 days in the data (10.0%) has no sale at all."
    assert F.zero_sales_days(100, 4, None, ("2024-01-01", "2024-01-01", 1)).endswith("have no sale at all.")


def test_month1_retention_each_case():
    assert F.month1_retention(pd.Series(dtype=float)).startswith("The data end before any cohort")
    assert "Only one cohort (2024-01)" in F.month1_retention(pd.Series({"2024-01": 0.25}))
    assert "Only one cohort (2024-01)" in F.month1_retention(pd.Series({pd.Timestamp("2024-01-01"): 0.25}))
    flat = F.month1_retention(pd.Series([0.2, 0.22, 0.21, 0.2], index=list("abcd")))
    assert "across the 4 cohorts" in flat.lower() and "about equally often" in flat
    assert "between 20.0% and 22.0% by cohort" in flat
    up = F.month1_retention(pd.Series([0.1, 0.1, 0.3, 0.3], index=list("abcd")))
    assert "newer half of the cohorts return more often (30.0%) than the older half (10.0%)" in up
    down = F.month1_retention(pd.Series([0.3, 0.3, 0.1, 0.1], index=list("abcd")))
    assert "return less often" in down
    assert "half" not in F.month1_retention(pd.Series([0.1, 0.3, 0.2], index=list("abc")))


def _weekdays(orders, aov):
    w = pd.DataFrame({"orders": orders, "aov": aov}, index=["Monday", "Tuesday", "Saturday"])
    w["share_of_orders"] = w["orders"] / w["orders"].sum()
    return w


def test_weekday_each_way():
    text = F.weekday(_weekdays([10, 30, 0], [50.0, 60.0, np.nan]), 57.5, "GBP")
    assert text.startswith("Most orders are placed on Tuesdays (30 orders, 75.0% of all)")
    assert "£60.00, is higher than the overall £57.50" in text
    assert text.endswith("no order was ever placed on a Saturday.")
    lower = F.weekday(_weekdays([30, 10, 5], [50.0, 60.0, 70.0]), 57.5)
    assert "50.00, is lower than the overall 57.50" in lower and "never" not in lower
    assert "is about the same as the overall" in F.weekday(_weekdays([30, 10, 5], [57.6, 60.0, 70.0]), 57.5)


def test_weighted_retention_each_way():
    assert "the plain and the weighted mean are the same" in F.weighted_retention(0.3, 0.3, 1)
    assert "nothing to average" in F.weighted_retention(float("nan"), float("nan"), 0)
    assert "barely differ" in F.weighted_retention(0.412, 0.406, 12)  # the shop: 0.6 points apart
    up = F.weighted_retention(0.215, 0.237, 11)
    assert up.startswith("Weighted by cohort size the mean is 23.7%, 2.2 percentage points above the plain mean")
    assert "large cohorts come back more often" in up
    down = F.weighted_retention(0.3, 0.2, 4)
    assert "below" in down and "small cohorts come back more often" in down


def test_orders_per_customer_each_way():
    assert "pulls the mean above the median" in F.orders_per_customer(2, 4.27)
    assert F.orders_per_customer(1, 1.0).startswith("The median customer placed 1 order and")
    assert "close" in F.orders_per_customer(3, 3.05)
    assert "below the median" in F.orders_per_customer(5, 4)


def test_half_revenue_and_repeat_by_acquisition():
    assert F.half_revenue(0.0489).startswith("Half of the revenue comes from the top 4.9% of customers")
    assert F.half_revenue(float("nan")) == "There is no revenue to split."
    split = pd.Timestamp("2011-06-05")
    lower = F.repeat_by_acquisition(0.78, 0.44, split, 2744, 1594)
    assert lower.startswith(
        "Customers first seen up to 2011-06-05 (2,744) repeat at 78.0%, those first seen later (1,594) at 44.0%"
    )
    assert "less time to come back, which explains" in lower
    assert "really do come back more" in F.repeat_by_acquisition(0.3, 0.5, split, 10, 10)
    assert "about the same" in F.repeat_by_acquisition(0.5, 0.52, split, 10, 10)
    assert "no early and late group" in F.repeat_by_acquisition(0.5, float("nan"), split, 10, 0)


def test_weekday_says_most_only_above_half():
    import pandas as pd

    from analysis.chapters.concepts import findings as FC

    days = pd.DataFrame(
        {"orders": [218, 100], "share_of_orders": [0.218, 0.1], "aov": [10.0, 10.0]}, index=["Thursday", "Monday"]
    )
    assert FC.weekday(days, 10.0).startswith("More orders are placed on Thursdays than on any other day (218 orders, 21.8%")
    days["share_of_orders"] = [0.6, 0.4]
    assert FC.weekday(days, 10.0).startswith("Most orders are placed on Thursdays")


def test_cleaning_rules_name_rules_on_and_off():
    from analysis.chapters.concepts import findings as FC

    text = FC.cleaning_rules(["missing_customer", "cancellation", "non_positive_price"])
    assert text == "In this run cleaning drops lines without a customer, cancelled orders and free samples at price zero."
    text = FC.cleaning_rules(["missing_customer"], {"non_positive_price": "zero-dollar purchases count"})
    assert "free samples" not in text.split(".")[0]
    assert "`non_positive_price` (free samples at price zero) is off for this layout: zero-dollar purchases count" in text


def test_cancelled_sentence_goes_each_way():
    from analysis.chapters.concepts import findings as FC

    assert FC.cancelled(0, 0.0, False, "GBP") == ""
    kept = FC.cancelled(2895, 447317.06, False, "GBP")
    assert "2,895 earlier lines worth £447,317.06" in kept and "`net_cancellations: true` removes them" in kept
    one = FC.cancelled(1, 5.0, True, "GBP")
    assert "1 earlier line worth" in one and "dropped too" in one


def test_months_mentions_partial_months_only_when_there_are_some():
    from analysis.chapters.concepts import findings as FC

    assert FC.months(18, 0) == "The data span 18 calendar months."
    assert FC.months(13, 2) == "The data span 13 calendar months (2 of them only in part)."
    assert FC.months(1, 1) == "The data span 1 calendar month (it only in part)."


def test_without_prices_the_findings_count_orders_and_say_why_money_is_missing():
    text = F.best_month(_monthly([10.0, 30.0, 25.0], [31, 29, 31]), measure="orders")
    assert text.startswith("The best full month was February 2024 with 30 orders") and "revenue" not in text
    one = F.weekday(_weekdays([10, 30, 0], [np.nan, np.nan, np.nan]), float("nan"))
    assert one == "Most orders are placed on Tuesdays (30 orders, 75.0% of all); no order was ever placed on a Saturday."
    assert F.no_prices("the concentration of revenue") == (
        "These data have no unit prices, so the concentration of revenue is not known."
    )


def test_left_censored_each_way():
    text = F.left_censored(981, 4338, ["2010-12"], 30, "2010-12-01", 0.35, 0.20)
    assert "the 981 of the 4,338 customers (22.6%) first seen in its first 30 days may have been buying" in text
    assert "more often than the later ones (35.0% against 20.0%), a sign that many were already customers" in text
    assert "The cohort 2010-12 is marked as already customers" in text
    same = F.left_censored(90, 3000, ["2023-01"], 30, "2023-01-01", 0.21, 0.20)
    assert "about as often as the later ones or less (21.0% against 20.0%), so on these data the log may well start" in same
    two = F.left_censored(50, 400, ["2024-01", "2024-02"], 45, "2024-01-20")
    assert "The cohorts 2024-01 and 2024-02 are marked" in two and "against" not in two
    assert F.left_censored(0, 400, [], 30, "2024-01-01").startswith("No customer was first seen")
    assert F.left_censored(0, 400, [], 0, "2024-01-01").startswith("With censor_days 0, every cohort counts as new")


def test_revenue_includes_says_what_a_net_revenue_would_not_count():
    both = F.revenue_includes(5268, 3654)
    assert both == ("This revenue is gross: it counts 5,268 exact duplicate lines (drop_duplicates: true drops them) "
                    "and 3,654 lines cancelled later (net_cancellations: true removes them).")
    assert "1 exact duplicate line (" in F.revenue_includes(1, 0) and "cancelled" not in F.revenue_includes(1, 0)
    assert F.revenue_includes(0, 0) == ("This revenue counts no exact duplicate line, no line cancelled later and no "
                                        "line that is not a product.")
    out = F.revenue_includes(0, 0, True, 1558, 7542.5, True, "GBP")
    assert out.startswith("1,558 lines that are not products (postage, fees, manual lines; £7,542) are left out")
    kept = F.revenue_includes(0, 0, True, 1558, 7542.5, False, "GBP")
    assert kept.startswith("This revenue is gross: it counts 1,558 lines that are not products") and "true drops them" in kept
    assert F.revenue_includes(10, 10, has_money=False) == ""
