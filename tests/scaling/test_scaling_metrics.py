"""CloudWatch-style metrics from the engine nodes' real counters, and alarms."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.service import ElastiCache
from engine.service.metrics import CloudWatch, MetricsError
from engine.clock import VirtualClock

NODE = [{"Name": "CacheClusterId", "Value": "web-001"}, {"Name": "CacheNodeId", "Value": "0001"}]
FOREVER = dict(StartTime=datetime(2000, 1, 1, tzinfo=timezone.utc),
               EndTime=datetime(2100, 1, 1, tzinfo=timezone.utc))


def single_node(**node_config):
    ec = ElastiCache(seed=3, node_config=node_config or None)
    ec.create_replication_group(ReplicationGroupId="web", ReplicationGroupDescription="t",
                                Engine="redis", CacheNodeType="cache.m7g.large",
                                NumCacheClusters=1)
    client = ec.client("web")         # waits until available
    return ec, client


def total(ec, metric, dims=NODE, stat="Sum", period=3600):
    out = ec.cloudwatch.get_metric_statistics(Namespace="AWS/ElastiCache", MetricName=metric,
                                              Dimensions=dims, Period=period,
                                              Statistics=[stat], **FOREVER)
    return sum(dp[stat] for dp in out["Datapoints"])


def peak(ec, metric, dims=NODE):
    out = ec.cloudwatch.get_metric_statistics(Namespace="AWS/ElastiCache", MetricName=metric,
                                              Dimensions=dims, Period=60,
                                              Statistics=["Maximum"], **FOREVER)
    return max(dp["Maximum"] for dp in out["Datapoints"])


def test_hits_and_misses_are_the_keyspace_counters():
    ec, r = single_node()
    for i in range(7):
        r.set(f"k{i}", "v")
    for i in range(12):                     # k7..k11 do not exist: 5 misses
        r.get(f"k{i}")
    r.exists("k0")                          # EXISTS counts a hit too (checked on redis-server 7.0)
    ec.advance(60)
    assert total(ec, "CacheHits") == 8
    assert total(ec, "CacheMisses") == 5
    stats = r.info("stats")
    assert (stats["keyspace_hits"], stats["keyspace_misses"]) == (8, 5)
    rate = ec.cloudwatch.get_metric_statistics(
        Namespace="AWS/ElastiCache", MetricName="CacheHitRate", Dimensions=NODE, Period=60,
        Statistics=["Maximum"], **FOREVER)["Datapoints"]
    assert rate[-1]["Maximum"] == pytest.approx(8 / 13 * 100)
    assert rate[-1]["Unit"] == "Percent"


def test_counts_land_in_the_minute_they_happened():
    ec, r = single_node()
    ec.advance(60)                          # close the minute of the connection
    r.get("a")
    ec.advance(60)
    ec.advance(60)
    r.get("b")
    r.get("c")
    ec.advance(60)
    points = ec.cloudwatch.get_metric_statistics(
        Namespace="AWS/ElastiCache", MetricName="CacheMisses", Dimensions=NODE, Period=60,
        Statistics=["Sum"], **FOREVER)["Datapoints"]
    assert [p["Sum"] for p in points[-3:]] == [1, 0, 2]


def test_evictions_match_info_evicted_keys():
    ec, r = single_node(maxmemory="2mb", maxmemory_policy="allkeys-lru")
    for i in range(400):
        r.set(f"key:{i}", "x" * 10_000)
    evicted = r.info("stats")["evicted_keys"]   # read before the sample: INFO may evict too
    ec.advance(60)
    assert evicted > 0
    assert total(ec, "Evictions") == evicted


def test_memory_metrics_against_used_memory_and_node_type():
    ec, r = single_node()
    r.set("big", "x" * 100_000)
    used = r.info("memory")["used_memory"]
    ec.advance(60)
    got = peak(ec, "BytesUsedForCache")
    assert got == used
    pct = peak(ec, "DatabaseMemoryUsagePercentage")
    assert pct == pytest.approx(used / (6854542746 * 0.75) * 100)   # m7g.large, 25 % reserved


def test_cpu_model_from_command_counts():
    ec, r = single_node()
    r.ping()                                # the connection's HELLO goes in this minute
    ec.advance(60)
    ec.monitor.request_scale = 1000         # every command stands for 1,000
    for i in range(300):
        r.get("x")
    ec.advance(60)
    done = 300
    busy = done * 1000 / 60 * 8e-6          # commands/s × 8 µs
    engine = peak(ec, "EngineCPUUtilization")
    assert engine == pytest.approx(min(100, busy * 100))
    host = peak(ec, "CPUUtilization")
    assert host == pytest.approx((busy * 1.25 + 0.02) / 2 * 100)   # 2 vCPUs
    assert host < engine


def test_connections():
    ec, r = single_node()
    r.ping()
    ec.advance(60)
    assert total(ec, "NewConnections") >= 1
    assert peak(ec, "CurrConnections") >= 1


def test_get_metric_statistics_validation():
    cw = CloudWatch(VirtualClock())
    with pytest.raises(MetricsError):
        cw.get_metric_statistics(Namespace="AWS/ElastiCache", MetricName="CacheHits",
                                 Period=90, Statistics=["Sum"], **FOREVER)
    with pytest.raises(MetricsError):
        cw.get_metric_statistics(Namespace="AWS/ElastiCache", MetricName="CacheHits",
                                 Period=60, Statistics=["Median"], **FOREVER)


# -- alarms --------------------------------------------------------------------------

def alarm_on(cw, **extra):
    params = dict(AlarmName="hot", MetricName="EngineCPUUtilization", Namespace="AWS/ElastiCache",
                  Statistic="Average", Dimensions=NODE, Period=60, EvaluationPeriods=3,
                  Threshold=90, ComparisonOperator="GreaterThanThreshold")
    params.update(extra)
    cw.put_metric_alarm(**params)


def state(cw, name="hot"):
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def feed(cw, clock, values):
    for v in values:
        clock.advance(60)
        cw.record("EngineCPUUtilization", NODE, v, clock.now_ms() - 1)
        cw.evaluate_alarms()


def test_alarm_states_and_history():
    clock = VirtualClock()
    cw = CloudWatch(clock)
    fired = []
    alarm_on(cw, AlarmActions=[fired.append])
    assert state(cw) == "INSUFFICIENT_DATA"
    feed(cw, clock, [10, 20])
    assert state(cw) == "INSUFFICIENT_DATA"     # 2 of 3 periods have data
    feed(cw, clock, [30])
    assert state(cw) == "OK"
    feed(cw, clock, [95, 95])
    assert state(cw) == "OK"                    # 2 breaching of 3
    feed(cw, clock, [95])
    assert state(cw) == "ALARM"
    assert len(fired) == 1 and fired[0]["AlarmName"] == "hot"
    feed(cw, clock, [10])
    assert state(cw) == "OK"
    updates = [h["HistorySummary"] for h in
               cw.describe_alarm_history(AlarmName="hot", HistoryItemType="StateUpdate")
               ["AlarmHistoryItems"]]
    assert updates == ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM",
                       "Alarm updated from INSUFFICIENT_DATA to OK"]


def test_datapoints_to_alarm_m_of_n():
    clock = VirtualClock()
    cw = CloudWatch(clock)
    alarm_on(cw, EvaluationPeriods=3, DatapointsToAlarm=2)
    feed(cw, clock, [95, 10, 95])
    assert state(cw) == "ALARM"


def test_missing_data_treatment():
    clock = VirtualClock()
    cw = CloudWatch(clock)
    alarm_on(cw, TreatMissingData="breaching")
    clock.advance(600)
    cw.evaluate_alarms()
    assert state(cw) == "ALARM"
    alarm_on(cw, AlarmName="quiet", TreatMissingData="notBreaching")
    assert state(cw, "quiet") == "OK"


def test_alarm_validation():
    cw = CloudWatch(VirtualClock())
    with pytest.raises(MetricsError):
        alarm_on(cw, ComparisonOperator="Bigger")
    with pytest.raises(MetricsError):
        alarm_on(cw, EvaluationPeriods=2, DatapointsToAlarm=3)
    assert cw.describe_alarms()["MetricAlarms"] == []


def test_alarm_on_the_service_metrics_fires_on_evictions():
    ec, r = single_node(maxmemory="2mb", maxmemory_policy="allkeys-lru")
    cw = ec.cloudwatch
    cw.put_metric_alarm(AlarmName="evicting", MetricName="Evictions", Namespace="AWS/ElastiCache",
                        Statistic="Sum", Dimensions=NODE, Period=60, EvaluationPeriods=1,
                        Threshold=0, ComparisonOperator="GreaterThanThreshold")
    ec.advance(60)
    assert state(cw, "evicting") == "OK"
    for i in range(400):
        r.set(f"key:{i}", "x" * 10_000)
    ec.advance(60)
    assert state(cw, "evicting") == "ALARM"
    ec.advance(60)
    assert state(cw, "evicting") == "OK"


def test_a_long_jump_keeps_a_day_of_datapoints_and_the_right_rates():
    ec, r = single_node()
    ec.advance(60)
    for _ in range(3000):
        r.get("x")                          # 3,000 misses, then 30 days pass at once
    ec.advance(30 * 86_400)
    points = ec.cloudwatch.series("CacheMisses", NODE)
    recent = [v for t, v in points if t >= ec.clock.now_ms() - 86_400_000]
    assert len(recent) == 1440
    assert recent[0] == pytest.approx(3000 / (30 * 1440))   # the rate, spread over the month
