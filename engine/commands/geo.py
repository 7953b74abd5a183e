"""The geo command family (being written; see issue #3)."""
