"""Replication and failover experiments for labs/06: run a configuration, measure it.

Each function builds a small emulated cluster on a fresh virtual clock, runs
the checker's workload (:mod:`engine.cluster.checker`), injects a failure and
returns plain data: the write history, the failover timeline, what was lost.
Nothing here is typed in — the lab's comparison table is these numbers.

``run_config(name)`` runs one of :data:`CONFIGS`; ``compare()`` runs them all;
``memcached_vs_redis()`` loses one node of each engine under the same
cache-aside read workload.
"""
from __future__ import annotations

import tempfile
from typing import Dict, List, Optional

from ..clock import VirtualClock
from .checker import Workload, check
from .durability import AppendOnlyFile, SnapshotSchedule, TransactionLog
from .failover import Resilience
from .global_datastore import GlobalDatastore
from .topology import Cluster

#: What the lab compares. Every run: one write each 100 ms (virtual), the
#: primary fails at ``fail_at_ms``; replica links have ``latency_ms`` of lag.
CONFIGS: Dict[str, dict] = {
    "single node": dict(replicas=0, multi_az=False),
    "single node + snapshots (every 2 s)": dict(replicas=0, multi_az=False, snapshot_ms=2000),
    "single node + AOF everysec": dict(replicas=0, multi_az=False, aof="everysec"),
    "single node + AOF always": dict(replicas=0, multi_az=False, aof="always"),
    "replicas, Multi-AZ off": dict(replicas=2, multi_az=False),
    "Multi-AZ (async replication)": dict(replicas=2, multi_az=True),
    "Multi-AZ + WAIT 1": dict(replicas=2, multi_az=True, wait=(1, 1000)),
    "Multi-AZ + durability async": dict(replicas=2, multi_az=True, durability="async"),
    "Multi-AZ + durability sync": dict(replicas=2, multi_az=True, durability="sync"),
    "Global Datastore (Region lost, promote)": dict(replicas=1, multi_az=True, global_ds=True),
}
FAILURES = ("kill primary", "kill AZ", "reboot primary", "slow replica then kill primary",
            "partition primary from replicas")


def run_config(name: str = "Multi-AZ (async replication)", *, failure: str = "kill primary",
               latency_ms: int = 250, fail_at_ms: int = 3050, duration_ms: int = 12_000,
               interval_ms: int = 100, node_timeout_ms: int = 2000, dns_ms: int = 500,
               provision_ms: int = 4000, reboot_ms: int = 3000, directory: Optional[str] = None,
               promotion_ms: int = 30_000, seed: int = 0) -> dict:
    """Run one configuration with one failure; returns plain data:

    ``name, failure, acknowledged, failed, lost, lost_keys, recovery_ms``
    (first failure → writes resumed; None if they never did), ``timeline``,
    ``ops`` (t_ms, ok, lost) for plots, ``lag`` [(t_ms, bytes)] of the
    first replica.

    Timings are model parameters (scaled down so a lab runs in a second):
    ``node_timeout_ms`` (Redis's default is 15 s), ``provision_ms`` (a new
    node), ``promotion_ms`` (a Global Datastore promotion: "typically under a
    minute", fact sheet §3 — the run is extended to cover it)."""
    if name not in CONFIGS:
        raise ValueError(f"unknown configuration {name!r}; choose one of {list(CONFIGS)}")
    if failure not in FAILURES:
        raise ValueError(f"unknown failure {failure!r}; choose one of {FAILURES}")
    cfg = CONFIGS[name]
    clock = VirtualClock()
    cluster = Cluster(1, cfg["replicas"], cluster_mode=False, clock=clock, seed=seed,
                      name="lab", repl_latency_ms=latency_ms)
    shard = cluster.shards[0]
    for i, node in enumerate(shard.nodes):
        node.az = ["az-a", "az-b", "az-c"][i % 3]
    res = Resilience(cluster, multi_az=cfg["multi_az"], node_timeout_ms=node_timeout_ms,
                     dns_ms=dns_ms, provision_ms=provision_ms, reboot_ms=reboot_ms,
                     replace_ms=60_000, seed=seed)
    directory = directory or tempfile.mkdtemp(prefix="lab06-")
    if cfg.get("aof"):
        aof = AppendOnlyFile(shard, directory, cfg["aof"])
        res.failure_hooks.append(aof.on_failure)
        res.restore_hooks.append(aof.restore)
    if cfg.get("snapshot_ms"):
        snaps = SnapshotSchedule(shard, directory, cfg["snapshot_ms"])
        res.restore_hooks.append(snaps.restore)
    if cfg.get("durability"):
        TransactionLog(shard, cfg["durability"], latency_ms=latency_ms // 2)
    if cfg.get("global_ds"):
        duration_ms = max(duration_ms, fail_at_ms + promotion_ms + 3000)
        return _run_global(name, cluster, res, latency_ms, fail_at_ms, duration_ms,
                           interval_ms, promotion_ms, seed)
    workload = Workload(cluster, res, wait=cfg.get("wait"))
    lag: List[tuple] = []
    done = {"injected": False}

    def inject(t):
        if shard.replicas:
            link = shard.link.links.get(shard.replicas[0])
            lag.append((t, link.lag_bytes if link is not None else 0))
        if done["injected"]:
            return
        if failure == "slow replica then kill primary" and t >= fail_at_ms - 2000 \
                and "slowed" not in done and shard.replicas:
            done["slowed"] = True
            for replica in shard.replicas:
                res.slow_replica(replica, latency_ms=1500)
        if t >= fail_at_ms:
            done["injected"] = True
            if failure == "kill AZ":
                res.kill_az(shard.primary.az)
            elif failure == "reboot primary":
                res.reboot_primary(shard)
            elif failure == "partition primary from replicas":
                res.partition([shard.primary])
            else:
                res.kill_node(shard.primary)
    workload.run(duration_ms, interval_ms, during=inject)
    return _result(name, failure, cluster, res, workload, lag)


def _run_global(name, cluster, res, latency_ms, fail_at_ms, duration_ms,
                interval_ms, promotion_ms, seed) -> dict:
    """The primary Region is lost; the secondary is promoted by hand (no
    automatic cross-Region failover, fact sheet §3) in ``promotion_ms``."""
    other = Cluster(1, 1, cluster_mode=False, clock=cluster.clock, seed=seed + 1, name="lab-euw1")
    gds = GlobalDatastore(cluster, lag_ms=latency_ms * 2)
    gds.add_secondary(other)
    holder = {"target": cluster}

    class _Endpoint:
        """The application's write endpoint: the current primary Region's."""
        def endpoint(self, shard):
            return holder["target"].shards[0].primary
    workload = Workload(cluster, _Endpoint())
    timeline: List[dict] = []
    state = {}

    def inject(t):
        if t >= fail_at_ms and "down" not in state:
            state["down"] = True
            # The whole Region is gone: every node, and the cross-Region link
            # with what was in flight on it. No automatic failover (§3).
            link = cluster.shards[0].link
            link.active = False
            for replica in list(link.links):
                link.disconnect(replica)
            for node in cluster.nodes:
                res._take_down(node)
            timeline.append({"t_ms": t, "event": "Region lost", "node": cluster.name})
            gds.promote(other, promotion_ms=promotion_ms)
        if "down" in state and "promoted" not in state and gds.primary is other:
            state["promoted"] = True
            holder["target"] = other
            timeline.append({"t_ms": t, "event": "secondary promoted", "node": other.name})
            timeline.append({"t_ms": t, "event": "writes resumed", "node": other.name})
    workload.run(duration_ms, interval_ms, during=inject)
    report = check(other, workload.history)
    lost = {op.key for op in report["lost_ops"]}
    first = next((e["t_ms"] for e in timeline if e["event"] == "Region lost"), None)
    back = next((e["t_ms"] for e in timeline if e["event"] == "writes resumed"), None)
    return {"name": name, "failure": "Region lost", "acknowledged": report["acknowledged"],
            "failed": report["failed"], "lost": report["lost"],
            "lost_keys": report["lost_keys"],
            "recovery_ms": None if first is None or back is None else back - first,
            "timeline": timeline,
            "ops": [(op.t_ms, op.ok, op.key in lost) for op in workload.history.ops],
            "lag": []}


def _result(name, failure, cluster, res, workload, lag) -> dict:
    report = check(cluster, workload.history)
    lost = {op.key for op in report["lost_ops"]}
    d = res.durations()
    return {"name": name, "failure": failure, "acknowledged": report["acknowledged"],
            "failed": report["failed"], "lost": report["lost"], "lost_keys": report["lost_keys"],
            "recovery_ms": d.get("writes_resumed_ms"),
            "timeline": list(res.timeline),
            "ops": [(op.t_ms, op.ok, op.key in lost) for op in workload.history.ops],
            "lag": lag}


def compare(failure: str = "kill primary", **kw) -> List[dict]:
    """Run every configuration of :data:`CONFIGS`; one summary row each."""
    rows = []
    for name in CONFIGS:
        r = run_config(name, failure=failure, **kw)
        rows.append({"configuration": name, "acknowledged": r["acknowledged"],
                     "failed": r["failed"], "lost": r["lost"],
                     "recovery_ms": r["recovery_ms"]})
    return rows


def memcached_vs_redis(keys: int = 3000, nodes: int = 3, seed: int = 0) -> dict:
    """Lose one node of a 3-node Memcached cluster and the primary of a
    Redis/Valkey group with replicas (Multi-AZ), under the same cache-aside
    reads of ``keys`` keys: a miss goes to the database. Returns the
    database reads before and after the loss, per engine."""
    from ..memcached.cluster import MemcachedCluster
    mc = MemcachedCluster(nodes, seed=seed, name="lab-mc")
    client = mc.client()
    names = [f"item:{i}" for i in range(keys)]
    for k in names:
        client.set(k, "v")
    mc.remove_node(mc.members[0].node_id)          # a node lost: its items are gone
    client = mc.client()
    db_reads = 0
    for k in names:
        if client.get(k) is None:
            db_reads += 1
            client.set(k, "v")                     # cache-aside refill
    c = Cluster(1, 1, cluster_mode=False, seed=seed, name="lab-redis")
    p = c.shards[0].primary
    s = p.open_session()
    for k in names:
        p.execute(s, [b"SET", k.encode(), b"v"])
    res = Resilience(c, node_timeout_ms=2000, dns_ms=500)
    res.kill_node(p)
    c.clock.advance(10)
    node = res.endpoint(c.shards[0])
    s = node.open_session()
    redis_db_reads = sum(1 for k in names if node.execute(s, [b"GET", k.encode()]) is None)
    return {"keys": keys, "memcached_nodes": nodes,
            "memcached_db_reads_after_loss": db_reads,
            "memcached_share_lost": db_reads / keys,
            "redis_db_reads_after_failover": redis_db_reads,
            "redis_share_lost": redis_db_reads / keys}



def stale_reads(latency_ms: int = 200, replicas: int = 2, writes: int = 200,
                read_within_ms: int = 500, seed: int = 0) -> dict:
    """Update a counter, then read it through the reader endpoint (round-robin
    over the replicas) 0 … ``read_within_ms`` later (random, seeded): how many
    reads saw an older value? Returns ``{"reads", "stale", "stale_share",
    "latency_ms"}`` — expect about latency / read_within_ms stale."""
    import random
    rng = random.Random(seed)
    c = Cluster(1, replicas, cluster_mode=False, seed=seed, name="lab-reads",
                repl_latency_ms=latency_ms)
    shard = c.shards[0]
    res = Resilience(c)
    p = shard.primary
    ps = p.open_session()
    sessions = {}
    stale = 0
    for i in range(1, writes + 1):
        p.execute(ps, [b"SET", b"counter", str(i).encode()])
        delay = rng.randrange(read_within_ms)
        c.clock.advance_ms(delay)
        node = res.reader(shard)
        s = sessions.get(node) or sessions.setdefault(node, node.open_session())
        if node.execute(s, [b"GET", b"counter"]) != str(i).encode():
            stale += 1
        c.clock.advance_ms(read_within_ms - delay + latency_ms)   # let it settle
    return {"reads": writes, "stale": stale, "stale_share": stale / writes,
            "latency_ms": latency_ms}
