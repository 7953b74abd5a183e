"""Failures, failover and recovery of an emulated cluster, on the virtual clock.

:class:`Resilience` wraps a :class:`~engine.cluster.Cluster` with what
ElastiCache does when nodes fail (../shared/reference/elasticache-facts.md §2
and engine-facts.md "Failover")::

    res = Resilience(cluster, multi_az=True)
    res.kill_node(shard.primary)        # or kill_az("us-east-1a"), isolate(node),
                                        # slow_replica(node, latency_ms=…), reboot_primary(shard)
    cluster.clock.advance(30)           # detection, promotion, endpoint switch happen
    res.timeline                        # [{"t_ms", "shard", "event", "node", "detail"}]
    res.durations()                     # {"detected_ms", "promoted_ms", "writes_resumed_ms", …}
    res.endpoint(shard)                 # the node the primary endpoint points at now

What happens, step by step, when a primary dies:

1. **detected** after ``node_timeout_ms`` (cluster-node-timeout, 15 s by
   default in Redis; engine-facts.md);
2. with Multi-AZ on, the reachable replica with the **highest replication
   offset** (the least lag) is **promoted** after Redis's election delay
   (500 ms + random 0–500 ms; rank 0 is the replica with the highest offset);
   the writes it never received are lost — replication is asynchronous;
3. the **primary endpoint** is repointed (``dns_ms`` later: DNS follows the
   primary, so the endpoint's name stays the same) and **writes resume**;
4. a **replacement replica** is built later (``replace_ms``; the fact sheet's
   "typically within six minutes" for the whole sequence).

With Multi-AZ off (or no replica left) the primary is **replaced**: a new node
is provisioned (``provision_ms``) and synced from the most up-to-date replica
— no writes until then, replicas keep serving reads. A primary *reboot*
started by the user does not fail over, and the replicas resync from the
restarted (empty) primary: their data is wiped too (fact sheet §2).

Timings not given by the reference (``dns_ms``, ``provision_ms``,
``reboot_ms``) are model parameters, tunable, not AWS figures.
"""
from __future__ import annotations

import heapq
import itertools
import random
from typing import Callable, Dict, List, Optional

from .replication import Replication

#: cluster-node-timeout's default (engine-facts.md, "Failover").
NODE_TIMEOUT_MS = 15_000
#: "typically within six minutes" for the whole failover sequence,
#: replacement node included (elasticache-facts.md §2).
REPLACE_MS = 6 * 60_000
#: ElastiCache's TestFailover limit: 15 shards per rolling 24 hours (§2).
TEST_FAILOVER_LIMIT = 15
DAY_MS = 24 * 3600_000


class NodeDown(ConnectionError):
    """Raised by a killed (or unreachable) node instead of answering."""


def _dead_execute(node):
    def execute(session, argv):
        try:
            from redis.exceptions import ConnectionError as RedisConnectionError
        except ImportError:  # pragma: no cover
            RedisConnectionError = NodeDown
        raise RedisConnectionError(f"Error connecting to {node.name}: node is down")
    return execute


class Resilience:
    """Failure injection and automatic failover for one Cluster."""

    def __init__(self, cluster, *, multi_az: bool = True, node_timeout_ms: int = NODE_TIMEOUT_MS,
                 dns_ms: int = 1000, replace_ms: int = REPLACE_MS, provision_ms: int = REPLACE_MS,
                 reboot_ms: int = 60_000, seed: int = 0):
        for name, value in (("node_timeout_ms", node_timeout_ms), ("dns_ms", dns_ms),
                            ("replace_ms", replace_ms), ("provision_ms", provision_ms),
                            ("reboot_ms", reboot_ms)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0 (milliseconds), got {value!r}")
        self.cluster = cluster
        self.clock = cluster.clock
        self.multi_az = multi_az
        self.node_timeout_ms = node_timeout_ms
        self.dns_ms = dns_ms
        self.replace_ms = replace_ms
        self.provision_ms = provision_ms
        self.reboot_ms = reboot_ms
        self.rng = random.Random(seed)
        self.down: set = set()
        #: Events, in time order: dicts with t_ms (relative to creation), shard,
        #: event, node, detail. Plain data for plots (engine/viz/failover.py).
        self.timeline: List[dict] = []
        self.t0 = self.clock.now_ms()
        self._endpoints: Dict[str, object] = {s.id: s.primary for s in cluster.shards}
        self._queue: list = []
        self._now: Optional[int] = None
        self._seq = itertools.count()
        self._test_failovers: List[int] = []
        self.promotions: List[dict] = []
        self.partitions: List[tuple] = []
        #: Called with (shard, node) when a node replaces a lost primary, to
        #: load its data from a durability source (durability.py) instead of
        #: starting empty; returns True if it loaded something.
        self.restore_hooks: List[Callable] = []
        #: Called with (shard, node) when a node fails (an AOF loses its
        #: unsynced tail then: durability.AppendOnlyFile.on_failure).
        self.failure_hooks: List[Callable] = []
        self._reader_rr = 0
        self.clock.on_advance(self._tick)

    # -- scheduling on the virtual clock ----------------------------------------
    def _at(self, when_ms: int, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (when_ms, next(self._seq), action))
        if when_ms <= self.clock.now_ms() and self._now is None:
            self._run_due(self.clock.now_ms())

    def _tick(self, old_ms: int, new_ms: int) -> None:
        self._run_due(new_ms)

    def _run_due(self, now_ms: int) -> None:
        # Actions run in time order, each "at" its own instant (self._now),
        # even when one clock advance covers several of them.
        try:
            while self._queue and self._queue[0][0] <= now_ms:
                when, _, action = heapq.heappop(self._queue)
                self._now = when
                action()
        finally:
            self._now = None

    def _time(self) -> int:
        return self.clock.now_ms() if self._now is None else self._now

    def log(self, shard, event: str, node=None, detail: str = "") -> None:
        self.timeline.append({"t_ms": self._time() - self.t0, "shard": getattr(shard, "id", shard),
                              "event": event, "node": getattr(node, "name", node),
                              "detail": detail})

    # -- endpoints -----------------------------------------------------------------
    def endpoint(self, shard):
        """The node the shard's primary endpoint resolves to right now (it
        may be a dead node: DNS has not been repointed yet)."""
        return self._endpoints.get(shard.id, shard.primary)

    def reader(self, shard):
        """The reader endpoint: round-robin over the live replicas (DNS
        round-robin, not a load balancer — fact sheet §1); the primary when
        there is none."""
        live = [n for n in shard.replicas if n not in self.down]
        if not live:
            return self.endpoint(shard)
        self._reader_rr += 1
        return live[self._reader_rr % len(live)]

    def is_up(self, node) -> bool:
        return node not in self.down

    # -- failure injection -----------------------------------------------------------
    def shard_of(self, node):
        for shard in self.cluster.shards:
            if node in shard.nodes:
                return shard
        raise ValueError(f"{getattr(node, 'name', node)!r} is not a node of this cluster")

    def kill_node(self, node) -> None:
        """The node's process/host dies: no answers, links broken."""
        shard = self.shard_of(node)
        if node in self.down:
            return
        self._take_down(node)
        self.log(shard, "node failed", node)
        for hook in self.failure_hooks:
            hook(shard, node)
        if node is shard.primary:
            self._primary_lost(shard, node)
        else:
            shard.link.disconnect(node)
            self._at(self._time() + self.replace_ms,
                     lambda: self._replace_replica(shard, node))

    def kill_az(self, az: str) -> List[str]:
        """Every node placed in Availability Zone ``az`` fails at once."""
        victims = [n for n in self.cluster.nodes if getattr(n, "az", None) == az]
        if not victims:
            raise ValueError(f"no node is placed in {az!r}; placements: "
                             f"{sorted({str(getattr(n, 'az', None)) for n in self.cluster.nodes})}")
        for node in victims:   # replicas first, so a dying primary sees them gone
            if node not in self.cluster.primaries:
                self.kill_node(node)
        for node in victims:
            if node in self.cluster.primaries:
                self.kill_node(node)
        return [n.name for n in victims]

    def isolate(self, node) -> None:
        """Network loss: ``node`` is cut from the rest of the cluster and from
        clients. For ElastiCache this is a failure like any other (§2)."""
        self.kill_node(node)
        self.timeline[-1]["event"] = "node isolated"

    def partition(self, side_a, side_b=None) -> None:
        """Cut the network between two groups of nodes (``side_b``: every
        other node). Clients still reach both sides. Replication links that
        cross the cut break. A primary cut from all its replicas keeps
        acknowledging writes — but with Multi-AZ, after the node timeout a
        replica on the other side is promoted and the old primary is
        replaced: what it acknowledged meanwhile is lost (a split brain)."""
        side_a = set(side_a)
        side_b = set(side_b) if side_b is not None else set(self.cluster.nodes) - side_a
        if side_a & side_b:
            raise ValueError("a node cannot be on both sides of a partition")
        self.partitions.append((side_a, side_b))
        self.log(None, "network partitioned", None,
                 f"{sorted(n.name for n in side_a)} | {sorted(n.name for n in side_b)}")
        for shard in self.cluster.shards:
            primary = shard.primary
            for replica in shard.replicas:
                if self._cut(primary, replica):
                    shard.link.disconnect(replica)
            if shard.replicas and all(self._cut(primary, r) for r in shard.replicas):
                self._schedule_split(shard, primary)

    def _cut(self, a, b) -> bool:
        return any((a in x and b in y) or (a in y and b in x) for x, y in self.partitions)

    def _schedule_split(self, shard, node) -> None:
        def detected():
            if shard.primary is not node or node in self.down or \
                    not all(self._cut(node, r) for r in shard.replicas):
                return                                   # healed in time
            self.log(shard, "failure detected", node, "primary unreachable from its replicas")
            if not self.multi_az:
                return
            best = self.best_replica(shard)
            if best is None:
                return

            def fence_and_promote():
                # The control plane replaces the unreachable primary: it stops
                # serving, and its writes since the cut are gone with it.
                self._take_down(node)
                shard.link.active = False
                if shard.link.log is not None:
                    shard.link.log.freeze(self._time())
                self._auto_promote(shard, best, node)
            self._at(self._time() + 500 + self.rng.randint(0, 500), fence_and_promote)
        self._at(self._time() + self.node_timeout_ms, detected)

    def heal(self) -> None:
        """End every partition: broken links between live nodes reconnect
        (partial or full resync, as the backlog allows)."""
        self.partitions.clear()
        for shard in self.cluster.shards:
            if shard.primary in self.down:
                continue
            for replica in shard.replicas:
                link = shard.link.links.get(replica)
                if link is not None and not link.up and replica not in self.down:
                    kind = shard.link.reconnect(replica)
                    self.log(shard, "link restored", replica, f"{kind} resync")
        self.log(None, "network healed")

    def slow_replica(self, node, *, latency_ms: float = None, bandwidth=...) -> None:
        """Make one replica's link slow: more latency and/or less bandwidth."""
        shard = self.shard_of(node)
        shard.link.set_link(node, latency_ms=latency_ms, bandwidth=bandwidth)
        self.log(shard, "replica slowed", node,
                 f"latency {latency_ms} ms, bandwidth {bandwidth if bandwidth is not ... else 'same'}")

    def reboot_primary(self, shard) -> None:
        """A reboot you start: no failover; the primary restarts empty after
        ``reboot_ms`` (or from its durability file), replicas resync from it."""
        shard = self._shard(shard)
        node = shard.primary
        self._take_down(node)
        self.log(shard, "reboot started", node)
        shard.link.active = False
        for replica in shard.replicas:
            shard.link.disconnect(replica)

        def back():
            self._bring_up(node)
            for db in node.dbs:
                for key in list(db.data):
                    db.delete(key)
            loaded = any(hook(shard, node) for hook in self.restore_hooks)
            old = shard.link
            old.detach()
            new = Replication(node, **_options(old))
            new.observers = old.observers
            new.log = old.log
            if new.log is not None:
                new.log.rebase(0)
            shard.link = new
            for replica in shard.replicas:
                new.attach(replica)     # a full resync from the restarted primary
            self.log(shard, "primary restarted", node,
                     "data loaded from durability file" if loaded else "empty; replicas wiped")
            self.log(shard, "writes resumed", node)
        self._at(self._time() + self.reboot_ms, back)

    # -- failover -----------------------------------------------------------------------
    def _primary_lost(self, shard, node) -> None:
        shard.link.active = False
        if shard.link.log is not None:
            shard.link.log.freeze(self._time())
        for replica in list(shard.link.links):     # replicas, and any cross-Region link
            shard.link.disconnect(replica)
        failed_at = self._time()

        def detected():
            self.log(shard, "failure detected", node)
            candidates = [r for r in shard.replicas if r not in self.down]
            if self.multi_az and candidates:
                best = self.best_replica(shard)
                delay = 500 + self.rng.randint(0, 500)   # rank 0: highest offset
                self._at(self._time() + delay, lambda: self._auto_promote(shard, best, node))
            else:
                self._at(self._time() + self.provision_ms,
                         lambda: self._replace_primary(shard, node))
        self._at(failed_at + self.node_timeout_ms, detected)

    def best_replica(self, shard):
        """The live replica with the highest replication offset (least lag)."""
        live = [r for r in shard.replicas if r not in self.down]
        if not live:
            return None
        return max(live, key=lambda r: (shard.link.links[r].offset, -shard.replicas.index(r)))

    def _auto_promote(self, shard, replica, old_primary) -> None:
        if replica in self.down or shard.primary is not old_primary:
            replica = self.best_replica(shard)
            if replica is None:
                self._at(self._time() + self.provision_ms,
                         lambda: self._replace_primary(shard, old_primary))
                return
        lost = self.promote(shard, replica)
        self.log(shard, "replica promoted", replica, f"{lost} bytes of the stream lost")
        self._at(self._time() + self.dns_ms, lambda: self._switch_endpoint(shard))
        self._at(self._time() + self.replace_ms,
                 lambda: self._replace_replica(shard, old_primary))

    def _switch_endpoint(self, shard) -> None:
        self._endpoints[shard.id] = shard.primary
        self.log(shard, "endpoint switched", shard.primary)
        self.log(shard, "writes resumed", shard.primary)

    def promote(self, shard, replica) -> int:
        """Make ``replica`` the shard's primary now (replicas follow it).
        Returns how many bytes of the old stream it never received."""
        old = shard.link
        old_primary = shard.primary
        offset = old.links[replica].offset
        if old.log is not None:
            offset = old.log.replay(replica, old.links[replica])
        lost = old.offset - offset
        #: Plain record of each promotion (the checker's model reads it).
        self.promotions.append({"t_ms": self._time() - self.t0, "shard": shard.id,
                                "node": replica.name, "old_primary": old_primary.name,
                                "offset": offset, "old_offset": old.offset})
        others = [r for r in shard.replicas if r is not replica]
        offsets = {r: old.links[r].offset for r in others}
        old.detach()
        new = Replication(replica, **_options(old), offset=offset, replid2=old.replid,
                          second_offset=offset + 1)
        for change in old.backlog:      # the promoted replica's own backlog
            if change.end <= offset:
                new.backlog.append(change)
                new.histlen += change.size
        new.log = old.log
        new.observers = old.observers
        if new.log is not None:
            new.log.rebase(offset)
        replica.replica_readonly = False
        shard.link = new
        shard.primary = replica
        shard.replicas = others
        self._bump_epoch(shard)
        for r in others:
            link = new.attach(r, full_sync=False)
            link.offset = offsets[r]
            if r in self.down:
                new.disconnect(r)
            elif offsets[r] > offset:
                new._full_sync(link)       # ahead of the new primary: its data is discarded
            else:
                new.disconnect(r)
                new.reconnect(r)           # partial resync from the new primary's backlog
        if old_primary not in self.down:
            # A manual failover: the old primary becomes a replica.
            shard.replicas.append(old_primary)
            link = new.attach(old_primary, full_sync=False)
            link.offset = min(old.offset, offset)
            new.disconnect(old_primary)
            new.reconnect(old_primary)
        return lost

    def _bump_epoch(self, shard) -> None:
        cluster = self.cluster
        cluster.current_epoch += 1
        shard.epoch = cluster.current_epoch

    def failover(self, shard, replica=None) -> dict:
        """A manual failover (CLUSTER FAILOVER / ElastiCache's console): the
        replica first catches up (no write is lost), then takes over at once."""
        shard = self._shard(shard)
        if shard.primary in self.down:
            raise RuntimeError(f"shard {shard.id}'s primary is down: automatic failover handles it")
        if replica is None:
            replica = self.best_replica(shard)
        if replica is None or replica not in shard.replicas:
            raise ValueError(f"shard {shard.id} has no live replica to fail over to")
        shard.link.catch_up()
        old = shard.primary
        self.promote(shard, replica)
        self._endpoints[shard.id] = replica
        self.log(shard, "manual failover", replica, f"{old.name} is now a replica")
        return {"primary": replica.name, "previous": old.name}

    def test_failover(self, shard) -> None:
        """ElastiCache's TestFailover: the primary fails for real (automatic
        failover follows). At most 15 shards per rolling 24 h (fact sheet §2)."""
        shard = self._shard(shard)
        now = self.clock.now_ms()
        self._test_failovers = [t for t in self._test_failovers if now - t < DAY_MS]
        if len(self._test_failovers) >= TEST_FAILOVER_LIMIT:
            raise RuntimeError(f"TestFailover: at most {TEST_FAILOVER_LIMIT} shards per "
                               "rolling 24 hours")
        if not shard.replicas:
            raise RuntimeError(f"TestFailover needs a replica in shard {shard.id}")
        self._test_failovers.append(now)
        self.log(shard, "test failover", shard.primary)
        self.kill_node(shard.primary)

    # -- replacements ------------------------------------------------------------------
    def _replace_replica(self, shard, dead) -> None:
        if shard not in self.cluster.shards:
            return
        if dead in shard.replicas:
            shard.link.remove(dead)
            shard.replicas.remove(dead)
        self._forget(dead)
        node = self.cluster.add_replica(shard, az=getattr(dead, "az", None))
        self.log(shard, "replacement replica ready", node)

    def _replace_primary(self, shard, dead) -> None:
        """Multi-AZ off: a new primary synced from the best replica (or empty,
        or loaded from a durability source)."""
        best = self.best_replica(shard)
        old = shard.link
        offsets = {r: old.links[r].offset for r in shard.replicas}
        node = self.cluster._make_node(shard, max(int(n.name.rsplit("-", 1)[1])
                                                  for n in shard.nodes))
        node.az = getattr(dead, "az", None)
        offset = 0
        detail = "empty: every write was lost"
        if best is not None:
            for src, dst in zip(best.dbs, node.dbs):
                for key in list(src.data):
                    from .replication import copy_key
                    copy_key(src, dst, key)
            offset = offsets[best]
            detail = f"synced from {best.name}"
        elif any(hook(shard, node) for hook in self.restore_hooks):
            detail = "loaded from durability file"
        old.detach()
        self._forget(dead)
        new = Replication(node, **_options(old), offset=offset)
        new.log = old.log
        new.observers = old.observers
        if new.log is not None:
            new.log.rebase(offset)
        shard.primary = node
        shard.link = new
        for r in list(shard.replicas):
            if r in self.down:
                continue
            link = new.attach(r, full_sync=False)
            link.offset = offsets[r]
            if offsets[r] != offset:
                new._full_sync(link)
        served = self.cluster._served
        if served is not None and not served.closed:
            served.serve_nodes([node])
        self._bump_epoch(shard)
        self._endpoints[shard.id] = node
        self.log(shard, "primary replaced", node, detail)
        self.log(shard, "writes resumed", node)

    # -- helpers ---------------------------------------------------------------------------
    def _take_down(self, node) -> None:
        self.down.add(node)
        node.execute = _dead_execute(node)
        for session in list(node.sessions.values()):
            if session.kind != "replication" and session.killer is not None:
                session.killer()

    def _bring_up(self, node) -> None:
        self.down.discard(node)
        node.__dict__.pop("execute", None)

    def _forget(self, node) -> None:
        self.down.discard(node)
        cluster = self.cluster
        if node.cluster is not None:
            cluster._by_id.pop(node.cluster.id, None)
        cluster._by_port.pop(node.port, None)
        if cluster._served is not None:
            cluster._served.stop_nodes([node])

    def _shard(self, shard):
        return shard if hasattr(shard, "link") else self.cluster.shard(shard)

    def durations(self, shard=None) -> dict:
        """Milliseconds from the first failure to each milestone (per the timeline)."""
        events = [e for e in self.timeline if shard is None or e["shard"] == getattr(shard, "id", shard)]
        start = next((e["t_ms"] for e in events
                      if e["event"] in ("node failed", "node isolated", "reboot started",
                                        "network partitioned")), None)
        out = {}
        if start is None:
            return out
        names = {"failure detected": "detected_ms", "replica promoted": "promoted_ms",
                 "endpoint switched": "endpoint_switched_ms", "writes resumed": "writes_resumed_ms",
                 "primary replaced": "primary_replaced_ms",
                 "replacement replica ready": "replacement_ready_ms",
                 "primary restarted": "restarted_ms"}
        for e in events:
            key = names.get(e["event"])
            if key and key not in out and e["t_ms"] >= start:
                out[key] = e["t_ms"] - start
        return out


def _options(repl: Replication) -> dict:
    return {"mode": repl.mode, "backlog_size": repl.backlog_size,
            "latency_ms": repl.latency_ms, "bandwidth": repl.bandwidth}
