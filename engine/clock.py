"""Clocks: the one place the engine learns what time it is.

Every timestamp in the engine (TTLs, idle times, uptime, the active-expiry cycle)
comes from a clock object, never from ``time.time()`` directly. That is what
makes a simulation deterministic: a lab can create a key with a 30-second TTL,
call ``clock.advance(30)``, and watch it expire, without sleeping and with the
same result on every run.

Two clocks share one interface:

* :class:`VirtualClock` — starts at a fixed instant and moves only when told to
  (``advance``). The default for in-process nodes and every simulation.
* :class:`WallClock` — real time. Used when the engine serves TCP clients, since
  redis-cli users expect ``EXPIRE k 5`` to fire five real seconds later.

Times are integers in milliseconds (Redis keeps expiry times as unix-ms too);
``now()`` returns float seconds for convenience.
"""
from __future__ import annotations

import time
from typing import Callable, List

#: The instant a fresh VirtualClock shows: 2025-01-01T00:00:00Z. Fixed so that
#: EXPIREAT examples and TIME replies are identical on every run.
DEFAULT_EPOCH_MS = 1_735_689_600_000


class Clock:
    """Interface shared by both clocks."""

    #: True when time moves by itself (served TCP endpoints).
    is_wall = False

    def now_ms(self) -> int:
        raise NotImplementedError

    def now(self) -> float:
        """Current time in seconds (float)."""
        return self.now_ms() / 1000.0

    def now_us(self) -> int:
        return self.now_ms() * 1000

    def monotonic_ms(self) -> int:
        """Milliseconds on a clock that never goes backwards (for durations)."""
        return self.now_ms()


class VirtualClock(Clock):
    """Simulated time that moves only when ``advance`` is called.

    Components that do periodic work (a node's active-expiry cycle, replication
    links, failure detectors) register a *ticker* with :meth:`on_advance`. When
    the clock advances, each ticker is handed the old and new time and catches up
    itself — which lets it skip stretches where nothing can happen instead of
    simulating every 100 ms step of a long jump.
    """

    def __init__(self, start_ms: int = DEFAULT_EPOCH_MS):
        self._now_ms = int(start_ms)
        self._tickers: List[Callable[[int, int], None]] = []

    def now_ms(self) -> int:
        return self._now_ms

    def now_us(self) -> int:
        return self._now_ms * 1000

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (may be fractional; never negative)."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards: advance() needs seconds >= 0")
        self.advance_ms(int(round(seconds * 1000)))

    def advance_ms(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("a clock cannot go backwards: advance_ms() needs ms >= 0")
        old, self._now_ms = self._now_ms, self._now_ms + int(ms)
        for ticker in list(self._tickers):
            ticker(old, self._now_ms)

    def on_advance(self, ticker: Callable[[int, int], None]) -> None:
        """Register ``ticker(old_ms, new_ms)``, called after every advance."""
        self._tickers.append(ticker)

    def remove_ticker(self, ticker: Callable[[int, int], None]) -> None:
        if ticker in self._tickers:
            self._tickers.remove(ticker)

    def __repr__(self) -> str:
        return f"VirtualClock(now_ms={self._now_ms})"


class WallClock(Clock):
    """Real time, for endpoints that real clients talk to."""

    is_wall = True

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def now_us(self) -> int:
        return time.time_ns() // 1000

    def monotonic_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000

    def on_advance(self, ticker) -> None:  # pragma: no cover - nothing to do
        """Wall time needs no tickers: the TCP server runs periodic work itself."""

    def remove_ticker(self, ticker) -> None:
        pass

    def advance(self, seconds: float) -> None:
        raise TypeError(
            "a WallClock follows real time and cannot be advanced; create the node "
            "with a VirtualClock (the default) to fast-forward time"
        )

    def __repr__(self) -> str:
        return "WallClock()"
