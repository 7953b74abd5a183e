"""The bloom command family (being written)."""
