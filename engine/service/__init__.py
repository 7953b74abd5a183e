"""The ElastiCache control plane, emulated in boto3's shape.

>>> from engine.service import ElastiCache, ClientError
>>> ec = ElastiCache(seed=0, region="us-east-1")

``ElastiCache`` (in :mod:`.elasticache`) has boto3's method names —
``create_replication_group``, ``describe_replication_groups``,
``modify_replication_group_shard_configuration``, ``increase_replica_count``,
``decrease_replica_count``, ``delete_replication_group``,
``create_cache_cluster``, ``describe_cache_clusters``, ``modify_cache_cluster``,
``delete_cache_cluster``, ``get_waiter`` — plus ``client(id)``, which returns
a ready client (redis.Redis, RedisCluster or a Memcached ring client) on the
emulated cluster.

Modules: :mod:`.limits` (every limit, with its source), :mod:`.errors`
(botocore-shaped ``ClientError``), :mod:`.naming` (ids and endpoints),
:mod:`.resource` (status on the virtual clock), :mod:`.replication_group`
and :mod:`.cache_cluster` (one class per resource type).
"""
from .errors import ClientError
from .elasticache import ElastiCache, Waiter
from . import limits
# Scaling, serverless, metrics and cost (issue #9): node_types (the sourced
# table), pricing (PriceBook and bill lines); metrics, serverless, autoscaling,
# tiering and simulate load on first use through ElastiCache (ec.cloudwatch,
# ec.autoscaling, ec.create_serverless_cache) or by import.
from . import node_types, pricing

__all__ = ["ElastiCache", "ClientError", "Waiter", "limits", "node_types", "pricing"]
