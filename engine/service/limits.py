"""Every ElastiCache limit the emulated control plane enforces, in one table.

Each number sits next to the page it comes from, so a learner (or a reviewer)
can check it at its origin. The source keys follow the project's fact sheet
(shared/reference/elasticache-facts.md):

* ``DG:X``  = https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/X.html
* ``API:X`` = https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_X.html

Where the sources disagree (the fact sheet marks those with ⚠) the comment
says which one we follow and why. Change a number here and the whole service
follows: no limit is written anywhere else.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

# ---------------------------------------------------------------------------
# Shards (node groups) and replicas — fact sheet §1
# ---------------------------------------------------------------------------

#: A shard is one primary plus 0–5 replicas.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html
MIN_REPLICAS_PER_SHARD = 0
MAX_REPLICAS_PER_SHARD = 5

#: Cluster mode disabled has exactly one shard.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html
CLUSTER_MODE_DISABLED_SHARDS = 1

#: Cluster mode enabled, default quota: 90 nodes per cluster — anything from
#: 90 shards × 0 replicas to 15 shards × 5 replicas. The number of shards is
#: bounded by the same 90 (a shard has at least its primary).
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html
#: (also the CreateReplicationGroup API text: "from 1 to 90 shards").
DEFAULT_NODES_PER_CLUSTER = 90

#: The quota can be raised (a Service Quotas request) to 500 nodes per cluster
#: on Valkey 7.2+ or Redis OSS 5.0.6+, and to 250 below Redis OSS 5.0.6.
#: ``ElastiCache(node_quota_per_cluster=500)`` models an account with the raise.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html and
#: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.html
RAISED_NODES_PER_CLUSTER = 500
RAISED_NODES_PER_CLUSTER_BEFORE_5_0_6 = 250
#: The version from which the 500-node raise applies to Redis OSS.
RAISE_500_MIN_REDIS_VERSION = (5, 0, 6)

# ---------------------------------------------------------------------------
# Nodes per Region and Memcached — fact sheet §1
# ---------------------------------------------------------------------------

#: Nodes per Region (all clusters of an account together).
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/quota-limits.html
#: (⚠ the fact sheet takes this from secondary copies of that page) and
#: https://aws.amazon.com/elasticache/faqs/ (the Regional Memcached limit, 300).
NODES_PER_REGION = 300

#: Memcached: 1–60 nodes per cluster. ⚠ The API reference for NumCacheNodes
#: still says 1–40; we follow the current user guide, which is newer.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Scaling.Memcached.manually.html
MIN_MEMCACHED_NODES = 1
MAX_MEMCACHED_NODES = 60

#: Cluster mode disabled: NumCacheClusters counts the primary and its
#: replicas, so 1–6 (one shard of 1 primary + up to 5 replicas).
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html
MIN_CACHE_CLUSTERS = 1
MAX_CACHE_CLUSTERS = 1 + MAX_REPLICAS_PER_SHARD

# ---------------------------------------------------------------------------
# Ports — fact sheet §1
# ---------------------------------------------------------------------------

#: Default ports. Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/RedisConfiguration.html
DEFAULT_PORT = {"valkey": 6379, "redis": 6379, "memcached": 11211}

# ---------------------------------------------------------------------------
# Identifiers — API reference
# ---------------------------------------------------------------------------

#: ReplicationGroupId: 1–40 letters, digits or hyphens; starts with a letter;
#: no trailing hyphen and no two hyphens in a row; stored lowercase.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
MAX_REPLICATION_GROUP_ID_LENGTH = 40
#: CacheClusterId: the same rules with up to 50 characters.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheCluster.html
MAX_CACHE_CLUSTER_ID_LENGTH = 50

# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------

#: Engine names the API accepts. Source: fact sheet §1 ("Engine matrix") and
#: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
REPLICATION_GROUP_ENGINES = ("valkey", "redis")
CACHE_CLUSTER_ENGINES = ("memcached",)

#: The version the emulator reports when the request names none. These are
#: the emulator's choices (recent versions ElastiCache offers), not AWS
#: defaults; the engine behind them is always the project's Redis 7.0 engine
#: or memcached 1.6 node.
#: Source for the version families: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html
DEFAULT_ENGINE_VERSION = {"valkey": "8.0", "redis": "7.1", "memcached": "1.6.22"}

#: ClusterMode values. "compatible" lets clients connect with either cluster
#: protocol while a group migrates to cluster mode enabled.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
CLUSTER_MODES = ("enabled", "disabled", "compatible")

# ---------------------------------------------------------------------------
# Node types — fact sheet §1 (families) and the CacheNode API page (sizes)
# Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheNode.html
# ---------------------------------------------------------------------------

def _family(family: str, sizes: str) -> Tuple[str, ...]:
    return tuple(f"cache.{family}.{size}" for size in sizes.split())


_GRAVITON = "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"

#: Current-generation node types, by family.
CURRENT_NODE_TYPES: Dict[str, Tuple[str, ...]] = {
    "m7g": _family("m7g", _GRAVITON),
    "m6g": _family("m6g", _GRAVITON),
    "m5": _family("m5", "large xlarge 2xlarge 4xlarge 12xlarge 24xlarge"),
    "m4": _family("m4", "large xlarge 2xlarge 4xlarge 10xlarge"),
    "t4g": _family("t4g", "micro small medium"),
    "t3": _family("t3", "micro small medium"),
    "t2": _family("t2", "micro small medium"),
    "c7gn": _family("c7gn", _GRAVITON),
    "r7g": _family("r7g", _GRAVITON),
    "r6g": _family("r6g", _GRAVITON),
    "r5": _family("r5", "large xlarge 2xlarge 4xlarge 12xlarge 24xlarge"),
    "r4": _family("r4", "large xlarge 2xlarge 4xlarge 8xlarge 16xlarge"),
    # R6gd: data tiering (DRAM + NVMe SSD), fact sheet §5.
    "r6gd": _family("r6gd", "xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
}

#: Previous-generation types: existing clusters keep running, but new clusters
#: cannot be created on them (same API page).
PREVIOUS_NODE_TYPES: FrozenSet[str] = frozenset(
    ("cache.t1.micro",) + _family("m1", "small medium large xlarge")
    + _family("m2", "xlarge 2xlarge 4xlarge") + _family("m3", "medium large xlarge 2xlarge")
    + _family("c1", "xlarge") + _family("r3", "large xlarge 2xlarge 4xlarge 8xlarge"))

NODE_TYPES: FrozenSet[str] = frozenset(t for types in CURRENT_NODE_TYPES.values() for t in types)

#: Data tiering types work only in replication groups (not Memcached).
#: Source: fact sheet §5, awsdocs/amazon-elasticache-docs@6ea3dbf doc_source/redis/data-tiering.md
DATA_TIERING_FAMILIES = ("r6gd",)

# ---------------------------------------------------------------------------
# Resharding — fact sheet §9
# ---------------------------------------------------------------------------

#: ModifyReplicationGroupShardConfiguration only runs with ApplyImmediately=true.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroupShardConfiguration.html
SHARD_CHANGES_NEED_APPLY_IMMEDIATELY = True

# ---------------------------------------------------------------------------
# Modelled durations (virtual clock) — NOT AWS figures
# ---------------------------------------------------------------------------
#: How long each status lasts on the emulator's virtual clock. AWS publishes
#: no fixed provisioning times; these round numbers only make the status
#: sequence (creating → available, modifying → available, deleting → gone)
#: visible. ``ElastiCache.advance(seconds)`` or a waiter moves past them.
CREATE_SECONDS = 300
MODIFY_SECONDS = 120
DELETE_SECONDS = 60

#: The three Availability Zone letters the emulator spreads nodes over.
AZ_LETTERS = ("a", "b", "c")


def node_quota_for(engine: str, version: str, raised: bool) -> int:
    """The nodes-per-cluster quota for a cluster-mode-enabled group."""
    if not raised:
        return DEFAULT_NODES_PER_CLUSTER
    if engine == "redis" and version_tuple(version) < RAISE_500_MIN_REDIS_VERSION:
        return RAISED_NODES_PER_CLUSTER_BEFORE_5_0_6
    return RAISED_NODES_PER_CLUSTER


def version_tuple(version: str) -> Tuple[int, ...]:
    """``"5.0.6"`` → ``(5, 0, 6)``; raises ValueError on anything else."""
    parts = version.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(version)
    nums = tuple(int(p) for p in parts)
    return nums + (0,) * (3 - len(nums))


# ---------------------------------------------------------------------------
# Serverless caches — fact sheet §1 and §4 (issue #9; engine/service/serverless.py)
# ---------------------------------------------------------------------------

#: Serverless caches per Region.
#: Source: DG:quota-limits (fact sheet §1; ⚠ secondary copies of that page).
SERVERLESS_CACHES_PER_REGION = 40
#: Per cache: 5,000 GiB of data and 15 million ECPUs per second.
#: Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/RedisConfiguration.html
SERVERLESS_MAX_DATA_STORAGE_GB = 5000
SERVERLESS_MAX_ECPU_PER_SECOND = 15_000_000
#: Per hash slot: 30,000 ECPU/s, or 90,000 reading from replicas with READONLY. Same source.
SERVERLESS_MAX_ECPU_PER_SLOT = 30_000
SERVERLESS_MAX_ECPU_PER_SLOT_READONLY = 90_000
#: 65,000 client connections, 4 KiB keys, 3,999 arguments per request. Same source.
SERVERLESS_MAX_CLIENTS = 65_000
SERVERLESS_MAX_KEY_BYTES = 4096
SERVERLESS_MAX_ARGUMENTS = 3999
#: The endpoint's port and the reader port (READONLY, eventually consistent). Same source.
SERVERLESS_PORT = 6379
SERVERLESS_READER_PORT = 6380
