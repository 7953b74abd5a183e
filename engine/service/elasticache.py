"""``ElastiCache()``: the control plane, called like ``boto3.client("elasticache")``.

>>> ec = ElastiCache(seed=0)
>>> ec.create_replication_group(ReplicationGroupId="shop",
...     ReplicationGroupDescription="orders", Engine="valkey",
...     CacheNodeType="cache.r7g.large", NumNodeGroups=3, ReplicasPerNodeGroup=1,
...     AutomaticFailoverEnabled=True)["ReplicationGroup"]["Status"]
'creating'
>>> ec.get_waiter("replication_group_available").wait(ReplicationGroupId="shop")
>>> rc = ec.client("shop")          # a RedisCluster on the emulated cluster

Method names, parameter names and response fields are boto3's (CamelCase
parameters, keyword-only). Requests AWS would refuse raise :class:`ClientError`
with AWS's error code; a misspelt parameter raises TypeError, as botocore's
parameter validation does before anything is sent.

Time: the service runs on a :class:`~engine.clock.VirtualClock`. A new group
is ``creating`` for ``limits.CREATE_SECONDS`` of virtual time; waiters and
:meth:`ElastiCache.advance` move the clock (instantly). The data plane exists
from the start — only the status says when AWS would let you use it, and
:meth:`ElastiCache.client` waits for ``available`` the way a script would.

Feature areas live in mixins, one module each: :mod:`.resilience` (failover,
snapshots and backups), :mod:`.security_api` (RBAC users and groups, AUTH
tokens, network isolation, IAM), :mod:`.scaling_api` (node types, vertical and
auto scaling, serverless caches, metrics and alarms; prices in :mod:`.pricing`).
Not modelled: parameter groups, maintenance windows, events and notifications.
"""
from __future__ import annotations

import itertools
import random
from typing import Callable, Dict, List, Optional

from ..clock import Clock, VirtualClock
from . import limits
from .cache_cluster import CacheCluster
from .errors import ClientError, Refusal, operation
from .naming import Namer, availability_zones
from .resilience import ResilienceAPI
from .scaling_api import ScalingAPI
from .security_api import SecurityAPI
from .replication_group import ReplicationGroup, check_bool, check_int

#: Parameters the API accepts that the emulator records but does not act on
#: (security, snapshots, maintenance, networking: later issues).
_RECORDED = {
    "Tags", "SecurityGroupIds", "CacheSubnetGroupName", "CacheSecurityGroupNames",
    "CacheParameterGroupName", "PreferredMaintenanceWindow", "NotificationTopicArn",
    "AutoMinorVersionUpgrade", "SnapshotRetentionLimit", "SnapshotWindow", "AuthToken",
    "TransitEncryptionEnabled", "AtRestEncryptionEnabled", "KmsKeyId", "UserGroupIds",
    "LogDeliveryConfigurations", "NetworkType", "IpDiscovery", "PreferredCacheClusterAZs",
    "PreferredAvailabilityZone", "PreferredAvailabilityZones", "DataTieringEnabled",
    "TransitEncryptionMode", "OutpostMode", "PreferredOutpostArn",
}


def _reject_unknown(operation_name: str, params: dict, known: set) -> dict:
    unknown = sorted(set(params) - known - _RECORDED)
    if unknown:
        raise TypeError(f"Unknown parameter(s) in {operation_name} input: {', '.join(unknown)}")
    return {k: v for k, v in params.items() if k in _RECORDED}


class ElastiCache(ResilienceAPI, SecurityAPI, ScalingAPI):
    """The emulated ElastiCache API for one account in one Region.

    ``clock``        a VirtualClock (default: a new one) shared by every cluster
    ``seed``         makes ids, IPs and endpoint names repeatable
    ``region``       e.g. ``"us-east-1"`` (endpoint names use ``use1``)
    ``quota_raised`` model an account whose nodes-per-cluster quota was
                     raised from 90 to 500 (250 below Redis OSS 5.0.6)
    ``node_config``  passed to every engine node (e.g. ``{"maxmemory": "10mb"}``)
    """

    def __init__(self, clock: Optional[Clock] = None, seed: int = 0, region: str = "us-east-1",
                 *, quota_raised: bool = False, node_config: Optional[dict] = None):
        self.clock = clock if clock is not None else VirtualClock()
        self.rng = random.Random(seed)
        account = "".join(str(self.rng.randrange(10)) for _ in range(12))
        suffix = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
        self.namer = Namer(region, account, suffix)
        self.region = region
        self.quota_raised = quota_raised
        self.node_config = dict(node_config or {})
        self._groups: Dict[str, ReplicationGroup] = {}
        self._caches: Dict[str, CacheCluster] = {}
        self._reader_turn = itertools.count()

    # -- time ---------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass (statuses move on)."""
        self.clock.advance(seconds)

    def _purge(self) -> None:
        for table in (self._groups, self._caches):
            for name in [n for n, r in table.items() if r.gone]:
                del table[name]

    def _nodes_in_region(self) -> int:
        self._purge()
        return (sum(g.node_count() for g in self._groups.values())
                + sum(len(c.data.members) for c in self._caches.values()))

    def _check_region_quota(self, extra_nodes: int) -> None:
        total = self._nodes_in_region() + extra_nodes
        if total > limits.NODES_PER_REGION:
            raise Refusal("NodeQuotaForCustomerExceeded",
                          f"This request would bring the account to {total} nodes in "
                          f"{self.region}; the quota is {limits.NODES_PER_REGION} nodes per Region.")

    # -- replication groups ----------------------------------------------------------------
    def _group(self, name) -> ReplicationGroup:
        self._purge()
        group = self._groups.get(str(name).lower())
        if group is None:
            raise Refusal("ReplicationGroupNotFoundFault", f"ReplicationGroup {name} not found.")
        return group

    @operation("CreateReplicationGroup")
    def create_replication_group(self, *, ReplicationGroupId, ReplicationGroupDescription,
                                 **params) -> dict:
        """Create a Valkey / Redis OSS replication group (cluster mode disabled,
        enabled or compatible). Returns ``{"ReplicationGroup": {...}}``."""
        known = {"Engine", "EngineVersion", "CacheNodeType", "NumNodeGroups",
                 "ReplicasPerNodeGroup", "NumCacheClusters", "AutomaticFailoverEnabled",
                 "MultiAZEnabled", "ClusterMode", "Port", "SnapshotName"}
        extra = _reject_unknown("CreateReplicationGroup", params, known)
        params.update(ReplicationGroupId=ReplicationGroupId,
                      ReplicationGroupDescription=ReplicationGroupDescription)
        self._check_group_params(params)     # feature mixins validate their parameters
        plan = ReplicationGroup.plan(params, quota_raised=self.quota_raised)
        self._purge()
        if plan["name"] in self._groups:
            raise Refusal("ReplicationGroupAlreadyExists",
                          f"Replication group {plan['name']} already exists.")
        self._check_region_quota(plan["shards"] * (1 + plan["replicas"]))
        group = ReplicationGroup(**plan, clock=self.clock, seed=self.rng.randrange(2**31),
                                 namer=self.namer, node_config=self.node_config, extra=extra)
        self._groups[group.name] = group
        self._after_create_group(group, params)   # feature mixins attach their state
        return {"ReplicationGroup": group.describe()}

    @operation("DescribeReplicationGroups")
    def describe_replication_groups(self, *, ReplicationGroupId=None, MaxRecords=None,
                                    Marker=None) -> dict:
        """``{"ReplicationGroups": [...]}`` — one group, or all of them."""
        if ReplicationGroupId is not None:
            return {"ReplicationGroups": [self._group(ReplicationGroupId).describe()]}
        self._purge()
        return {"ReplicationGroups": [g.describe() for g in self._groups.values()]}

    @operation("ModifyReplicationGroupShardConfiguration")
    def modify_replication_group_shard_configuration(
            self, *, ReplicationGroupId, NodeGroupCount, ApplyImmediately,
            NodeGroupsToRemove=None, NodeGroupsToRetain=None, ReshardingConfiguration=None,
            progress: Optional[Callable[[int, int], None]] = None) -> dict:
        """Online resharding: add shards (then move slots onto them) or remove
        shards (their slots move away first). ``progress(done, total)`` is an
        emulator extra, called as slots move (for a lab's progress bar).

        The data moves at once on the emulator (key by key, with ASK
        redirections for clients that run meanwhile); the group then shows
        ``modifying`` for ``limits.MODIFY_SECONDS``."""
        group = self._group(ReplicationGroupId)
        check_bool("ApplyImmediately", ApplyImmediately)
        if not ApplyImmediately:
            raise Refusal("InvalidParameterValue",
                          "ApplyImmediately=False is not supported for shard configuration "
                          "changes: resharding always starts immediately.")
        if not group.cluster_enabled or group.cluster_mode == "compatible":
            raise Refusal("InvalidParameterValue",
                          f"Replication group {group.name} has cluster mode "
                          f"{group.cluster_mode}: only cluster mode enabled groups have "
                          "shards to add or remove.")
        group.require_available("resharding")
        target = check_int("NodeGroupCount", NodeGroupCount, 1)
        current = len(group.shards)
        quota = group.quota(self.quota_raised)
        if target > quota:
            raise Refusal("NodeGroupsPerReplicationGroupQuotaExceeded",
                          f"NodeGroupCount={target} exceeds the quota of {quota} node groups "
                          "per replication group.")
        if target == current:
            raise Refusal("InvalidParameterValue",
                          f"Replication group {group.name} already has {current} node groups.")
        if NodeGroupsToRemove is not None and NodeGroupsToRetain is not None:
            raise Refusal("InvalidParameterCombination",
                          "Give NodeGroupsToRemove or NodeGroupsToRetain, not both.")
        if target > current:
            if NodeGroupsToRemove or NodeGroupsToRetain:
                raise Refusal("InvalidParameterCombination",
                              "NodeGroupsToRemove/NodeGroupsToRetain only apply when "
                              "NodeGroupCount decreases.")
            # New shards copy the replica count of the smallest shard (fact sheet §9).
            replicas = min(group.replicas_per_shard())
            new_nodes = (target - current) * (1 + replicas)
            if group.node_count() + new_nodes > quota:
                raise Refusal("NodeQuotaForClusterExceeded",
                              f"Adding {target - current} shards of {1 + replicas} nodes would "
                              f"exceed the quota of {quota} nodes per cluster.")
            self._check_region_quota(new_nodes)
            _add_shards(group.cluster, target - current, replicas, progress)
        else:
            ids = [s.id for s in group.shards]
            if NodeGroupsToRetain is not None:
                retain = [str(i) for i in NodeGroupsToRetain]
                missing = [i for i in retain if i not in ids]
                if missing:
                    raise Refusal("NodeGroupNotFoundFault",
                                  f"Node groups {missing} are not in {group.name} (it has {ids}).")
                if len(set(retain)) != target:
                    raise Refusal("InvalidParameterValue",
                                  f"NodeGroupsToRetain must list exactly {target} node groups.")
                remove = [i for i in ids if i not in retain]
            elif NodeGroupsToRemove is not None:
                remove = [str(i) for i in NodeGroupsToRemove]
                missing = [i for i in remove if i not in ids]
                if missing:
                    raise Refusal("NodeGroupNotFoundFault",
                                  f"Node groups {missing} are not in {group.name} (it has {ids}).")
                if len(set(remove)) != current - target:
                    raise Refusal("InvalidParameterValue",
                                  f"NodeGroupsToRemove must list exactly {current - target} "
                                  "node groups.")
            else:
                raise Refusal("InvalidParameterCombination",
                              "Reducing NodeGroupCount needs NodeGroupsToRemove or "
                              "NodeGroupsToRetain to say which shards go.")
            _remove_shards(group.cluster, remove, progress)
        group.place_nodes()
        group.schedule("modifying", limits.MODIFY_SECONDS)
        self._after_topology_change(group, "shards")      # scaling timeline (scaling_api)
        return {"ReplicationGroup": group.describe()}

    def _replica_change(self, name, new_count, apply_immediately, increase: bool) -> dict:
        group = self._group(name)
        check_bool("ApplyImmediately", apply_immediately)
        if not apply_immediately:
            raise Refusal("InvalidParameterValue",
                          "ApplyImmediately=False is not supported: replica counts change "
                          "immediately.")
        target = check_int("NewReplicaCount", new_count, limits.MIN_REPLICAS_PER_SHARD,
                           limits.MAX_REPLICAS_PER_SHARD)
        group.require_available("changing the replica count")
        counts = group.replicas_per_shard()
        if increase and target <= min(counts):
            raise Refusal("InvalidParameterValue",
                          f"NewReplicaCount={target} must be greater than the current "
                          f"{min(counts)} to increase the replica count.")
        if not increase and target >= max(counts):
            raise Refusal("InvalidParameterValue",
                          f"NewReplicaCount={target} must be less than the current "
                          f"{max(counts)} to decrease the replica count.")
        if not increase and target < 1 and group.multi_az:
            raise Refusal("InvalidParameterCombination",
                          "Multi-AZ is enabled: every shard must keep at least one replica.")
        if not increase and target < 1 and group.automatic_failover and not group.cluster_enabled:
            raise Refusal("InvalidParameterCombination",
                          "Automatic failover is enabled: a cluster mode disabled group must "
                          "keep at least one replica.")
        if increase:
            added = sum(max(0, target - c) for c in counts)
            quota = group.quota(self.quota_raised)
            if group.node_count() + added > quota:
                raise Refusal("NodeQuotaForClusterExceeded",
                              f"{group.node_count() + added} nodes would exceed the quota of "
                              f"{quota} nodes per cluster.")
            self._check_region_quota(added)
        for shard in group.shards:
            _set_replicas(group.cluster, shard, target)
        group.place_nodes()
        group.schedule("modifying", limits.MODIFY_SECONDS)
        self._after_topology_change(group, "replicas")    # scaling timeline (scaling_api)
        return {"ReplicationGroup": group.describe()}

    @operation("IncreaseReplicaCount")
    def increase_replica_count(self, *, ReplicationGroupId, ApplyImmediately,
                               NewReplicaCount=None, ReplicaConfiguration=None) -> dict:
        """Add replicas so every shard has ``NewReplicaCount`` (max 5)."""
        if ReplicaConfiguration is not None:
            raise TypeError("ReplicaConfiguration (per-shard counts) is not emulated yet: "
                            "use NewReplicaCount")
        return self._replica_change(ReplicationGroupId, NewReplicaCount, ApplyImmediately, True)

    @operation("DecreaseReplicaCount")
    def decrease_replica_count(self, *, ReplicationGroupId, ApplyImmediately,
                               NewReplicaCount=None, ReplicaConfiguration=None,
                               ReplicasToRemove=None) -> dict:
        """Remove replicas so every shard has ``NewReplicaCount``."""
        if ReplicaConfiguration is not None or ReplicasToRemove is not None:
            raise TypeError("ReplicaConfiguration / ReplicasToRemove are not emulated yet: "
                            "use NewReplicaCount")
        return self._replica_change(ReplicationGroupId, NewReplicaCount, ApplyImmediately, False)

    @operation("DeleteReplicationGroup")
    def delete_replication_group(self, *, ReplicationGroupId, RetainPrimaryCluster=False,
                                 FinalSnapshotIdentifier=None) -> dict:
        """Start deleting a group: ``deleting`` for ``limits.DELETE_SECONDS``,
        then it is gone (describe raises ReplicationGroupNotFoundFault)."""
        group = self._group(ReplicationGroupId)
        group.require_available("deletion")
        if FinalSnapshotIdentifier is not None:
            raise Refusal("InvalidParameterValue",
                          "FinalSnapshotIdentifier: snapshots are not emulated yet.")
        group.schedule("deleting", limits.DELETE_SECONDS, then=None)
        return {"ReplicationGroup": group.describe()}

    # -- Memcached cache clusters ------------------------------------------------------------------
    def _cache(self, name) -> CacheCluster:
        self._purge()
        cache = self._caches.get(str(name).lower())
        if cache is None:
            raise Refusal("CacheClusterNotFound", f"CacheCluster {name} not found.")
        return cache

    @operation("CreateCacheCluster")
    def create_cache_cluster(self, *, CacheClusterId, **params) -> dict:
        """Create a Memcached cluster of ``NumCacheNodes`` nodes (1–60).
        Returns ``{"CacheCluster": {...}}``."""
        known = {"Engine", "EngineVersion", "CacheNodeType", "NumCacheNodes", "Port", "AZMode",
                 "ReplicationGroupId"}
        extra = _reject_unknown("CreateCacheCluster", params, known)
        if params.get("ReplicationGroupId") is not None:
            raise Refusal("InvalidParameterValue",
                          "Adding a node to a replication group through create_cache_cluster "
                          "is not emulated: use increase_replica_count.")
        params["CacheClusterId"] = CacheClusterId
        plan = CacheCluster.plan(params)
        self._purge()
        if plan["name"] in self._caches or any(
                plan["name"] == cid for g in self._groups.values() for *_, cid in g.members()):
            raise Refusal("CacheClusterAlreadyExists",
                          f"Cache cluster {plan['name']} already exists.")
        self._check_region_quota(plan["num_nodes"])
        cache = CacheCluster(**plan, clock=self.clock, seed=self.rng.randrange(2**31),
                             namer=self.namer, extra=extra)
        self._caches[cache.name] = cache
        return {"CacheCluster": cache.describe(show_node_info=False)}

    @operation("DescribeCacheClusters")
    def describe_cache_clusters(self, *, CacheClusterId=None, ShowCacheNodeInfo=False,
                                ShowCacheClustersNotInReplicationGroups=False,
                                MaxRecords=None, Marker=None) -> dict:
        """``{"CacheClusters": [...]}``: Memcached clusters and, unless
        ``ShowCacheClustersNotInReplicationGroups``, every node of every
        replication group (AWS lists those as single-node clusters)."""
        self._purge()
        out: List[dict] = [c.describe(ShowCacheNodeInfo) for c in self._caches.values()]
        if not ShowCacheClustersNotInReplicationGroups:
            for g in self._groups.values():
                out.extend(g.describe_members(ShowCacheNodeInfo))
        if CacheClusterId is not None:
            out = [c for c in out if c["CacheClusterId"] == str(CacheClusterId).lower()]
            if not out:
                raise Refusal("CacheClusterNotFound", f"CacheCluster {CacheClusterId} not found.")
        return {"CacheClusters": out}

    @operation("ModifyCacheCluster")
    def modify_cache_cluster(self, *, CacheClusterId, NumCacheNodes=None,
                             CacheNodeIdsToRemove=None, ApplyImmediately=False,
                             **params) -> dict:
        """Scale a Memcached cluster out (more nodes) or in (name the nodes to
        remove in ``CacheNodeIdsToRemove``). Each change bumps the Auto
        Discovery config version. Without ``ApplyImmediately=True`` the change
        stays in ``PendingModifiedValues`` (the emulator has no maintenance
        windows: a later call with ``ApplyImmediately=True`` applies it)."""
        _reject_unknown("ModifyCacheCluster", params, set())
        cache = self._cache(CacheClusterId)
        cache.require_available("modifying")
        if NumCacheNodes is None:
            raise Refusal("InvalidParameterValue", "NumCacheNodes is required to scale "
                          "a Memcached cluster (other modifications are not emulated yet).")
        grow = NumCacheNodes - len(cache.data.members) if isinstance(NumCacheNodes, int) else 0
        if grow > 0 and ApplyImmediately is True:
            self._check_region_quota(grow)
        cache.modify(NumCacheNodes, CacheNodeIdsToRemove, ApplyImmediately)
        return {"CacheCluster": cache.describe(show_node_info=False)}

    @operation("DeleteCacheCluster")
    def delete_cache_cluster(self, *, CacheClusterId, FinalSnapshotIdentifier=None) -> dict:
        cache = self._cache(CacheClusterId)
        cache.require_available("deletion")
        if FinalSnapshotIdentifier is not None:
            raise Refusal("InvalidParameterCombination",
                          "Node-based Memcached clusters have no backups (fact sheet §6), "
                          "so FinalSnapshotIdentifier does not apply.")
        cache.schedule("deleting", limits.DELETE_SECONDS, then=None)
        return {"CacheCluster": cache.describe(show_node_info=False)}

    # -- waiters (boto3's names) ------------------------------------------------------------------
    def get_waiter(self, name: str) -> "Waiter":
        """``replication_group_available`` / ``replication_group_deleted`` /
        ``cache_cluster_available`` / ``cache_cluster_deleted``. ``wait(...)``
        advances the virtual clock until the condition holds (no sleeping)."""
        waiters = {
            "replication_group_available": ("ReplicationGroupId", self._group_or_none, "available"),
            "replication_group_deleted": ("ReplicationGroupId", self._group_or_none, None),
            "cache_cluster_available": ("CacheClusterId", self._cache_or_none, "available"),
            "cache_cluster_deleted": ("CacheClusterId", self._cache_or_none, None),
        }
        if name not in waiters:
            raise ValueError(f"Waiter {name!r} does not exist; choose from {sorted(waiters)}")
        return Waiter(self, *waiters[name])

    def _group_or_none(self, name):
        self._purge()
        return self._groups.get(str(name).lower())

    def _cache_or_none(self, name):
        self._purge()
        return self._caches.get(str(name).lower())

    # -- clients ---------------------------------------------------------------------------
    def client(self, ResourceId: str, *, read_only: bool = False, **redis_kwargs):
        """A ready client for a group or a Memcached cluster (waits for
        ``available`` on the virtual clock first):

        * cluster mode enabled / compatible → ``redis.cluster.RedisCluster``
        * cluster mode disabled → ``redis.Redis`` on the primary endpoint, or
          with ``read_only=True`` on a replica (the reader endpoint hands them
          out in turn, like its DNS round-robin)
        * Memcached → an :class:`~engine.memcached.cluster.AutoDiscoveryClient`
          (ketama ring) that found the nodes through ``config get cluster``
        * a serverless cache → its metered ``redis.Redis`` (the reader port with
          ``read_only=True``)
        """
        self._purge()
        name = str(ResourceId).lower()
        if name in self._serverless_table():
            return self.serverless_cache(name).client(read_only=read_only, **redis_kwargs)
        if name in self._caches:
            self.get_waiter("cache_cluster_available").wait(CacheClusterId=name)
            return self._caches[name].data.discovery_client(
                redis_kwargs.pop("hashing", "ketama"))
        group = self._groups.get(name)
        if group is None:
            raise ValueError(f"no replication group or cache cluster named {ResourceId!r}")
        self.get_waiter("replication_group_available").wait(ReplicationGroupId=name)
        if group.cluster_enabled:
            return group.cluster.client(**redis_kwargs)
        shard = group.shards[0]
        node = shard.primary
        if read_only and shard.replicas:
            node = shard.replicas[next(self._reader_turn) % len(shard.replicas)]
        return group.cluster.node_client(node, **redis_kwargs)

    def serve(self, ReplicationGroupId: str, *, base_port: int = 0):
        """Serve a group's nodes over TCP on loopback (an emulator extra, for
        redis-cli and other programs). A group created with
        ``TransitEncryptionEnabled=True`` speaks only TLS, with a certificate
        from a local CA whose file is ``served.ca_path`` (``redis-cli --tls
        --cacert``); others speak plain TCP (``served.ca_path`` is None)."""
        group = self._group_or_raise(ReplicationGroupId)
        tls = None
        if (getattr(group, "security", None) or {}).get("tls"):
            import tempfile
            from ..security.tls import LocalCA
            if getattr(self, "_local_ca", None) is None:
                self._local_ca = LocalCA.create(tempfile.mkdtemp(prefix="elasticache-lab-ca-"))
            tls = self._local_ca
        served = group.cluster.serve(base_port=base_port, tls=tls)
        served.ca_path = tls.ca_path if tls is not None else None
        return served

    def replication_group(self, ReplicationGroupId: str) -> ReplicationGroup:
        """The emulator object behind a group (its ``.cluster`` is the data
        plane) — for labs that look inside; AWS has no such call."""
        return self._group_or_raise(ReplicationGroupId)

    def cache_cluster(self, CacheClusterId: str) -> CacheCluster:
        """The emulator object behind a Memcached cluster (``.data`` is the
        :class:`~engine.memcached.cluster.MemcachedCluster`)."""
        cache = self._cache_or_none(CacheClusterId)
        if cache is None:
            raise ValueError(f"no cache cluster named {CacheClusterId!r}")
        return cache

    def _group_or_raise(self, name) -> ReplicationGroup:
        group = self._group_or_none(name)
        if group is None:
            raise ValueError(f"no replication group named {name!r}")
        return group

    def availability_zones(self) -> List[str]:
        return availability_zones(self.region)

    def __repr__(self) -> str:
        self._purge()
        return (f"ElastiCache({self.region}, {len(self._groups)} replication groups, "
                f"{len(self._caches)} cache clusters)")


class Waiter:
    """boto3-style waiter that advances the virtual clock instead of polling."""

    def __init__(self, service: ElastiCache, id_param: str, lookup, want: Optional[str]):
        self.service, self.id_param, self.lookup, self.want = service, id_param, lookup, want

    def wait(self, **kwargs) -> None:
        if self.id_param not in kwargs:
            raise TypeError(f"wait() needs {self.id_param}=...")
        name = kwargs[self.id_param]
        clock = self.service.clock
        if not hasattr(clock, "advance"):
            raise RuntimeError("waiters need the service's VirtualClock")
        for _ in range(100):
            resource = self.lookup(name)
            if resource is None:
                if self.want is None:
                    return
                raise ClientError(
                    "ReplicationGroupNotFoundFault" if self.id_param == "ReplicationGroupId"
                    else "CacheClusterNotFound", f"{name} not found.", "Wait")
            status = resource.status
            if status == self.want:
                return
            if self.want == "available" and status == "deleting":
                raise RuntimeError(f"{name} is being deleted: it will never be available")
            clock.advance_ms(max(1, resource.ready_at_ms() - clock.now_ms()))
        raise RuntimeError(f"waiter gave up on {name}")


# -- data-plane adapters ---------------------------------------------------------------------
# The control plane changes topology only through the Cluster's public API
# (add_shards / remove_shards / rebalance, add_replica / remove_replica).

def _add_shards(cluster, count: int, replicas: int, progress) -> None:
    """Scale out as ElastiCache does: new, empty shards (with ``replicas``
    replicas each), then slots move onto them key by key. ``progress(done,
    total)`` counts slots and is called after every batch of keys too, so a
    caller can run traffic while a slot is half moved (and see ASK)."""
    from ..cluster.migration import plan_even
    added = cluster.add_shards(count)
    for shard in added:
        _set_replicas(cluster, shard, replicas)
    moves = plan_even(cluster.shards, cluster.slot_table)
    for done, (slot, target) in enumerate(moves):
        migration = cluster.start_migration(slot, target)
        while not migration.done:
            cluster.migration_step(migration)
            if progress is not None and not migration.done:
                progress(done, len(moves))
        if progress is not None:
            progress(done + 1, len(moves))


def _remove_shards(cluster, shard_ids: List[str], progress) -> None:
    """Remove the named shards (their slots migrate to the others first)."""
    leaving = [cluster.shard(i) for i in shard_ids]
    cluster.remove_shards(len(leaving), shards=leaving, progress=progress)


def _set_replicas(cluster, shard, count: int) -> None:
    """Make ``shard`` have ``count`` replicas: new ones get a full copy of the
    primary's data (a full sync); removed ones are the newest."""
    while len(shard.replicas) < count:
        cluster.add_replica(shard)
    while len(shard.replicas) > count:
        cluster.remove_replica(shard, shard.replicas[-1])
