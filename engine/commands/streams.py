"""The streams command family (being written; see issue #3)."""
