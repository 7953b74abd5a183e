"""Workloads and measurements for the sharding lab (labs/05-sharding.ipynb).

Everything here talks to a cluster through a redis-py ``RedisCluster`` —
the same client a notebook would use against ElastiCache — so the functions
that only need a client run unchanged on a real cluster. Those that need to
see inside (slot ownership per emulated shard, resharding) take the emulated
:class:`engine.cluster.Cluster` and say so.

* :func:`explain_key` — key → hash tag → slot → shard/node (the explorer).
* :func:`crossslot_error` — the real error a node answers to a cross-slot MGET.
* :func:`mget_plans` — one MGET across shards: what the cluster client sends
  vs one pipeline per node.
* :func:`hot_key_run` — a skewed (Zipf) workload: ops per key and per node.
* :class:`ReshardingWorkload` — traffic that keeps running while slots move
  (a progress callback), counting ASK redirections and checking every write.
"""
from __future__ import annotations

import random
from collections import Counter
from typing import Dict, List, Optional, Sequence

from .cluster.slots import key_slot


def hash_tag(key: str) -> Optional[str]:
    """The part of ``key`` that is hashed when it has a hash tag: the bytes
    between the first ``{`` and the first ``}`` after it, if not empty."""
    start = key.find("{")
    if start < 0:
        return None
    end = key.find("}", start + 1)
    if end < 0 or end == start + 1:
        return None
    return key[start + 1:end]


def node_name(client, key) -> str:
    """``host:port`` of the primary that owns ``key`` in the client's slot map."""
    return client.get_node_from_key(key).name


def explain_key(client, key: str, cluster=None) -> dict:
    """What happens to ``key``: the hashed part, its slot, and the node (and,
    on the emulator, the shard) that owns the slot."""
    slot = client.keyslot(key)
    out = {"key": key, "hash_tag": hash_tag(key), "hashed": hash_tag(key) or key,
           "slot": slot, "node": node_name(client, key)}
    if cluster is not None:
        shard = cluster.slot_owner(slot)
        out["shard"] = shard.id if shard is not None else None
        out["primary"] = shard.primary.name if shard is not None else None
    return out


def crossslot_error(client, *keys: str) -> str:
    """Send ``MGET keys…`` straight to the node owning the first key and
    return the server's error text (redis-py's cluster client would refuse
    before sending; a node answers CROSSSLOT)."""
    import redis
    node = client.get_node_from_key(keys[0])
    conn = client.get_redis_connection(node)
    try:
        conn.execute_command("MGET", *keys)
    except redis.ResponseError as exc:
        return str(exc)
    return ""


def mget_plans(client, keys: Sequence[str]) -> dict:
    """Read ``keys`` two ways and describe the traffic.

    ``mget_nonatomic`` (the cluster client) groups the keys by slot and sends
    one MGET per slot, pipelined per node. A hand-made plan sends one pipeline
    per node with a GET per key. Both return the same values."""
    slots: Dict[int, List[str]] = {}
    nodes: Dict[str, List[str]] = {}
    for k in keys:
        slots.setdefault(client.keyslot(k), []).append(k)
        nodes.setdefault(node_name(client, k), []).append(k)
    values = client.mget_nonatomic(list(keys))
    by_node = {}
    for name, node_keys in nodes.items():
        pipe = client.get_redis_connection(client.get_node(node_name=name)).pipeline(
            transaction=False)
        for k in node_keys:
            pipe.get(k)
        by_node.update(zip(node_keys, pipe.execute()))
    return {"keys": len(keys), "slots": len(slots), "nodes": len(nodes),
            "mget_commands": len(slots), "pipelines": len(nodes),
            "values_cluster_client": values,
            "values_per_node": [by_node[k] for k in keys]}


def zipf_weights(n: int, skew: float) -> List[float]:
    return [1.0 / (rank ** skew) for rank in range(1, n + 1)]


def hot_key_run(client, nkeys: int = 500, n_ops: int = 3000, skew: float = 1.1,
                write_fraction: float = 0.1, seed: int = 0, prefix: str = "item:",
                batch: int = 200) -> dict:
    """A Zipf-skewed GET/SET workload over ``nkeys`` keys, sent in pipelines
    of ``batch``. Returns the ops per key (hottest first) and per node — the
    hot key and the shard it makes hot."""
    rng = random.Random(seed)
    keys = [f"{prefix}{i}" for i in range(nkeys)]
    picks = rng.choices(keys, weights=zipf_weights(nkeys, skew), k=n_ops)
    per_key = Counter(picks)
    per_node = Counter(node_name(client, k) for k in picks)
    for start in range(0, n_ops, batch):
        pipe = client.pipeline()
        for k in picks[start:start + batch]:
            if rng.random() < write_fraction:
                pipe.set(k, "v")
            else:
                pipe.get(k)
        pipe.execute()
    return {"ops": n_ops, "per_key": per_key.most_common(),
            "per_node": dict(sorted(per_node.items())),
            "hottest_key": per_key.most_common(1)[0],
            "hottest_node": per_node.most_common(1)[0]}


class ReshardingWorkload:
    """Client traffic that runs *during* a resharding (emulator only).

    Pass the object as ``progress=`` to
    ``ElastiCache.modify_replication_group_shard_configuration``: it is
    called after every batch of keys moved. On each call it sends a few
    writes and reads through the cluster client, aimed half at the slot being
    moved right now (where ASK happens) and half anywhere, and remembers the
    last value written to every key. :meth:`verify` reads every key back:
    ``lost`` must be 0. ``bar`` (optional) is called as ``bar(done, total)``.
    """

    def __init__(self, client, cluster, *, groups: int = 60, keys_per_group: int = 20,
                 ops_per_call: int = 2, seed: int = 0, bar=None):
        self.client, self.cluster, self.bar = client, cluster, bar
        self.rng = random.Random(seed)
        self.ops_per_call = ops_per_call
        # Hash-tagged groups: every key of a group shares a slot, so a moving
        # slot holds many keys and the migration takes several batches.
        self.keys = [f"{{cart:{g}}}:item:{i}" for g in range(groups)
                     for i in range(keys_per_group)]
        self.by_slot: Dict[int, List[str]] = {}
        for k in self.keys:
            self.by_slot.setdefault(key_slot(k), []).append(k)
        self.expected: Dict[str, str] = {}
        self.writes = self.reads = self.calls = self.stale_reads = 0
        self._redirects_before = self._redirects()
        self._last_bar = -1
        self._known_shards = len(cluster.shards)
        self.topology_refreshes = 0
        pipe = client.pipeline()
        for k in self.keys:
            pipe.set(k, "0")
            self.expected[k] = "0"
        pipe.execute()

    def _redirects(self) -> Counter:
        total = Counter()
        for row in self.cluster.metrics():
            total.update(row["redirects"])
        return total

    def _moving_slots(self) -> List[int]:
        return [slot for shard in self.cluster.shards
                for slot in shard.primary.cluster.migrating]

    def _learn_new_nodes(self) -> None:
        """New shards appear before any slot moves to them. redis-py follows
        an ASK only to a node already in its node list, so — like an
        application reacting to ElastiCache's scaling event — the client
        re-reads the cluster topology when a primary it has never seen exists."""
        if len(self.cluster.shards) != self._known_shards:
            self._known_shards = len(self.cluster.shards)
            self.client.nodes_manager.initialize()
            self.topology_refreshes += 1

    def __call__(self, done: int, total: int) -> None:
        self.calls += 1
        self._learn_new_nodes()
        moving = [k for slot in self._moving_slots() for k in self.by_slot.get(slot, ())]
        if moving or self.calls % 50 == 0:
            for _ in range(self.ops_per_call):
                pool = moving if moving and self.rng.random() < 0.5 else self.keys
                key = self.rng.choice(pool)
                value = str(self.writes + 1)
                self.client.set(key, value)
                self.expected[key] = value
                self.writes += 1
                other = self.rng.choice(pool)
                self.reads += 1
                if self.client.get(other) != self.expected[other]:
                    self.stale_reads += 1
        if self.bar is not None and (done != self._last_bar or done == total):
            if done == total or done - self._last_bar >= max(1, total // 100):
                self._last_bar = done
                self.bar(done, total)

    def verify(self) -> dict:
        """Read every key back; count redirections since the start."""
        values = self.client.mget_nonatomic(self.keys)
        lost = [k for k, v in zip(self.keys, values) if v != self.expected[k]]
        redirects = self._redirects() - self._redirects_before
        return {"keys": len(self.keys), "writes": self.writes, "reads": self.reads,
                "stale_reads": self.stale_reads, "lost_writes": len(lost),
                "ask": redirects.get("ASK", 0), "moved": redirects.get("MOVED", 0),
                "tryagain": redirects.get("TRYAGAIN", 0), "callbacks": self.calls,
                "topology_refreshes": self.topology_refreshes}
