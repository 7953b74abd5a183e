"""The scripting command family (being written; see issue #3)."""
