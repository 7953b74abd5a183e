"""The pubsub command family (being written; see issue #3)."""
