"""A whole emulated cluster on TCP: one port per node.

``Cluster.serve()`` starts one :class:`engine.net.Server` per node. Each
server sets its node's ``port`` to the port it bound, and the cluster
answers CLUSTER SLOTS / SHARDS / NODES and MOVED / ASK with those ports — so
``redis-cli -c``, redis-py's RedisCluster, or any language's cluster client
connect to it like to a real cluster on loopback.
"""
from __future__ import annotations

from typing import Dict, List

from ..net import Server


class ServedCluster:
    """The running servers of a :class:`~engine.cluster.Cluster`."""

    def __init__(self, cluster, host: str = "127.0.0.1", base_port: int = 0, tls=None):
        self.cluster = cluster
        #: A :class:`~engine.security.tls.LocalCA` to speak only TLS (in-transit
        #: encryption), or None for plain TCP.
        self.tls = tls
        self.host = host
        self.base_port = base_port
        self.servers: Dict[object, Server] = {}
        self.closed = False
        self._next = base_port
        self._old_host = cluster.announce_host

    def start(self) -> "ServedCluster":
        self.cluster.announce_host = self.host if self.host not in ("0.0.0.0", "") \
            else "127.0.0.1"
        try:
            self.serve_nodes(self.cluster.nodes)
        except BaseException:
            self.close()
            raise
        return self

    def serve_nodes(self, nodes) -> None:
        """Start a server for each of ``nodes`` (consecutive ports, or free ones)."""
        for node in nodes:
            port = self._next if self._next else 0
            server = Server(node, self.host, port)
            if self.tls is not None:
                # In-transit encryption: the port speaks only TLS, so a
                # plaintext client's first bytes fail the handshake.
                server.ssl_context = self.tls.server_context()
                server.scheme = "rediss"
            server.start()
            if self._next:
                self._next += 1
            self.servers[node] = server

    def stop_nodes(self, nodes) -> None:
        for node in nodes:
            server = self.servers.pop(node, None)
            if server is not None:
                server.close()

    @property
    def ports(self) -> List[int]:
        """Ports of every served node, shard by shard (primary first)."""
        return [self.servers[n].port for n in self.cluster.nodes if n in self.servers]

    @property
    def primary_ports(self) -> List[int]:
        return [self.servers[s.primary].port for s in self.cluster.shards
                if s.primary in self.servers]

    def close(self) -> None:
        """Stop every server (nodes keep their data)."""
        for server in list(self.servers.values()):
            server.close()
        self.servers.clear()
        self.cluster.announce_host = self._old_host
        self.closed = True

    def __enter__(self) -> "ServedCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ServedCluster({self.host}, ports={self.ports})"
