"""Names the control plane hands out: identifiers, endpoints, ARNs, AZs.

Everything is derived from the service's seed, so two runs with the same seed
print the same endpoints. The formats follow what ElastiCache shows (fact
sheet §1, "Endpoints"; https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html):

* cluster mode disabled — a **primary endpoint** that follows the primary
  (``shop.abc123.ng.0001.use1.cache.amazonaws.com``) and a **reader
  endpoint** over the replicas (``shop-ro.abc123.ng.0001.use1…``);
* cluster mode enabled — one **configuration endpoint**
  (``shop.abc123.clustercfg.use1.cache.amazonaws.com``);
* Memcached — a configuration endpoint (``…cfg.use1…``) for Auto Discovery;
* every node — its own endpoint (``shop-0001-001.abc123.0001.use1…``).

``abc123`` is one random id per account and Region, as on AWS.
"""
from __future__ import annotations

import re
from typing import List

from . import limits

_DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
               "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"}

_ID_RULE = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-))*$")


def region_code(region: str) -> str:
    """``us-east-1`` → ``use1``, ``ap-southeast-2`` → ``apse2`` (the short
    form endpoint names use)."""
    parts = region.split("-")
    if len(parts) < 3 or not parts[-1].isdigit():
        raise ValueError(f"not an AWS Region name: {region!r} (e.g. 'us-east-1')")
    middle = "".join(_DIRECTIONS.get(p, p[:1]) for p in parts[1:-1])
    return f"{parts[0]}{middle}{parts[-1]}"


def availability_zones(region: str) -> List[str]:
    return [f"{region}{letter}" for letter in limits.AZ_LETTERS]


def check_identifier(value, max_length: int) -> str:
    """The API's naming rule (1..max letters, digits, hyphens; a letter first;
    no trailing or doubled hyphen). Returns the lowercase form (the service
    stores identifiers lowercase) or raises ValueError with the reason."""
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty string")
    low = value.lower()
    if len(low) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    if not low[0].isalpha():
        raise ValueError("must begin with a letter")
    if low.endswith("-"):
        raise ValueError("cannot end with a hyphen")
    if not _ID_RULE.match(low):
        raise ValueError("may contain only letters, digits and single hyphens")
    return low


class Namer:
    """Endpoint and ARN names for one account in one Region."""

    def __init__(self, region: str, account_id: str, suffix: str):
        self.region = region
        self.code = region_code(region)
        self.account_id = account_id
        self.suffix = suffix            # the per-account, per-Region id ("abc123")

    def _dns(self, *labels: str) -> str:
        return ".".join(labels + (self.code, "cache.amazonaws.com"))

    def primary_endpoint(self, group: str, shard: str = "0001") -> str:
        return self._dns(group, self.suffix, "ng", shard)

    def reader_endpoint(self, group: str, shard: str = "0001") -> str:
        return self._dns(f"{group}-ro", self.suffix, "ng", shard)

    def cluster_configuration_endpoint(self, group: str) -> str:
        return self._dns(group, self.suffix, "clustercfg")

    def memcached_configuration_endpoint(self, cluster: str) -> str:
        return self._dns(cluster, self.suffix, "cfg")

    def node_endpoint(self, cache_cluster: str, node_id: str = "0001") -> str:
        return self._dns(cache_cluster, self.suffix, node_id)

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:elasticache:{self.region}:{self.account_id}:{kind}:{name}"
