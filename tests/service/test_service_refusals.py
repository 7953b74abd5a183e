"""Every refusal of the control plane, with the error code AWS uses.

The boundaries come from the fact sheet (shared/reference/elasticache-facts.md
§1): 0–5 replicas per shard, 90 nodes per cluster by default (500 raised,
250 below Redis OSS 5.0.6), 300 nodes per Region, 1–60 Memcached nodes.
"""
from __future__ import annotations

import pytest

from engine.service import ClientError, ElastiCache
from engine.service import limits


def base(**extra):
    params = dict(ReplicationGroupId="shop", ReplicationGroupDescription="test",
                  Engine="valkey", CacheNodeType="cache.r7g.large")
    params.update(extra)
    return params


def refused(call, code, **params):
    with pytest.raises(ClientError) as err:
        call(**params)
    assert err.value.response["Error"]["Code"] == code, err.value
    assert err.value.code == code
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 404)
    return err.value


@pytest.fixture
def ec():
    return ElastiCache(seed=1)


CREATE_REFUSALS = [
    # identifiers
    ("1shop", {}, "InvalidParameterValue"),
    ("shop--a", {}, "InvalidParameterValue"),
    ("shop-", {}, "InvalidParameterValue"),
    ("a" * 41, {}, "InvalidParameterValue"),
    ("sh_op", {}, "InvalidParameterValue"),
    # engine, version, node type, mode
    ("shop", {"Engine": "memcached"}, "InvalidParameterValue"),
    ("shop", {"Engine": "mongodb"}, "InvalidParameterValue"),
    ("shop", {"EngineVersion": "latest"}, "InvalidParameterValue"),
    ("shop", {"CacheNodeType": "cache.x9.huge"}, "InvalidParameterValue"),
    ("shop", {"CacheNodeType": "cache.m1.small"}, "InvalidParameterValue"),
    ("shop", {"ClusterMode": "sometimes"}, "InvalidParameterValue"),
    # topology numbers
    ("shop", {"ReplicasPerNodeGroup": 6}, "InvalidParameterValue"),
    ("shop", {"ReplicasPerNodeGroup": -1}, "InvalidParameterValue"),
    ("shop", {"NumCacheClusters": 7}, "InvalidParameterValue"),
    ("shop", {"NumCacheClusters": 0}, "InvalidParameterValue"),
    ("shop", {"NumNodeGroups": 0}, "InvalidParameterValue"),
    ("shop", {"NumNodeGroups": "3"}, "InvalidParameterValue"),
    ("shop", {"NumCacheClusters": 2, "NumNodeGroups": 1}, "InvalidParameterCombination"),
    ("shop", {"ClusterMode": "enabled", "NumCacheClusters": 2,
              "AutomaticFailoverEnabled": True}, "InvalidParameterCombination"),
    ("shop", {"ClusterMode": "disabled", "NumNodeGroups": 2}, "InvalidParameterCombination"),
    ("shop", {"ClusterMode": "compatible", "NumNodeGroups": 2,
              "AutomaticFailoverEnabled": True}, "InvalidParameterCombination"),
    # quotas: 90 nodes per cluster by default
    ("shop", {"NumNodeGroups": 91, "AutomaticFailoverEnabled": True},
     "NodeGroupsPerReplicationGroupQuotaExceeded"),
    ("shop", {"NumNodeGroups": 16, "ReplicasPerNodeGroup": 5, "AutomaticFailoverEnabled": True},
     "NodeQuotaForClusterExceeded"),
    ("shop", {"NumNodeGroups": 31, "ReplicasPerNodeGroup": 2, "AutomaticFailoverEnabled": True},
     "NodeQuotaForClusterExceeded"),
    # failover rules
    ("shop", {"NumNodeGroups": 3}, "InvalidParameterCombination"),          # CME needs AF
    ("shop", {"ClusterMode": "enabled"}, "InvalidParameterCombination"),
    ("shop", {"NumCacheClusters": 2, "MultiAZEnabled": True}, "InvalidParameterCombination"),
    ("shop", {"NumNodeGroups": 2, "AutomaticFailoverEnabled": True, "MultiAZEnabled": True},
     "InvalidParameterCombination"),                                         # Multi-AZ, 0 replicas
    ("shop", {"NumCacheClusters": 1, "AutomaticFailoverEnabled": True},
     "InvalidParameterCombination"),                                         # CMD AF, 0 replicas
    ("shop", {"AutomaticFailoverEnabled": "yes"}, "InvalidParameterValue"),
    ("shop", {"Port": 70000}, "InvalidParameterValue"),
]


@pytest.mark.parametrize("name,extra,code", CREATE_REFUSALS)
def test_create_replication_group_refusals(ec, name, extra, code):
    err = refused(ec.create_replication_group, code, **base(ReplicationGroupId=name, **extra))
    assert err.operation_name == "CreateReplicationGroup"
    assert str(err).startswith(f"An error occurred ({code}) when calling the "
                               "CreateReplicationGroup operation: ")
    assert ec.describe_replication_groups()["ReplicationGroups"] == []   # nothing created


def test_boundaries_that_are_allowed(ec):
    ok = ec.create_replication_group
    ok(**base(ReplicationGroupId="a" * 40, NumNodeGroups=90, AutomaticFailoverEnabled=True))
    ok(**base(ReplicationGroupId="fifteen", NumNodeGroups=15, ReplicasPerNodeGroup=5,
              AutomaticFailoverEnabled=True))
    ok(**base(ReplicationGroupId="six", NumCacheClusters=6, AutomaticFailoverEnabled=True,
              MultiAZEnabled=True))
    # cluster mode enabled may run 0 replicas with automatic failover on (90 x 0)
    ok(**base(ReplicationGroupId="noreplicas", NumNodeGroups=2, AutomaticFailoverEnabled=True))


def test_raised_quota():
    ec = ElastiCache(seed=0, quota_raised=True)
    ec.create_replication_group(**base(ReplicationGroupId="big", NumNodeGroups=100,
                                       AutomaticFailoverEnabled=True))
    refused(ec.create_replication_group, "NodeQuotaForClusterExceeded",
            **base(ReplicationGroupId="big2", NumNodeGroups=84, ReplicasPerNodeGroup=5,
                   AutomaticFailoverEnabled=True))          # 84 x 6 = 504 > 500
    refused(ec.create_replication_group, "NodeGroupsPerReplicationGroupQuotaExceeded",
            **base(ReplicationGroupId="old", Engine="redis", EngineVersion="5.0.5",
                   NumNodeGroups=251, AutomaticFailoverEnabled=True))   # 250 below 5.0.6


def test_region_node_quota(ec):
    for i in range(3):                                   # 3 x 90 = 270 nodes
        ec.create_replication_group(**base(ReplicationGroupId=f"g{i}", NumNodeGroups=15,
                                           ReplicasPerNodeGroup=5,
                                           AutomaticFailoverEnabled=True))
    ec.create_cache_cluster(CacheClusterId="mc", Engine="memcached", NumCacheNodes=30)
    refused(ec.create_replication_group, "NodeQuotaForCustomerExceeded",
            **base(ReplicationGroupId="onemore"))         # node 301
    refused(ec.create_cache_cluster, "NodeQuotaForCustomerExceeded",
            CacheClusterId="mc2", Engine="memcached", NumCacheNodes=1)


def test_duplicate_group(ec):
    ec.create_replication_group(**base())
    refused(ec.create_replication_group, "ReplicationGroupAlreadyExists", **base())
    refused(ec.create_replication_group, "ReplicationGroupAlreadyExists",
            **base(ReplicationGroupId="SHOP"))


def test_not_found_everywhere(ec):
    err = refused(ec.describe_replication_groups, "ReplicationGroupNotFoundFault",
                  ReplicationGroupId="ghost")
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    refused(ec.delete_replication_group, "ReplicationGroupNotFoundFault",
            ReplicationGroupId="ghost")
    refused(ec.modify_replication_group_shard_configuration, "ReplicationGroupNotFoundFault",
            ReplicationGroupId="ghost", NodeGroupCount=2, ApplyImmediately=True)
    refused(ec.increase_replica_count, "ReplicationGroupNotFoundFault",
            ReplicationGroupId="ghost", NewReplicaCount=2, ApplyImmediately=True)
    refused(ec.decrease_replica_count, "ReplicationGroupNotFoundFault",
            ReplicationGroupId="ghost", NewReplicaCount=0, ApplyImmediately=True)


def test_busy_groups_refuse_changes(ec):
    ec.create_replication_group(**base(NumNodeGroups=2, AutomaticFailoverEnabled=True))
    for call, params in [
        (ec.modify_replication_group_shard_configuration, dict(NodeGroupCount=3,
                                                               ApplyImmediately=True)),
        (ec.increase_replica_count, dict(NewReplicaCount=2, ApplyImmediately=True)),
        (ec.delete_replication_group, {}),
    ]:
        refused(call, "InvalidReplicationGroupState", ReplicationGroupId="shop", **params)


@pytest.fixture
def live(ec):
    ec.create_replication_group(**base(NumNodeGroups=3, ReplicasPerNodeGroup=1,
                                       AutomaticFailoverEnabled=True, MultiAZEnabled=True))
    ec.create_replication_group(**base(ReplicationGroupId="web", NumCacheClusters=2,
                                       AutomaticFailoverEnabled=True))
    ec.advance(limits.CREATE_SECONDS)
    return ec


RESHARD_REFUSALS = [
    ("shop", dict(NodeGroupCount=4, ApplyImmediately=False), "InvalidParameterValue"),
    ("web", dict(NodeGroupCount=2, ApplyImmediately=True), "InvalidParameterValue"),
    ("shop", dict(NodeGroupCount=3, ApplyImmediately=True), "InvalidParameterValue"),
    ("shop", dict(NodeGroupCount=0, ApplyImmediately=True), "InvalidParameterValue"),
    ("shop", dict(NodeGroupCount=91, ApplyImmediately=True),
     "NodeGroupsPerReplicationGroupQuotaExceeded"),
    ("shop", dict(NodeGroupCount=46, ApplyImmediately=True), "NodeQuotaForClusterExceeded"),
    ("shop", dict(NodeGroupCount=2, ApplyImmediately=True), "InvalidParameterCombination"),
    ("shop", dict(NodeGroupCount=2, ApplyImmediately=True, NodeGroupsToRemove=["0001"],
                  NodeGroupsToRetain=["0002", "0003"]), "InvalidParameterCombination"),
    ("shop", dict(NodeGroupCount=4, ApplyImmediately=True, NodeGroupsToRemove=["0001"]),
     "InvalidParameterCombination"),
    ("shop", dict(NodeGroupCount=2, ApplyImmediately=True, NodeGroupsToRemove=["0009"]),
     "NodeGroupNotFoundFault"),
    ("shop", dict(NodeGroupCount=1, ApplyImmediately=True, NodeGroupsToRemove=["0001"]),
     "InvalidParameterValue"),
    ("shop", dict(NodeGroupCount=2, ApplyImmediately=True, NodeGroupsToRetain=["0001"]),
     "InvalidParameterValue"),
]


@pytest.mark.parametrize("name,params,code", RESHARD_REFUSALS)
def test_resharding_refusals(live, name, params, code):
    before = live.describe_replication_groups(ReplicationGroupId=name)
    err = refused(live.modify_replication_group_shard_configuration, code,
                  ReplicationGroupId=name, **params)
    assert err.operation_name == "ModifyReplicationGroupShardConfiguration"
    assert live.describe_replication_groups(ReplicationGroupId=name) == before


REPLICA_REFUSALS = [
    ("increase_replica_count", "shop", dict(NewReplicaCount=6), "InvalidParameterValue"),
    ("increase_replica_count", "shop", dict(NewReplicaCount=1), "InvalidParameterValue"),
    ("decrease_replica_count", "shop", dict(NewReplicaCount=1), "InvalidParameterValue"),
    ("decrease_replica_count", "shop", dict(NewReplicaCount=0), "InvalidParameterCombination"),
    ("decrease_replica_count", "web", dict(NewReplicaCount=0), "InvalidParameterCombination"),
    ("increase_replica_count", "shop", dict(NewReplicaCount=2, ApplyImmediately=False),
     "InvalidParameterValue"),
]


@pytest.mark.parametrize("method,name,params,code", REPLICA_REFUSALS)
def test_replica_refusals(live, method, name, params, code):
    params.setdefault("ApplyImmediately", True)
    refused(getattr(live, method), code, ReplicationGroupId=name, **params)


def test_replica_increase_over_the_node_quota(ec):
    ec.create_replication_group(**base(NumNodeGroups=20, ReplicasPerNodeGroup=3,
                                       AutomaticFailoverEnabled=True))     # 80 nodes
    ec.advance(limits.CREATE_SECONDS)
    refused(ec.increase_replica_count, "NodeQuotaForClusterExceeded",
            ReplicationGroupId="shop", NewReplicaCount=4, ApplyImmediately=True)   # 100


def test_python_mistakes_are_type_errors_not_client_errors(ec):
    with pytest.raises(TypeError, match="Unknown parameter"):
        ec.create_replication_group(**base(NumShards=3))
    with pytest.raises(TypeError):
        ec.create_replication_group("shop", "desc")
    with pytest.raises(TypeError):
        ec.create_replication_group(ReplicationGroupId="x")      # description missing


def test_recorded_parameters_are_accepted(ec):
    rg = ec.create_replication_group(**base(NumCacheClusters=2, AutomaticFailoverEnabled=True,
                                            TransitEncryptionEnabled=True,
                                            Tags=[{"Key": "team", "Value": "shop"}]))
    assert rg["ReplicationGroup"]["TransitEncryptionEnabled"] is True
