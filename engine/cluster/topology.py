"""The emulated cluster: shards of one primary and its replicas over 16384 slots.

An ElastiCache for Redis OSS / Valkey cluster with *cluster mode enabled* is
a set of shards ("node groups" 0001, 0002, …). Each shard is one primary and
up to five replicas; each shard owns a share of the 16384 hash slots. A
client asks any node for the slot map (CLUSTER SLOTS / SHARDS), then sends
each command straight to the primary that owns its key's slot — and follows
MOVED/ASK redirections when the map changed under it.

With *cluster mode disabled* there is one shard and no slots: the primary
takes every write, replicas serve reads, and nodes answer CLUSTER commands
with "ERR This instance has cluster support disabled".

Everything here is plain engine Nodes (the same objects ``engine.connect``
and ``engine.serve`` use), so every node is also reachable alone.
"""
from __future__ import annotations

import threading
from collections import deque
from typing import Dict, List, Optional

from ..clock import Clock, VirtualClock
from ..node.keyspace import string_encoding
from ..node.node import Node
from .member import ClusterMember, node_id
from .migration import Progress, SlotMigration, plan_even
from .replication import Replication
from .slotindex import SlotIndex
from .slots import NUM_SLOTS, even_split, key_slot, ranges

#: ElastiCache's limits for a cluster-mode-enabled replication group
#: (../shared/reference: up to 500 shards, up to 5 replicas per shard).
MAX_REPLICAS = 5
#: Ports the in-process nodes report (CLUSTER SLOTS, MOVED) before they are
#: served on real ports by :meth:`Cluster.serve`.
DEFAULT_BASE_PORT = 7000


class Shard:
    """One node group: a primary, its replicas, and the slots it owns."""

    def __init__(self, cluster: "Cluster", number: int):
        self.cluster = cluster
        self.number = number
        self.id = f"{number:04d}"          # ElastiCache's NodeGroupId
        self.primary: Node = None          # set by Cluster._build_shard
        self.replicas: List[Node] = []
        self.link: Replication = None
        self._slots: set = set()
        #: configEpoch shown in CLUSTER NODES (bumped when it gains a slot).
        self.epoch = number

    @property
    def slots(self) -> List[int]:
        """The slots this shard owns, ascending."""
        return sorted(self._slots)

    @property
    def slot_count(self) -> int:
        return len(self._slots)

    @property
    def slot_ranges(self):
        return ranges(self._slots)

    @property
    def nodes(self) -> List[Node]:
        return [self.primary, *self.replicas]

    def __repr__(self) -> str:
        spans = ",".join(f"{a}-{b}" if a != b else str(a) for a, b in self.slot_ranges[:3])
        more = "…" if len(self.slot_ranges) > 3 else ""
        return (f"Shard({self.id}, primary={self.primary.name}, replicas={len(self.replicas)}, "
                f"slots={self.slot_count} [{spans}{more}])")


class Cluster:
    """An emulated Redis OSS / Valkey cluster in this process.

    ``Cluster(shards=3, replicas=1)`` builds 3 shards of 1 primary + 1 replica
    with the slots split as ``redis-cli --cluster create`` splits them. Every
    node shares ``clock`` (a fresh VirtualClock by default) and one lock (the
    nodes interleave command by command, like one event loop). Node names
    follow ElastiCache: ``<name>-<shard>-<node>`` (``demo-0001-001``).

    ``node_config`` is a dict of Node configuration (``maxmemory``,
    ``maxmemory_policy`` …) applied to every node. ``cluster_mode=False``
    builds ElastiCache's "cluster mode disabled" layout: one shard, plain
    nodes, no slots.
    """

    def __init__(self, shards: int = 3, replicas: int = 1, *, clock: Optional[Clock] = None,
                 seed: int = 0, name: str = "demo", node_config: Optional[dict] = None,
                 cluster_mode: bool = True, announce_host: str = "127.0.0.1",
                 base_port: int = DEFAULT_BASE_PORT, replication: str = "async",
                 repl_latency_ms: float = 0, repl_bandwidth=None,
                 repl_backlog_size: int = 1024 * 1024):
        if not isinstance(shards, int) or not 1 <= shards <= NUM_SLOTS:
            raise ValueError(f"shards must be an integer 1..{NUM_SLOTS}, got {shards!r}")
        if not isinstance(replicas, int) or not 0 <= replicas <= MAX_REPLICAS:
            raise ValueError(f"replicas must be 0..{MAX_REPLICAS} per shard "
                             f"(ElastiCache's limit), got {replicas!r}")
        if not cluster_mode and shards != 1:
            raise ValueError("cluster_mode=False means one shard (cluster mode disabled); "
                             "use cluster_mode=True for several shards")
        self.clock = clock if clock is not None else VirtualClock()
        self.seed = seed
        self.name = name
        self.node_config = dict(node_config or {})
        self.cluster_mode = cluster_mode
        self.announce_host = announce_host
        self.base_port = base_port
        self.replicas_per_shard = replicas
        #: How every shard replicates (replication.py): "async" (Redis) or
        #: "sync"; link latency (ms) and bandwidth (bytes/s, None: unlimited)
        #: for every replica link; the primary's backlog size.
        self.repl_options = {"mode": replication, "latency_ms": repl_latency_ms,
                             "bandwidth": repl_bandwidth, "backlog_size": repl_backlog_size}
        #: One lock for every node: commands of different nodes interleave
        #: one at a time, so a migration batch is atomic for all clients.
        self.lock = threading.RLock()
        #: slot -> owning Shard (None: unassigned). Shared by all nodes.
        self.slot_table: List[Optional[Shard]] = [None] * NUM_SLOTS
        self._assigned = 0
        self.current_epoch = 0
        self.shards: List[Shard] = []
        self._next_number = 1
        self._next_port = base_port
        self._by_port: Dict[int, Node] = {}
        self._by_id: Dict[str, ClusterMember] = {}
        self._served = None
        self._connection_class = None
        #: Sampled per-node op counters over (virtual) time, for metrics().
        self.history: deque = deque(maxlen=10_000)
        for _ in range(shards):
            self._build_shard()
        if cluster_mode:
            for shard, (first, last) in zip(self.shards, even_split(shards)):
                for slot in range(first, last + 1):
                    self.assign_slot(slot, shard)
        self.clock.on_advance(self._on_clock_advance)

    # -- building -------------------------------------------------------------
    def _build_shard(self) -> Shard:
        shard = Shard(self, self._next_number)
        self._next_number += 1
        self.current_epoch = max(self.current_epoch, shard.epoch)
        nodes = [self._make_node(shard, i) for i in range(1 + self.replicas_per_shard)]
        shard.primary, shard.replicas = nodes[0], nodes[1:]
        shard.link = Replication(shard.primary, **self.repl_options)
        for replica in shard.replicas:
            shard.link.attach(replica)
        self.shards.append(shard)
        return shard

    def _make_node(self, shard: Shard, index: int) -> Node:
        name = f"{self.name}-{shard.id}-{index + 1:03d}"
        config = dict(self.node_config)
        if self.cluster_mode:
            config.setdefault("cluster_enabled", True)
        port = self._next_port
        self._next_port += 1
        node = Node(self.clock, seed=self.seed * 100_003 + shard.number * 7 + index,
                    name=name, port=port, **config)
        node.lock = self.lock
        node.az = None            # availability zone: placed by the control plane
        node.shard_id = shard.id
        if self.cluster_mode:
            member = ClusterMember(self, node, shard, node_id(self.seed, name))
            member.slot_index = SlotIndex(node.dbs[0])
            node.cluster = member
            self._by_id[member.id] = member
        self._by_port[port] = node
        return node

    # -- the slot table ---------------------------------------------------------
    def assign_slot(self, slot: int, shard: Optional[Shard]) -> None:
        """Make ``shard`` (or nobody, for None) the owner of ``slot`` on every
        node, closing any MIGRATING/IMPORTING state of that slot."""
        with self.lock:
            old = self.slot_table[slot]
            if old is not None:
                old._slots.discard(slot)
            elif shard is not None:
                self._assigned += 1
            if shard is not None:
                shard._slots.add(slot)
                if old is not None and old is not shard:
                    # Like a real failover/reshard, the new owner's config
                    # epoch becomes the newest one.
                    self.current_epoch += 1
                    shard.epoch = self.current_epoch
            elif old is not None:
                self._assigned -= 1
            self.slot_table[slot] = shard
            for s in self.shards:
                member = s.primary.cluster
                # (most members have no migration open: skip them cheaply, or
                # assigning 16,384 slots over 500 shards costs millions of pops)
                if member is not None and (member.migrating or member.importing):
                    member.migrating.pop(slot, None)
                    member.importing.pop(slot, None)

    @property
    def state_ok(self) -> bool:
        """cluster_state:ok — every slot has an owner."""
        return self._assigned == NUM_SLOTS

    def slot_owner(self, slot: int) -> Optional[Shard]:
        """The shard that owns ``slot`` (None if unassigned)."""
        if not 0 <= slot < NUM_SLOTS:
            raise ValueError(f"slot must be 0..{NUM_SLOTS - 1}, got {slot}")
        if not self.cluster_mode:
            return self.shards[0]
        return self.slot_table[slot]

    def key_owner(self, key) -> Shard:
        """The shard that owns ``key``'s slot."""
        return self.slot_owner(key_slot(key))

    # -- nodes ----------------------------------------------------------------
    @property
    def nodes(self) -> List[Node]:
        """Every node, shard by shard (primary first)."""
        return [node for shard in self.shards for node in shard.nodes]

    @property
    def primaries(self) -> List[Node]:
        return [shard.primary for shard in self.shards]

    def node_at(self, host, port) -> Optional[Node]:
        """The node listening (really or virtually) on ``host:port``, or None."""
        try:
            port = int(port)
        except (TypeError, ValueError):
            return None
        node = self._by_port.get(port)
        if node is None or node.port != port:
            self._by_port = {n.port: n for n in self.nodes}
            node = self._by_port.get(port)
        return node

    def member(self, nid: str) -> Optional[ClusterMember]:
        """The cluster state of the node with ID ``nid``."""
        return self._by_id.get(nid)

    def shard(self, shard_id) -> Shard:
        """A shard by its ID ("0002") or number (2)."""
        want = f"{shard_id:04d}" if isinstance(shard_id, int) else str(shard_id)
        for shard in self.shards:
            if shard.id == want:
                return shard
        raise KeyError(f"no shard {want!r}; shards are {[s.id for s in self.shards]}")

    # -- clients --------------------------------------------------------------
    def client(self, **redis_kwargs):
        """A real ``redis.cluster.RedisCluster`` talking to this cluster in
        process (no sockets). Keyword arguments are redis-py's
        (``decode_responses``, ``read_from_replicas``, ``protocol`` …).
        With ``cluster_mode=False`` it is a plain ``redis.Redis`` on the
        primary (the "primary endpoint")."""
        from .connection import cluster_client
        return cluster_client(self, **redis_kwargs)

    def node_client(self, node: Node, **redis_kwargs):
        """``engine.connect(node)``: a plain client for one node (no redirection following)."""
        from ..client import connect
        return connect(node, **redis_kwargs)

    def serve(self, host: str = "127.0.0.1", base_port: int = 0, tls=None):
        """Serve every node on its own TCP port (consecutive from
        ``base_port``; 0 lets the OS pick each). CLUSTER SLOTS, NODES and the
        MOVED/ASK redirections then name those ports, so redis-cli -c and
        any cluster client work. ``tls`` (a LocalCA from engine.security.tls)
        makes every port speak only TLS. Returns a :class:`ServedCluster`
        (close it, or use it as a context manager)."""
        from .served import ServedCluster
        if self._served is not None and not self._served.closed:
            raise RuntimeError("this cluster is already served; close() it first")
        self._served = ServedCluster(self, host, base_port, tls).start()
        return self._served

    # -- replicas ---------------------------------------------------------------
    def add_replica(self, shard, *, az: Optional[str] = None) -> Node:
        """Add one replica to ``shard`` (a Shard, its ID or number): a new
        node that gets a full copy of the primary's data (a full resync)."""
        shard = shard if isinstance(shard, Shard) else self.shard(shard)
        if len(shard.replicas) >= MAX_REPLICAS:
            raise ValueError(f"a shard has at most {MAX_REPLICAS} replicas (ElastiCache's limit)")
        with self.lock:
            index = max(int(n.name.rsplit("-", 1)[1]) for n in shard.nodes)
            node = self._make_node(shard, index)
            node.az = az
            shard.replicas.append(node)
            shard.link.attach(node)
        if self._served is not None and not self._served.closed:
            self._served.serve_nodes([node])
        return node

    def remove_replica(self, shard, node: Node) -> None:
        """Stop replica ``node`` of ``shard`` and drop it (its clients are disconnected)."""
        shard = shard if isinstance(shard, Shard) else self.shard(shard)
        if node not in shard.replicas:
            raise ValueError(f"{getattr(node, 'name', node)!r} is not a replica of shard {shard.id}")
        with self.lock:
            shard.link.remove(node)
            shard.replicas.remove(node)
            for session in list(node.sessions.values()):
                if session.killer is not None:
                    session.killer()
                node.close_session(session)
            if node.cluster is not None:
                self._by_id.pop(node.cluster.id, None)
            self._by_port.pop(node.port, None)
        if self._served is not None and not self._served.closed:
            self._served.stop_nodes([node])

    # -- topology changes -------------------------------------------------------
    def add_shards(self, count: int = 1) -> List[Shard]:
        """Add ``count`` empty shards (as ElastiCache's scale-out does before
        it rebalances). They own no slots until :meth:`rebalance`."""
        if not self.cluster_mode:
            raise ValueError("shards can only be added with cluster mode enabled")
        if count < 1:
            raise ValueError("count must be at least 1")
        with self.lock:
            added = [self._build_shard() for _ in range(count)]
        if self._served is not None and not self._served.closed:
            for shard in added:
                self._served.serve_nodes(shard.nodes)
        return added

    def remove_shards(self, count: int = 1, shards: Optional[List[Shard]] = None,
                      progress: Progress = None) -> dict:
        """Remove shards the way ElastiCache scales in: first migrate all
        their slots (key by key) to the remaining shards, then stop their
        nodes. Removes the last ``count`` shards unless ``shards`` names them."""
        if not self.cluster_mode:
            raise ValueError("shards can only be removed with cluster mode enabled")
        leaving = list(shards) if shards is not None else self.shards[-count:]
        if not leaving or len(leaving) >= len(self.shards):
            raise ValueError("a cluster keeps at least one shard")
        staying = [s for s in self.shards if s not in leaving]
        moves = []
        counts = {s: s.slot_count for s in staying}
        for shard in leaving:
            for slot in shard.slots:
                target = min(staying, key=lambda s: (counts[s], s.number))
                counts[target] += 1
                moves.append((slot, target))
        report = self._run_moves(moves, progress)
        with self.lock:
            for shard in leaving:
                self._retire(shard)
        report["removed_shards"] = [s.id for s in leaving]
        report["slots_per_shard"] = {s.id: s.slot_count for s in self.shards}
        return report

    def _retire(self, shard: Shard) -> None:
        shard.link.detach()
        for node in shard.nodes:
            # Connected clients lose their connection, as when ElastiCache
            # deletes a node; they re-read the slot map from another node.
            for session in list(node.sessions.values()):
                if session.killer is not None:
                    session.killer()
                node.close_session(session)
            if node.cluster is not None:
                self._by_id.pop(node.cluster.id, None)
            self._by_port.pop(node.port, None)
        if self._served is not None:
            self._served.stop_nodes(shard.nodes)
        self.shards.remove(shard)

    def rebalance(self, progress: Progress = None, batch: int = 10) -> dict:
        """Move slots, key by key, until every shard owns 16384/N of them
        (±1). ``progress(done_slots, total_slots)`` is called after each slot.
        Returns a report: slots and keys moved, the moves, slots per shard."""
        if not self.cluster_mode:
            raise ValueError("rebalancing needs cluster mode enabled")
        return self._run_moves(plan_even(self.shards, self.slot_table), progress, batch)

    def _run_moves(self, moves, progress: Progress, batch: int = 10) -> dict:
        moved_keys = 0
        log = []
        for i, (slot, target) in enumerate(moves):
            source = self.slot_table[slot]
            migration = SlotMigration(self, slot, target, batch).run()
            moved_keys += migration.moved
            log.append((slot, source.id if source else None, target.id, migration.moved))
            if progress is not None:
                progress(i + 1, len(moves))
        return {"moved_slots": len(moves), "moved_keys": moved_keys, "moves": log,
                "slots_per_shard": {s.id: s.slot_count for s in self.shards}}

    def migrate_slot(self, slot: int, to_shard, progress: Progress = None,
                     batch: int = 10) -> SlotMigration:
        """Move one slot to ``to_shard`` (a Shard, its ID or number), key by
        key; ``progress(keys_moved, keys_total)`` after each batch."""
        return self.start_migration(slot, to_shard, batch).run(progress)

    def start_migration(self, slot: int, to_shard, batch: int = 10) -> SlotMigration:
        """Open a slot migration and return it without moving any key: call
        ``.step()`` to move a batch (the slot is split meanwhile and the source
        answers ASK for moved keys), ``.finish()`` to complete it."""
        target = to_shard if isinstance(to_shard, Shard) else self.shard(to_shard)
        return SlotMigration(self, slot, target, batch).start()

    def migration_step(self, migration: SlotMigration, keys: Optional[int] = None) -> int:
        """Move the next ``keys`` keys of an open migration (see start_migration)."""
        return migration.step(keys)

    # -- bulk loading ------------------------------------------------------------
    def populate(self, count: int, prefix: str = "key:", value: bytes = b"value",
                 start: int = 0) -> int:
        """Create keys ``prefix0 … prefix<count-1>`` (each on the shard owning
        its slot, replicas included), like DEBUG POPULATE on every shard at
        once. Much faster than a client loop, for big experiments. Values are
        one shared bytes object."""
        value = value if isinstance(value, bytes) else str(value).encode()
        encoding = string_encoding(value)
        pre = prefix.encode()
        with self.lock:
            # Group the keys by owning shard first, then load each node's share
            # in one bulk call (Database.load_strings) — a million keys on six
            # nodes each would otherwise be six million single stores.
            by_shard = {}
            for i in range(start, start + count):
                key = pre + str(i).encode()
                shard = self.shards[0] if not self.cluster_mode else self.slot_table[key_slot(key)]
                if shard is not None:
                    by_shard.setdefault(shard, []).append(key)
            for shard, keys in by_shard.items():
                for node in shard.nodes:
                    node.dbs[0].load_strings(keys, value, encoding)
        return count

    # -- observation ------------------------------------------------------------
    def _on_clock_advance(self, old_ms: int, new_ms: int) -> None:
        self.history.append((new_ms, {n.name: n.stats.total_commands_processed
                                      for n in self.nodes}))

    def metrics(self) -> List[dict]:
        """Per-node plain data: role, shard, keys, used_memory, slots, ops
        (total, and sampled by virtual time whenever the clock advanced),
        redirections sent, and the hottest slots by commands served."""
        out = []
        for shard in self.shards:
            for node in shard.nodes:
                member = node.cluster
                hot = []
                if member is not None:
                    hot = sorted(member.slot_ops.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
                out.append({
                    "name": node.name, "shard": shard.id, "port": node.port, "az": node.az,
                    "role": "primary" if node is shard.primary else "replica",
                    "keys": len(node.dbs[0]), "used_memory": node.used_memory(),
                    "slots": shard.slot_count if self.cluster_mode else NUM_SLOTS,
                    "ops": node.stats.total_commands_processed,
                    "ops_by_time": [(t, ops.get(node.name, 0)) for t, ops in self.history],
                    "redirects": dict(member.redirects) if member else {},
                    "hot_slots": hot,
                    "repl_offset": shard.link.offset,
                })
        return out

    def __repr__(self) -> str:
        mode = "cluster mode" if self.cluster_mode else "cluster mode disabled"
        return (f"Cluster({self.name!r}, {len(self.shards)} shards × "
                f"{1 + self.replicas_per_shard} nodes, {mode})")

