"""CloudWatch-style metrics and alarms for the emulated caches, on the virtual clock.

ElastiCache publishes one set of metrics per node every 60 seconds (namespace
``AWS/ElastiCache``; dimensions ``CacheClusterId`` + ``CacheNodeId`` for a
node, ``clusterId`` for a serverless cache). Here a :class:`Monitor` does the
same: every ``period`` seconds of *virtual* time it reads the engine nodes'
real counters — the ones INFO shows (``keyspace_hits``, ``evicted_keys``,
``total_commands_processed`` …) — takes the difference since the last sample
and stores datapoints in a :class:`CloudWatch`, which answers
``get_metric_statistics`` in boto3's shape and evaluates alarms.

What each metric is (fact sheet §8; DG:CacheMetrics.Redis, DG:CacheMetrics.HostLevel):

==============================  ==================================================
CacheHits / CacheMisses         keyspace_hits / keyspace_misses in the period
CacheHitRate                    hits / (hits + misses) × 100 (percent)
Evictions                       evicted_keys in the period
CurrConnections / NewConnections  open sessions / total_connections_received delta
BytesUsedForCache               used_memory
DatabaseMemoryUsagePercentage   used_memory / (maxmemory − reserved memory) × 100
EngineCPUUtilization            the engine thread's busy share (**a model**, below)
CPUUtilization                  the host's busy share over all vCPUs (**a model**)
ReplicationLag                  replicas only: seconds behind the primary
IsPrimary                       1 on the primary, 0 on a replica
ElastiCacheProcessingUnits      serverless: ECPUs used (engine.service.serverless)
ThrottledCmds                   serverless: requests refused for lack of capacity
==============================  ==================================================

**The CPU model.** A pure-Python engine cannot measure a real server's CPU, so
CPU is computed, and every figure built on it is a model, not a measurement::

    engine busy (cores)   = commands per second × COST_US_PER_COMMAND / 1e6
    EngineCPUUtilization  = min(100, engine busy × 100)        (one engine thread)
    CPUUtilization        = min(100, (engine busy × (1 + HOST_OVERHEAD)
                                      + HOST_BASELINE_CORES) / vCPUs × 100)

``COST_US_PER_COMMAND`` (8 µs, i.e. ~125,000 simple commands/s saturate the
engine thread) and the host overheads are round numbers of ours; change them on
the Monitor. Why two CPU metrics: Valkey / Redis OSS run commands on one thread,
so on a 4-vCPU node CPUUtilization can read 25 % while the engine thread is
saturated — hence the doc's advice to watch EngineCPUUtilization on larger nodes
(fact sheet §8).

**Scale.** A lab that simulates a day cannot run every request: it runs a few
representative ones per minute and sets ``Monitor.request_scale`` (each counted
command stands for that many real ones) and ``memory_scale`` (each stored byte
for that many). Metrics are the counters × those factors; tests use 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional, Tuple

from . import node_types

NAMESPACE = "AWS/ElastiCache"
#: ElastiCache publishes node metrics at 60-second granularity (DG:CacheMetrics).
DEFAULT_PERIOD = 60
#: At most this many periods of datapoints are written for one clock jump.
MAX_PERIODS_PER_JUMP = 1440

#: The CPU model's constants (ours, not AWS figures: see the module docstring).
COST_US_PER_COMMAND = 8.0
HOST_OVERHEAD = 0.25
HOST_BASELINE_CORES = 0.02

UNITS = {
    "CacheHits": "Count", "CacheMisses": "Count", "CacheHitRate": "Percent",
    "Evictions": "Count", "CurrConnections": "Count", "NewConnections": "Count",
    "BytesUsedForCache": "Bytes", "DatabaseMemoryUsagePercentage": "Percent",
    "EngineCPUUtilization": "Percent", "CPUUtilization": "Percent",
    "ReplicationLag": "Seconds", "IsPrimary": "Count", "CurrItems": "Count",
    "ElastiCacheProcessingUnits": "Count", "ThrottledCmds": "Count",
    "NetworkBytesIn": "Bytes", "NetworkBytesOut": "Bytes", "Commands": "Count",
}

_STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
_COMPARISONS = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")


class MetricsError(ValueError):
    """A malformed CloudWatch request (boto3 would raise a ClientError
    ``InvalidParameterValue`` / ``InvalidParameterCombination``)."""


def _dims_key(dimensions) -> Tuple[Tuple[str, str], ...]:
    if isinstance(dimensions, dict):
        dimensions = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    try:
        return tuple(sorted((str(d["Name"]), str(d["Value"])) for d in dimensions or ()))
    except (TypeError, KeyError):
        raise MetricsError("Dimensions must be a list of {'Name': ..., 'Value': ...}") from None


def _ms(value) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp() * 1000)
    if isinstance(value, (int, float)):
        return int(value * 1000)
    raise MetricsError(f"a time must be a datetime or epoch seconds, got {value!r}")


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


@dataclass
class Alarm:
    name: str
    metric: str
    namespace: str
    statistic: str
    dimensions: Tuple[Tuple[str, str], ...]
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing: str
    actions: list
    ok_actions: list
    description: str = ""
    state: str = "INSUFFICIENT_DATA"
    reason: str = "Unchecked: Initial alarm creation"
    updated_ms: int = 0

    def describe(self) -> dict:
        return {
            "AlarmName": self.name, "AlarmDescription": self.description,
            "MetricName": self.metric, "Namespace": self.namespace,
            "Statistic": self.statistic,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions],
            "Period": self.period, "EvaluationPeriods": self.evaluation_periods,
            "DatapointsToAlarm": self.datapoints_to_alarm, "Threshold": self.threshold,
            "ComparisonOperator": self.comparison, "TreatMissingData": self.treat_missing,
            "AlarmActions": [a if isinstance(a, str) else getattr(a, "__name__", repr(a))
                             for a in self.actions],
            "StateValue": self.state, "StateReason": self.reason,
            "StateUpdatedTimestamp": _dt(self.updated_ms),
        }


class CloudWatch:
    """The part of ``boto3.client("cloudwatch")`` this lab needs, on a clock.

    Datapoints are stored raw (one per metric, dimensions and sample time);
    ``get_metric_statistics`` aggregates them into ``Period`` buckets."""

    def __init__(self, clock):
        self.clock = clock
        self._points: Dict[Tuple[str, str, tuple], List[Tuple[int, float]]] = {}
        self._alarms: Dict[str, Alarm] = {}
        self._history: List[dict] = []

    # -- writing ---------------------------------------------------------------
    def record(self, metric: str, dimensions, value: float, at_ms: Optional[int] = None,
               namespace: str = NAMESPACE) -> None:
        """Store one datapoint (what the service publishes; also ``put_metric_data``)."""
        key = (namespace, metric, _dims_key(dimensions))
        at = self.clock.now_ms() if at_ms is None else at_ms
        self._points.setdefault(key, []).append((at, float(value)))

    def record_many(self, values: Dict[str, float], dimensions, stamps: List[int],
                    namespace: str = NAMESPACE) -> None:
        """Store ``values`` (metric → value) for the same dimensions at every
        time in ``stamps`` — the Monitor's fast path (one dimensions key)."""
        dims = _dims_key(dimensions)
        points = self._points
        for metric, value in values.items():
            series = points.get((namespace, metric, dims))
            if series is None:
                series = points[(namespace, metric, dims)] = []
            value = float(value)
            series.extend((at, value) for at in stamps)

    def put_metric_data(self, *, Namespace: str, MetricData: list) -> dict:
        for item in MetricData:
            at = _ms(item["Timestamp"]) if "Timestamp" in item else None
            self.record(item["MetricName"], item.get("Dimensions", []), item["Value"], at,
                        Namespace)
        self.evaluate_alarms()
        return {}

    # -- reading ---------------------------------------------------------------
    def list_metrics(self, *, Namespace: Optional[str] = None,
                     MetricName: Optional[str] = None) -> dict:
        out = []
        for ns, name, dims in self._points:
            if (Namespace is None or ns == Namespace) and (MetricName is None or name == MetricName):
                out.append({"Namespace": ns, "MetricName": name,
                            "Dimensions": [{"Name": k, "Value": v} for k, v in dims]})
        return {"Metrics": out}

    def series(self, metric: str, dimensions, namespace: str = NAMESPACE) -> List[Tuple[int, float]]:
        """Raw ``(virtual ms, value)`` datapoints (for plots)."""
        return list(self._points.get((namespace, metric, _dims_key(dimensions)), ()))

    def get_metric_statistics(self, *, Namespace: str, MetricName: str, StartTime, EndTime,
                              Period: int, Statistics: List[str], Dimensions=None,
                              Unit: Optional[str] = None) -> dict:
        """boto3's shape: ``{"Label": MetricName, "Datapoints": [{"Timestamp",
        "<Statistic>": value, "Unit"}]}``, one datapoint per non-empty bucket,
        sorted by time (CloudWatch itself returns them unordered)."""
        if not isinstance(Period, int) or Period < 1 or (Period >= 60 and Period % 60):
            raise MetricsError("Period must be a positive integer, a multiple of 60 from 60 up")
        bad = [s for s in Statistics if s not in _STATISTICS]
        if bad or not Statistics:
            raise MetricsError(f"Statistics must be some of {_STATISTICS}, got {Statistics!r}")
        start, end = _ms(StartTime), _ms(EndTime)
        if end <= start:
            raise MetricsError("EndTime must be after StartTime")
        points = self._points.get((Namespace, MetricName, _dims_key(Dimensions)), [])
        buckets: Dict[int, List[float]] = {}
        step = Period * 1000
        for at, value in points:
            if start <= at < end:
                buckets.setdefault(start + (at - start) // step * step, []).append(value)
        unit = UNITS.get(MetricName, "None")
        datapoints = []
        for at in sorted(buckets):
            values = buckets[at]
            dp = {"Timestamp": _dt(at), "Unit": unit}
            for stat in Statistics:
                dp[stat] = _stat(stat, values)
            datapoints.append(dp)
        return {"Label": MetricName, "Datapoints": datapoints}

    # -- alarms ------------------------------------------------------------------
    def put_metric_alarm(self, *, AlarmName: str, MetricName: str, Namespace: str,
                         Statistic: str, Period: int, EvaluationPeriods: int,
                         Threshold: float, ComparisonOperator: str, Dimensions=None,
                         DatapointsToAlarm: Optional[int] = None,
                         TreatMissingData: str = "missing", AlarmActions=(), OKActions=(),
                         AlarmDescription: str = "", ActionsEnabled: bool = True) -> dict:
        """Create or replace an alarm. Actions may be ARNs (recorded) or, as an
        emulator extra, Python callables ``action(alarm_description)`` run on
        the transition into ALARM (``AlarmActions``) or OK (``OKActions``)."""
        if Statistic not in _STATISTICS:
            raise MetricsError(f"Statistic must be one of {_STATISTICS}")
        if ComparisonOperator not in _COMPARISONS:
            raise MetricsError(f"ComparisonOperator must be one of {sorted(_COMPARISONS)}")
        if not isinstance(EvaluationPeriods, int) or EvaluationPeriods < 1:
            raise MetricsError("EvaluationPeriods must be an integer >= 1")
        to_alarm = EvaluationPeriods if DatapointsToAlarm is None else DatapointsToAlarm
        if not 1 <= to_alarm <= EvaluationPeriods:
            raise MetricsError("DatapointsToAlarm must be between 1 and EvaluationPeriods")
        if TreatMissingData not in ("missing", "notBreaching", "breaching", "ignore"):
            raise MetricsError("TreatMissingData must be missing, notBreaching, breaching or ignore")
        if not isinstance(Period, int) or Period < 10:
            raise MetricsError("Period must be an integer number of seconds (60 for ElastiCache)")
        alarm = Alarm(AlarmName, MetricName, Namespace, Statistic, _dims_key(Dimensions), Period,
                      EvaluationPeriods, to_alarm, float(Threshold), ComparisonOperator,
                      TreatMissingData, list(AlarmActions if ActionsEnabled else ()),
                      list(OKActions if ActionsEnabled else ()), AlarmDescription,
                      updated_ms=self.clock.now_ms())
        self._alarms[AlarmName] = alarm
        self._log(alarm, "ConfigurationUpdate", f"Alarm \"{AlarmName}\" created")
        self.evaluate_alarms()
        return {}

    def describe_alarms(self, *, AlarmNames: Optional[List[str]] = None,
                        StateValue: Optional[str] = None) -> dict:
        if StateValue is not None and StateValue not in ALARM_STATES:
            raise MetricsError(f"StateValue must be one of {ALARM_STATES}")
        out = [a.describe() for a in self._alarms.values()
               if (AlarmNames is None or a.name in AlarmNames)
               and (StateValue is None or a.state == StateValue)]
        return {"MetricAlarms": out}

    def describe_alarm_history(self, *, AlarmName: Optional[str] = None,
                               HistoryItemType: Optional[str] = None) -> dict:
        items = [h for h in self._history
                 if (AlarmName is None or h["AlarmName"] == AlarmName)
                 and (HistoryItemType is None or h["HistoryItemType"] == HistoryItemType)]
        return {"AlarmHistoryItems": list(reversed(items))}   # newest first, like CloudWatch

    def delete_alarms(self, *, AlarmNames: List[str]) -> dict:
        for name in AlarmNames:
            self._alarms.pop(name, None)
        return {}

    def _log(self, alarm: Alarm, kind: str, summary: str) -> None:
        self._history.append({"AlarmName": alarm.name, "Timestamp": _dt(self.clock.now_ms()),
                              "HistoryItemType": kind, "HistorySummary": summary})

    def evaluate_alarms(self) -> None:
        """Re-evaluate every alarm over its last ``EvaluationPeriods`` periods
        (called after every sample). States: ALARM when at least
        ``DatapointsToAlarm`` of them breach; OK when enough datapoints exist
        and too few breach; INSUFFICIENT_DATA when datapoints are missing
        (unless ``TreatMissingData`` says to count them otherwise)."""
        now = self.clock.now_ms()
        for alarm in self._alarms.values():
            step = alarm.period * 1000
            end = now // step * step + (step if now % step else 0)
            values: List[Optional[float]] = []
            points = self._points.get((alarm.namespace, alarm.metric, alarm.dimensions), [])
            for i in range(alarm.evaluation_periods, 0, -1):
                lo, hi = end - i * step, end - (i - 1) * step
                bucket = [v for at, v in points if lo <= at < hi]
                values.append(_stat(alarm.statistic, bucket) if bucket else None)
            self._set_state(alarm, *self._judge(alarm, values))

    @staticmethod
    def _judge(alarm: Alarm, values: List[Optional[float]]) -> Tuple[str, str]:
        compare = _COMPARISONS[alarm.comparison]
        breaching = sum(1 for v in values if v is not None and compare(v, alarm.threshold))
        missing = sum(1 for v in values if v is None)
        if alarm.treat_missing == "breaching":
            breaching += missing
            missing = 0
        elif alarm.treat_missing == "notBreaching":
            missing = 0
        shown = [round(v, 3) for v in values if v is not None]
        if breaching >= alarm.datapoints_to_alarm:
            return "ALARM", (f"Threshold Crossed: {breaching} datapoint(s) {shown} breached "
                             f"{alarm.comparison} {alarm.threshold}")
        if missing and len(values) - missing < alarm.datapoints_to_alarm:
            if alarm.treat_missing == "ignore":
                return alarm.state, alarm.reason
            return "INSUFFICIENT_DATA", f"Insufficient Data: {len(values) - missing} datapoint(s)"
        return "OK", (f"Threshold Crossed: {breaching} of {len(values)} datapoint(s) {shown} "
                      f"breached {alarm.comparison} {alarm.threshold}")

    def _set_state(self, alarm: Alarm, state: str, reason: str) -> None:
        if state == alarm.state:
            return
        old, alarm.state, alarm.reason = alarm.state, state, reason
        alarm.updated_ms = self.clock.now_ms()
        self._log(alarm, "StateUpdate", f"Alarm updated from {old} to {state}")
        actions = alarm.actions if state == "ALARM" else alarm.ok_actions if state == "OK" else []
        for action in actions:
            if callable(action):
                action(alarm.describe())
            self._log(alarm, "Action", f"Action executed: {getattr(action, '__name__', action)}")


def _stat(stat: str, values: List[float]) -> float:
    if stat == "Average":
        return sum(values) / len(values)
    if stat == "Sum":
        return float(sum(values))
    if stat == "Minimum":
        return min(values)
    if stat == "Maximum":
        return max(values)
    return float(len(values))


# ---------------------------------------------------------------------------
# Sampling the engine nodes
# ---------------------------------------------------------------------------

_COUNTERS = ("total_commands_processed", "keyspace_hits", "keyspace_misses", "evicted_keys",
             "total_connections_received")


@dataclass
class _Watched:
    """One watched resource: how to list its nodes and where to publish."""
    kind: str                                   # "group" or "serverless"
    name: str
    nodes: Callable[[], list]                   # [(node, dims, role, node_type)]
    last: Dict[str, Dict[str, int]] = field(default_factory=dict)


class Monitor:
    """Samples watched resources every ``period`` virtual seconds into a CloudWatch.

    ``cpu_cost_us`` is the CPU model's cost per command (see module docstring)."""

    def __init__(self, clock, cloudwatch: Optional[CloudWatch] = None,
                 period: int = DEFAULT_PERIOD, *, cpu_cost_us: float = COST_US_PER_COMMAND):
        self.clock = clock
        self.cloudwatch = cloudwatch if cloudwatch is not None else CloudWatch(clock)
        self.period = period
        self.cpu_cost_us = cpu_cost_us
        self.request_scale = 1.0
        self.memory_scale = 1.0
        self._watched: Dict[str, _Watched] = {}
        self._next_ms = (clock.now_ms() // (period * 1000) + 1) * period * 1000
        #: Called after every sample with the sample time (auto scaling listens here).
        self.listeners: List[Callable[[int], None]] = []
        #: Per-resource extra samplers (serverless ECPU counters) -> {metric: value}
        self.extra: Dict[str, Callable[[float], List[Tuple[str, dict, float]]]] = {}
        clock.on_advance(self._on_advance)

    # -- what to watch ------------------------------------------------------------
    def watch_group(self, group) -> None:
        """Watch every node of a replication group (its topology may change)."""
        def nodes():
            out = []
            for shard, node, role, cid in group.members():
                out.append((node, {"CacheClusterId": cid, "CacheNodeId": "0001"}, role,
                            group.node_type, shard))
            return out
        self._watched[group.name] = _Watched("group", group.name, nodes)
        self._baseline(self._watched[group.name])

    def watch_nodes(self, name: str, nodes_fn: Callable[[], list]) -> None:
        """Watch any resource: ``nodes_fn()`` -> [(node, dims, role, node_type, shard)]."""
        self._watched[name] = _Watched("custom", name, nodes_fn)
        self._baseline(self._watched[name])

    def unwatch(self, name: str) -> None:
        self._watched.pop(name, None)
        self.extra.pop(name, None)

    def _baseline(self, watched: _Watched) -> None:
        for node, *_ in watched.nodes():
            watched.last[node.name] = {c: getattr(node.stats, c) for c in _COUNTERS}

    # -- the clock --------------------------------------------------------------
    def _on_advance(self, old_ms: int, new_ms: int) -> None:
        step = self.period * 1000
        if new_ms < self._next_ms:
            return
        # All periods that ended in this jump share the counters' change evenly
        # (one advance(3600) = 60 equal minutes); gauges are read once.
        periods = (new_ms - self._next_ms) // step + 1
        last = self._next_ms + (periods - 1) * step
        self._next_ms = last + step
        # A very long jump (a month of advance()) keeps only its last day of
        # datapoints; the counters' change is still spread over every period.
        kept = min(periods, MAX_PERIODS_PER_JUMP)
        self.sample([last - (kept - 1 - i) * step for i in range(kept)], periods=periods)

    def sample(self, stamps: Optional[List[int]] = None, periods: Optional[int] = None) -> None:
        """Publish one datapoint per metric per node for each time in ``stamps``
        (default: now). Counters are spread evenly over ``periods`` periods
        (default: one per stamp)."""
        stamps = stamps or [self.clock.now_ms()]
        n = periods or len(stamps)
        # A datapoint is stamped with the start of the period it describes,
        # as CloudWatch labels its periods.
        ends, stamps = stamps, [at - self.period * 1000 for at in stamps]
        for watched in list(self._watched.values()):
            group_sums: Dict[str, float] = {}
            for node, dims, role, type_name, shard in watched.nodes():
                prev = watched.last.get(node.name) or {c: 0 for c in _COUNTERS}
                now = {c: getattr(node.stats, c) for c in _COUNTERS}
                watched.last[node.name] = now
                delta = {c: max(0, now[c] - prev[c]) * self.request_scale / n for c in _COUNTERS}
                values = self._node_values(node, delta, role, type_name, shard)
                self.cloudwatch.record_many(values, dims, stamps)
                for metric in ("CacheHits", "CacheMisses", "Evictions", "Commands"):
                    group_sums[metric] = group_sums.get(metric, 0.0) + values[metric]
            extra = self.extra.get(watched.name)
            if extra is not None:
                for metric, dims, value in extra(n):
                    for at in stamps:
                        self.cloudwatch.record(metric, dims, value, at)
        self.cloudwatch.evaluate_alarms()
        for listener in list(self.listeners):
            listener(ends[-1])

    def _node_values(self, node, delta: Dict[str, float], role: str, type_name: str,
                     shard) -> Dict[str, float]:
        hits, misses = delta["keyspace_hits"], delta["keyspace_misses"]
        commands = delta["total_commands_processed"]
        try:
            row = node_types.node_type(type_name)
            usable = row.usable_memory_bytes()
            vcpus = row.vcpus
        except ValueError:
            usable, vcpus = 0, 1
        used = node.used_memory() * self.memory_scale
        busy = commands / self.period * self.cpu_cost_us / 1e6
        values = {
            "Commands": commands,
            "CacheHits": hits, "CacheMisses": misses,
            "CacheHitRate": hits / (hits + misses) * 100 if hits + misses else 0.0,
            "Evictions": delta["evicted_keys"],
            "NewConnections": delta["total_connections_received"],
            "CurrConnections": float(len(node.sessions)),
            "CurrItems": float(sum(len(db) for db in node.dbs)),
            "BytesUsedForCache": float(used),
            "DatabaseMemoryUsagePercentage": used / usable * 100 if usable else 0.0,
            "EngineCPUUtilization": min(100.0, busy * 100),
            "CPUUtilization": min(100.0, (busy * (1 + HOST_OVERHEAD) + HOST_BASELINE_CORES)
                                  / vcpus * 100),
            "IsPrimary": 1.0 if role == "primary" else 0.0,
        }
        if role == "replica":
            values["ReplicationLag"] = _replication_lag_seconds(shard, node)
        return values


def _replication_lag_seconds(shard, node) -> float:
    """The replica's lag from the data plane's replication link (0 when the
    link is synchronous or reports none)."""
    link = getattr(shard, "link", None)
    links = getattr(link, "links", None)
    if isinstance(links, dict) and node in links:
        lag_ms = getattr(links[node], "lag_ms", None)
        if callable(lag_ms):
            return lag_ms() / 1000
    return 0.0
