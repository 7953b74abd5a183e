"""The search command family (being written)."""
