"""The cost model against hand-computed bills from the cited (undated) prices."""
from __future__ import annotations

import dataclasses

import pytest

from engine.service import pricing as p


def test_every_price_is_sourced_and_dated_or_undated():
    for book in (p.PriceBook.default(), p.PriceBook.seed_003()):
        for row in book.sources():
            assert row["source"], row
            assert row["date"] == "undated" or row["date"][:2] == "20"


def test_seed_node_prices_are_monthly_over_720_hours():
    book = p.PriceBook.default()
    assert book.node_price("cache.r6g.large") == pytest.approx(69 / 720)
    assert p.nodes_cost(book, "cache.r6g.large", 3, 720) == pytest.approx(207)   # seed: 207/month


def test_valkey_discount():
    book = p.PriceBook.default()
    assert book.node_price("cache.r6g.large", "valkey") == pytest.approx(69 / 720 * 0.8)


def test_group_cost_counts_every_node():
    book = p.PriceBook.default()
    # 2 shards × (1 primary + 2 replicas) = 6 nodes × 24 h
    assert p.group_cost(book, "cache.r6g.xlarge", 2, 2, 24) == pytest.approx(6 * 24 * 138 / 720)


def test_unpriced_node_type_says_how_to_price_it():
    book = p.PriceBook.default()
    with pytest.raises(KeyError, match="with_node_price"):
        book.node_price("cache.m7g.large")
    mine = book.with_node_price("cache.m7g.large", 0.5, source="test quote", date="2026-11-22")
    assert p.nodes_cost(mine, "cache.m7g.large", 2, 10) == pytest.approx(10.0)


def test_serverless_bill():
    book = p.PriceBook.default()
    # Valkey (fact sheet §4): 0.0023 per million ECPUs, 0.084 per GB-hour
    assert p.serverless_ecpu_cost(book, 5e9, "valkey") == pytest.approx(5000 * 0.0023)
    # hours below the 0.1 GB Valkey minimum are billed at the minimum
    assert p.serverless_storage_cost(book, [2.0, 0.01, 0.5], "valkey") == pytest.approx(
        (2.0 + 0.1 + 0.5) * 0.084)
    # Redis OSS minimum is 1 GB
    assert p.serverless_storage_cost(book, [0.5], "redis") == pytest.approx(0.125)


def test_backups_first_one_free():
    book = p.PriceBook.default()
    assert p.backup_cost(book, [10.0]) == 0
    assert p.backup_cost(book, [10.0, 4.0, 6.0], months=2) == pytest.approx((4 + 6) * 2 * 0.085)


def test_data_transfer_defaults_to_zero_and_can_be_set():
    book = p.PriceBook.default()
    assert p.transfer_cost(book, 100) == 0
    book = dataclasses.replace(book, data_transfer_gb=p.Price(0.01, "GB", "my assumption"))
    assert p.transfer_cost(book, 100) == pytest.approx(1.0)


def test_seed_scenarios_recomputed():
    out = p.seed_scenarios()
    assert out["session-store"]["monthly_usd"] == pytest.approx(207)
    rl = out["rate-limiter"]
    assert rl["ecpu_usd"] == pytest.approx(156)
    assert rl["storage_usd"] == pytest.approx(0.00012 * 720)         # seed: "0.086/month"
    assert rl["node_alternative_usd"] == pytest.approx(69)
    assert rl["ratio"] == pytest.approx(2.26, abs=0.01)                # seed: "2.2x"
    # with the fact sheet's Redis OSS rates the same scenario costs less
    other = p.seed_scenarios(p.PriceBook.default())["rate-limiter"]
    assert other["ecpu_usd"] == pytest.approx(2600 * 0.0034)
    assert other["storage_usd"] == pytest.approx(720 * 0.125)


def test_bad_prices_refused():
    with pytest.raises(ValueError):
        p.Price(-1, "GB", "x")
    with pytest.raises(ValueError):
        p.nodes_cost(p.PriceBook.default(), "cache.r6g.large", -1, 1)
