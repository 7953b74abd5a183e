"""The node types table: every current type has a sourced row; usable memory after reserved memory."""
from __future__ import annotations

import pytest

from engine.service import limits
from engine.service.node_types import (DEFAULT_RESERVED_MEMORY_PERCENT, NODE_TYPES, node_type,
                                       rows, usable_memory_bytes)


def test_every_current_node_type_has_a_row():
    assert set(NODE_TYPES) == set(limits.NODE_TYPES)


@pytest.mark.parametrize("name", sorted(NODE_TYPES))
def test_every_row_is_sourced(name):
    row = NODE_TYPES[name]
    assert row.memory_bytes > 0 and row.vcpus >= 1
    for column in ("family", "memory_bytes", "vcpus"):
        assert row.sources[column].startswith("https://"), (name, column)
    if row.network_baseline_gbps is not None:
        assert row.sources["network"].startswith("https://")


def test_published_maxmemory_values():
    # ParameterGroups.Engine, "Redis OSS node-type specific parameters"
    assert NODE_TYPES["cache.r6g.large"].memory_bytes == 14037181030
    assert round(NODE_TYPES["cache.r6g.large"].memory_gib, 2) == 13.07
    assert NODE_TYPES["cache.t3.micro"].memory_bytes == 536870912      # 0.5 GiB
    assert NODE_TYPES["cache.m7g.16xlarge"].memory_bytes == 225000375228


def test_memory_and_vcpus_grow_with_size_inside_a_family():
    for family, names in limits.CURRENT_NODE_TYPES.items():
        mem = [NODE_TYPES[n].memory_bytes for n in names]
        cpus = [NODE_TYPES[n].vcpus for n in names]
        assert mem == sorted(mem), family
        assert cpus == sorted(cpus), family


def test_vcpus_follow_ec2_sizes():
    assert node_type("cache.r7g.large").vcpus == 2
    assert node_type("cache.r7g.xlarge").vcpus == 4
    assert node_type("cache.m5.24xlarge").vcpus == 96
    assert node_type("cache.t2.micro").vcpus == 1


def test_usable_memory_keeps_back_25_percent_by_default():
    assert DEFAULT_RESERVED_MEMORY_PERCENT == 25
    assert usable_memory_bytes("cache.r6g.large") == int(14037181030 * 0.75)
    assert usable_memory_bytes("cache.r6g.large", 0) == 14037181030
    assert usable_memory_bytes("cache.r6g.large", 50) == 14037181030 // 2


def test_data_tiering_rows():
    tiered = {n for n, r in NODE_TYPES.items() if r.data_tiering}
    assert tiered == set(limits.CURRENT_NODE_TYPES["r6gd"])


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="cache.r7g"):
        node_type("cache.r7g.huge")
    with pytest.raises(ValueError):
        usable_memory_bytes("cache.r7g.large", 100)


def test_rows_for_a_family():
    out = rows("r7g")
    assert [r["node type"] for r in out] == list(limits.CURRENT_NODE_TYPES["r7g"])
    assert out[0]["usable GiB (25% reserved)"] == round(14037181030 * 0.75 / 2**30, 2)
