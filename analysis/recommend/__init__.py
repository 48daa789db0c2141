"""Recommendations from user-item data: the Collaborative filtering chapter's package."""
