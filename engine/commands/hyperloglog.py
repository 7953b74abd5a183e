"""The hyperloglog command family (being written; see issue #3)."""
