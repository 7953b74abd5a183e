"""Global Datastore: one primary Region, up to two read-only secondary Regions.

ElastiCache's Global Datastore (fact sheet §3) replicates a cluster to other
Regions: the secondaries' primaries are *replicas* of the primary Region's
primaries over a cross-Region link (typically under 1 s of lag), so they
serve reads locally and refuse writes; a secondary can be *promoted* by hand
(typically under a minute; there is no automatic cross-Region failover).
The clusters must have the same shard count; replica counts may differ.

Here each Region is a :class:`~engine.cluster.Cluster` on the same virtual
clock. The cross-Region link is an ordinary replication link
(replication.py) from each primary-Region shard primary to the matching
secondary shard primary, with ``lag_ms`` of latency; inside a secondary
Region the shard's own replicas are fed by the secondary primary (chained
replication, as Redis does)::

    gds = GlobalDatastore(us_east, lag_ms=400)
    gds.add_secondary(eu_west)           # its data is replaced by the primary's
    eu_west.shards[0].primary            # READONLY for clients, lags ~400 ms
    gds.promote(eu_west, promotion_ms=30_000)
"""
from __future__ import annotations

from typing import List

#: At most two secondary Regions (fact sheet §3).
MAX_SECONDARIES = 2
#: "typically under a minute" for a promotion (fact sheet §3); a model value.
PROMOTION_MS = 30_000


class GlobalDatastore:
    def __init__(self, primary, *, lag_ms: int = 500, name: str = "global"):
        if lag_ms < 0:
            raise ValueError("lag_ms must be >= 0")
        self.name = name
        self.primary = primary
        self.secondaries: List = []
        self.lag_ms = lag_ms
        self.events: List[dict] = []
        self.clock = primary.clock
        self.t0 = self.clock.now_ms()

    def _log(self, event: str, cluster, detail: str = "", at=None) -> None:
        at = self.clock.now_ms() if at is None else at
        self.events.append({"t_ms": at - self.t0, "event": event,
                            "region": cluster.name, "detail": detail})

    def add_secondary(self, cluster) -> None:
        """Join ``cluster`` as a read-only secondary Region (its data is wiped
        and replaced by a full sync of the primary Region's)."""
        if len(self.secondaries) >= MAX_SECONDARIES:
            raise ValueError(f"a Global Datastore has at most {MAX_SECONDARIES} secondary Regions")
        if cluster is self.primary or cluster in self.secondaries:
            raise ValueError(f"{cluster.name} is already in this Global Datastore")
        if cluster.clock is not self.clock:
            raise ValueError("every Region's cluster must share one clock")
        if len(cluster.shards) != len(self.primary.shards):
            raise ValueError("a secondary needs the same shard count as the primary "
                             f"({len(self.primary.shards)}), got {len(cluster.shards)}")
        for mine, theirs in zip(self.primary.shards, cluster.shards):
            mine.link.attach(theirs.primary, latency_ms=self.lag_ms)   # full sync
        self.secondaries.append(cluster)
        self._log("secondary added", cluster, f"cross-Region lag {self.lag_ms} ms")

    def lag_bytes(self, cluster) -> int:
        """How far the secondary's shards are behind, in stream bytes (sum)."""
        return sum(mine.link.links[theirs.primary].lag_bytes
                   for mine, theirs in zip(self.primary.shards, cluster.shards))

    def promote(self, cluster, *, promotion_ms: int = PROMOTION_MS) -> None:
        """Make secondary ``cluster`` the primary Region after ``promotion_ms``
        (the writes it had not received are lost); the old primary Region
        becomes a secondary (full sync from the new one)."""
        if cluster not in self.secondaries:
            raise ValueError(f"{cluster.name} is not a secondary of this Global Datastore")
        self._log("promotion started", cluster)
        at = self.clock.now_ms() + promotion_ms

        def tick(old_ms, new_ms):
            if new_ms >= at:
                self.clock.remove_ticker(tick)
                self._switch(cluster, at)
        if promotion_ms == 0:
            self._switch(cluster, at)
        else:
            self.clock.on_advance(tick)

    def _switch(self, cluster, at) -> None:
        old = self.primary
        for mine, theirs in zip(old.shards, cluster.shards):
            node = theirs.primary
            mine.link.remove(node)
            node.replication = theirs.link         # its own stream again
            node.replica_readonly = False
        self.secondaries.remove(cluster)
        others = list(self.secondaries)
        for other in others:
            for mine, theirs in zip(old.shards, other.shards):
                mine.link.remove(theirs.primary)
                theirs.primary.replication = theirs.link
                theirs.primary.replica_readonly = False
        self.primary = cluster
        self.secondaries = []
        self._log("promoted", cluster, f"{old.name} is now a secondary", at)
        for region in [old, *others]:
            self.add_secondary(region)

    def describe(self) -> dict:
        return {"name": self.name, "primary": self.primary.name,
                "secondaries": [{"region": c.name, "lag_bytes": self.lag_bytes(c)}
                                for c in self.secondaries],
                "lag_ms": self.lag_ms}
