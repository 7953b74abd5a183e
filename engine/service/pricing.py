"""A cost model for ElastiCache designs: every price is an input with its source.

Nothing here is a live AWS price. The only prices in this project's sources
are **undated** (the fact sheet and the seeds give no date for them), and the
sources disagree with each other by orders of magnitude — which is itself a
lesson: price a design from the current AWS pricing page, not from memory.
So every figure lives in a :class:`PriceBook` that a learner can copy and
change::

    book = PriceBook.default()                        # the fact sheet's figures
    book = book.with_node_price("cache.m7g.large", 0.15, source="my quote, 2026-11")
    cost = nodes_cost(book, "cache.r6g.large", nodes=3, hours=720)

What each bill line means (fact sheet §4 and §6):

* **node-based**: every node is billed per node-hour of its type, whether busy or idle
  (primaries and replicas alike);
* **serverless**: data stored, in GB-hours (sampled several times a minute,
  averaged per hour, with a minimum), plus ECPUs (1 per KB transferred, more
  for vCPU-heavy commands — :mod:`engine.service.serverless`);
* **backups**: one backup per cache is free; storage beyond it is billed per GB-month;
* **data transfer**: no source of this project gives a price, so it is an
  input that defaults to 0 and says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, Optional

SEED_003 = "shared/seeds/003_d274069e85debe05.txt (Pricing table and Pricing Examples), undated"
FACTS_4 = ("shared/reference/elasticache-facts.md §4, quoting a usage.ai blog post "
           "('unofficial us-east-1 rates'), undated")
FAQ_BACKUP = "https://aws.amazon.com/elasticache/faqs/ via elasticache-facts.md §6, undated"
SEED_002_VALKEY = "shared/seeds/002_8671989d3a0cd9b4.txt ('20% lower pricing on node-based'), undated"

#: The seed's monthly figures assume a 30-day month: its rate-limiter scenario
#: counts "2.6M seconds/month" and bills 1 GB × 0.00012/GB-hour as 0.086/month
#: (0.00012 × 720 = 0.0864). We keep that convention for its scenarios.
SEED_HOURS_PER_MONTH = 720


@dataclass(frozen=True)
class Price:
    """One price: ``usd`` per ``unit``, where it comes from, and its date."""
    usd: float
    unit: str
    source: str
    date: str = "undated"

    def __post_init__(self):
        if not isinstance(self.usd, (int, float)) or self.usd < 0 or math.isnan(self.usd):
            raise ValueError(f"a price must be a number >= 0, got {self.usd!r}")


@dataclass(frozen=True)
class PriceBook:
    """All the prices the model uses. Copy it with :func:`dataclasses.replace`
    or the ``with_…`` helpers to try your own figures."""
    #: node type -> price per node-hour (on-demand)
    node_hour: Dict[str, Price]
    #: engine -> price per GB-hour of serverless data storage
    serverless_gb_hour: Dict[str, Price]
    #: engine -> price per million ECPUs
    serverless_million_ecpu: Dict[str, Price]
    #: engine -> minimum billed GB of serverless storage
    serverless_min_gb: Dict[str, Price]
    #: backup storage beyond the free one, per GB-month
    backup_gb_month: Price
    #: data transfer per GB (0 unless you set it: no source gives one)
    data_transfer_gb: Price
    #: fraction off node-hour prices for Valkey (0.20 = 20 % lower)
    valkey_node_discount: Price
    hours_per_month: float = SEED_HOURS_PER_MONTH
    notes: tuple = field(default_factory=tuple)

    # -- the default book ------------------------------------------------------
    @classmethod
    def default(cls) -> "PriceBook":
        """The figures the project's sources give (all undated)."""
        month = SEED_HOURS_PER_MONTH
        seed_monthly = {"cache.t4g.micro": 12, "cache.r6g.large": 69, "cache.r6g.xlarge": 138}
        node_hour = {name: Price(usd / month, "node-hour",
                                 f"{SEED_003}: {usd}/month ÷ {month} h")
                     for name, usd in seed_monthly.items()}
        return cls(
            node_hour=node_hour,
            serverless_gb_hour={"redis": Price(0.125, "GB-hour", FACTS_4),
                                "valkey": Price(0.084, "GB-hour", FACTS_4)},
            serverless_million_ecpu={"redis": Price(0.0034, "million ECPUs", FACTS_4),
                                     "valkey": Price(0.0023, "million ECPUs", FACTS_4)},
            # ⚠ The user guide says 1 GB minimum; the FAQ says 100 MB for Valkey
            # (fact sheet §4). We follow the FAQ for Valkey, the guide otherwise.
            serverless_min_gb={"redis": Price(1.0, "GB", "DG:WhatIs.corecomponents (fact sheet §4)"),
                               "valkey": Price(0.1, "GB", "FAQ (fact sheet §4)"),
                               "memcached": Price(1.0, "GB", "DG:WhatIs.corecomponents (fact sheet §4)")},
            backup_gb_month=Price(0.085, "GB-month", FAQ_BACKUP),
            data_transfer_gb=Price(0.0, "GB", "no price in the project's sources: set your own"),
            valkey_node_discount=Price(0.20, "fraction", SEED_002_VALKEY),
            notes=("Every price is undated: check https://aws.amazon.com/elasticache/pricing/.",
                   "The seed's node prices are monthly figures divided by its 720-hour month."),
        )

    @classmethod
    def seed_003(cls) -> "PriceBook":
        """The book seed 003's own scenarios use: its serverless storage price
        (0.00012 per GB-hour) and the ECPU price its scenario 2 implies
        (156 per month for 2.6 billion 1-ECPU requests = 0.06 per million)."""
        base = cls.default()
        gb = {e: Price(0.00012, "GB-hour", SEED_003) for e in ("redis", "valkey")}
        ecpu = {e: Price(156 / 2600, "million ECPUs", f"{SEED_003}: implied by 156/month "
                                                       "for 2.6B requests") for e in ("redis", "valkey")}
        return replace(base, serverless_gb_hour=gb, serverless_million_ecpu=ecpu)

    # -- changing it -------------------------------------------------------------
    def with_node_price(self, node_type: str, usd_per_hour: float, *, source: str,
                        date: str = "undated") -> "PriceBook":
        table = dict(self.node_hour)
        table[node_type] = Price(usd_per_hour, "node-hour", source, date)
        return replace(self, node_hour=table)

    def node_price(self, node_type: str, engine: str = "redis") -> float:
        """USD per node-hour for ``node_type`` (Valkey gets its discount)."""
        price = self.node_hour.get(node_type)
        if price is None:
            raise KeyError(f"no node-hour price for {node_type!r} in this PriceBook (priced: "
                           f"{', '.join(sorted(self.node_hour))}); add one with "
                           f"book.with_node_price({node_type!r}, usd, source=...)")
        usd = price.usd
        if engine == "valkey":
            usd *= 1 - self.valkey_node_discount.usd
        return usd

    def _engine_price(self, table: Dict[str, Price], engine: str, what: str) -> Price:
        if engine not in table:
            raise KeyError(f"no {what} price for engine {engine!r}; priced: {sorted(table)}")
        return table[engine]

    def sources(self) -> Iterable[dict]:
        """Every price with its unit and source (for a table in a lab)."""
        for name, p in sorted(self.node_hour.items()):
            yield {"item": f"node-hour {name}", "usd": p.usd, "unit": p.unit,
                   "source": p.source, "date": p.date}
        for label, table in (("serverless storage", self.serverless_gb_hour),
                             ("serverless ECPU", self.serverless_million_ecpu),
                             ("serverless minimum storage", self.serverless_min_gb)):
            for engine, p in sorted(table.items()):
                yield {"item": f"{label} ({engine})", "usd": p.usd, "unit": p.unit,
                       "source": p.source, "date": p.date}
        for label, p in (("backup storage", self.backup_gb_month),
                         ("data transfer", self.data_transfer_gb),
                         ("Valkey node discount", self.valkey_node_discount)):
            yield {"item": label, "usd": p.usd, "unit": p.unit, "source": p.source,
                   "date": p.date}


# ---------------------------------------------------------------------------
# Bill lines
# ---------------------------------------------------------------------------

def nodes_cost(book: PriceBook, node_type: str, nodes: int, hours: float,
               engine: str = "redis") -> float:
    """On-demand: ``nodes`` × ``hours`` × price per node-hour."""
    if nodes < 0 or hours < 0:
        raise ValueError("nodes and hours must be >= 0")
    return nodes * hours * book.node_price(node_type, engine)


def group_cost(book: PriceBook, node_type: str, shards: int, replicas: int, hours: float,
               engine: str = "redis") -> float:
    """A replication group: shards × (1 primary + replicas) nodes."""
    return nodes_cost(book, node_type, shards * (1 + replicas), hours, engine)


def serverless_storage_cost(book: PriceBook, gb_hours_by_hour: Iterable[float],
                            engine: str = "redis") -> float:
    """Storage: each hour's average GB (at least the minimum) × price per GB-hour."""
    price = book._engine_price(book.serverless_gb_hour, engine, "GB-hour").usd
    minimum = book._engine_price(book.serverless_min_gb, engine, "minimum storage").usd
    return sum(max(gb, minimum) * price for gb in gb_hours_by_hour)


def serverless_ecpu_cost(book: PriceBook, ecpus: float, engine: str = "redis") -> float:
    """ECPUs × price per million ECPUs."""
    if ecpus < 0:
        raise ValueError("ecpus must be >= 0")
    return ecpus / 1e6 * book._engine_price(book.serverless_million_ecpu, engine, "ECPU").usd


def backup_cost(book: PriceBook, backup_gb: Iterable[float], months: float = 1.0) -> float:
    """Backups: the first one is free, the others cost GB-month each."""
    sizes = sorted(backup_gb, reverse=True)
    billed = sum(sizes[1:])
    return billed * months * book.backup_gb_month.usd


def transfer_cost(book: PriceBook, gb: float) -> float:
    return gb * book.data_transfer_gb.usd


@dataclass
class Bill:
    """A bill broken into lines (USD)."""
    lines: Dict[str, float] = field(default_factory=dict)

    def add(self, line: str, usd: float) -> "Bill":
        self.lines[line] = self.lines.get(line, 0.0) + usd
        return self

    @property
    def total(self) -> float:
        return sum(self.lines.values())

    def __repr__(self) -> str:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in self.lines.items())
        return f"Bill(total {self.total:.2f}: {parts})"


# ---------------------------------------------------------------------------
# The seeds' scenarios, recomputed
# ---------------------------------------------------------------------------

def seed_scenarios(book: Optional[PriceBook] = None) -> Dict[str, dict]:
    """Seed 003's two "Pricing Examples" recomputed with ``book`` (default:
    :meth:`PriceBook.seed_003`, the prices the seed itself implies).

    1. A session store on 3 × cache.r6g.large (Multi-AZ): 3 nodes × 720 h.
    2. A rate limiter on serverless Redis OSS: 1,000 requests/s for 2.6 M
       seconds (2.6 billion 1-ECPU requests) plus 1 GB stored all month,
       against one cache.r6g.large running all month."""
    book = book or PriceBook.seed_003()
    hours = book.hours_per_month
    session = group_cost(book, "cache.r6g.large", shards=1, replicas=2, hours=hours)
    requests = 1000 * 2.6e6
    ecpu = serverless_ecpu_cost(book, requests, "redis")
    storage = serverless_storage_cost(book, [1.0] * int(hours), "redis")
    node = nodes_cost(book, "cache.r6g.large", 1, hours)
    return {
        "session-store": {"design": "3 × cache.r6g.large, Multi-AZ", "monthly_usd": session,
                          "seed_says": 207},
        "rate-limiter": {"design": "serverless Redis OSS, 1,000 req/s, 1 GB",
                         "ecpu_usd": ecpu, "storage_usd": storage,
                         "monthly_usd": ecpu + storage, "node_alternative_usd": node,
                         "ratio": (ecpu + storage) / node if node else float("inf"),
                         "seed_says": "156 + 0.086 vs 69 (2.2x)"},
    }
