"""The extension points the ElastiCache API's mixins share.

Each feature area (resilience, security, scaling) is a mixin class in its own
module; ``ElastiCache`` inherits them all. Python's method resolution order
chains their hooks: each override calls ``super()`` first, and this base ends
the chain.
"""
from __future__ import annotations


class ServiceHooks:
    def _check_group_params(self, params: dict) -> None:
        """Validate CreateReplicationGroup parameters (raise Refusal)."""

    def _after_create_group(self, group, params: dict) -> None:
        """Attach feature state to a newly created replication group."""
