"""The lab's figures and sizing panel are built from the models' results."""
from __future__ import annotations

import pytest

from engine.service import pricing, simulate, tiering
from engine.service.simulate import Workload

vz = pytest.importorskip("engine.viz.scaling")


@pytest.fixture(scope="module")
def days():
    w = Workload(shape="spiky", peak_rps=50_000, keys=100, spikes=1)
    nodes = simulate.simulate_nodes(w, shards=1, samples_per_step=5, step_seconds=1800)
    sls = simulate.simulate_serverless(w, samples_per_step=5, step_seconds=1800)
    return nodes, sls


def test_day_figure_has_demand_and_four_series_per_design(days):
    fig = vz.day_figure(list(days))
    assert len(fig.data) == 1 + 4 * 2
    assert list(fig.data[0].y) == days[0].demand_rps
    hourly = [t for t in fig.data if t.type == "bar"]
    assert [list(t.y) for t in hourly] == [d.hourly_cost() for d in days]
    assert sum(days[0].hourly_cost()) == pytest.approx(days[0].total_cost)


def test_dashboard_and_alarm_rows(days):
    nodes = days[0]
    cw = nodes.service.cloudwatch
    dims = {"CacheClusterId": "day-0001-001", "CacheNodeId": "0001"}
    fig = vz.dashboard_figure(cw, dims, ["EngineCPUUtilization", "CacheHits"],
                              start_ms=nodes.start_ms)
    assert len(fig.data) == 2
    assert len(fig.data[0].x) == len(cw.series("EngineCPUUtilization", dims))


def test_breakeven_and_tiering_figures():
    rows = simulate.breakeven([1000, 100_000], 0.5, pricing.PriceBook.default())
    fig = vz.breakeven_figure(rows)
    assert [list(t.y) for t in fig.data] == [[r["nodes_usd"] for r in rows],
                                             [r["serverless_usd"] for r in rows]]
    sweep = tiering.sweep_hot_share((0.1, 0.5), keys=100, reads=300)
    assert len(vz.tiering_figure(sweep).data) == 2


def test_budget_sizer_rows():
    pytest.importorskip("ipywidgets")
    sizer = vz.BudgetSizer(pricing.PriceBook.default())
    sizer.budget.value = 150
    rows = sizer.rows()
    assert any(r["node type"] == "serverless" for r in rows)
    assert [r["within budget"] for r in rows] == [r["monthly_usd"] <= 150 for r in rows]
