"""Emulated Redis OSS / Valkey clusters: hash slots, shards, redirections, resharding.

The public API (stable names — engine/service and the labs build on them)::

    from engine.cluster import Cluster, Shard, key_slot, crc16

    key_slot(b"user:{42}:cart") -> int     # CRC16/XMODEM mod 16384, with {hash tags}
    crc16(b"123456789") == 0x31C3

    c = Cluster(shards=3, replicas=1, *, clock=None, seed=0, name="demo",
                node_config=None,           # Node config for every node (maxmemory…)
                cluster_mode=True)          # False: 1 shard, plain nodes
    c.shards            # [Shard]: .id "0001", .primary (Node), .replicas [Node],
                        #          .slots (sorted list), .slot_count, .nodes
    c.nodes             # every Node; node.name "demo-0001-001", node.port,
                        #   node.az (None until the control plane places it),
                        #   node.cluster (its ClusterMember: .id, .migrating…)
    c.client(**redis_kwargs)   # redis.cluster.RedisCluster, in process (no sockets)
    c.node_client(node)        # engine.connect(node): one node, no redirect following
    c.slot_owner(slot) -> Shard;  c.key_owner(key) -> Shard
    c.serve(host="127.0.0.1", base_port=0) -> ServedCluster
                        # every node on its own port (.ports, .close(), context
                        # manager); CLUSTER SLOTS/NODES and MOVED name those ports
    c.add_shards(n) -> [Shard]         # new, empty shards
    c.remove_shards(n, shards=None, progress=None) -> report
                        # migrates their slots away first, then drops the nodes
    c.rebalance(progress=None) -> report
                        # even out slots, key by key (MIGRATING/IMPORTING);
                        # progress(done_slots, total_slots); report: moved_slots,
                        # moved_keys, moves [(slot, from, to, keys)], slots_per_shard
    c.migrate_slot(slot, to_shard, progress=None) -> SlotMigration
                        # progress(keys_moved, keys_total)
    m = c.start_migration(slot, to_shard, batch=10)   # open, no key moved yet
    c.migration_step(m, keys=None) / m.step()        # move one batch: the slot is
                        # split, the source answers ASK for moved keys
    m.finish();  for moved, total in m: …             # generator form
    c.populate(count, prefix="key:", value=b"value")  # bulk load (DEBUG POPULATE)
    c.metrics() -> [dict]  # per node: role, shard, keys, used_memory, slots, ops,
                           # ops_by_time [(virtual ms, ops)], redirects, hot_slots
    c.assign_slot(slot, shard_or_None); c.state_ok; c.slot_table

Behaviour follows redis-server 7.0 in cluster mode (checked against a real
6-node cluster in tests/compat/test_cluster_real.py): MOVED / ASK / CROSSSLOT /
TRYAGAIN / CLUSTERDOWN, ASKING, READONLY / READWRITE, the CLUSTER commands and
MIGRATE (engine/commands/cluster.py), SELECT refused beyond database 0.

Replication (replication.py) is asynchronous, with offsets, a backlog,
partial/full resync and per-link latency and bandwidth on the virtual clock::

    c = Cluster(1, 2, replication="async", repl_latency_ms=5, repl_bandwidth=None)
    c.shards[0].link            # Replication: .offset, .links, .describe()
    c.add_replica(shard) -> Node;  c.remove_replica(shard, node)

Failures and failover are in failover.py (:class:`Resilience`: kill a node
or an AZ, partition, slow a replica, reboot; automatic and manual failover;
a timeline of events), the lost-write checker in checker.py (:class:`Workload`,
:func:`check`), durability modes in durability.py (snapshots, AOF, Valkey's
transaction log), Global Datastore in global_datastore.py, and the measured
experiments of labs/06 in experiments.py.
"""
from .slots import NUM_SLOTS, crc16, key_slot
from .topology import Cluster, Shard
from .member import ClusterMember
from .migration import SlotMigration
from .served import ServedCluster
from .replication import Replication, ReplicaLink, SyncReplication
from .failover import Resilience
from .checker import Workload, check

__all__ = ["Cluster", "Shard", "key_slot", "crc16", "NUM_SLOTS", "ClusterMember",
           "SlotMigration", "ServedCluster", "Replication", "ReplicaLink", "SyncReplication",
           "Resilience", "Workload", "check"]
