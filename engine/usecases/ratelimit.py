"""Rate limiting three ways, and a burst to compare them.

An API allows each client ``limit`` requests per ``window`` seconds. The cache
is the natural place for the counters: every application server sees the same
numbers, and the counters expire by themselves.

* :class:`FixedWindow` — INCR a counter named after the current window
  (``rl:fw:alice:1700000``), expiring with it. One O(1) command; the weakness is
  the window edge: ``limit`` requests at the end of one window and ``limit`` at
  the start of the next all pass, twice the rate within a moment.
* :class:`SlidingLog` — a sorted set of request timestamps per client; drop the
  ones older than the window (ZREMRANGEBYSCORE), count the rest (ZCARD). Exact,
  but memory grows with the limit (one member per request kept).
* :class:`TokenBucket` — a bucket of ``burst`` tokens refilled at ``rate`` per
  second; a request takes a token or is refused. Reading, refilling and taking
  must be atomic, so it is a Lua script (EVALSHA): no other command runs in the
  middle of a script. Two numbers per client; smooth rate, bounded bursts.

Every ``allow(client_id, now_ms)`` gets the time from the caller, so a
simulation can replay a schedule of arrivals (:func:`simulate`) on any backend.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Sequence


class FixedWindow:
    name = "fixed window (INCR + EXPIRE)"

    def __init__(self, client, limit: int, window: float, prefix: str = "rl:fw:"):
        _check(limit, window)
        self.client, self.limit, self.window_ms, self.prefix = client, limit, int(window * 1000), prefix

    def allow(self, client_id: str, now_ms: int) -> bool:
        window = now_ms // self.window_ms
        key = f"{self.prefix}{client_id}:{window}"
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(key)
        # Expire with the window (plus a margin): old counters clean themselves up.
        pipe.pexpire(key, 2 * self.window_ms)
        count = pipe.execute()[0]
        return count <= self.limit


class SlidingLog:
    name = "sliding log (sorted set)"

    def __init__(self, client, limit: int, window: float, prefix: str = "rl:log:"):
        _check(limit, window)
        self.client, self.limit, self.window_ms, self.prefix = client, limit, int(window * 1000), prefix
        self._seq = 0

    def allow(self, client_id: str, now_ms: int) -> bool:
        key = self.prefix + client_id
        self._seq += 1
        member = f"{now_ms}-{self._seq}"   # unique even for two requests in one ms
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(key, 0, now_ms - self.window_ms)   # forget old requests
        pipe.zadd(key, {member: now_ms})
        pipe.zcard(key)
        pipe.pexpire(key, self.window_ms)
        count = pipe.execute()[2]
        if count > self.limit:
            # Refused requests do not count against the client: take it back out.
            self.client.zrem(key, member)
            return False
        return True


#: The token bucket, as Redis runs it: atomically, in one script.
TOKEN_BUCKET_LUA = """
local rate  = tonumber(ARGV[1])   -- tokens added per second
local burst = tonumber(ARGV[2])   -- bucket size
local now   = tonumber(ARGV[3])   -- milliseconds
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return allowed
"""


class TokenBucket:
    name = "token bucket (Lua)"

    def __init__(self, client, rate: float, burst: int, prefix: str = "rl:tb:"):
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 tokens/s and burst >= 1")
        self.client, self.rate, self.burst, self.prefix = client, rate, burst, prefix
        # register_script sends EVALSHA and falls back to loading the script.
        self.script = client.register_script(TOKEN_BUCKET_LUA)

    def allow(self, client_id: str, now_ms: int) -> bool:
        return bool(self.script(keys=[self.prefix + client_id],
                                args=[self.rate, self.burst, now_ms]))


def _check(limit: int, window: float) -> None:
    if limit < 1 or window <= 0:
        raise ValueError("a rate limit needs limit >= 1 request and window > 0 seconds")


# -- comparing them under the same traffic ----------------------------------------

def burst_schedule(steady_rps: float = 5, seconds: float = 6, burst_at: float = 2.9,
                   burst_size: int = 30, burst_span: float = 0.3) -> List[int]:
    """Arrival times (ms): a steady trickle plus one burst straddling a window
    edge (``burst_at`` .. ``burst_at + burst_span``), sorted."""
    step = 1000 / steady_rps
    steady = [int(i * step) for i in range(int(seconds * steady_rps))]
    burst = [int(burst_at * 1000 + i * burst_span * 1000 / burst_size) for i in range(burst_size)]
    return sorted(steady + burst)


@dataclass
class LimiterRun:
    name: str
    arrivals_ms: List[int]
    allowed: List[bool]
    worst_window: int = 0   # most requests allowed in any sliding window
    by_window: Dict[int, int] = field(default_factory=dict)

    @property
    def allowed_count(self) -> int:
        return sum(self.allowed)

    @property
    def rejected_count(self) -> int:
        return len(self.allowed) - self.allowed_count


def simulate(limiters: Iterable, arrivals_ms: Sequence[int], client_id: str = "alice",
             window_ms: int = 1000) -> List[LimiterRun]:
    """Replay the same arrivals through each limiter; for each, which requests
    were allowed and the most allowed within any ``window_ms`` sliding window
    (the number the limit promises to keep at or below)."""
    runs = []
    for limiter in limiters:
        allowed = [limiter.allow(client_id, t) for t in arrivals_ms]
        times = [t for t, ok in zip(arrivals_ms, allowed) if ok]
        worst, lo = 0, 0
        for hi, t in enumerate(times):
            while times[lo] <= t - window_ms:
                lo += 1
            worst = max(worst, hi - lo + 1)
        runs.append(LimiterRun(limiter.name, list(arrivals_ms), allowed, worst))
    return runs


def per_bucket(run: LimiterRun, bucket_ms: int = 100):
    """(bucket start ms, allowed, rejected) rows for plotting a run."""
    rows: Dict[int, List[int]] = {}
    for t, ok in zip(run.arrivals_ms, run.allowed):
        b = t // bucket_ms * bucket_ms
        rows.setdefault(b, [0, 0])[0 if ok else 1] += 1
    return [(b, a, r) for b, (a, r) in sorted(rows.items())]
