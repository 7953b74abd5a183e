"""What every emulated resource shares: a status that changes on the clock.

ElastiCache answers a create call at once, with the status ``creating``; the
resource becomes ``available`` minutes later. The emulator keeps a small
timeline per resource — ``[(from_ms, status), …]`` — and reads the current
status off the virtual clock, so nothing sleeps and nothing runs in the
background: ``clock.advance(300)`` and the next describe says ``available``.
The durations are in :mod:`engine.service.limits` (modelled, not AWS figures).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional, Tuple

from .errors import Refusal


class Resource:
    """A named resource with a status timeline on ``clock``."""

    #: the error code for "this resource is busy" (subclasses set it)
    invalid_state_code = "InvalidReplicationGroupState"
    kind = "resource"

    def __init__(self, name: str, clock):
        self.name = name
        self.clock = clock
        self.created_ms = clock.now_ms()
        self._timeline: List[Tuple[int, str]] = []

    # -- the timeline --------------------------------------------------------------------
    def schedule(self, status: str, seconds: float, then: Optional[str] = "available") -> None:
        """Be ``status`` from now for ``seconds``, then ``then`` (None: gone)."""
        now = self.clock.now_ms()
        self._timeline = [(at, s) for at, s in self._timeline if at <= now]
        self._timeline.append((now, status))
        self._timeline.append((now + int(seconds * 1000), then))

    @property
    def status(self) -> Optional[str]:
        """The status now; None once a deletion has finished."""
        now = self.clock.now_ms()
        current = None
        for at, status in self._timeline:
            if at <= now:
                current = status
        return current

    @property
    def gone(self) -> bool:
        return bool(self._timeline) and self.status is None

    def ready_at_ms(self) -> int:
        """When the current transition ends (now if nothing is pending)."""
        now = self.clock.now_ms()
        future = [at for at, _ in self._timeline if at > now]
        return min(future) if future else now

    def require_available(self, action: str) -> None:
        status = self.status
        if status != "available":
            raise Refusal(self.invalid_state_code,
                          f"{self.kind} {self.name} is not in available state (it is "
                          f"{status}); {action} needs an available {self.kind}. Advance "
                          "the clock or use a waiter.")

    @property
    def create_time(self) -> datetime:
        return datetime.fromtimestamp(self.created_ms / 1000, tz=timezone.utc)
