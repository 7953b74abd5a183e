"""Node types: memory, vCPUs and network of every current-generation type, each row sourced.

A node type (``cache.r7g.large``) fixes how much a node can hold and how
fast it can work. ElastiCache publishes the memory as the ``maxmemory``
parameter of each type; you cannot change it. Part of that memory is kept
back for the engine's own work (forks for backups, replication buffers):
``reserved-memory-percent``, **25 % by default**, so a cache.r6g.large
(13.07 GiB) holds about 9.8 GiB of data before it starts evicting.

>>> from engine.service.node_types import node_type, usable_memory_bytes
>>> node_type("cache.r6g.large").vcpus
2
>>> round(usable_memory_bytes("cache.r6g.large") / 2**30, 2)
9.8

Where each column comes from (``NodeType.sources`` names them per row):

* ``memory_bytes`` — the "Redis OSS node-type specific parameters" table of
  https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html
  (stored copy: awsdocs/amazon-elasticache-docs doc_source/redis/ParameterGroups.Redis.md).
* ``vcpus`` — ElastiCache node types run on the EC2 instance of the same
  family and size, and the ElastiCache node-types page sends readers to the
  EC2 instance-type pages for per-type performance
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html →
  https://docs.aws.amazon.com/ec2/latest/instancetypes/). The counts follow EC2's
  sizes (large = 2, xlarge = 4, … 16xlarge = 64; t2.micro/small = 1). ⚠ Not
  restated on an ElastiCache page: treat them as EC2's numbers.
* ``network_baseline_gbps`` / ``network_burst_gbps`` — the bandwidth table of
  CacheNodes.SupportedTypes (current generation, Memcached), given for the
  M7g, M6g, M5, M4 and T4g.micro rows only; ``None`` where we have no source.
* the families themselves — fact sheet §1 (API:CacheNode), the same list
  as :data:`engine.service.limits.CURRENT_NODE_TYPES`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from . import limits

#: Default reserved-memory-percent on ElastiCache (Valkey / Redis OSS).
#: Source: fact sheet §8 — awsdocs/amazon-elasticache-docs@6ea3dbf
#: doc_source/redis/redis-memory-management.md ("reserved-memory-percent defaults to 25").
DEFAULT_RESERVED_MEMORY_PERCENT = 25

SRC_MEMORY = ("https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html "
              "(Redis OSS node-type specific parameters: maxmemory)")
SRC_VCPUS = ("https://docs.aws.amazon.com/ec2/latest/instancetypes/ (EC2 size of the same "
             "name, linked from DG:CacheNodes.SupportedTypes)")
SRC_NETWORK = ("https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html "
               "(baseline / burst bandwidth table)")
SRC_FAMILY = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheNode.html"

#: maxmemory in bytes, per node type (SRC_MEMORY, copied digit for digit).
_MAXMEMORY: Dict[str, int] = {
    "cache.t2.micro": 581959680, "cache.t2.small": 1665138688, "cache.t2.medium": 3461349376,
    "cache.t3.micro": 536870912, "cache.t3.small": 1471026299, "cache.t3.medium": 3317862236,
    "cache.t4g.micro": 536870912, "cache.t4g.small": 1471026299,
    "cache.t4g.medium": 3317862236,
    "cache.m4.large": 6892593152, "cache.m4.xlarge": 15328501760,
    "cache.m4.2xlarge": 31889126359, "cache.m4.4xlarge": 65257290629,
    "cache.m4.10xlarge": 166047614239,
    "cache.m5.large": 6854542746, "cache.m5.xlarge": 13891921715,
    "cache.m5.2xlarge": 27966669210, "cache.m5.4xlarge": 56116178125,
    "cache.m5.12xlarge": 168715971994, "cache.m5.24xlarge": 337500562842,
    "cache.m6g.large": 6854542746, "cache.m6g.xlarge": 13891921715,
    "cache.m6g.2xlarge": 27966669210, "cache.m6g.4xlarge": 56116178125,
    "cache.m6g.8xlarge": 111325552312, "cache.m6g.12xlarge": 168715971994,
    "cache.m6g.16xlarge": 225000375228,
    "cache.m7g.large": 6854542746, "cache.m7g.xlarge": 13891921715,
    "cache.m7g.2xlarge": 27966669210, "cache.m7g.4xlarge": 56116178125,
    "cache.m7g.8xlarge": 111325552312, "cache.m7g.12xlarge": 168715971994,
    "cache.m7g.16xlarge": 225000375228,
    "cache.r4.large": 13201781556, "cache.r4.xlarge": 26898228839,
    "cache.r4.2xlarge": 54197537997, "cache.r4.4xlarge": 108858546586,
    "cache.r4.8xlarge": 218255432090, "cache.r4.16xlarge": 437021573120,
    "cache.r5.large": 14037181030, "cache.r5.xlarge": 28261849702,
    "cache.r5.2xlarge": 56711183565, "cache.r5.4xlarge": 113609865216,
    "cache.r5.12xlarge": 341206346547, "cache.r5.24xlarge": 682485973811,
    "cache.r6g.large": 14037181030, "cache.r6g.xlarge": 28261849702,
    "cache.r6g.2xlarge": 56711183565, "cache.r6g.4xlarge": 113609865216,
    "cache.r6g.8xlarge": 225000375228, "cache.r6g.12xlarge": 341206346547,
    "cache.r6g.16xlarge": 450000750456,
    "cache.r6gd.xlarge": 28261849702, "cache.r6gd.2xlarge": 56711183565,
    "cache.r6gd.4xlarge": 113609865216, "cache.r6gd.8xlarge": 225000375228,
    "cache.r6gd.12xlarge": 341206346547, "cache.r6gd.16xlarge": 450000750456,
    "cache.r7g.large": 14037181030, "cache.r7g.xlarge": 28261849702,
    "cache.r7g.2xlarge": 56711183565, "cache.r7g.4xlarge": 113609865216,
    "cache.r7g.8xlarge": 225000375228, "cache.r7g.12xlarge": 341206346547,
    "cache.r7g.16xlarge": 450000750456,
    "cache.c7gn.large": 3317862236, "cache.c7gn.xlarge": 6854542746,
    "cache.c7gn.2xlarge": 13891921715, "cache.c7gn.4xlarge": 27966669210,
    "cache.c7gn.8xlarge": 56116178125, "cache.c7gn.12xlarge": 84357985997,
    "cache.c7gn.16xlarge": 113609865216,
}

#: vCPUs by EC2 size name (SRC_VCPUS). Burstable t2.micro/small have one.
_VCPUS_BY_SIZE = {"micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4,
                  "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "10xlarge": 40,
                  "12xlarge": 48, "16xlarge": 64, "24xlarge": 96}
_VCPUS_EXCEPTIONS = {"cache.t2.micro": 1, "cache.t2.small": 1}

#: (baseline, burst) Gbps where SRC_NETWORK gives them; burst None = "not applicable".
_NETWORK: Dict[str, Tuple[float, Optional[float]]] = {
    "cache.m7g.large": (0.937, 12.5), "cache.m7g.xlarge": (1.876, 12.5),
    "cache.m7g.2xlarge": (3.75, 15.0), "cache.m7g.4xlarge": (7.5, 15.0),
    "cache.m7g.8xlarge": (15.0, None), "cache.m7g.12xlarge": (22.5, None),
    "cache.m7g.16xlarge": (30.0, None),
    "cache.m6g.large": (0.75, 10.0), "cache.m6g.xlarge": (1.25, 10.0),
    "cache.m6g.2xlarge": (2.5, 10.0), "cache.m6g.4xlarge": (5.0, 10.0),
    "cache.m6g.8xlarge": (12.0, None), "cache.m6g.12xlarge": (20.0, None),
    "cache.m6g.16xlarge": (25.0, None),
    "cache.m5.large": (0.75, 10.0), "cache.m5.xlarge": (1.25, 10.0),
    "cache.m5.2xlarge": (2.5, 10.0), "cache.m5.4xlarge": (5.0, 10.0),
    "cache.m4.large": (0.45, 1.2), "cache.m4.xlarge": (0.75, 2.8),
    "cache.m4.2xlarge": (1.0, 10.0), "cache.m4.4xlarge": (2.0, 10.0),
    "cache.m4.10xlarge": (5.0, 10.0),
    "cache.t4g.micro": (0.064, 5.0),
}


@dataclass(frozen=True)
class NodeType:
    """One row of the table. ``memory_bytes`` is ElastiCache's maxmemory."""
    name: str
    family: str
    size: str
    memory_bytes: int
    vcpus: int
    network_baseline_gbps: Optional[float] = None
    network_burst_gbps: Optional[float] = None
    data_tiering: bool = False
    sources: Dict[str, str] = field(default_factory=dict)

    @property
    def memory_gib(self) -> float:
        return self.memory_bytes / 2**30

    def usable_memory_bytes(self, reserved_memory_percent: float = DEFAULT_RESERVED_MEMORY_PERCENT) -> int:
        """Bytes left for data after ``reserved-memory-percent`` is held back."""
        return usable_memory_bytes(self, reserved_memory_percent)


def _build() -> Dict[str, NodeType]:
    table = {}
    for family, names in limits.CURRENT_NODE_TYPES.items():
        for name in names:
            size = name.split(".")[2]
            net = _NETWORK.get(name)
            sources = {"family": SRC_FAMILY, "memory_bytes": SRC_MEMORY, "vcpus": SRC_VCPUS}
            if net is not None:
                sources["network"] = SRC_NETWORK
            table[name] = NodeType(
                name=name, family=family, size=size, memory_bytes=_MAXMEMORY[name],
                vcpus=_VCPUS_EXCEPTIONS.get(name, _VCPUS_BY_SIZE[size]),
                network_baseline_gbps=net[0] if net else None,
                network_burst_gbps=net[1] if net else None,
                data_tiering=family in limits.DATA_TIERING_FAMILIES, sources=sources)
    return table


#: Every current-generation node type, by name.
NODE_TYPES: Dict[str, NodeType] = _build()


def node_type(name) -> NodeType:
    """The row for ``name``; ValueError naming close matches when unknown."""
    row = NODE_TYPES.get(name)
    if row is None:
        family = str(name).split(".")[1] if str(name).count(".") == 2 else ""
        near = sorted(n for n in NODE_TYPES if n.split(".")[1] == family) or sorted(NODE_TYPES)[:5]
        raise ValueError(f"unknown node type {name!r}; e.g. {', '.join(near[:7])}")
    return row


def usable_memory_bytes(name_or_row, reserved_memory_percent: float = DEFAULT_RESERVED_MEMORY_PERCENT) -> int:
    """maxmemory × (1 − reserved-memory-percent / 100), in bytes."""
    row = name_or_row if isinstance(name_or_row, NodeType) else node_type(name_or_row)
    if not 0 <= reserved_memory_percent < 100:
        raise ValueError("reserved_memory_percent must be in [0, 100)")
    return int(row.memory_bytes * (100 - reserved_memory_percent) / 100)


def rows(family: Optional[str] = None) -> List[dict]:
    """The table as plain dicts (for viz.table), optionally one family."""
    out = []
    for row in NODE_TYPES.values():
        if family is not None and row.family != family:
            continue
        out.append({"node type": row.name, "memory GiB": round(row.memory_gib, 2),
                    "usable GiB (25% reserved)": round(row.usable_memory_bytes() / 2**30, 2),
                    "vCPUs": row.vcpus, "network baseline Gbps": row.network_baseline_gbps,
                    "data tiering": row.data_tiering})
    return out
