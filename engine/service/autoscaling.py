"""Application Auto Scaling for ElastiCache replication groups, on the emulated metrics.

ElastiCache's auto scaling is Application Auto Scaling (fact sheet §9; DG:AutoScaling):
register a *scalable target* — the number of shards (``NodeGroups``) or of
replicas per shard (``Replicas``) of a cluster-mode-enabled group, between a
minimum and a maximum — then attach a **target tracking** policy on one of the
predefined metrics:

==============================================================  ===============
ElastiCachePrimaryEngineCPUUtilization                           shards
ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage          shards (not r6gd)
ElastiCacheDatabaseCapacityUsageCountedForEvictPercentage        shards
ElastiCacheReplicaEngineCPUUtilization                           replicas
==============================================================  ===============

How a policy acts (documented rules, fact sheet §9): scale-out adds the larger of
the breach percentage and 20 % of the shards (one replica per shard for
replicas); scale-in happens only when the metric is below 75 % of the target;
the console suggests targets of 35–70. Cooldowns hold further actions back.

Scheduled scaling (``put_scheduled_action`` with ``Schedule="at(…)"``) changes a
target's minimum/maximum at a given time — e.g. pre-scale before a known peak.

What is **modelled** (our choices, AWS's target tracking decides with
CloudWatch alarms it manages for you): a scale-out needs the metric above the
target for ``SCALE_OUT_PERIODS`` consecutive 60 s periods, a scale-in below
75 % of it for ``SCALE_IN_PERIODS``; cooldowns default to ``DEFAULT_COOLDOWN``.
Both memory metrics read DatabaseMemoryUsagePercentage (the emulator has no
separate "counted for evict" accounting).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .errors import ClientError
from .metrics import _dt

SERVICE_NAMESPACE = "elasticache"
DIMENSIONS = {"elasticache:replication-group:NodeGroups": "shards",
              "elasticache:replication-group:Replicas": "replicas"}
PREDEFINED = {
    "ElastiCachePrimaryEngineCPUUtilization": ("shards", "EngineCPUUtilization", "primary"),
    "ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage":
        ("shards", "DatabaseMemoryUsagePercentage", "primary"),
    "ElastiCacheDatabaseCapacityUsageCountedForEvictPercentage":
        ("shards", "DatabaseMemoryUsagePercentage", "primary"),
    "ElastiCacheReplicaEngineCPUUtilization": ("replicas", "EngineCPUUtilization", "replica"),
}
#: Families and sizes auto scaling supports (fact sheet §9, DG:AutoScaling).
FAMILIES = ("r7g", "r6g", "r6gd", "r5", "m7g", "m6g", "m5", "c7gn")
SIZES = ("large", "xlarge", "2xlarge")
SCALE_IN_FRACTION = 0.75
SCALE_OUT_MIN_FRACTION = 0.20
# -- modelled (not AWS figures) --
SCALE_OUT_PERIODS = 3
SCALE_IN_PERIODS = 15
DEFAULT_COOLDOWN = 300


class AutoScalingError(ValueError):
    """A request Application Auto Scaling would refuse (ValidationException)."""


@dataclass
class _Target:
    resource_id: str
    group_id: str
    dimension: str
    minimum: int
    maximum: int
    policies: Dict[str, dict] = field(default_factory=dict)
    last_out_ms: Optional[int] = None
    last_in_ms: Optional[int] = None


class ApplicationAutoScaling:
    """``boto3.client("application-autoscaling")`` for one emulated ElastiCache."""

    def __init__(self, service):
        self.service = service
        self._targets: Dict[tuple, _Target] = {}
        self.activities: List[dict] = []
        self._scheduled: List[dict] = []
        service.monitor.listeners.append(self._evaluate)

    # -- the API ---------------------------------------------------------------
    def _check(self, ServiceNamespace, ResourceId, ScalableDimension) -> str:
        if ServiceNamespace != SERVICE_NAMESPACE:
            raise AutoScalingError("ServiceNamespace must be 'elasticache' here")
        if ScalableDimension not in DIMENSIONS:
            raise AutoScalingError(f"ScalableDimension must be one of {sorted(DIMENSIONS)}")
        if not str(ResourceId).startswith("replication-group/"):
            raise AutoScalingError("ResourceId looks like 'replication-group/<ReplicationGroupId>'")
        return str(ResourceId).split("/", 1)[1]

    def register_scalable_target(self, *, ServiceNamespace, ResourceId, ScalableDimension,
                                 MinCapacity: int, MaxCapacity: int, **_ignored) -> dict:
        group_id = self._check(ServiceNamespace, ResourceId, ScalableDimension)
        group = self.service._group_or_none(group_id)
        if group is None:
            raise AutoScalingError(f"No replication group {group_id!r} (ResourceId {ResourceId})")
        if not group.cluster_enabled or group.cluster_mode == "compatible":
            raise AutoScalingError("Auto scaling needs a cluster mode enabled replication group")
        family, size = group.node_type.split(".")[1:]
        if family not in FAMILIES or size not in SIZES:
            raise AutoScalingError(f"{group.node_type} is not supported by ElastiCache auto "
                                   f"scaling (families {', '.join(FAMILIES)}; sizes "
                                   f"{', '.join(SIZES)})")
        if not (isinstance(MinCapacity, int) and isinstance(MaxCapacity, int)
                and 0 <= MinCapacity <= MaxCapacity):
            raise AutoScalingError("MinCapacity and MaxCapacity must be integers, min <= max")
        if DIMENSIONS[ScalableDimension] == "shards" and MinCapacity < 1:
            raise AutoScalingError("a group keeps at least one shard: MinCapacity >= 1")
        if DIMENSIONS[ScalableDimension] == "replicas" and MaxCapacity > 5:
            raise AutoScalingError("at most 5 replicas per shard")
        key = (ResourceId, ScalableDimension)
        old = self._targets.get(key)
        self._targets[key] = _Target(ResourceId, group_id, ScalableDimension, MinCapacity,
                                     MaxCapacity, old.policies if old else {})
        return {"ScalableTargetARN": f"arn:aws:application-autoscaling:{self.service.region}:"
                                     f"{self.service.namer.account_id}:scalable-target/{group_id}"}

    def describe_scalable_targets(self, *, ServiceNamespace, ResourceIds=None) -> dict:
        out = []
        for t in self._targets.values():
            if ResourceIds is None or t.resource_id in ResourceIds:
                out.append({"ServiceNamespace": SERVICE_NAMESPACE, "ResourceId": t.resource_id,
                            "ScalableDimension": t.dimension, "MinCapacity": t.minimum,
                            "MaxCapacity": t.maximum})
        return {"ScalableTargets": out}

    def put_scaling_policy(self, *, PolicyName, ServiceNamespace, ResourceId, ScalableDimension,
                           PolicyType="TargetTrackingScaling",
                           TargetTrackingScalingPolicyConfiguration=None) -> dict:
        self._check(ServiceNamespace, ResourceId, ScalableDimension)
        target = self._targets.get((ResourceId, ScalableDimension))
        if target is None:
            raise AutoScalingError("No scalable target registered for this resource and "
                                   "dimension: call register_scalable_target first")
        if PolicyType != "TargetTrackingScaling":
            raise AutoScalingError("only TargetTrackingScaling policies are emulated; "
                                   "for scheduled scaling use put_scheduled_action")
        cfg = TargetTrackingScalingPolicyConfiguration or {}
        if not isinstance(cfg, dict):
            raise AutoScalingError("TargetTrackingScalingPolicyConfiguration must be a dict")
        spec = cfg.get("PredefinedMetricSpecification") or {}
        metric = spec.get("PredefinedMetricType") if isinstance(spec, dict) else None
        if metric not in PREDEFINED:
            raise AutoScalingError(f"PredefinedMetricType must be one of {sorted(PREDEFINED)}")
        if PREDEFINED[metric][0] != DIMENSIONS[ScalableDimension]:
            raise AutoScalingError(f"{metric} scales {PREDEFINED[metric][0]}, not "
                                   f"{DIMENSIONS[ScalableDimension]}")
        group = self.service._group_or_raise(target.group_id)
        if (metric == "ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage"
                and ".r6gd." in group.node_type):
            raise AutoScalingError("the memory metric is not available on data tiering (r6gd) "
                                   "nodes: use ElastiCacheDatabaseCapacityUsageCountedForEvictPercentage")
        value = cfg.get("TargetValue")
        if not isinstance(value, (int, float)) or not 0 < value <= 100:
            raise AutoScalingError("TargetValue must be a percentage in (0, 100]")
        for key in ("ScaleOutCooldown", "ScaleInCooldown"):
            value_ = cfg.get(key, DEFAULT_COOLDOWN)
            if isinstance(value_, bool) or not isinstance(value_, int) or value_ < 0:
                raise AutoScalingError(f"{key} must be a whole number of seconds >= 0")
        target.policies[PolicyName] = {
            "metric": metric, "target": float(value),
            "out_cooldown": int(cfg.get("ScaleOutCooldown", DEFAULT_COOLDOWN)),
            "in_cooldown": int(cfg.get("ScaleInCooldown", DEFAULT_COOLDOWN)),
            "disable_in": bool(cfg.get("DisableScaleIn", False))}
        return {"PolicyARN": f"arn:aws:autoscaling:{self.service.region}:"
                             f"{self.service.namer.account_id}:scalingPolicy:{PolicyName}"}

    def put_scheduled_action(self, *, ServiceNamespace, ScheduledActionName, ResourceId,
                             ScalableDimension, Schedule: str,
                             ScalableTargetAction: dict) -> dict:
        """Scheduled scaling: at a time, set the target's MinCapacity and/or
        MaxCapacity (the capacity moves into the new range at once). Only the
        one-time form ``at(yyyy-mm-ddThh:mm:ss)`` (UTC) is emulated — not
        ``cron(...)`` or ``rate(...)``."""
        from datetime import datetime, timezone
        self._check(ServiceNamespace, ResourceId, ScalableDimension)
        target = self._targets.get((ResourceId, ScalableDimension))
        if target is None:
            raise AutoScalingError("No scalable target registered for this resource and "
                                   "dimension: call register_scalable_target first")
        text = str(Schedule)
        if not (text.startswith("at(") and text.endswith(")")):
            raise AutoScalingError("only Schedule='at(yyyy-mm-ddThh:mm:ss)' is emulated "
                                   "(cron and rate expressions are not)")
        try:
            when = datetime.strptime(text[3:-1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        except ValueError:
            raise AutoScalingError(f"bad time in {text!r}: use at(2025-01-01T08:00:00)") from None
        action = ScalableTargetAction if isinstance(ScalableTargetAction, dict) else {}
        lo, hi = action.get("MinCapacity"), action.get("MaxCapacity")
        if lo is None and hi is None:
            raise AutoScalingError("ScalableTargetAction needs MinCapacity and/or MaxCapacity")
        for v in (lo, hi):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise AutoScalingError("MinCapacity / MaxCapacity must be integers >= 0")
        self._scheduled.append({"name": ScheduledActionName, "key": (ResourceId, ScalableDimension),
                                "at_ms": int(when.timestamp() * 1000), "min": lo, "max": hi,
                                "done": False})
        return {}

    def _run_scheduled(self, now_ms: int) -> None:
        for job in self._scheduled:
            if job["done"] or job["at_ms"] > now_ms:
                continue
            job["done"] = True
            target = self._targets.get(job["key"])
            if target is None:
                continue
            if job["min"] is not None:
                target.minimum = job["min"]
            if job["max"] is not None:
                target.maximum = job["max"]
            target.maximum = max(target.maximum, target.minimum)
            group = self.service._group_or_none(target.group_id)
            if group is None:
                continue
            current = self.capacity(target)
            new = min(max(current, target.minimum), target.maximum)
            if new != current:
                self._act(target, f"scheduled:{job['name']}", current, new, float("nan"),
                          float("nan"), now_ms, "out" if new > current else "in")

    def describe_scaling_activities(self, *, ServiceNamespace, ResourceId=None) -> dict:
        out = [a for a in self.activities if ResourceId is None or a["ResourceId"] == ResourceId]
        return {"ScalingActivities": list(reversed(out))}

    # -- evaluation (after every metrics sample) ----------------------------------
    def capacity(self, target: _Target) -> int:
        group = self.service._group_or_raise(target.group_id)
        if DIMENSIONS[target.dimension] == "shards":
            return len(group.shards)
        return min(group.replicas_per_shard())

    def metric_history(self, target: _Target, metric: str, periods: int) -> List[float]:
        """The last ``periods`` values of the policy's metric: the average
        over the group's primaries (or replicas) of each period."""
        _, name, role = PREDEFINED[metric]
        group = self.service._group_or_raise(target.group_id)
        cw = self.service.cloudwatch
        per_node = []
        for shard, node, node_role, cid in group.members():
            if node_role != role:
                continue
            series = cw.series(name, {"CacheClusterId": cid, "CacheNodeId": "0001"})
            per_node.append([v for _, v in series[-periods:]])
        if not per_node or min(len(s) for s in per_node) < periods:
            return []
        return [sum(s[i] for s in per_node) / len(per_node) for i in range(periods)]

    def _evaluate(self, now_ms: int) -> None:
        self._run_scheduled(now_ms)
        for target in list(self._targets.values()):
            group = self.service._group_or_none(target.group_id)
            if group is None or group.status != "available":
                continue
            for name, policy in target.policies.items():
                if self._apply(target, name, policy, now_ms):
                    break

    def _apply(self, target: _Target, name: str, policy: dict, now_ms: int) -> bool:
        current = self.capacity(target)
        shards = DIMENSIONS[target.dimension] == "shards"
        goal = policy["target"]
        recent = self.metric_history(target, policy["metric"], SCALE_OUT_PERIODS)
        if recent and min(recent) > goal and current < target.maximum:
            if target.last_out_ms is not None and now_ms - target.last_out_ms < policy["out_cooldown"] * 1000:
                return False
            value = recent[-1]
            if shards:
                by_breach = math.ceil(current * value / goal) - current
                step = max(by_breach, math.ceil(SCALE_OUT_MIN_FRACTION * current), 1)
            else:
                step = 1
            new = min(target.maximum, current + step)
            return self._act(target, name, current, new, value, goal, now_ms, "out")
        if policy["disable_in"] or current <= target.minimum:
            return False
        long = self.metric_history(target, policy["metric"], SCALE_IN_PERIODS)
        if long and max(long) < SCALE_IN_FRACTION * goal:
            blocked = any(t is not None and now_ms - t < policy[c] * 1000 for t, c in
                          ((target.last_in_ms, "in_cooldown"), (target.last_out_ms, "out_cooldown")))
            if blocked:
                return False
            value = long[-1]
            # Target tracking: the capacity that would bring the metric back
            # to the target (never below the minimum); no action if that is
            # not fewer than now.
            new = max(target.minimum, math.ceil(current * value / goal)) if shards \
                else current - 1
            if new >= current:
                return False
            return self._act(target, name, current, new, value, goal, now_ms, "in")
        return False

    def _act(self, target, policy_name, current, new, value, goal, now_ms, direction) -> bool:
        ec = self.service
        group = ec._group_or_raise(target.group_id)
        shards = DIMENSIONS[target.dimension] == "shards"
        status, message = "Successful", ""
        try:
            if shards and new > current:
                ec.modify_replication_group_shard_configuration(
                    ReplicationGroupId=target.group_id, NodeGroupCount=new, ApplyImmediately=True)
            elif shards:
                remove = [s.id for s in group.shards][new:]
                ec.modify_replication_group_shard_configuration(
                    ReplicationGroupId=target.group_id, NodeGroupCount=new, ApplyImmediately=True,
                    NodeGroupsToRemove=remove)
            elif new > current:
                ec.increase_replica_count(ReplicationGroupId=target.group_id,
                                          NewReplicaCount=new, ApplyImmediately=True)
            else:
                ec.decrease_replica_count(ReplicationGroupId=target.group_id,
                                          NewReplicaCount=new, ApplyImmediately=True)
        except ClientError as err:
            status, message = "Failed", str(err)
        what = "shards" if shards else "replicas per shard"
        if policy_name.startswith("scheduled:"):
            cause = f"scheduled action {policy_name[10:]}: {what} {current} → {new}"
        else:
            cause = (f"monitor alarm for policy {policy_name}: metric {value:.1f} vs target "
                     f"{goal:g} → {what} {current} → {new}")
        self.activities.append({
            "ActivityId": f"{len(self.activities) + 1:08d}", "ServiceNamespace": SERVICE_NAMESPACE,
            "ResourceId": target.resource_id, "ScalableDimension": target.dimension,
            "Description": f"Setting {what} to {new}.", "Cause": cause,
            "StartTime": _dt(now_ms), "StatusCode": status, "StatusMessage": message,
            "direction": direction, "from": current, "to": new, "at_ms": now_ms})
        if status == "Successful":
            if direction == "out":
                target.last_out_ms = now_ms
            else:
                target.last_in_ms = now_ms
            ec.record_scaling_event(target.group_id, f"autoscaling:scale-{direction}", cause)
        return True
