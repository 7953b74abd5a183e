"""A cache node: keyspace, expiry, memory accounting, configuration, statistics."""
