"""Which acknowledged writes survived? A write-history checker, Jepsen-style.

A :class:`Workload` writes unique keys (``w:0``, ``w:1`` …) through the
shard's *primary endpoint* (what an application's client uses), on the
virtual clock, and records every write's outcome in a :class:`History`:
acknowledged or failed, when, on which node, and the replication offset the
primary had reached once the write was in its stream. Optionally each write
is followed by ``WAIT numreplicas timeout`` and counts as acknowledged only
when enough replicas confirmed it.

After the failure and recovery, :func:`check` reads every acknowledged key
back from the cluster's *current* primaries and reports the missing ones —
the writes a client was told succeeded and that are gone. The tests compare
that with the model: with asynchronous replication exactly the writes whose
offset is beyond the promoted replica's offset are lost.

Failures are only *observed* here, never assumed: a write that raised a
connection error or got an error reply is "failed", not "lost".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .slots import key_slot


@dataclass
class Op:
    """One write attempt."""
    n: int                 # sequence number (the key is prefix + n)
    key: bytes
    t_ms: int              # virtual time, relative to the workload's start
    ok: bool               # acknowledged to the client
    node: Optional[str]    # the node that answered (None: unreachable)
    offset: int = -1       # primary's master_repl_offset after the write
    error: str = ""
    replicas_acked: int = -1   # WAIT's answer, when used


@dataclass
class History:
    ops: List[Op] = field(default_factory=list)

    @property
    def acknowledged(self) -> List[Op]:
        return [op for op in self.ops if op.ok]

    @property
    def failed(self) -> List[Op]:
        return [op for op in self.ops if not op.ok]


class Workload:
    """Unique-key writes through the primary endpoint, one every ``interval_ms``."""

    def __init__(self, cluster, resilience=None, *, prefix: str = "w:", wait: tuple = None,
                 value: bytes = b"x"):
        if wait is not None and (len(wait) != 2 or min(wait) < 0):
            raise ValueError("wait must be (numreplicas, timeout_ms), both >= 0")
        self.cluster = cluster
        self.resilience = resilience
        self.prefix = prefix.encode()
        self.wait = wait
        self.value = value
        self.history = History()
        self.t0 = cluster.clock.now_ms()
        self._sessions: Dict[object, object] = {}
        self._n = 0

    def _target(self, key: bytes):
        cluster = self.cluster
        shard = cluster.shards[0] if not cluster.cluster_mode else cluster.slot_table[key_slot(key)]
        if self.resilience is not None:
            return shard, self.resilience.endpoint(shard)
        return shard, shard.primary

    def _session(self, node):
        s = self._sessions.get(node)
        if s is None or s.closed:
            s = self._sessions[node] = node.open_session(addr="workload:0")
        return s

    def write(self) -> Op:
        """Attempt one write now; record and return its outcome."""
        n = self._n
        self._n += 1
        key = self.prefix + str(n).encode()
        shard, node = self._target(key)
        op = Op(n, key, self.cluster.clock.now_ms() - self.t0, False, node.name)
        try:
            session = self._session(node)
            reply = node.execute(session, [b"SET", key, self.value])
            if isinstance(reply, Exception):
                op.error = str(reply)
            else:
                op.ok = True
                repl = getattr(node, "replication", None)
                op.offset = repl.offset if repl is not None and repl.primary is node else -1
                if self.wait is not None:
                    acked = node.execute(session, [b"WAIT", str(self.wait[0]).encode(),
                                                   str(self.wait[1]).encode()])
                    op.replicas_acked = acked if isinstance(acked, int) else -1
                    op.ok = op.replicas_acked >= self.wait[0]
                    if not op.ok:
                        op.error = f"WAIT: {acked} of {self.wait[0]} replicas"
        except ConnectionError as exc:
            op.error, op.node = str(exc), None
        except Exception as exc:   # redis.exceptions.ConnectionError is not a builtin
            if type(exc).__name__ not in ("ConnectionError", "TimeoutError"):
                raise
            op.error, op.node = str(exc), None
        self.history.ops.append(op)
        return op

    def run(self, duration_ms: int, interval_ms: int = 100, during=None) -> History:
        """Write every ``interval_ms`` for ``duration_ms`` of virtual time.
        ``during(t_ms)`` is called before each write (inject failures there)."""
        if interval_ms <= 0:
            raise ValueError("interval_ms must be > 0")
        end = self.cluster.clock.now_ms() + duration_ms
        while self.cluster.clock.now_ms() < end:
            if during is not None:
                during(self.cluster.clock.now_ms() - self.t0)
            self.write()
            self.cluster.clock.advance_ms(interval_ms)
        return self.history


def check(cluster, history: History) -> dict:
    """Read every acknowledged key back from the current primaries.

    Returns ``{"acknowledged", "failed", "lost", "lost_keys", "lost_ops"}`` —
    ``lost`` counts acknowledged writes whose key is missing now."""
    lost_ops = []
    for op in history.acknowledged:
        shard = cluster.shards[0] if not cluster.cluster_mode else cluster.slot_table[key_slot(op.key)]
        if shard.primary.dbs[0].data.get(op.key) is None:
            lost_ops.append(op)
    return {"acknowledged": len(history.acknowledged), "failed": len(history.failed),
            "lost": len(lost_ops), "lost_keys": [op.key for op in lost_ops],
            "lost_ops": lost_ops}


def predicted_loss(history: History, promoted_offset: int, failed_node: str) -> List[bytes]:
    """The model: an asynchronous failover loses the writes the old primary
    acknowledged beyond the promoted replica's offset."""
    return [op.key for op in history.acknowledged
            if op.node == failed_node and op.offset > promoted_offset]
