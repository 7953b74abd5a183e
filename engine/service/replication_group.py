"""Replication groups: Valkey / Redis OSS, cluster mode disabled or enabled.

A *replication group* is what the console calls a Valkey or Redis OSS
cluster. Its shape decides what it can scale (fact sheet §1):

* **cluster mode disabled** — one shard: a primary that takes every write and
  up to five replicas that serve reads. More replicas scale *reads*; writes
  and memory are bounded by one node, so you scale them with a bigger node.
* **cluster mode enabled** — up to 90 shards by default (15 × 5 replicas …
  90 × 0), the 16,384 hash slots split between them. More shards scale
  *writes and memory* as well as reads. Automatic failover is required.

Behind every group is a real :class:`engine.cluster.Cluster` — the data
plane — so the client from :meth:`ElastiCache.client` runs real commands.
This module holds the rules (validation) and the description (the dict
``describe_replication_groups`` returns); :mod:`engine.service.elasticache`
holds the API methods.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from . import limits
from .errors import Refusal
from .naming import Namer, check_identifier
from .resource import Resource


# ---------------------------------------------------------------------------
# Checks shared with cache clusters
# ---------------------------------------------------------------------------

def check_node_type(node_type) -> str:
    if node_type in limits.PREVIOUS_NODE_TYPES:
        raise Refusal("InvalidParameterValue",
                      f"{node_type} is a previous-generation node type: existing clusters "
                      "keep running on it but new clusters cannot be created. Choose a "
                      "current-generation type such as cache.r7g.large or cache.m7g.large.")
    if node_type not in limits.NODE_TYPES:
        raise Refusal("InvalidParameterValue",
                      f"Invalid CacheNodeType: {node_type!r}. Node types look like "
                      "'cache.r7g.large'; see engine.service.limits.CURRENT_NODE_TYPES.")
    return node_type


def is_data_tiering(node_type: str) -> bool:
    return node_type.split(".")[1] in limits.DATA_TIERING_FAMILIES


def check_engine_version(engine: str, version) -> str:
    if version is None:
        return limits.DEFAULT_ENGINE_VERSION[engine]
    try:
        limits.version_tuple(str(version))
    except ValueError:
        raise Refusal("InvalidParameterValue",
                      f"Invalid EngineVersion {version!r} for {engine}: use a version "
                      "number such as '7.1' or '1.6.22'.") from None
    return str(version)


def check_int(name: str, value, low: Optional[int] = None, high: Optional[int] = None,
              code: str = "InvalidParameterValue") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal("InvalidParameterValue", f"{name} must be an integer, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise Refusal(code, f"{name} must be between {low} and {high}, got {value}")
    return value


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise Refusal("InvalidParameterValue", f"{name} must be true or false, got {value!r}")
    return value


def slot_ranges(slots) -> str:
    """``"0-5460"`` (or ``"0-10,20-30"``) from a shard's slots, whatever form
    the data plane keeps them in (ints, ranges or ``(start, end)`` pairs)."""
    numbers: List[int] = []
    for item in slots or ():
        if isinstance(item, range):
            numbers.extend(item)
        elif isinstance(item, tuple):
            numbers.extend(range(item[0], item[1] + 1))
        else:
            numbers.append(int(item))
    numbers.sort()
    out, start, prev = [], None, None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}-{prev}")
            start = prev = n
    if start is not None:
        out.append(f"{start}-{prev}")
    return ",".join(out)


# ---------------------------------------------------------------------------
# The resource
# ---------------------------------------------------------------------------

class ReplicationGroup(Resource):
    """One replication group: its settings, its data plane, its description."""

    kind = "Replication group"
    invalid_state_code = "InvalidReplicationGroupState"

    def __init__(self, *, name: str, description: str, engine: str, engine_version: str,
                 node_type: str, cluster_mode: str, shards: int, replicas: int,
                 automatic_failover: bool, multi_az: bool, port: int, clock, seed: int,
                 namer: Namer, node_config: Optional[dict] = None,
                 extra: Optional[dict] = None):
        super().__init__(name, clock)
        from ..cluster import Cluster        # the data plane (imported on first use)
        self.description = description
        self.engine = engine
        self.engine_version = engine_version
        self.node_type = node_type
        self.cluster_mode = cluster_mode
        self.automatic_failover = automatic_failover
        self.multi_az = multi_az
        self.port = port
        self.namer = namer
        self.extra = dict(extra or {})
        self.cluster = Cluster(shards, replicas, clock=clock, seed=seed, name=name,
                               node_config=node_config, cluster_mode=self.cluster_enabled)
        self._member_ids: Dict[str, str] = {}
        self._member_counter: Dict[str, int] = {}
        self.place_nodes()
        self.schedule("creating", limits.CREATE_SECONDS)

    def place_nodes(self) -> None:
        """Give every new node its Availability Zone (``node.az``) and its
        CacheClusterId; called after every topology change. A node keeps its
        AZ for life: after a failover the promoted replica is the primary *in
        its own AZ*, which is what describe calls must show."""
        for index, shard in enumerate(self.shards):
            for position, node in enumerate(shard.nodes):
                if getattr(node, "az", None) is None:
                    node.az = self.member_az(index, position)
                self.member_id(shard, node)

    # -- the rules (CreateReplicationGroup) ---------------------------------------------------
    @staticmethod
    def plan(params: dict, *, quota_raised: bool) -> dict:
        """Validate a CreateReplicationGroup request; returns the settings.

        Raises :class:`Refusal` with the error code AWS uses. The order of the
        checks is: identifiers, engine, node type, cluster mode, topology
        numbers, quotas, then the failover rules."""
        try:
            name = check_identifier(params["ReplicationGroupId"],
                                    limits.MAX_REPLICATION_GROUP_ID_LENGTH)
        except ValueError as exc:
            raise Refusal("InvalidParameterValue",
                          f"Invalid ReplicationGroupId {params['ReplicationGroupId']!r}: "
                          f"it {exc}.") from None
        engine = str(params.get("Engine") or "redis").lower()
        if engine not in limits.REPLICATION_GROUP_ENGINES:
            raise Refusal("InvalidParameterValue",
                          f"Invalid Engine {params.get('Engine')!r} for a replication group: "
                          "use 'valkey' or 'redis' (Memcached clusters are created with "
                          "create_cache_cluster).")
        version = check_engine_version(engine, params.get("EngineVersion"))
        node_type = check_node_type(params.get("CacheNodeType", "cache.r7g.large"))

        mode = params.get("ClusterMode")
        groups = params.get("NumNodeGroups")
        if groups is not None:
            check_int("NumNodeGroups", groups, 1)
        if mode is not None:
            mode = str(mode).lower()
            if mode not in limits.CLUSTER_MODES:
                raise Refusal("InvalidParameterValue",
                              f"Invalid ClusterMode {params['ClusterMode']!r}: use 'enabled', "
                              "'disabled' or 'compatible'.")
        else:
            # Without ClusterMode, asking for several shards means cluster mode.
            mode = "enabled" if groups is not None and groups > 1 else "disabled"

        num_clusters = params.get("NumCacheClusters")
        replicas = params.get("ReplicasPerNodeGroup")
        if num_clusters is not None and (groups is not None or replicas is not None):
            raise Refusal("InvalidParameterCombination",
                          "NumCacheClusters cannot be combined with NumNodeGroups or "
                          "ReplicasPerNodeGroup: use NumCacheClusters (primary + replicas) "
                          "for cluster mode disabled, or the other two for shards.")
        if num_clusters is not None:
            if mode == "enabled":
                raise Refusal("InvalidParameterCombination",
                              "NumCacheClusters applies to cluster mode disabled; with "
                              "cluster mode enabled use NumNodeGroups and ReplicasPerNodeGroup.")
            check_int("NumCacheClusters", num_clusters, limits.MIN_CACHE_CLUSTERS,
                      limits.MAX_CACHE_CLUSTERS)
            replicas = num_clusters - 1
        replicas = 0 if replicas is None else replicas
        check_int("ReplicasPerNodeGroup", replicas, limits.MIN_REPLICAS_PER_SHARD,
                  limits.MAX_REPLICAS_PER_SHARD)
        groups = 1 if groups is None else groups
        if mode in ("disabled", "compatible") and groups != limits.CLUSTER_MODE_DISABLED_SHARDS:
            raise Refusal("InvalidParameterCombination",
                          f"ClusterMode {mode} has exactly one shard (NumNodeGroups=1), "
                          f"got NumNodeGroups={groups}. Use ClusterMode='enabled' to shard.")
        quota = (limits.node_quota_for(engine, version, quota_raised) if mode == "enabled"
                 else limits.MAX_CACHE_CLUSTERS)
        if groups > quota:
            raise Refusal("NodeGroupsPerReplicationGroupQuotaExceeded",
                          f"NumNodeGroups={groups} exceeds the quota of {quota} node groups "
                          "per replication group.")
        nodes = groups * (1 + replicas)
        if nodes > quota:
            raise Refusal("NodeQuotaForClusterExceeded",
                          f"{groups} shards x (1 primary + {replicas} replicas) = {nodes} nodes "
                          f"exceeds the quota of {quota} nodes per cluster.")

        failover = check_bool("AutomaticFailoverEnabled",
                              params.get("AutomaticFailoverEnabled", False))
        multi_az = check_bool("MultiAZEnabled", params.get("MultiAZEnabled", False))
        if mode != "disabled" and not failover:
            raise Refusal("InvalidParameterCombination",
                          "Automatic failover must be enabled for cluster mode enabled "
                          "replication groups: pass AutomaticFailoverEnabled=True.")
        if multi_az and not failover:
            raise Refusal("InvalidParameterCombination",
                          "Multi-AZ needs automatic failover: pass "
                          "AutomaticFailoverEnabled=True with MultiAZEnabled=True.")
        if multi_az and replicas < 1:
            raise Refusal("InvalidParameterCombination",
                          "Multi-AZ needs at least one replica per shard to fail over to.")
        if mode == "disabled" and failover and replicas < 1:
            raise Refusal("InvalidParameterCombination",
                          "Automatic failover with cluster mode disabled needs at least one "
                          "replica (NumCacheClusters >= 2 or ReplicasPerNodeGroup >= 1).")
        port = check_int("Port", params.get("Port", limits.DEFAULT_PORT[engine]), 1, 65535)
        return dict(name=name, description=str(params["ReplicationGroupDescription"]),
                    engine=engine, engine_version=version, node_type=node_type,
                    cluster_mode=mode, shards=groups, replicas=replicas,
                    automatic_failover=failover, multi_az=multi_az, port=port)

    # -- shape --------------------------------------------------------------------------------
    @property
    def cluster_enabled(self) -> bool:
        return self.cluster_mode != "disabled"

    @property
    def shards(self):
        return list(self.cluster.shards)

    def replicas_per_shard(self) -> List[int]:
        return [len(s.replicas) for s in self.shards]

    def node_count(self) -> int:
        return sum(1 + len(s.replicas) for s in self.shards)

    def quota(self, quota_raised: bool) -> int:
        if not self.cluster_enabled:
            return limits.MAX_CACHE_CLUSTERS
        return limits.node_quota_for(self.engine, self.engine_version, quota_raised)

    def member_id(self, shard, node) -> str:
        """The CacheClusterId of a node: ``shop-001`` (cluster mode disabled)
        or ``shop-0001-001`` (enabled). Numbers are handed out in order and
        never reused, as on AWS."""
        key = node.name
        if key not in self._member_ids:
            n = self._member_counter.get(shard.id, 0) + 1
            self._member_counter[shard.id] = n
            self._member_ids[key] = (f"{self.name}-{shard.id}-{n:03d}" if self.cluster_enabled
                                     else f"{self.name}-{n:03d}")
        return self._member_ids[key]

    def members(self) -> Iterable[Tuple[object, object, str, str]]:
        """``(shard, node, role, CacheClusterId)`` for every node, primary first."""
        for shard in self.shards:
            yield shard, shard.primary, "primary", self.member_id(shard, shard.primary)
            for replica in shard.replicas:
                yield shard, replica, "replica", self.member_id(shard, replica)

    def member_az(self, shard_index: int, position: int) -> str:
        """Primaries rotate over the three AZs; a shard's replicas go to the
        AZs after its primary's, so with Multi-AZ no shard has all its nodes
        in one zone."""
        letters = limits.AZ_LETTERS
        return f"{self.namer.region}{letters[(shard_index + position) % len(letters)]}"

    # -- the description ----------------------------------------------------------------------
    def _endpoint(self, address: str, node=None) -> dict:
        out = {"Address": address, "Port": self.port}
        port = getattr(node, "port", None)
        if port:
            # Not an AWS field: where the emulated node really listens (its
            # in-process address, or its TCP port once the cluster is served).
            out["LabAddress"] = f"127.0.0.1:{port}"
        return out

    def describe(self) -> dict:
        status = self.status
        groups, member_ids = [], []
        for index, shard in enumerate(self.shards):
            members = []
            for position, node in enumerate(shard.nodes):
                cid = self.member_id(shard, node)
                member_ids.append(cid)
                members.append({
                    "CacheClusterId": cid, "CacheNodeId": "0001",
                    "ReadEndpoint": self._endpoint(self.namer.node_endpoint(cid), node),
                    "PreferredAvailabilityZone": node.az or self.member_az(index, position),
                    "CurrentRole": "primary" if position == 0 else "replica"})
            group = {"NodeGroupId": shard.id, "Status": status, "NodeGroupMembers": members}
            if self.cluster_enabled:
                group["Slots"] = slot_ranges(shard.slots)
            else:
                group["PrimaryEndpoint"] = self._endpoint(
                    self.namer.primary_endpoint(self.name, shard.id), shard.primary)
                group["ReaderEndpoint"] = self._endpoint(
                    self.namer.reader_endpoint(self.name, shard.id),
                    shard.replicas[0] if shard.replicas else shard.primary)
            groups.append(group)
        out = {
            "ReplicationGroupId": self.name,
            "Description": self.description,
            "Status": status,
            "PendingModifiedValues": {},
            "MemberClusters": member_ids,
            "NodeGroups": groups,
            "AutomaticFailover": "enabled" if self.automatic_failover else "disabled",
            "MultiAZ": "enabled" if self.multi_az else "disabled",
            "ClusterEnabled": self.cluster_enabled,
            "ClusterMode": self.cluster_mode,
            "CacheNodeType": self.node_type,
            "Engine": self.engine,
            "AuthTokenEnabled": bool(self.extra.get("AuthToken")),
            "TransitEncryptionEnabled": bool(self.extra.get("TransitEncryptionEnabled", False)),
            "AtRestEncryptionEnabled": bool(self.extra.get("AtRestEncryptionEnabled", False)),
            "SnapshotRetentionLimit": int(self.extra.get("SnapshotRetentionLimit", 0)),
            "DataTiering": "enabled" if is_data_tiering(self.node_type) else "disabled",
            "NetworkType": "ipv4",
            "IpDiscovery": "ipv4",
            "AutoMinorVersionUpgrade": bool(self.extra.get("AutoMinorVersionUpgrade", True)),
            "ReplicationGroupCreateTime": self.create_time,
            "ARN": self.namer.arn("replicationgroup", self.name),
        }
        if self.cluster_enabled:
            out["ConfigurationEndpoint"] = self._endpoint(
                self.namer.cluster_configuration_endpoint(self.name))
        return out

    def describe_members(self, show_node_info: bool) -> List[dict]:
        """The group's nodes as DescribeCacheClusters lists them."""
        out = []
        shard_index = {s.id: i for i, s in enumerate(self.shards)}
        positions: Dict[str, int] = {}
        for shard, node, role, cid in self.members():
            position = positions.get(shard.id, 0)
            positions[shard.id] = position + 1
            az = node.az or self.member_az(shard_index[shard.id], position)
            item = {"CacheClusterId": cid, "ReplicationGroupId": self.name,
                    "CacheNodeType": self.node_type, "Engine": self.engine,
                    "EngineVersion": self.engine_version,
                    "CacheClusterStatus": self.status, "NumCacheNodes": 1,
                    "PreferredAvailabilityZone": az,
                    "CacheClusterCreateTime": self.create_time,
                    "ReplicationGroupLogDeliveryEnabled": False,
                    "ARN": self.namer.arn("cluster", cid)}
            if show_node_info:
                item["CacheNodes"] = [{
                    "CacheNodeId": "0001", "CacheNodeStatus": self.status,
                    "CacheNodeCreateTime": self.create_time,
                    "Endpoint": self._endpoint(self.namer.node_endpoint(cid), node),
                    "ParameterGroupStatus": "in-sync", "CustomerAvailabilityZone": az}]
            out.append(item)
        return out
