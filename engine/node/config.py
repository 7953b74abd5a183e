"""Configuration parameters the engine honours (CONFIG GET / CONFIG SET).

Each parameter declares its type and bounds once; CONFIG SET validates through
the declaration and answers with redis-server 7.0's own error wording. Only
parameters that change the engine's behaviour are settable — plus a few
read-only ones (``save``, ``appendonly``, ``databases``) that tools such as
redis-benchmark ask for when they connect.

ElastiCache note: on ElastiCache you cannot run CONFIG SET; the same knobs are
set through *parameter groups* (for example ``maxmemory-policy``, whose
ElastiCache default is ``volatile-lru`` rather than Redis's ``noeviction``).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

EVICTION_POLICIES = (
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction",
)
INT_MAX = 2**31 - 1
LLONG_MAX = 2**63 - 1

_MEMORY_UNITS = {
    "": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2,
    "g": 1000**3, "gb": 1024**3,
}


class ConfigError(Exception):
    """A rejected CONFIG SET; the message is the part after ' - '."""


def parse_memory(text: str) -> int:
    """'100mb' -> 104857600, as redis.conf reads memory sizes (1k = 1000, 1kb = 1024)."""
    t = text.strip().lower()
    digits = t.rstrip("kmgb")
    unit = t[len(digits):]
    if unit not in _MEMORY_UNITS or not digits.lstrip("-").isdigit():
        raise ConfigError("argument must be a memory value")
    value = int(digits) * _MEMORY_UNITS[unit]
    if value < 0 or value > LLONG_MAX:
        raise ConfigError("argument must be a memory value")
    return value


@dataclass
class Param:
    name: str
    default: Any
    kind: str                                   # "int", "memory", "enum", "string", "bool"
    bounds: Tuple[int, int] = (0, INT_MAX)
    choices: Tuple[str, ...] = ()
    mutable: bool = True
    clamp: Optional[Callable[[int], int]] = None  # Redis silently clamps some values

    def parse(self, raw: str):
        if not self.mutable:
            raise ConfigError("can't set immutable config")
        if self.kind == "memory":
            return parse_memory(raw)
        if self.kind == "int":
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError("argument couldn't be parsed into an integer") from None
            lo, hi = self.bounds
            if not lo <= value <= hi:
                raise ConfigError(f"argument must be between {lo} and {hi} inclusive")
            return self.clamp(value) if self.clamp else value
        if self.kind == "enum":
            if raw.lower() not in self.choices:
                raise ConfigError(
                    "argument(s) must be one of the following: " + ", ".join(self.choices))
            return raw.lower()
        if self.kind == "bool":
            if raw.lower() not in ("yes", "no"):
                raise ConfigError("argument must be 'yes' or 'no'")
            return raw.lower() == "yes"
        return raw

    def render(self, value) -> str:
        if self.kind == "bool":
            return "yes" if value else "no"
        return str(value)


PARAMS: Dict[str, Param] = {p.name: p for p in (
    Param("maxmemory", 0, "memory"),
    Param("maxmemory-policy", "noeviction", "enum", choices=EVICTION_POLICIES),
    Param("maxmemory-samples", 5, "int", bounds=(1, INT_MAX)),
    Param("maxmemory-eviction-tenacity", 10, "int", bounds=(0, 100)),
    Param("lfu-log-factor", 10, "int"),
    Param("lfu-decay-time", 1, "int"),
    # hz below 1 or above 500 is clamped, not refused (server.c).
    Param("hz", 10, "int", clamp=lambda v: max(1, min(500, v))),
    Param("active-expire-effort", 1, "int", bounds=(1, 10)),
    Param("requirepass", "", "string"),
    Param("timeout", 0, "int"),
    Param("proto-max-bulk-len", 512 * 1024 * 1024, "memory"),
    Param("maxclients", 10000, "int", bounds=(1, INT_MAX)),
    # Encoding thresholds (redis-server 7.0 compiled defaults — redis.conf ships
    # 128 for hash-max-listpack-entries): small collections are stored
    # compactly (listpack / intset) until one of these limits is crossed.
    Param("hash-max-listpack-entries", 512, "int", bounds=(0, LLONG_MAX)),
    Param("hash-max-listpack-value", 64, "int", bounds=(0, LLONG_MAX)),
    Param("list-max-listpack-size", -2, "int", bounds=(-(2**31), INT_MAX)),
    Param("list-compress-depth", 0, "int"),
    Param("set-max-intset-entries", 512, "int", bounds=(0, LLONG_MAX)),
    Param("zset-max-listpack-entries", 128, "int", bounds=(0, LLONG_MAX)),
    Param("zset-max-listpack-value", 64, "int", bounds=(0, LLONG_MAX)),
    # HyperLogLogs stay in the compact sparse encoding up to this many bytes.
    Param("hll-sparse-max-bytes", 3000, "memory"),
    Param("stream-node-max-bytes", 4096, "memory"),
    Param("stream-node-max-entries", 100, "int", bounds=(0, LLONG_MAX)),
    Param("databases", 16, "int", mutable=False),
    Param("save", "", "string", mutable=False),
    Param("appendonly", False, "bool", mutable=False),
    Param("cluster-enabled", False, "bool", mutable=False),
)}


class Config:
    """The live values of :data:`PARAMS` for one node."""

    def __init__(self, **overrides):
        self._values: Dict[str, Any] = {name: p.default for name, p in PARAMS.items()}
        for key, value in overrides.items():
            name = key.replace("_", "-")
            if name not in PARAMS:
                raise TypeError(f"unknown configuration parameter {key!r}; the engine "
                                f"honours: {', '.join(sorted(PARAMS))}")
            if isinstance(value, bool):
                value = "yes" if value else "no"
            try:
                self.set(name, str(value), force=True)
            except ConfigError as exc:
                raise ValueError(f"{key}={value!r}: {exc}") from None

    def __getitem__(self, name: str):
        return self._values[name]

    def get(self, pattern: str) -> Dict[str, str]:
        """CONFIG GET semantics: a glob pattern, matched case-insensitively."""
        pattern = pattern.lower()
        if pattern in PARAMS:
            return {pattern: PARAMS[pattern].render(self._values[pattern])}
        return {name: PARAMS[name].render(self._values[name])
                for name in PARAMS if fnmatch.fnmatchcase(name, pattern)}

    def set(self, name: str, raw: str, *, force: bool = False) -> None:
        """Validate and apply one parameter; raises ConfigError with Redis's text."""
        param = PARAMS.get(name.lower())
        if param is None:
            raise KeyError(name)
        if force and not param.mutable:
            self._values[param.name] = Param(**{**param.__dict__, "mutable": True}).parse(raw)
            return
        self._values[param.name] = param.parse(raw)
