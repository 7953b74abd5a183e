"""A day of traffic against a node-based design and a serverless one, in seconds of wall time.

A simulated day cannot replay every request (a 50,000 requests/s day is four
billion of them). So each step of ``step_seconds`` (5 minutes by default)
runs a few representative requests — ``samples_per_step``, drawn from the
workload's key popularity, read/write mix and miss rate — on the real engine
nodes, and tells the meters that each one **stands for** ``rate × step /
samples`` real requests (:attr:`Monitor.request_scale`,
:attr:`ServerlessCache.request_scale`). Likewise a few thousand keys stand
for the whole data set (``memory_scale``). Every count the metrics show is
the engine's real counters times those factors.

Models used here (all written down, none measured on AWS):

* engine capacity per primary: ``1e6 / COST_US_PER_COMMAND`` commands/s (the
  CPU model of :mod:`engine.service.metrics`);
* latency: ``BASE_LATENCY_MS / (1 − u)`` with u the engine CPU share (a
  queueing rule of thumb), capped at ``MAX_LATENCY_MS``; serverless answers
  at ``BASE_LATENCY_MS`` until it throttles. The base is "sub-millisecond"
  (seed 000: sub-millisecond p50 reads on serverless), 0.5 ms here;
* serverless capacity: :class:`engine.service.serverless.Capacity`.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from . import metrics, node_types, pricing
from .elasticache import ElastiCache

BASE_LATENCY_MS = 0.5
MAX_LATENCY_MS = 50.0
SHAPES = ("diurnal", "spiky", "steady")


@dataclass
class Workload:
    """What the application asks of the cache over one day."""
    shape: str = "diurnal"
    peak_rps: float = 100_000.0
    data_gb: float = 5.0
    value_bytes: int = 800
    read_share: float = 0.9
    miss_share: float = 0.05
    hot_key_share: float = 0.2        # 20 % of the keys …
    hot_request_share: float = 0.8    # … get 80 % of the requests
    keys: int = 2000                  # representative keys loaded into the engine
    spikes: int = 3                   # bursts in the "spiky" shape
    seed: int = 0

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, got {self.shape!r}")
        if self.peak_rps <= 0 or self.data_gb <= 0 or self.keys < 10:
            raise ValueError("peak_rps and data_gb must be > 0, keys >= 10")
        for name in ("read_share", "miss_share", "hot_key_share", "hot_request_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")

    def rates(self, step_seconds: int = 300) -> List[float]:
        """Requests per second for each step of the day."""
        steps = 86_400 // step_seconds
        rng = random.Random(self.seed)
        out = []
        if self.shape == "steady":
            return [self.peak_rps] * steps
        if self.shape == "diurnal":
            for i in range(steps):
                hour = i * step_seconds / 3600
                wave = 0.5 - 0.5 * math.cos(2 * math.pi * (hour - 3) / 24)   # low 03:00, peak 15:00
                out.append(self.peak_rps * (0.1 + 0.9 * wave))
            return out
        base = [self.peak_rps * 0.15] * steps          # spiky: quiet, with a few bursts
        for _ in range(self.spikes):
            start = rng.randrange(steps)
            length = rng.randint(2, 6)                  # 10–30 minutes at 5-minute steps
            for j in range(start, min(steps, start + length)):
                base[j] = self.peak_rps
        return base

    def commands(self, rng: random.Random, count: int, value: bytes) -> List[list]:
        hot = max(1, int(self.keys * self.hot_key_share))
        out = []
        for _ in range(count):
            if rng.random() < self.hot_request_share:
                i = rng.randrange(hot)
            else:
                i = hot + rng.randrange(max(1, self.keys - hot))
            key = f"item:{i}".encode()
            if rng.random() < self.read_share:
                if rng.random() < self.miss_share:
                    key = f"missing:{i}".encode()
                out.append([b"GET", key])
            else:
                out.append([b"SET", key, value])
        return out


@dataclass
class DayResult:
    """Per-step series of one design's day, and its totals."""
    design: str
    step_seconds: int
    times_h: List[float] = field(default_factory=list)
    demand_rps: List[float] = field(default_factory=list)
    capacity_rps: List[float] = field(default_factory=list)
    served_rps: List[float] = field(default_factory=list)
    throttled_rps: List[float] = field(default_factory=list)
    latency_ms: List[float] = field(default_factory=list)
    nodes: List[int] = field(default_factory=list)
    cost_usd: List[float] = field(default_factory=list)
    actions: List[dict] = field(default_factory=list)
    bill: Optional[pricing.Bill] = None
    service: Optional[ElastiCache] = None
    resource: str = ""
    start_ms: int = 0

    @property
    def total_cost(self) -> float:
        return self.bill.total if self.bill else sum(self.cost_usd)

    @property
    def throttled_share(self) -> float:
        demand = sum(self.demand_rps)
        return sum(self.throttled_rps) / demand if demand else 0.0

    def hourly_cost(self) -> List[float]:
        per_hour = 3600 // self.step_seconds
        return [sum(self.cost_usd[i:i + per_hour]) for i in range(0, len(self.cost_usd), per_hour)]

    def summary(self) -> dict:
        lat = sorted(self.latency_ms)
        return {"design": self.design, "cost_usd_day": round(self.total_cost, 2),
                "peak_nodes": max(self.nodes) if self.nodes else 0,
                "throttled_share": round(self.throttled_share, 4),
                "median_latency_ms": round(lat[len(lat) // 2], 3) if lat else None,
                "worst_latency_ms": round(lat[-1], 3) if lat else None,
                "scaling_actions": len(self.actions)}


def _memory_scale(dataset_bytes: int, data_gb: float) -> float:
    return data_gb * 1e9 / max(1, dataset_bytes)


def simulate_nodes(workload: Workload, *, node_type: str = "cache.r6g.large", shards: int = 1,
                   replicas: int = 1, autoscaling: Optional[dict] = None,
                   book: Optional[pricing.PriceBook] = None, engine: str = "valkey",
                   samples_per_step: int = 30, step_seconds: int = 300,
                   seed: int = 0, alarms: Sequence[dict] = ()) -> DayResult:
    """Run ``workload`` for a day on a cluster-mode-enabled group (named "day";
    node ``day-0001-001`` is the first primary). ``alarms``: keyword dicts
    for ``put_metric_alarm``, created before the day starts.

    ``autoscaling``: None, or ``{"target": 50, "min": 1, "max": 10,
    "metric": "ElastiCachePrimaryEngineCPUUtilization", "scale_out_cooldown":
    300, "scale_in_cooldown": 300}`` — a target tracking policy on shards."""
    book = book or pricing.PriceBook.default()
    price = book.node_price(node_type, engine)
    ec = ElastiCache(seed=seed)
    ec.create_replication_group(
        ReplicationGroupId="day", ReplicationGroupDescription="a day of traffic", Engine=engine,
        CacheNodeType=node_type, NumNodeGroups=shards, ReplicasPerNodeGroup=replicas,
        ClusterMode="enabled",
        AutomaticFailoverEnabled=True)
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId="day")
    group = ec.replication_group("day")
    value = b"v" * workload.value_bytes
    group.cluster.populate(workload.keys, prefix="item:", value=value)
    data_bytes = sum(s.primary.dataset_bytes() for s in group.shards)
    ec.monitor.memory_scale = _memory_scale(data_bytes, workload.data_gb)
    if autoscaling is not None:
        cfg = dict(autoscaling)
        ec.autoscaling.register_scalable_target(
            ServiceNamespace="elasticache", ResourceId="replication-group/day",
            ScalableDimension="elasticache:replication-group:NodeGroups",
            MinCapacity=cfg.get("min", 1), MaxCapacity=cfg.get("max", 10))
        ec.autoscaling.put_scaling_policy(
            PolicyName="target", ServiceNamespace="elasticache", ResourceId="replication-group/day",
            ScalableDimension="elasticache:replication-group:NodeGroups",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": cfg.get("target", 50),
                "PredefinedMetricSpecification": {"PredefinedMetricType": cfg.get(
                    "metric", "ElastiCachePrimaryEngineCPUUtilization")},
                "ScaleOutCooldown": cfg.get("scale_out_cooldown", 300),
                "ScaleInCooldown": cfg.get("scale_in_cooldown", 300)})
    for alarm in alarms:
        ec.cloudwatch.put_metric_alarm(**alarm)
    per_primary = 1e6 / ec.monitor.cpu_cost_us
    rng = random.Random(workload.seed * 7919 + seed)
    sessions: Dict[int, object] = {}
    out = DayResult("node-based" + (" + auto scaling" if autoscaling else ""), step_seconds,
                    service=ec, resource="day")
    start_ms = out.start_ms = ec.clock.now_ms()
    for i, rate in enumerate(workload.rates(step_seconds)):
        ec.monitor.request_scale = rate * step_seconds / samples_per_step
        cluster = group.cluster
        for argv in workload.commands(rng, samples_per_step, value):
            node = cluster.key_owner(argv[1]).primary
            session = sessions.get(id(node))
            if session is None or session.closed:
                session = sessions[id(node)] = node.open_session()
            node.execute(session, argv)
        primaries = len(group.shards)
        nodes = group.node_count()
        capacity = primaries * per_primary
        u = min(0.95, rate / capacity)
        served = min(rate, capacity)
        out.times_h.append(i * step_seconds / 3600)
        out.demand_rps.append(rate)
        out.capacity_rps.append(capacity)
        out.served_rps.append(served)
        out.throttled_rps.append(rate - served)    # beyond capacity: requests time out
        out.latency_ms.append(min(MAX_LATENCY_MS, BASE_LATENCY_MS / (1 - u)))
        out.nodes.append(nodes)
        out.cost_usd.append(nodes * price * step_seconds / 3600)
        ec.advance(step_seconds)
    for a in reversed(ec.autoscaling.describe_scaling_activities(
            ServiceNamespace="elasticache")["ScalingActivities"] if autoscaling else []):
        out.actions.append({"time_h": (a["at_ms"] - start_ms) / 3_600_000, "from": a["from"],
                            "to": a["to"], "direction": a["direction"], "status": a["StatusCode"]})
    out.bill = pricing.Bill().add("node-hours", sum(out.cost_usd))
    return out


def simulate_serverless(workload: Workload, *, book: Optional[pricing.PriceBook] = None,
                        engine: str = "valkey", max_ecpu_per_second: Optional[float] = None,
                        min_ecpu_per_second: Optional[float] = None,
                        samples_per_step: int = 30, step_seconds: int = 300,
                        seed: int = 0) -> DayResult:
    """Run ``workload`` for a day on a serverless cache (ECPUs metered per
    request, capacity scaling and throttling per step, GB-hours sampled)."""
    book = book or pricing.PriceBook.default()
    ec = ElastiCache(seed=seed)
    limits = {}
    if max_ecpu_per_second is not None or min_ecpu_per_second is not None:
        limits["ECPUPerSecond"] = {k: v for k, v in (("Maximum", max_ecpu_per_second),
                                                     ("Minimum", min_ecpu_per_second))
                                   if v is not None}
    ec.create_serverless_cache(ServerlessCacheName="day", Engine=engine,
                               CacheUsageLimits=limits or None)
    cache = ec.serverless_cache("day")
    value = b"v" * workload.value_bytes
    cache.cluster.populate(workload.keys, prefix="item:", value=value)
    cache.memory_scale = _memory_scale(cache.cluster.shards[0].primary.dataset_bytes(),
                                       workload.data_gb)
    rng = random.Random(workload.seed * 7919 + seed)
    out = DayResult("serverless", step_seconds, service=ec, resource="day")
    ecpu_price = book._engine_price(book.serverless_million_ecpu, engine, "ECPU").usd
    served_ecpus = 0.0
    out.start_ms = ec.clock.now_ms()
    for i, rate in enumerate(workload.rates(step_seconds)):
        scale = rate * step_seconds / samples_per_step
        cache.request_scale = scale
        before = cache.ecpus_total
        for argv in workload.commands(rng, samples_per_step, value):
            cache.execute(*argv, throttle=False)
        ecpus = cache.ecpus_total - before
        per_request = ecpus / (rate * step_seconds) if rate else 1.0
        demand = ecpus / step_seconds
        served, throttled = cache.capacity.serve(demand, step_seconds, ec.clock.now_ms())
        throttled_requests = throttled / per_request if per_request else 0.0
        cache.record_throttled(throttled_requests)
        # throttled requests use no ECPUs: take them back off the meter
        cache.ecpus_total -= throttled
        cache._period_ecpus -= throttled
        served_ecpus += served
        out.times_h.append(i * step_seconds / 3600)
        out.demand_rps.append(rate)
        out.capacity_rps.append(cache.capacity.current / per_request if per_request else 0.0)
        out.served_rps.append(rate - throttled_requests / step_seconds)
        out.throttled_rps.append(throttled_requests / step_seconds)
        out.latency_ms.append(BASE_LATENCY_MS)
        out.nodes.append(0)
        out.cost_usd.append(served / 1e6 * ecpu_price)
        ec.advance(step_seconds)
    gb_hours = [gb for _, gb in cache.gb_hours()][:24]
    storage = pricing.serverless_storage_cost(book, gb_hours, engine)
    per_hour = 3600 // step_seconds
    # spread each hour's storage charge over its steps, so hourly cost shows both
    price = book._engine_price(book.serverless_gb_hour, engine, "GB-hour").usd
    minimum = book._engine_price(book.serverless_min_gb, engine, "minimum").usd
    for h, gb in enumerate(gb_hours):
        for j in range(h * per_hour, min(len(out.cost_usd), (h + 1) * per_hour)):
            out.cost_usd[j] += max(gb, minimum) * price / per_hour
    out.actions = [{"time_h": (at - out.start_ms) / 3_600_000, "capacity": c}
                   for at, c in cache.capacity.changes]
    out.bill = (pricing.Bill().add("ECPUs", pricing.serverless_ecpu_cost(book, served_ecpus, engine))
                .add("GB-hours", storage))
    return out


# ---------------------------------------------------------------------------
# Sizing and break-even (analytic, same models)
# ---------------------------------------------------------------------------

def designs_for(peak_rps: float, data_gb: float, book: pricing.PriceBook, *,
                engine: str = "valkey", replicas: int = 1, cpu_target: float = 0.7,
                hours: float = 720, max_shards: int = 30,
                burstable: bool = False) -> List[dict]:
    """Every priced node type, with the fewest shards that hold ``data_gb``
    (after reserved memory) and serve ``peak_rps`` at ``cpu_target`` of the
    engine's capacity; sorted by monthly cost.

    Burstable T nodes are left out unless ``burstable=True``: they run on CPU
    credits, and the model's one throughput per engine thread would overrate
    them under sustained load."""
    per_primary = 1e6 / metrics.COST_US_PER_COMMAND
    out = []
    for name in book.node_hour:
        if name not in node_types.NODE_TYPES:
            continue
        if not burstable and node_types.NODE_TYPES[name].family.startswith("t"):
            continue
        usable_gb = node_types.usable_memory_bytes(name) / 1e9
        shards = max(math.ceil(data_gb / usable_gb), math.ceil(peak_rps / (per_primary * cpu_target)), 1)
        if shards > max_shards:
            continue
        cost = pricing.group_cost(book, name, shards, replicas, hours, engine)
        out.append({"node type": name, "shards": shards, "replicas": replicas,
                    "nodes": shards * (1 + replicas), "monthly_usd": round(cost, 2)})
    return sorted(out, key=lambda d: d["monthly_usd"])


def serverless_monthly(avg_rps: float, data_gb: float, book: pricing.PriceBook, *,
                       engine: str = "valkey", ecpu_per_request: float = 1.0,
                       hours: float = 720) -> float:
    ecpus = avg_rps * 3600 * hours * ecpu_per_request
    return (pricing.serverless_ecpu_cost(book, ecpus, engine)
            + pricing.serverless_storage_cost(book, [data_gb] * int(hours), engine))


def size_for_budget(budget_month: float, peak_rps: float, avg_rps: float, data_gb: float,
                    book: pricing.PriceBook, *, engine: str = "valkey",
                    replicas: int = 1) -> List[dict]:
    """Node-based designs and serverless, each marked within budget or not."""
    rows = designs_for(peak_rps, data_gb, book, engine=engine, replicas=replicas)
    rows.append({"node type": "serverless", "shards": "-", "replicas": "-", "nodes": 0,
                 "monthly_usd": round(serverless_monthly(avg_rps, data_gb, book, engine=engine), 2)})
    for row in rows:
        row["within budget"] = row["monthly_usd"] <= budget_month
    return sorted(rows, key=lambda d: d["monthly_usd"])


def breakeven(rps_values, data_gb: float, book: pricing.PriceBook, *, engine: str = "valkey",
              replicas: int = 1) -> List[dict]:
    """For a steady load at each rate: the cheapest node design and serverless (monthly)."""
    out = []
    for rps in rps_values:
        designs = designs_for(rps, data_gb, book, engine=engine, replicas=replicas)
        best = designs[0] if designs else None
        out.append({"rps": rps, "nodes_usd": best["monthly_usd"] if best else float("nan"),
                    "nodes_design": f"{best['shards']} × {best['node type']}" if best else "none",
                    "serverless_usd": serverless_monthly(rps, data_gb, book, engine=engine)})
    return out
