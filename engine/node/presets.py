"""Node presets: a node configured the way a managed service configures it.

``elasticache_node("1gb")`` behaves like an ElastiCache for Valkey/Redis OSS
node with that much memory under the *default parameter group*:

* ``maxmemory-policy volatile-lru`` — Redis's own default is ``noeviction``
  (shared/reference/elasticache-facts.md §8, from the ElastiCache parameter
  group docs);
* ``reserved-memory-percent 25`` — a quarter of the node's memory is kept back
  for replication buffers, forks and fragmentation, so ``maxmemory`` is 75% of
  the node's memory, and on ElastiCache ``maxmemory`` itself cannot be changed
  (same source);
* ``maxmemory-samples 3`` — the value of the 2021 parameter-group page (the
  reference flags it as uncertain; Redis's default is 5).
"""
from __future__ import annotations

from typing import Optional

from ..clock import Clock
from .config import ConfigError, parse_memory
from .node import Node

ELASTICACHE_DEFAULTS = {
    "maxmemory-policy": "volatile-lru",
    "maxmemory-samples": 3,
}
RESERVED_MEMORY_PERCENT = 25


def elasticache_node(node_memory: str = "1gb", *, clock: Optional[Clock] = None,
                     seed: int = 0, reserved_memory_percent: int = RESERVED_MEMORY_PERCENT,
                     **config) -> Node:
    """A :class:`Node` with ElastiCache's default parameter group applied.
    ``node_memory`` is the node's memory ("1gb", "512mb" …); ``config``
    overrides individual parameters (``maxmemory_policy="allkeys-lfu"``)."""
    if not 0 <= reserved_memory_percent < 100:
        raise ValueError("reserved_memory_percent must be between 0 and 99")
    try:
        total = parse_memory(str(node_memory))
    except ConfigError:
        raise ValueError(f"node_memory={node_memory!r} is not a memory size; "
                         "write it like '512mb' or '1gb'") from None
    settings = {k.replace("-", "_"): v for k, v in ELASTICACHE_DEFAULTS.items()}
    settings["maxmemory"] = total * (100 - reserved_memory_percent) // 100
    settings.update(config)
    node = Node(clock, seed=seed, **settings)
    node.preset = {"service": "elasticache", "node_memory": total,
                   "reserved_memory_percent": reserved_memory_percent}
    return node
