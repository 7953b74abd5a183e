"""The control plane: Memcached cache clusters, scaling and Auto Discovery."""
from __future__ import annotations

import re

import pytest

from engine.memcached.cluster import AutoDiscoveryClient, parse_config_reply
from engine.service import ClientError, ElastiCache
from engine.service import limits


@pytest.fixture
def ec():
    return ElastiCache(seed=2)


def create(ec, name="sessions", nodes=3, **extra):
    params = dict(CacheClusterId=name, Engine="memcached", CacheNodeType="cache.m7g.large",
                  NumCacheNodes=nodes)
    params.update(extra)
    return ec.create_cache_cluster(**params)["CacheCluster"]


def describe(ec, name="sessions", info=True):
    return ec.describe_cache_clusters(CacheClusterId=name,
                                      ShowCacheNodeInfo=info)["CacheClusters"][0]


def refused(call, code, **params):
    with pytest.raises(ClientError) as err:
        call(**params)
    assert err.value.response["Error"]["Code"] == code, err.value
    return err.value


def test_create_and_describe(ec):
    cc = create(ec)
    assert cc["CacheClusterStatus"] == "creating" and cc["NumCacheNodes"] == 3
    assert cc["Engine"] == "memcached" and cc["EngineVersion"] == "1.6.22"
    assert re.fullmatch(r"sessions\.[a-z0-9]{6}\.cfg\.use1\.cache\.amazonaws\.com",
                        cc["ConfigurationEndpoint"]["Address"])
    assert cc["ConfigurationEndpoint"]["Port"] == 11211
    assert "CacheNodes" not in cc
    ec.get_waiter("cache_cluster_available").wait(CacheClusterId="sessions")
    full = describe(ec)
    assert full["CacheClusterStatus"] == "available"
    assert [n["CacheNodeId"] for n in full["CacheNodes"]] == ["0001", "0002", "0003"]
    for node in full["CacheNodes"]:
        assert re.fullmatch(r"sessions\.[a-z0-9]{6}\.%s\.use1\.cache\.amazonaws\.com"
                            % node["CacheNodeId"], node["Endpoint"]["Address"])


def test_cross_az_spreads_nodes(ec):
    create(ec, nodes=3, AZMode="cross-az")
    full = describe(ec)
    assert full["PreferredAvailabilityZone"] == "Multiple"
    assert len({n["CustomerAvailabilityZone"] for n in full["CacheNodes"]}) == 3


def test_client_discovers_nodes_and_follows_scaling(ec):
    create(ec, nodes=2)
    client = ec.client("sessions")
    assert isinstance(client, AutoDiscoveryClient) and len(client.servers) == 2
    for i in range(400):
        client.set(f"s{i}", "x")
    version = client.version
    ec.modify_cache_cluster(CacheClusterId="sessions", NumCacheNodes=4, ApplyImmediately=True)
    assert describe(ec)["CacheClusterStatus"] == "modifying"
    # The version grows by one per node added or removed: two nodes, +2.
    assert client.refresh() and client.version == version + 2
    assert len(client.servers) == 4
    ec.advance(limits.MODIFY_SECONDS)
    ec.modify_cache_cluster(CacheClusterId="sessions", NumCacheNodes=3,
                            CacheNodeIdsToRemove=["0002"], ApplyImmediately=True)
    assert [n["CacheNodeId"] for n in describe(ec)["CacheNodes"]] == ["0001", "0003", "0004"]
    config = ec.cache_cluster("sessions").data.nodes[0].execute(b"config get cluster\r\n")
    assert parse_config_reply(config)[0] == version + 3


def test_pending_changes_without_apply_immediately(ec):
    create(ec, nodes=2)
    ec.advance(limits.CREATE_SECONDS)
    cc = ec.modify_cache_cluster(CacheClusterId="sessions", NumCacheNodes=3)["CacheCluster"]
    assert cc["PendingModifiedValues"] == {"NumCacheNodes": 3} and cc["NumCacheNodes"] == 2
    cc = ec.modify_cache_cluster(CacheClusterId="sessions", NumCacheNodes=3,
                                 ApplyImmediately=True)["CacheCluster"]
    assert cc["PendingModifiedValues"] == {} and cc["NumCacheNodes"] == 3


def test_delete(ec):
    create(ec)
    ec.advance(limits.CREATE_SECONDS)
    assert ec.delete_cache_cluster(CacheClusterId="sessions")["CacheCluster"][
        "CacheClusterStatus"] == "deleting"
    ec.get_waiter("cache_cluster_deleted").wait(CacheClusterId="sessions")
    refused(ec.describe_cache_clusters, "CacheClusterNotFound", CacheClusterId="sessions")


@pytest.mark.parametrize("extra,code", [
    (dict(NumCacheNodes=61), "NodeQuotaForClusterExceeded"),
    (dict(NumCacheNodes=0), "InvalidParameterValue"),
    (dict(Engine="redis"), "InvalidParameterValue"),
    (dict(Engine="valkey"), "InvalidParameterValue"),
    (dict(CacheNodeType="cache.r6gd.xlarge"), "InvalidParameterCombination"),
    (dict(CacheNodeType="cache.t1.micro"), "InvalidParameterValue"),
    (dict(CacheNodeType="large"), "InvalidParameterValue"),
    (dict(CacheClusterId="9lives"), "InvalidParameterValue"),
    (dict(CacheClusterId="x" * 51), "InvalidParameterValue"),
    (dict(AZMode="everywhere"), "InvalidParameterValue"),
    (dict(AZMode="cross-az", NumCacheNodes=1), "InvalidParameterCombination"),
])
def test_create_refusals(ec, extra, code):
    params = dict(CacheClusterId="sessions", Engine="memcached", NumCacheNodes=2)
    params.update(extra)
    err = refused(ec.create_cache_cluster, code, **params)
    assert err.operation_name == "CreateCacheCluster"


def test_sixty_nodes_is_the_limit(ec):
    assert create(ec, nodes=60)["NumCacheNodes"] == 60


def test_duplicate_and_missing(ec):
    create(ec)
    refused(ec.create_cache_cluster, "CacheClusterAlreadyExists", CacheClusterId="sessions",
            Engine="memcached", NumCacheNodes=1)
    for call, params in [(ec.describe_cache_clusters, {}), (ec.delete_cache_cluster, {}),
                         (ec.modify_cache_cluster, dict(NumCacheNodes=2))]:
        err = refused(call, "CacheClusterNotFound", CacheClusterId="ghost", **params)
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize("params,code", [
    (dict(NumCacheNodes=2), "InvalidParameterValue"),                  # ids missing
    (dict(NumCacheNodes=2, CacheNodeIdsToRemove=["0001", "0002"]), "InvalidParameterValue"),
    (dict(NumCacheNodes=2, CacheNodeIdsToRemove=["0042"]), "InvalidParameterValue"),
    (dict(NumCacheNodes=4, CacheNodeIdsToRemove=["0001"]), "InvalidParameterCombination"),
    (dict(NumCacheNodes=3), "InvalidParameterValue"),                  # no change
    (dict(NumCacheNodes=61), "NodeQuotaForClusterExceeded"),
    (dict(NumCacheNodes=0), "InvalidParameterValue"),
])
def test_modify_refusals(ec, params, code):
    create(ec, nodes=3)
    ec.advance(limits.CREATE_SECONDS)
    refused(ec.modify_cache_cluster, code, CacheClusterId="sessions", ApplyImmediately=True,
            **params)
    assert describe(ec)["NumCacheNodes"] == 3


def test_busy_and_snapshot_refusals(ec):
    create(ec)
    refused(ec.modify_cache_cluster, "InvalidCacheClusterState", CacheClusterId="sessions",
            NumCacheNodes=4, ApplyImmediately=True)
    ec.advance(limits.CREATE_SECONDS)
    refused(ec.delete_cache_cluster, "InvalidParameterCombination", CacheClusterId="sessions",
            FinalSnapshotIdentifier="final")
