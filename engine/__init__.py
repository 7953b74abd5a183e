"""ElastiCache Lab's engine: a Redis/Valkey-compatible cache node in pure Python.

The public surface (everything a notebook needs, nothing else):

``Node(clock=None, *, seed=0, **config)``
    One cache node: 16 databases, Redis 7.0 command semantics, INFO statistics.
    Runs on a :class:`VirtualClock` unless given a :class:`WallClock`.
``elasticache_node(node_memory="1gb", **config)``
    A Node with ElastiCache's default parameter group: volatile-lru, 25% of
    memory reserved (maxmemory = 75%).
``connect(node=None, *, db=0, decode_responses=False, protocol=2, **redis_kwargs)``
    A real ``redis.Redis`` client bound to ``node`` in this process.
``open_lab(...)``
    The one way labs get a client: the embedded engine by default, fakeredis
    with ``LAB_BACKEND=fakeredis``, a real server with ``LAB_REDIS_URL``.
``open_cluster(shards=3, replicas=1, ...)``
    The sharding labs' client: a RedisCluster on an emulated replication
    group, or on a real cluster when ``LAB_REDIS_CLUSTER_URL`` is set.
``serve(node=None, host="127.0.0.1", port=0)``
    Serve a node over TCP (RESP2/RESP3) in a background thread, for redis-cli,
    redis-benchmark or any client library. ``python -m engine serve`` does the
    same in the foreground.
``MemcachedNode(clock=None, *, memory_limit_mb=64, item_size_max=1 MiB, ...)``
    A memcached 1.6 node: items with CAS, lazy expiry, slab classes and
    per-class LRU eviction (``engine.memcached`` also has the ketama ring).
``serve_memcached(node=None, host="127.0.0.1", port=0)``
    Serve a memcached node over TCP (text protocol) in a background thread;
    ``python -m engine memcached`` does the same in the foreground.
``VirtualClock``, ``WallClock``
    Time sources; ``VirtualClock.advance(seconds)`` fast-forwards a simulation.
``ReplyError``
    An error reply (``message`` holds Redis's exact text).

``Cluster(shards=3, replicas=1, *, clock=None, seed=0, ...)``
    An emulated Redis Cluster of engine Nodes: hash slots, MOVED/ASK,
    CLUSTER commands, resharding, replicas (see engine/cluster/__init__.py);
    ``python -m engine cluster`` serves one over TCP.

Submodules imported on demand (not by ``import engine``):

``engine.cluster``
    The cluster emulator: ``key_slot``, replication links, failover, the
    lost-write checker, durability modes (labs 05 and 06).
``engine.service``
    ``ElastiCache()``, the control plane in boto3's shape: replication groups,
    Memcached clusters, failover and backups, users and security, scaling,
    serverless caches, metrics and prices (labs 05–08).
``engine.security``
    ACL rules, TLS with a local CA, encryption at rest, network reachability.
``engine.usecases``
    The data-structure use cases of labs/03-data-structures (sessions,
    leaderboards, rate limiters, queues, locks, counting, geo).
``engine.vector``, ``engine.semantic``
    FLAT and HNSW indexes behind FT.*, the offline embedding and the semantic
    cache (labs/09-semantic-caching).
``engine.patterns``
    Caching patterns over an SQLite catalogue with simulated latency, the
    stampede simulation and eviction experiments (labs/02-caching-patterns).
``engine.viz``
    plotly figures and ipywidgets panels for the labs.

Importing ``engine`` does not import Jupyter, plotly or ipywidgets.
"""
from .clock import VirtualClock, WallClock
from .node.node import Node, Event
from .node.presets import elasticache_node
from .protocol.replies import ReplyError
from .client import connect
from .lab import open_lab, Lab
from .net import serve, Server
from .memcached import MemcachedNode
from .memcached.server import serve_memcached
from .lab_cluster import open_cluster, LabCluster
from .cluster import Cluster

__all__ = ["Node", "Event", "elasticache_node", "connect", "open_lab", "Lab", "serve", "Server",
           "VirtualClock", "WallClock", "ReplyError", "MemcachedNode", "serve_memcached",
           "open_cluster", "LabCluster", "Cluster"]
