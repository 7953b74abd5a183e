"""The one way a sharding lab gets a cluster client: :func:`open_cluster`.

It is :func:`engine.open_lab` for cluster mode. By default it asks the
emulated control plane for a cluster-mode-enabled replication group
(``ElastiCache().create_replication_group(...)``), waits for it on the
virtual clock, and returns a ``redis.cluster.RedisCluster`` on it. With
``LAB_REDIS_CLUSTER_URL`` set (``redis://host:port`` of any node of a real
Redis / Valkey cluster, or ``rediss://user:pass@…`` for an ElastiCache
configuration endpoint with TLS and AUTH), the same cells talk to that
cluster instead:

=====================================  ======================================
environment                            backend
=====================================  ======================================
(nothing set)                          an emulated replication group, in
                                       process, on a virtual clock
``LAB_REDIS_CLUSTER_URL=redis://h:p``  a real cluster (RedisCluster.from_url)
=====================================  ======================================

``lab.is_embedded`` tells a notebook whether it may look inside (slot
ownership per node, resharding, the virtual clock); cells that need that say
so and skip themselves on a real cluster.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from redis.cluster import RedisCluster

from .lab import _redact

ENV_URL = "LAB_REDIS_CLUSTER_URL"


@dataclass
class LabCluster:
    """A connected sharding lab: ``client`` plus what the notebook may ask."""

    client: RedisCluster
    backend: str                       # "engine" or "redis"
    service: object = None             # engine.service.ElastiCache (engine only)
    group_id: Optional[str] = None     # the replication group (engine only)
    url: Optional[str] = None          # the cluster URL (redis only)

    @property
    def is_embedded(self) -> bool:
        return self.backend == "engine"

    @property
    def cluster(self):
        """The emulated data plane (``engine.cluster.Cluster``), engine only."""
        if not self.is_embedded:
            return None
        return self.service.replication_group(self.group_id).cluster

    def describe(self) -> str:
        if self.is_embedded:
            return (f"emulated replication group {self.group_id!r} "
                    f"({len(self.cluster.shards)} shards, virtual clock)")
        return f"real cluster at {_redact(self.url)}"

    def advance(self, seconds: float) -> None:
        """Let virtual time pass (engine only; a real cluster really waits)."""
        if self.is_embedded:
            self.service.advance(seconds)
        else:
            import time
            time.sleep(seconds)


def open_cluster(*, shards: int = 3, replicas: int = 1, decode_responses: bool = True,
                 seed: int = 0, url: Optional[str] = None, name: str = "lab",
                 engine: str = "valkey", node_type: str = "cache.r7g.large",
                 service=None, protocol: Optional[int] = None,
                 node_config: Optional[dict] = None) -> LabCluster:
    """Connect a sharding lab (see the module docstring for the rules).

    ``shards``/``replicas``/``engine``/``node_type`` shape the emulated group;
    ``service`` reuses an existing :class:`engine.service.ElastiCache`
    (default: a new one with ``seed``). ``url`` overrides the environment."""
    proto = {} if protocol is None else {"protocol": protocol}
    url = url or os.environ.get(ENV_URL) or None
    if url:
        if not url.startswith(("redis://", "rediss://")):
            raise ValueError(f"{ENV_URL} must start with redis:// or rediss://, "
                             f"got {_redact(url)!r}")
        try:
            client = RedisCluster.from_url(url, decode_responses=decode_responses, **proto)
            client.ping()
        except Exception as exc:
            raise ConnectionError(f"could not reach the cluster at {_redact(url)} ({exc}); "
                                  "check the URL (any node, or the configuration endpoint), "
                                  "the network path and AUTH") from exc
        return LabCluster(client, "redis", url=url)
    from .service import ElastiCache
    ec = service if service is not None else ElastiCache(seed=seed, node_config=node_config)
    ec.create_replication_group(
        ReplicationGroupId=name, ReplicationGroupDescription="sharding lab", Engine=engine,
        CacheNodeType=node_type, ClusterMode="enabled", NumNodeGroups=shards,
        ReplicasPerNodeGroup=replicas, AutomaticFailoverEnabled=True,
        MultiAZEnabled=replicas > 0)
    client = ec.client(name, decode_responses=decode_responses, **proto)
    return LabCluster(client, "engine", service=ec, group_id=name)
