"""The bitmaps command family (being written; see issue #3)."""
