"""Job queues: a reliable list queue, and a stream with a consumer group.

**Lists.** LPUSH adds jobs at the head, workers take from the tail: first in,
first out, O(1) both ends. A plain RPOP loses a job if the worker dies after
taking it. The *reliable queue* pattern moves the job atomically into the
worker's own "processing" list (LMOVE, or BLMOVE to wait for work) and deletes
it only when done (LREM); a supervisor can put a dead worker's jobs back.

**Streams.** A stream is an append-only log of entries with time-based IDs
(XADD). A *consumer group* shares the entries among consumers (XREADGROUP):
each entry goes to one consumer and stays *pending* until acknowledged (XACK).
When a consumer dies, its pending entries can be claimed by another after an
idle time (XAUTOCLAIM). Unlike a list, the entries stay in the stream after
being read (until trimmed), so several groups can read the same data and a new
reader can replay history.
"""
from __future__ import annotations

from typing import Dict, List, Optional


class ReliableQueue:
    def __init__(self, client, name: str = "jobs"):
        self.client, self.key = client, f"queue:{name}"

    def processing_key(self, worker: str) -> str:
        return f"{self.key}:processing:{worker}"

    def push(self, *jobs: str) -> int:
        """Enqueue jobs; returns the queue length."""
        return self.client.lpush(self.key, *jobs)

    def claim(self, worker: str, block: Optional[float] = None) -> Optional[str]:
        """Take the oldest job into ``worker``'s processing list (atomically).
        ``block`` waits up to that many seconds for a job (BLMOVE; 0 = forever)."""
        if block is None:
            job = self.client.lmove(self.key, self.processing_key(worker), "RIGHT", "LEFT")
        else:
            job = self.client.blmove(self.key, self.processing_key(worker), block,
                                     "RIGHT", "LEFT")
        return _s(job)

    def ack(self, worker: str, job: str) -> bool:
        """The job is done: remove it from the processing list."""
        return self.client.lrem(self.processing_key(worker), 1, job) == 1

    def in_progress(self, worker: str) -> List[str]:
        return [_s(j) for j in self.client.lrange(self.processing_key(worker), 0, -1)]

    def recover(self, worker: str) -> int:
        """Put a dead worker's unfinished jobs back at the front of the queue
        (they are taken next); returns how many were moved."""
        moved = 0
        while self.client.lmove(self.processing_key(worker), self.key, "RIGHT", "RIGHT") is not None:
            moved += 1
        return moved

    def __len__(self) -> int:
        return self.client.llen(self.key)


class SensorStream:
    """IoT readings in a stream, processed by a consumer group."""

    def __init__(self, client, key: str = "readings", group: str = "alerts",
                 maxlen: int = 10_000):
        self.client, self.key, self.group, self.maxlen = client, key, group, maxlen

    def create_group(self) -> None:
        """Create the group reading new entries ($) — MKSTREAM creates the stream."""
        try:
            self.client.xgroup_create(self.key, self.group, id="$", mkstream=True)
        except Exception as exc:  # BUSYGROUP: it already exists, which is fine
            if "BUSYGROUP" not in str(exc):
                raise

    def add(self, sensor: str, value: float) -> str:
        """Append a reading; MAXLEN ~ caps the stream cheaply (whole nodes)."""
        return _s(self.client.xadd(self.key, {"sensor": sensor, "value": value},
                                   maxlen=self.maxlen, approximate=True))

    def read(self, consumer: str, count: int = 10) -> List[tuple]:
        """New entries for ``consumer``: [(id, fields)], now pending for it."""
        reply = self.client.xreadgroup(self.group, consumer, {self.key: ">"}, count=count)
        return _entries(reply)

    def ack(self, *ids: str) -> int:
        return self.client.xack(self.key, self.group, *ids)

    def pending(self) -> Dict[str, int]:
        """Pending entries per consumer (XPENDING summary)."""
        summary = self.client.xpending(self.key, self.group)
        return {_s(c["name"]): int(c["pending"]) for c in summary.get("consumers", [])}

    def claim_stale(self, consumer: str, min_idle_ms: int, count: int = 100) -> List[tuple]:
        """Take over entries idle for ``min_idle_ms`` (a crashed consumer's)."""
        reply = self.client.xautoclaim(self.key, self.group, consumer, min_idle_ms,
                                       start_id="0-0", count=count)
        return [(_s(i), _fields(f)) for i, f in reply[1] if f is not None]

    def length(self) -> int:
        return self.client.xlen(self.key)


def _entries(reply) -> List[tuple]:
    """XREAD/XREADGROUP replies as [(id, fields)], in either protocol: redis-py
    gives RESP2 as [[stream, entries]] and RESP3 as {stream: [entries]}."""
    if isinstance(reply, dict):
        batches = [entries for wrapped in reply.values() for entries in wrapped]
    else:
        batches = [entries for _stream, entries in reply or []]
    return [(_s(entry_id), _fields(fields)) for entries in batches
            for entry_id, fields in entries]


def _fields(fields) -> Dict[str, str]:
    if fields is None:
        return {}
    if isinstance(fields, dict):
        return {_s(k): _s(v) for k, v in fields.items()}
    it = iter(fields)
    return {_s(k): _s(v) for k, v in zip(it, it)}


def _s(value):
    return value.decode() if isinstance(value, bytes) else value
