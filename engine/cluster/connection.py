"""redis-py's ``RedisCluster``, in process: one connection class per cluster.

``RedisCluster`` is a real cluster client: it asks a startup node for
CLUSTER SLOTS, keeps its own slot → node map, opens one connection pool per
node (by host and port), computes each key's slot itself and follows MOVED and
ASK. To run it against emulated nodes without sockets, its pools are given a
connection class that looks the node up by the ``(host, port)`` the client
wants — exactly the addresses CLUSTER SLOTS and MOVED advertise — and then
talks to it like :class:`~engine.client.EngineConnection`.
"""
from __future__ import annotations

from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError

from ..client import EngineConnection, _InProcessSocket


class ClusterEngineConnection(EngineConnection):
    """An EngineConnection that finds its node in ``cluster`` by host:port.

    Subclassed once per cluster (``cluster`` is a class attribute), because
    redis-py builds connections only from the keyword arguments it knows.
    """

    cluster = None  # set on the per-cluster subclass

    def __init__(self, **kwargs):
        node = self.cluster.node_at(kwargs.get("host"), kwargs.get("port"))
        if node is not None:
            super().__init__(node=node, **kwargs)
            return
        # Nothing listens there (a removed shard, a typo): build the
        # connection anyway and fail on connect, as a refused TCP connect does.
        self.node = None
        Connection.__init__(self, **kwargs)
        from collections import deque
        self._replies = deque()
        self._session = None

    def repr_pieces(self):
        return [("host", self.host), ("port", self.port)]

    def _connect(self):
        # Look the node up again: after serve() or a topology change the
        # same address may name another node, or none.
        node = self.cluster.node_at(self.host, self.port)
        if node is None:
            raise RedisConnectionError(
                f"Error connecting to {self.host}:{self.port}: no node of cluster "
                f"{self.cluster.name!r} there (connection refused)")
        self.node = node
        sock = _InProcessSocket(node)
        self._session = sock.session
        self._replies.clear()
        return sock

    def _host_error(self) -> str:
        return f"{self.host}:{self.port}"


def connection_class_for(cluster):
    """The ClusterEngineConnection subclass bound to ``cluster`` (cached)."""
    cls = cluster._connection_class
    if cls is None:
        cls = type(f"ClusterConnection[{cluster.name}]", (ClusterEngineConnection,),
                   {"cluster": cluster})
        cluster._connection_class = cls
    return cls


def cluster_client(cluster, **redis_kwargs):
    """``Cluster.client()``: a RedisCluster (cluster mode) or a Redis on the
    primary (cluster mode disabled), both without sockets."""
    if not cluster.cluster_mode:
        from ..client import connect
        return connect(cluster.shards[0].primary, **redis_kwargs)
    from redis.cluster import RedisCluster
    first = cluster.shards[0].primary
    host = redis_kwargs.pop("host", cluster.announce_host)
    port = redis_kwargs.pop("port", first.port)
    # Through a URL, RedisCluster builds every node's pool with
    # ConnectionPool(**kwargs), which is where connection_class is honoured.
    return RedisCluster(url=f"redis://{host}:{port}/0",
                        connection_class=connection_class_for(cluster), **redis_kwargs)
