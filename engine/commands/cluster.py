"""The cluster command family (being written; see issue #5)."""
