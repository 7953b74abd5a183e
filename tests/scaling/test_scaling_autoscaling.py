"""Application Auto Scaling acting on the emulated metrics, with cooldowns."""
from __future__ import annotations

import pytest

from engine.service import ElastiCache
from engine.service.autoscaling import AutoScalingError

RID = "replication-group/shop"
SHARDS = "elasticache:replication-group:NodeGroups"
REPLICAS = "elasticache:replication-group:Replicas"


def setup(node_type="cache.r7g.large", shards=2, **policy):
    ec = ElastiCache(seed=4)
    ec.create_replication_group(ReplicationGroupId="shop", ReplicationGroupDescription="t",
                                Engine="valkey", CacheNodeType=node_type, NumNodeGroups=shards,
                                ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True)
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId="shop")
    aas = ec.autoscaling
    aas.register_scalable_target(ServiceNamespace="elasticache", ResourceId=RID,
                                 ScalableDimension=SHARDS, MinCapacity=1, MaxCapacity=8)
    cfg = {"TargetValue": 50, "PredefinedMetricSpecification":
           {"PredefinedMetricType": "ElastiCachePrimaryEngineCPUUtilization"},
           "ScaleOutCooldown": 300, "ScaleInCooldown": 300}
    cfg.update(policy)
    aas.put_scaling_policy(PolicyName="cpu", ServiceNamespace="elasticache", ResourceId=RID,
                           ScalableDimension=SHARDS, TargetTrackingScalingPolicyConfiguration=cfg)
    ec.monitor.request_scale = 10_000          # each command stands for 10,000
    return ec, aas, ec.client("shop")


def run(ec, rc, minutes, per_minute):
    for _ in range(minutes):
        for i in range(per_minute):
            rc.get(f"k{i % 97}")
        ec.advance(60)


def activities(aas):
    return list(reversed(aas.describe_scaling_activities(ServiceNamespace="elasticache")
                         ["ScalingActivities"]))


def shard_count(ec):
    return len(ec.replication_group("shop").shards)


def test_scale_out_under_load_then_in_when_quiet():
    ec, aas, rc = setup()
    # 900 commands/min × 10,000 = 150,000/s over 2 primaries → 60 % engine CPU each
    run(ec, rc, 6, 900)
    acts = activities(aas)
    assert [(a["direction"], a["from"], a["to"]) for a in acts] == [("out", 2, 3)]
    assert shard_count(ec) == 3
    # quiet: below 75 % of the target for the scale-in periods → in
    run(ec, rc, 25, 30)
    acts = activities(aas)
    assert acts[-1]["direction"] == "in" and acts[-1]["to"] < 3
    assert shard_count(ec) == acts[-1]["to"]
    kinds = [e["kind"] for e in ec.scaling_timeline("shop")]
    assert "autoscaling:scale-out" in kinds and "autoscaling:scale-in" in kinds


def test_scale_out_step_is_at_least_20_percent_or_the_breach():
    ec, aas, rc = setup(shards=2)
    # 2,400/min → 400,000/s → 160 % of one core per primary, capped at 100 %
    run(ec, rc, 4, 2400)
    first = activities(aas)[0]
    assert (first["from"], first["to"]) == (2, 4)      # ceil(2 × 100/50) = 4


def test_cooldown_holds_back_a_second_scale_out():
    ec, aas, rc = setup(ScaleOutCooldown=1200)
    run(ec, rc, 14, 3000)                              # stays hot even on 4 shards
    outs = [a for a in activities(aas) if a["direction"] == "out"]
    assert len(outs) >= 1
    gaps = [b["at_ms"] - a["at_ms"] for a, b in zip(outs, outs[1:])]
    assert all(g >= 1200 * 1000 for g in gaps)
    assert len(outs) == 1                              # 14 minutes < one cooldown after the first


def test_disable_scale_in():
    ec, aas, rc = setup(DisableScaleIn=True)
    run(ec, rc, 20, 5)
    assert activities(aas) == []


def test_registration_rules():
    ec = ElastiCache(seed=4)
    ec.create_replication_group(ReplicationGroupId="web", ReplicationGroupDescription="t",
                                Engine="valkey", CacheNodeType="cache.r7g.large",
                                NumCacheClusters=2, AutomaticFailoverEnabled=True)
    with pytest.raises(AutoScalingError, match="cluster mode enabled"):
        ec.autoscaling.register_scalable_target(ServiceNamespace="elasticache",
                                                ResourceId="replication-group/web",
                                                ScalableDimension=SHARDS, MinCapacity=1,
                                                MaxCapacity=3)
    ec.create_replication_group(ReplicationGroupId="big", ReplicationGroupDescription="t",
                                Engine="valkey", CacheNodeType="cache.r7g.4xlarge",
                                NumNodeGroups=2, AutomaticFailoverEnabled=True)
    with pytest.raises(AutoScalingError, match="not supported"):
        ec.autoscaling.register_scalable_target(ServiceNamespace="elasticache",
                                                ResourceId="replication-group/big",
                                                ScalableDimension=SHARDS, MinCapacity=1,
                                                MaxCapacity=3)


def test_policy_rules():
    ec, aas, _ = setup()
    with pytest.raises(AutoScalingError, match="PredefinedMetricType"):
        aas.put_scaling_policy(PolicyName="x", ServiceNamespace="elasticache", ResourceId=RID,
                               ScalableDimension=SHARDS, TargetTrackingScalingPolicyConfiguration={
                                   "TargetValue": 50, "PredefinedMetricSpecification":
                                   {"PredefinedMetricType": "CPUUtilization"}})
    with pytest.raises(AutoScalingError, match="scales replicas"):
        aas.put_scaling_policy(PolicyName="x", ServiceNamespace="elasticache", ResourceId=RID,
                               ScalableDimension=SHARDS, TargetTrackingScalingPolicyConfiguration={
                                   "TargetValue": 50, "PredefinedMetricSpecification":
                                   {"PredefinedMetricType": "ElastiCacheReplicaEngineCPUUtilization"}})
    with pytest.raises(AutoScalingError, match="register_scalable_target"):
        aas.put_scaling_policy(PolicyName="x", ServiceNamespace="elasticache", ResourceId=RID,
                               ScalableDimension=REPLICAS, TargetTrackingScalingPolicyConfiguration={
                                   "TargetValue": 50, "PredefinedMetricSpecification":
                                   {"PredefinedMetricType": "ElastiCacheReplicaEngineCPUUtilization"}})


def test_replica_scaling_on_replica_cpu():
    ec, aas, rc = setup()
    aas.register_scalable_target(ServiceNamespace="elasticache", ResourceId=RID,
                                 ScalableDimension=REPLICAS, MinCapacity=1, MaxCapacity=3)
    aas.put_scaling_policy(PolicyName="reads", ServiceNamespace="elasticache", ResourceId=RID,
                           ScalableDimension=REPLICAS, TargetTrackingScalingPolicyConfiguration={
                               "TargetValue": 40, "PredefinedMetricSpecification":
                               {"PredefinedMetricType": "ElastiCacheReplicaEngineCPUUtilization"}})
    group = ec.replication_group("shop")
    replicas = [n for s in group.shards for n in s.replicas]
    from engine.client import connect
    readers = [connect(n) for n in replicas]
    for r in readers:
        r.execute_command("READONLY")
    keys = {}
    for shard, reader in zip(group.shards, readers):
        keys[reader] = [k for k in (f"k{i}" for i in range(400))
                        if ec.replication_group("shop").cluster.key_owner(k) is shard][:50]
    for _ in range(5):
        for reader, ks in keys.items():
            for i in range(700):
                reader.get(ks[i % len(ks)])
        ec.advance(60)
    acts = [a for a in activities(aas) if a["ScalableDimension"] == REPLICAS]
    assert acts and (acts[0]["from"], acts[0]["to"]) == (1, 2)
    assert ec.replication_group("shop").replicas_per_shard() == [2, 2]


@pytest.mark.parametrize("cfg", ["x", {"TargetValue": "50"},
                                 {"TargetValue": 50, "PredefinedMetricSpecification": "cpu"},
                                 {"TargetValue": 50, "ScaleOutCooldown": "soon",
                                  "PredefinedMetricSpecification":
                                  {"PredefinedMetricType": "ElastiCachePrimaryEngineCPUUtilization"}}])
def test_bad_policy_configurations_get_clear_errors(cfg):
    ec, aas, _ = setup()
    with pytest.raises(AutoScalingError):
        aas.put_scaling_policy(PolicyName="bad", ServiceNamespace="elasticache", ResourceId=RID,
                               ScalableDimension=SHARDS,
                               TargetTrackingScalingPolicyConfiguration=cfg)


def test_unknown_group():
    ec = ElastiCache(seed=4)
    with pytest.raises(AutoScalingError, match="No replication group"):
        ec.autoscaling.register_scalable_target(ServiceNamespace="elasticache",
                                                ResourceId="replication-group/nope",
                                                ScalableDimension=SHARDS, MinCapacity=1,
                                                MaxCapacity=2)


def test_scheduled_action_prescales_then_policy_scales_in_after_the_window():
    from datetime import datetime, timezone
    ec, aas, rc = setup()
    at = datetime.fromtimestamp(ec.clock.now_ms() / 1000 + 600, tz=timezone.utc)
    aas.put_scheduled_action(ServiceNamespace="elasticache", ScheduledActionName="sale",
                             ResourceId=RID, ScalableDimension=SHARDS,
                             Schedule=f"at({at:%Y-%m-%dT%H:%M:%S})",
                             ScalableTargetAction={"MinCapacity": 4})
    run(ec, rc, 5, 10)
    assert shard_count(ec) == 2                          # not yet
    run(ec, rc, 6, 10)
    assert shard_count(ec) == 4                          # the minimum moved up to 4
    act = activities(aas)[-1]
    assert (act["from"], act["to"]) == (2, 4) and "scheduled action sale" in act["Cause"]
    run(ec, rc, 25, 10)                                  # quiet, but the minimum holds
    assert shard_count(ec) == 4


def test_scheduled_action_validation():
    ec, aas, _ = setup()
    for kwargs in (dict(Schedule="cron(0 8 * * ? *)", ScalableTargetAction={"MinCapacity": 2}),
                   dict(Schedule="at(tomorrow)", ScalableTargetAction={"MinCapacity": 2}),
                   dict(Schedule="at(2030-01-01T00:00:00)", ScalableTargetAction={})):
        with pytest.raises(AutoScalingError):
            aas.put_scheduled_action(ServiceNamespace="elasticache", ScheduledActionName="x",
                                     ResourceId=RID, ScalableDimension=SHARDS, **kwargs)
