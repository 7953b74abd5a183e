"""Memcached cache clusters: 1–60 independent nodes and a configuration endpoint.

A Memcached "cluster" on ElastiCache is a set of nodes that never talk to
each other: the client hashes each key to a node (see
:mod:`engine.memcached.ring`) and learns the node list from the
configuration endpoint (Auto Discovery, :mod:`engine.memcached.cluster`).
Scaling means adding or removing nodes; changing the node type means a new,
empty cluster (fact sheet §9). There is no replication and no backup on
node-based Memcached (fact sheet §1, §6).
"""
from __future__ import annotations

from typing import List, Optional

from ..memcached.cluster import MemcachedCluster
from . import limits
from .errors import Refusal
from .naming import Namer, check_identifier
from .replication_group import (check_bool, check_engine_version, check_int, check_node_type,
                                is_data_tiering)
from .resource import Resource


class CacheCluster(Resource):
    """One Memcached cluster: settings plus its :class:`MemcachedCluster`."""

    kind = "Cache cluster"
    invalid_state_code = "InvalidCacheClusterState"

    def __init__(self, *, name: str, engine_version: str, node_type: str, num_nodes: int,
                 port: int, az_mode: str, clock, seed: int, namer: Namer,
                 node_config: Optional[dict] = None, extra: Optional[dict] = None):
        super().__init__(name, clock)
        self.engine = "memcached"
        self.engine_version = engine_version
        self.node_type = node_type
        self.port = port
        self.az_mode = az_mode
        self.namer = namer
        self.extra = dict(extra or {})
        self.pending: dict = {}
        self.data = MemcachedCluster(num_nodes, clock=clock, seed=seed, name=name,
                                     node_config=node_config, port=port,
                                     domain=f"{namer.suffix}.{namer.code}.cache.amazonaws.com")
        self.schedule("creating", limits.CREATE_SECONDS)

    # -- the rules (CreateCacheCluster) ---------------------------------------------------------
    @staticmethod
    def plan(params: dict) -> dict:
        try:
            name = check_identifier(params["CacheClusterId"], limits.MAX_CACHE_CLUSTER_ID_LENGTH)
        except ValueError as exc:
            raise Refusal("InvalidParameterValue",
                          f"Invalid CacheClusterId {params['CacheClusterId']!r}: it {exc}.") from None
        engine = str(params.get("Engine") or "").lower()
        if engine not in limits.CACHE_CLUSTER_ENGINES:
            raise Refusal("InvalidParameterValue",
                          f"Engine {params.get('Engine')!r}: this emulator creates only "
                          "Memcached clusters with create_cache_cluster; create Valkey or "
                          "Redis OSS clusters with create_replication_group.")
        version = check_engine_version(engine, params.get("EngineVersion"))
        node_type = check_node_type(params.get("CacheNodeType", "cache.m7g.large"))
        if is_data_tiering(node_type):
            raise Refusal("InvalidParameterCombination",
                          f"{node_type} uses data tiering, which only replication groups "
                          "(Valkey / Redis OSS) support, not Memcached.")
        nodes = check_int("NumCacheNodes", params.get("NumCacheNodes", 1), limits.MIN_MEMCACHED_NODES)
        if nodes > limits.MAX_MEMCACHED_NODES:
            raise Refusal("NodeQuotaForClusterExceeded",
                          f"NumCacheNodes={nodes} exceeds the quota of "
                          f"{limits.MAX_MEMCACHED_NODES} nodes per Memcached cluster.")
        az_mode = params.get("AZMode", "single-az")
        if az_mode not in ("single-az", "cross-az"):
            raise Refusal("InvalidParameterValue",
                          f"Invalid AZMode {az_mode!r}: use 'single-az' or 'cross-az'.")
        if az_mode == "cross-az" and nodes < 2:
            raise Refusal("InvalidParameterCombination",
                          "AZMode 'cross-az' needs at least 2 nodes to spread over zones.")
        port = check_int("Port", params.get("Port", limits.DEFAULT_PORT[engine]), 1, 65535)
        return dict(name=name, engine_version=version, node_type=node_type, num_nodes=nodes,
                    port=port, az_mode=az_mode)

    # -- scaling (ModifyCacheCluster) ------------------------------------------------------------
    def modify(self, num_nodes, remove_ids, apply_immediately) -> None:
        """Validate and apply (or record as pending) a change of node count."""
        check_bool("ApplyImmediately", apply_immediately)
        remove_ids = list(remove_ids or [])
        current = len(self.data.members)
        target = check_int("NumCacheNodes", num_nodes, limits.MIN_MEMCACHED_NODES)
        if target > limits.MAX_MEMCACHED_NODES:
            raise Refusal("NodeQuotaForClusterExceeded",
                          f"NumCacheNodes={target} exceeds the quota of "
                          f"{limits.MAX_MEMCACHED_NODES} nodes per Memcached cluster.")
        known = {m.node_id for m in self.data.members}
        unknown = [i for i in remove_ids if i not in known]
        if unknown:
            raise Refusal("InvalidParameterValue",
                          f"CacheNodeIdsToRemove names nodes that do not exist: {unknown} "
                          f"(nodes: {sorted(known)}).")
        if target > current and remove_ids:
            raise Refusal("InvalidParameterCombination",
                          "CacheNodeIdsToRemove cannot be given when NumCacheNodes grows.")
        if target < current and len(remove_ids) != current - target:
            raise Refusal("InvalidParameterValue",
                          f"Going from {current} to {target} nodes removes {current - target}: "
                          f"CacheNodeIdsToRemove must list exactly that many node ids "
                          f"(got {len(remove_ids)}).")
        if target == current:
            raise Refusal("InvalidParameterValue",
                          f"The cluster already has {current} nodes: nothing to modify.")
        if not apply_immediately:
            # No maintenance windows in the emulator: the change waits until a
            # later modify_cache_cluster(..., ApplyImmediately=True).
            self.pending = {"NumCacheNodes": target}
            if remove_ids:
                self.pending["CacheNodeIdsToRemove"] = remove_ids
            return
        self.pending = {}
        for node_id in remove_ids:
            self.data.remove_node(node_id)
        while len(self.data.members) < target:
            self.data.add_node()
        self.schedule("modifying", limits.MODIFY_SECONDS)

    # -- description ---------------------------------------------------------------------------
    def _az(self, index: int) -> str:
        letters = limits.AZ_LETTERS if self.az_mode == "cross-az" else limits.AZ_LETTERS[:1]
        return f"{self.namer.region}{letters[index % len(letters)]}"

    def describe(self, show_node_info: bool) -> dict:
        status = self.status
        out = {
            "CacheClusterId": self.name,
            "ConfigurationEndpoint": {
                "Address": self.namer.memcached_configuration_endpoint(self.name),
                "Port": self.port},
            "ClientDownloadLandingPage":
                "https://console.aws.amazon.com/elasticache/home#client-download:",
            "CacheNodeType": self.node_type,
            "Engine": self.engine,
            "EngineVersion": self.engine_version,
            "CacheClusterStatus": status,
            "NumCacheNodes": len(self.data.members),
            "PreferredAvailabilityZone": "Multiple" if self.az_mode == "cross-az" else self._az(0),
            "CacheClusterCreateTime": self.create_time,
            "PendingModifiedValues": dict(self.pending),
            "AutoMinorVersionUpgrade": bool(self.extra.get("AutoMinorVersionUpgrade", True)),
            "NetworkType": "ipv4",
            "IpDiscovery": "ipv4",
            "ARN": self.namer.arn("cluster", self.name),
        }
        if show_node_info:
            nodes: List[dict] = []
            for index, m in enumerate(self.data.members):
                nodes.append({"CacheNodeId": m.node_id, "CacheNodeStatus": "available",
                              "CacheNodeCreateTime": self.create_time,
                              "Endpoint": {"Address": m.host, "Port": self.port,
                                           # Not an AWS field: the address the node's
                                           # config entry gives (the real port when served).
                                           "LabAddress": f"{m.ip}:{m.port}"},
                              "ParameterGroupStatus": "in-sync",
                              "CustomerAvailabilityZone": self._az(index)})
            out["CacheNodes"] = nodes
        return out
