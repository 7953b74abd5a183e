"""The day simulation (bills against hand arithmetic) and the data tiering rule."""
from __future__ import annotations

import pytest

from engine.node.node import Node
from engine.service import pricing, simulate, tiering
from engine.service.simulate import Workload


def test_workload_shapes():
    diurnal = Workload(shape="diurnal", peak_rps=1000).rates(3600)
    assert len(diurnal) == 24
    assert diurnal.index(min(diurnal)) == 3 and diurnal.index(max(diurnal)) == 15
    assert max(diurnal) == pytest.approx(1000)
    assert set(Workload(shape="steady", peak_rps=10).rates()) == {10}
    spiky = Workload(shape="spiky", peak_rps=100, spikes=2).rates()
    assert max(spiky) == 100 and min(spiky) == 15
    with pytest.raises(ValueError):
        Workload(shape="weekly")


def test_fixed_nodes_bill_is_node_hours_times_price():
    book = pricing.PriceBook.default()
    day = simulate.simulate_nodes(Workload(shape="steady", peak_rps=1000, keys=100),
                                  shards=2, replicas=1, book=book, samples_per_step=5,
                                  step_seconds=1800)
    # 2 shards × 2 nodes × 24 h × (69 / 720) × 0.8 (Valkey)
    assert day.total_cost == pytest.approx(4 * 24 * 69 / 720 * 0.8)
    assert day.throttled_share == 0


def test_serverless_bill_is_ecpus_plus_gb_hours():
    book = pricing.PriceBook.default()
    w = Workload(shape="steady", peak_rps=1000, data_gb=2.0, keys=200, value_bytes=500)
    day = simulate.simulate_serverless(w, book=book, samples_per_step=20, step_seconds=1800)
    requests = 1000 * 86_400
    # ≤ 1 KB requests cost 1 ECPU each; nothing is throttled at 1,000 ECPU/s
    assert day.throttled_share == 0
    assert day.bill.lines["ECPUs"] == pytest.approx(requests / 1e6 * 0.0023, rel=1e-6)
    # 24 hours × ~2 GB × 0.084 (the data set is scaled to 2 GB at the start)
    assert day.bill.lines["GB-hours"] == pytest.approx(24 * 2.0 * 0.084, rel=0.02)


def test_serverless_throttles_a_sudden_burst_until_it_has_doubled_enough():
    w = Workload(shape="steady", peak_rps=50_000, keys=100)
    day = simulate.simulate_serverless(w, samples_per_step=10, step_seconds=300)
    assert day.throttled_rps[0] > 0 and day.throttled_rps[-1] == 0


def test_budget_sizing_and_breakeven():
    book = pricing.PriceBook.default()
    rows = simulate.size_for_budget(200, 100_000, 20_000, 10, book)
    assert any(r["node type"] == "serverless" for r in rows)
    assert all(r["within budget"] == (r["monthly_usd"] <= 200) for r in rows)
    assert not any(r["node type"].startswith("cache.t") for r in rows)
    even = simulate.breakeven([1000, 1_000_000], 5, book)
    assert even[0]["serverless_usd"] < even[1]["serverless_usd"]


# -- data tiering -------------------------------------------------------------------

def test_lru_values_move_to_ssd_and_come_back_with_extra_latency():
    t = tiering.TieredNode(Node(), dram_bytes=3 * 100)
    for k in ("a", "b", "c", "d"):
        t.set(k, b"x" * 100)                 # four values, room for three
    assert set(t.on_ssd) == {b"a"} and t.moves_to_ssd == 1
    value, latency = t.get("a")
    assert value == b"x" * 100
    assert latency == tiering.BASE_LATENCY_US + tiering.SSD_EXTRA_LATENCY_US
    assert set(t.on_ssd) == {b"b"}           # reading a pushed the next LRU value out
    assert t.get("d")[1] == tiering.BASE_LATENCY_US
    assert t.get("missing") == (None, tiering.BASE_LATENCY_US)


def test_hot_share_sweep():
    rows = tiering.sweep_hot_share((0.1, 0.8), keys=400, reads=2000)
    assert rows[0]["ssd_read_share"] < rows[1]["ssd_read_share"]
    assert rows[0]["good_fit"] and not rows[1]["good_fit"]


def test_tiered_nodes_hold_4_8_times_more():
    assert tiering.nodes_needed(100, "cache.r6gd.xlarge") == 1
    assert tiering.nodes_needed(100, "cache.r6g.xlarge") == 5      # 21.2 GB usable each
    out = tiering.compare(100, pricing.PriceBook.default())
    assert out["memory"]["monthly_usd"] == pytest.approx(5 * 720 * 138 / 720)
    assert out["tiered"]["monthly_usd"] is None                    # no sourced R6gd price
