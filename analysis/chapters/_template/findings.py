"""The chapter's worded findings: small functions that take the run's numbers and return one sentence.

A new chapter writes its own here (each tested on inputs where the finding goes
each way); the template borrows four of the Concepts chapter's.
"""

from analysis.chapters.concepts.findings import concentration, half_revenue, orders_per_customer, repeat_rate

__all__ = ["concentration", "half_revenue", "orders_per_customer", "repeat_rate"]
