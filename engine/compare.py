"""Valkey/Redis OSS or Memcached? Find out by *trying* things, then recommend.

Lab 01 compares the two engine families on the servers themselves rather than on
a table copied from the documentation. This module holds everything that lab
needs besides plotting, so the notebook stays thin:

``probe_redis(client)``
    Try commands on a Redis-protocol server (the embedded engine, fakeredis, a
    real Redis/Valkey or an ElastiCache endpoint) and record what happened:
    data types, size limits, multi-key commands, transactions, scripting,
    pub/sub, TTL resolution, persistence, replication and threads. Every
    finding keeps its *evidence*: the command sent and the reply received.
``probe_memcached(target)``
    The same for memcached, over its text protocol: a :class:`MemcachedNode`,
    a ``"host:port"`` string, or a pymemcache client (its server address is
    used; the probe opens its own short connections so that it can show the
    exact reply lines).
``feature_table(redis_probe, memcached_probe)``
    Rows for a side-by-side table; :func:`table_html` / :func:`table_markdown`
    render them, and :func:`side_by_side` prints the tries behind a few rows.
    A refused command is told apart from a missing feature: when a server
    answers "unknown command" for something the real product has (per the
    cited capability list :data:`FEATURES`), the status is ``"not in this
    build"``, not ``"no"``.
``recommend(requirements)``
    Decision rules from the ElastiCache documentation and the course notes in
    ``shared/``: returns a :class:`Recommendation` (engine, reasons, cautions),
    every reason with its source. :data:`REQUIREMENTS` lists the inputs.
``restart_redis(node)`` / ``restart_memcached(node)``
    What a process restart leaves of an embedded node: its settings, and no
    data (neither engine here writes anything to disk).
``Chooser``
    The "which engine?" panel (ipywidgets, imported only when it is built).

Probes write only keys under their ``prefix`` (default ``lab01:probe:``) and
delete them afterwards; they never change a server's configuration, never save
and never touch replication (only read-only commands such as ``INFO``,
``CONFIG GET``, ``ROLE`` and ``LASTSAVE``). The memcached probe stores a few
values of about 1 MiB while it looks for the item size limit; the Redis probe
one of 2 MiB. Importing this module imports neither Jupyter nor plotly nor
ipywidgets.

Sources named in the text (paths relative to the project's ``shared/`` folder's
parent, as in every lab): ``shared/reference/elasticache-facts.md`` (§ numbers),
``shared/reference/engine-facts.md`` and the seeds ``shared/seeds/*.txt``.
"""
from __future__ import annotations

import html
import os
import socket
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .memcached.node import MemcachedNode
from .node.node import Node

__all__ = [
    "FACTS", "ENGINE_FACTS", "ENGINE_MC", "SEED_OVERVIEW", "SEED_EXAM", "SEED_NOTES",
    "SEED_TABLE", "cite", "Feature", "FEATURES", "SERVICE_FACTS", "LICENSES", "Milestone",
    "ENGINE_HISTORY", "STATUSES", "REDIS_PROBE_VALUE", "probe_redis", "probe_memcached",
    "feature_table", "table_html", "table_markdown", "evidence_text", "side_by_side",
    "facts_html", "restart_redis", "restart_memcached", "memcached_target", "Requirement",
    "REQUIREMENTS", "DEPLOYMENTS", "Recommendation", "recommend", "Chooser",
]

# -- sources ------------------------------------------------------------------------------
FACTS = "shared/reference/elasticache-facts.md"
ENGINE_FACTS = "shared/reference/engine-facts.md"
SEED_OVERVIEW = "shared/seeds/000_37d5e70805086ea4.txt"   # encyclopedia-style overview
SEED_EXAM = "shared/seeds/001_8b5833771433399c.txt"       # SAA exam notes, engine table
SEED_NOTES = "shared/seeds/002_8671989d3a0cd9b4.txt"      # course notes: Valkey, licenses
SEED_TABLE = "shared/seeds/003_d274069e85debe05.txt"      # Redis vs Memcached table
ENGINE_MC = ENGINE_FACTS + ', "Memcached 1.6 text protocol"'


def cite(*sources: str) -> str:
    """``cite(FACTS + " §1", SEED_TABLE)`` -> ``"(source: … §1; …)"``."""
    return "(source: " + "; ".join(sources) + ")"


# -- what the real products can do (cited), per feature -----------------------------------
@dataclass(frozen=True)
class Feature:
    """One row of the comparison: what the product families do, and where that is said."""

    key: str
    group: str
    label: str
    redis: str            # what Valkey / Redis OSS do
    memcached: str        # what Memcached does
    redis_has: bool
    memcached_has: bool
    sources: Tuple[str, ...]

    @property
    def citation(self) -> str:
        return cite(*self.sources)


_T = (SEED_TABLE,)
FEATURES: Tuple[Feature, ...] = (
    Feature("strings", "Data types", "Strings / blobs",
            "strings (binary-safe)", "opaque byte strings only", True, True, _T),
    Feature("hashes", "Data types", "Hashes", "yes", "no", True, False, _T),
    Feature("lists", "Data types", "Lists", "yes", "no", True, False, _T),
    Feature("sets", "Data types", "Sets", "yes", "no", True, False, _T),
    Feature("sorted_sets", "Data types", "Sorted sets", "yes (leaderboards)", "no",
            True, False, (SEED_TABLE, FACTS + " §1")),
    Feature("streams", "Data types", "Streams", "yes", "no", True, False, _T),
    Feature("geospatial", "Data types", "Geospatial indexes", "yes", "no", True, False, _T),
    Feature("bitmaps", "Data types", "Bitmaps", "yes", "no", True, False,
            (SEED_EXAM, SEED_OVERVIEW)),
    Feature("hyperloglog", "Data types", "HyperLogLog", "yes", "no", True, False,
            (SEED_EXAM, SEED_OVERVIEW)),
    Feature("item_size", "Limits", "Largest value",
            "512 MiB (proto-max-bulk-len)", "1 MB by default (max_item_size, adjustable)",
            True, True, (FACTS + " §1", SEED_EXAM)),
    Feature("key_size", "Limits", "Longest key",
            "keys are strings, same 512 MiB limit (serverless: 4 KiB)", "250 bytes",
            True, True, (SEED_EXAM, FACTS + " §4", ENGINE_MC)),
    Feature("ttl", "Limits", "Expiry resolution",
            "seconds (EX) or milliseconds (PX)", "whole seconds", True, True, (SEED_EXAM,)),
    Feature("multi_get", "Multi-key operations", "Read many keys in one command",
            "MGET", "get k1 k2 …", True, True, (SEED_TABLE, FACTS + " §4")),
    Feature("multi_set", "Multi-key operations", "Write many keys in one command",
            "MSET (atomic)", "no: one set per key (clients pipeline them)", True, False,
            ("observed on redis-server 7.0 and memcached 1.6 by tests/engines",)),
    Feature("transactions", "Multi-key operations", "Transactions (MULTI/EXEC)",
            "yes", "no", True, False, _T),
    Feature("optimistic_lock", "Multi-key operations", "Optimistic locking",
            "WATCH + MULTI/EXEC", "CAS per item (gets / cas)", True, True,
            (ENGINE_MC, "observed by tests/engines")),
    Feature("lua", "Server-side logic", "Lua scripting", "yes", "no", True, False, _T),
    Feature("pub_sub", "Server-side logic", "Pub/sub messaging", "yes", "no", True, False,
            (SEED_TABLE, FACTS + " §1")),
    Feature("persistence", "Durability", "Persistence on the node",
            "RDB snapshots and AOF in the open-source servers; ElastiCache offers no AOF, "
            "so use backups (snapshots) and replicas",
            "none", True, False, (SEED_TABLE, FACTS + " §10", SEED_NOTES)),
    Feature("restart", "Durability", "Data after a process restart",
            "kept only if persisted (RDB/AOF); on ElastiCache: from a replica or a "
            "backup restored into a new cache", "lost", True, False,
            (FACTS + " §6", FACTS + " §10", SEED_NOTES)),
    Feature("replication", "Durability", "Replication",
            "primary + up to 5 replicas per shard, Multi-AZ failover", "none",
            True, False, (SEED_TABLE, FACTS + " §1", FACTS + " §2")),
    Feature("threads", "Performance", "Threads executing commands",
            "one (single-threaded command execution)", "several (multi-threaded)",
            True, True, (FACTS + " §1", SEED_EXAM)),
)
_FEATURE = {f.key: f for f in FEATURES}

#: ElastiCache *service* differences that cannot be probed on one server (cited).
SERVICE_FACTS: Tuple[Tuple[str, str, str, str], ...] = (
    ("Backups", "automatic (kept 0–35 days) and manual", "node-based: none; serverless: yes",
     cite(FACTS + " §6")),
    ("Multi-AZ automatic failover", "yes, promotes the replica with the least lag",
     "no (no replicas); spread nodes over AZs to lose less", cite(FACTS + " §2", SEED_NOTES)),
    ("Cross-Region (Global Datastore)", "up to 2 secondary Regions", "no",
     cite(FACTS + " §3")),
    ("Scaling out", "cluster mode: 90 nodes per cluster by default, up to 500 on request "
     "(Valkey 7.2+, Redis OSS 5.0.6+)",
     "add nodes; the client spreads keys (1–60 nodes per cluster in the current guide; "
     "older sources differ ⚠)", cite(FACTS + " §1", FACTS + " §9")),
    ("Serverless", "Valkey 7.2+, Redis OSS 7.0+", "Memcached 1.6+", cite(FACTS + " §4")),
    ("Durable writes (transaction log)", "Valkey 9.0+ only, node-based", "no",
     cite(FACTS + " §10")),
)

#: Licenses by engine line (seed notes).
LICENSES: Tuple[Tuple[str, str, str], ...] = (
    ("Valkey (all versions)", "BSD, stewarded by the Linux Foundation", cite(SEED_NOTES)),
    ("Redis OSS up to 7.2", "BSD", cite(SEED_NOTES)),
    ("Redis 7.4 and later", "SSPL / RSALv2 (source-available)", cite(SEED_NOTES)),
    ("Redis 8.0 and later", "AGPLv3", cite(SEED_NOTES)),
)

@dataclass(frozen=True)
class Milestone:
    """One dated event; ``date`` is ISO (the seeds give some only to the month: day 01)."""

    date: str
    lane: str        # "Memcached", "Redis OSS", "Valkey", "Licenses" or "Service"
    short: str       # a label for a figure
    event: str
    sources: str


#: Engine versions, licenses and service milestones, as the seeds give them.
ENGINE_HISTORY: Tuple[Milestone, ...] = (
    Milestone("2011-08-22", "Memcached", "launch: Memcached 1.4.5",
              "ElastiCache launches, with Memcached 1.4.5", SEED_OVERVIEW),
    Milestone("2013-09-04", "Redis OSS", "Redis added", "ElastiCache adds the Redis engine",
              SEED_OVERVIEW),
    Milestone("2023-11-27", "Service", "Serverless", "ElastiCache Serverless", SEED_OVERVIEW),
    Milestone("2024-03-01", "Licenses", "SSPL/RSALv2; Valkey fork",
              "Redis 7.4+ moves to SSPL/RSALv2; Valkey forks from Redis OSS 7.2.4, the last "
              "BSD release", SEED_NOTES),
    Milestone("2024-10-08", "Valkey", "7.2.6", "ElastiCache for Valkey (7.2.6)", SEED_OVERVIEW),
    Milestone("2024-11-01", "Valkey", "8.0",
              "Valkey 8.0: faster serverless scaling, memory efficiency", SEED_NOTES),
    Milestone("2025-03-01", "Licenses", "Redis 8.0: AGPLv3", "Redis 8.0 moves to AGPLv3",
              SEED_NOTES),
    Milestone("2025-07-01", "Valkey", "8.1", "Valkey 8.1: memory efficiency, Bloom filters",
              SEED_NOTES + "; " + SEED_OVERVIEW),
    Milestone("2025-10-13", "Valkey", "vector search ⚠",
              "Vector search (Valkey 8.2 per one seed; the other lists it with 8.1) ⚠",
              SEED_OVERVIEW + "; " + SEED_NOTES),
    Milestone("2026-01-31", "Redis OSS", "4 & 5: standard support ends",
              "Standard support for Redis OSS 4 and 5 ends (Extended Support after)",
              SEED_NOTES),
    Milestone("2026-05-01", "Valkey", "9.0", "Valkey 9.0: full-text and hybrid search",
              SEED_NOTES),
    Milestone("2026-06-01", "Valkey", "durability",
              "Durability: Multi-AZ transactional log (Valkey 9.0+)",
              SEED_NOTES + "; " + FACTS + " §10"),
)

# -- statuses -----------------------------------------------------------------------------
YES, NO, NOT_IN_BUILD, OFF, UNKNOWN = "yes", "no", "not in this build", "off", "unknown"
KEPT, LOST = "kept", "lost"            # the restart row
STATUSES = (YES, NO, NOT_IN_BUILD, OFF, UNKNOWN, KEPT, LOST)
_SYMBOL = {YES: "✔", NO: "✘", NOT_IN_BUILD: "◌", OFF: "○", UNKNOWN: "?",
           KEPT: "✔", LOST: "✘"}


def _finding(status: str, detail: str, evidence: List[dict], summary: Optional[str] = None,
             **value) -> dict:
    """A probe result: ``status`` (one of :data:`STATUSES`), ``summary`` (a few words for
    a table cell), ``detail`` (a sentence), the ``evidence`` and measured ``value``s."""
    return {"status": status, "summary": summary or status, "detail": detail,
            "evidence": evidence, "value": value}


def _s(value: Any) -> Any:
    """bytes -> str (recursively), so probes read the same with or without decoding."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return [_s(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_s(v) for v in value)
    if isinstance(value, dict):
        return {_s(k): _s(v) for k, v in value.items()}
    return value


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _show_arg(arg: str) -> str:
    if len(arg) > 40:
        return f"<{len(arg)} bytes>"
    return f'"{arg}"' if (" " in arg or not arg) else arg


# -- Redis --------------------------------------------------------------------------------
def _redis_reply_text(value: Any) -> str:
    """A reply as redis-cli would print it, roughly."""
    value = _s(value)
    if value is None:
        return "(nil)"
    if value is True:
        return "OK"
    if isinstance(value, bool):
        return "(integer) 0"
    if isinstance(value, int):
        return f"(integer) {value}"
    if isinstance(value, float):
        return f'"{value}"'
    if isinstance(value, str):
        return _short(f'"{value}"' if len(value) <= 60 else f"<{len(value)} bytes>")
    if isinstance(value, (list, tuple)):
        return _short("[" + ", ".join(_redis_reply_text(v) for v in value) + "]")
    if isinstance(value, dict):
        return _short("{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}")
    return _short(repr(value))


class _RedisTrial:
    """Runs commands on a redis-py client and keeps (command, reply) evidence."""

    def __init__(self, client):
        import redis   # redis-py is a core dependency of the engine
        self.redis = redis
        self.client = client

    def message(self, exc: Exception) -> str:
        """The error reply's text. redis-py drops the error code of some replies and
        raises a subclass instead; put the code back (``NOPERM this user has …``)."""
        msg = str(exc)
        if isinstance(exc, self.redis.exceptions.NoPermissionError) and \
                not msg.startswith("NOPERM"):
            msg = "NOPERM " + msg
        return msg

    def run(self, evidence: List[dict], *argv, shown: Optional[str] = None):
        """Send one command. Returns ``(ok, reply_or_error_message)``."""
        text = shown or " ".join(_show_arg(str(a)) for a in argv)
        try:
            reply = self.client.execute_command(*argv)
        except self.redis.ResponseError as exc:
            msg = self.message(exc)
            evidence.append({"try": text, "reply": f"(error) {_short(msg, 110)}"})
            return False, msg
        evidence.append({"try": text, "reply": _redis_reply_text(reply)})
        return True, _s(reply)

    def call(self, evidence: List[dict], shown: str, fn, *args, **kwargs):
        """Call a redis-py method (for commands whose reply redis-py reshapes)."""
        try:
            reply = fn(*args, **kwargs)
        except self.redis.ResponseError as exc:
            msg = self.message(exc)
            evidence.append({"try": shown, "reply": f"(error) {_short(msg, 110)}"})
            return False, msg
        evidence.append({"try": shown, "reply": _redis_reply_text(reply)})
        return True, _s(reply)


def _is_unknown(message: str) -> bool:
    m = message.lower()
    return "unknown command" in m or "unknown subcommand" in m


def _refused(key: str, message: str, engine: str, evidence: List[dict],
             server_label: str) -> dict:
    """Classify a refused attempt: does this server lack it, or the whole family?"""
    feature = _FEATURE[key]
    has = feature.redis_has if engine == "redis" else feature.memcached_has
    product = "Valkey/Redis OSS" if engine == "redis" else "Memcached"
    if _is_unknown(message) or message.strip() == "ERROR":
        if has:   # the citation is in the table's "real products" column
            return _finding(NOT_IN_BUILD, f"unknown command on {server_label}, although "
                            f"{product} has this feature", evidence)
        return _finding(NO, f"unknown command: not a {product} feature", evidence)
    if message.upper().startswith("NOPERM"):
        return _finding(UNKNOWN, "denied by this user's ACL, so the probe cannot tell",
                        evidence, "denied (ACL)")
    return _finding(UNKNOWN, f"refused: {_short(message, 80)}", evidence)


_REDIS_TYPE_TRIES = (
    ("strings", ("SET", "string", "hello"), "string"),
    ("hashes", ("HSET", "hash", "field", "value"), "hash"),
    ("lists", ("RPUSH", "list", "a", "b"), "list"),
    ("sets", ("SADD", "set", "a", "b"), "set"),
    ("sorted_sets", ("ZADD", "zset", "100", "alice"), "zset"),
    ("streams", ("XADD", "stream", "*", "field", "value"), "stream"),
    ("geospatial", ("GEOADD", "geo", "13.361389", "38.115556", "Palermo"), "zset"),
    ("bitmaps", ("SETBIT", "bitmap", "7", "1"), "string"),
    ("hyperloglog", ("PFADD", "hll", "a", "b"), "string"),
)
#: The value the Redis size probe stores: twice memcached's default item limit.
REDIS_PROBE_VALUE = 2 * 1024 * 1024


def _identify_redis(info: Optional[dict]) -> Tuple[str, str, str]:
    """(product, version, build) from INFO server."""
    if not info:
        return "Redis-compatible", "unknown", "INFO not available"
    if str(info.get("server_name", "")).lower() == "valkey" or "valkey_version" in info:
        return "Valkey", str(info.get("valkey_version", info.get("redis_version"))), "valkey"
    version = str(info.get("redis_version", "unknown"))
    build = str(info.get("redis_build_id", ""))
    product = "Redis OSS"
    try:
        major_minor = tuple(int(p) for p in version.split(".")[:2])
        if major_minor >= (7, 4):
            product = "Redis"
    except ValueError:
        pass
    return product, version, ("ElastiCache Lab engine" if build == "elasticache-lab"
                              else build or "unknown")


def probe_redis(client, *, prefix: str = "lab01:probe:") -> dict:
    """Find out what a Redis-protocol server can do by trying it.

    ``client`` is a ``redis.Redis`` (``lab.client``), decoded or not. Returns
    ``{"engine": "redis", "server": {...}, "features": {key: finding}}`` where a
    finding is ``{"status", "detail", "evidence": [{"try", "reply"}], "value"}``
    and ``status`` is ``"yes"``, ``"no"``, ``"not in this build"``, ``"off"``
    or ``"unknown"``. Keys written live under ``prefix`` and are deleted at the end.
    """
    t = _RedisTrial(client)
    k = prefix
    written: List[str] = []
    features: Dict[str, dict] = {}

    ev: List[dict] = []
    ok, info = t.call(ev, "INFO server", client.info, "server")
    info = info if ok and isinstance(info, dict) else None
    product, version, build = _identify_redis(info)
    server = {"product": product, "version": version, "build": build, "evidence": ev}
    label = "this engine build" if build == "ElastiCache Lab engine" else "this server"

    try:
        # Data types: write one value of each kind, then ask TYPE.
        for key, argv, expected in _REDIS_TYPE_TRIES:
            ev = []
            name = k + argv[1]
            written.append(name)
            ok, reply = t.run(ev, argv[0], name, *argv[2:])
            if not ok:
                features[key] = _refused(key, reply, "redis", ev, label)
                continue
            _, kind = t.run(ev, "TYPE", name)
            features[key] = _finding(YES, f"{argv[0]} worked; TYPE says {kind}", ev,
                                     f"yes ({argv[0]})", type=kind)

        # Item size: what the server allows, and one value above memcached's 1 MB.
        ev = []
        ok, conf = t.call(ev, "CONFIG GET proto-max-bulk-len", client.config_get,
                          "proto-max-bulk-len")
        limit = int(conf["proto-max-bulk-len"]) if ok and conf.get("proto-max-bulk-len") else None
        big = k + "big"
        written.append(big)
        ok_big, _ = t.run(ev, "SET", big, "x" * REDIS_PROBE_VALUE,
                          shown=f"SET {big} <{REDIS_PROBE_VALUE} bytes>")
        stored = None
        if ok_big:
            _, stored = t.run(ev, "STRLEN", big)
            t.run(ev, "DEL", big)
        detail = (f"stored a {REDIS_PROBE_VALUE:,}-byte value"
                  if stored == REDIS_PROBE_VALUE else "could not store a 2 MiB value")
        if limit:
            detail += f"; proto-max-bulk-len = {limit:,} bytes ({limit / 2**20:g} MiB)"
        summary = (f"{limit / 2**20:g} MiB limit" if limit else "limit unknown") + \
            (f"; {REDIS_PROBE_VALUE // 2**20} MiB stored" if stored == REDIS_PROBE_VALUE else "")
        features["item_size"] = _finding(YES if stored == REDIS_PROBE_VALUE else UNKNOWN,
                                         detail, ev, summary, limit=limit, stored=stored)

        # Key size: a 251-byte key (one more than memcached allows).
        ev = []
        long_key = k + "K" * (251 - len(k))
        written.append(long_key)
        ok, _ = t.run(ev, "SET", long_key, "v", shown="SET <251-byte key> v")
        features["key_size"] = _finding(
            YES if ok else UNKNOWN, "a 251-byte key is accepted" if ok else "refused", ev,
            "251-byte key accepted" if ok else "refused", tried=251)

        # TTL resolution: PX takes milliseconds, PTTL reads them back.
        ev = []
        name = k + "ttl"
        written.append(name)
        t.run(ev, "SET", name, "v", "PX", "1500")
        ok, pttl = t.run(ev, "PTTL", name)
        ms = isinstance(pttl, int) and 1000 < pttl <= 1500
        features["ttl"] = _finding(YES if ms else UNKNOWN,
                                   "SET … PX 1500, then PTTL reads milliseconds back" if ms
                                   else "could not tell", ev,
                                   "milliseconds" if ms else None,
                                   unit="ms" if ms else None, pttl=pttl)

        # Multi-key reads and writes.
        ev = []
        a, b, missing = k + "a", k + "b", k + "missing"
        written += [a, b]
        ok_set, reply = t.run(ev, "MSET", a, "1", b, "2")
        features["multi_set"] = (_finding(YES, "MSET sets all keys at once", ev, "yes (MSET)")
                                 if ok_set
                                 else _refused("multi_set", reply, "redis", ev, label))
        ev = []
        ok, reply = t.run(ev, "MGET", a, b, missing)
        features["multi_get"] = (
            _finding(YES, "MGET: one reply per key, nil if missing", ev, "yes (MGET)") if ok
            else _refused("multi_get", reply, "redis", ev, label))

        # Transactions: MULTI/EXEC through a transactional pipeline.
        ev = []
        counter = k + "counter"
        written.append(counter)
        try:
            with client.pipeline(transaction=True) as pipe:
                pipe.set(counter, 1)
                pipe.incr(counter)
                replies = _s(pipe.execute())
            ev.append({"try": f"MULTI · SET {counter} 1 · INCR {counter} · EXEC",
                       "reply": _redis_reply_text(replies)})
            features["transactions"] = _finding(YES, "MULTI/EXEC ran both commands", ev,
                                                "yes (MULTI/EXEC)")
        except t.redis.ResponseError as exc:
            ev.append({"try": "MULTI … EXEC", "reply": f"(error) {exc}"})
            features["transactions"] = _refused("transactions", str(exc), "redis", ev, label)

        # Optimistic locking: WATCH a key, change it, EXEC must refuse.
        ev = []
        try:
            with client.pipeline(transaction=True) as pipe:
                pipe.watch(counter)
                pipe.set(counter, 10)              # the watched key changes...
                pipe.multi()
                pipe.incr(counter)
                try:
                    pipe.execute()                 # ...so EXEC runs nothing
                    aborted = False
                except t.redis.WatchError:
                    aborted = True
            ev.append({"try": f"WATCH {counter} · SET {counter} 10 · MULTI · INCR · EXEC",
                       "reply": "(nil) — transaction aborted" if aborted else "ran"})
            features["optimistic_lock"] = _finding(
                YES if aborted else UNKNOWN,
                "WATCH made EXEC refuse after the key changed" if aborted
                else "EXEC ran although the key changed", ev, "yes (WATCH)" if aborted else None)
        except t.redis.ResponseError as exc:
            ev.append({"try": f"WATCH {counter}", "reply": f"(error) {exc}"})
            features["optimistic_lock"] = _refused("optimistic_lock", str(exc), "redis",
                                                   ev, label)

        # Server-side logic.
        ev = []
        ok, reply = t.run(ev, "EVAL", "return 1", "0")
        features["lua"] = (_finding(YES, "EVAL ran a script", ev, "yes (EVAL)") if ok
                           else _refused("lua", reply, "redis", ev, label))
        ev = []
        ok, reply = t.run(ev, "PUBLISH", k + "channel", "hello")
        features["pub_sub"] = (
            _finding(YES, f"PUBLISH reached {reply} subscriber(s)", ev, "yes (PUBLISH)") if ok
            else _refused("pub_sub", reply, "redis", ev, label))

        features["persistence"] = _redis_persistence(t, client, label)
        features["restart"] = _restart_from_persistence(features["persistence"])
        features["replication"] = _redis_replication(t, client, label)
        features["threads"] = _redis_threads(t, client, info)
    finally:
        try:
            client.delete(*written)
        except Exception:   # cleanup must not hide what happened above
            pass
    return {"engine": "redis", "server": server, "features": features}


def _redis_persistence(t: _RedisTrial, client, label: str) -> dict:
    ev: List[dict] = []
    ok_info, pinfo = t.call(ev, "INFO persistence", client.info, "persistence")
    pinfo = pinfo if ok_info and isinstance(pinfo, dict) else {}
    ok_save, save = t.call(ev, "CONFIG GET save", client.config_get, "save")
    ok_aof, aof = t.call(ev, "CONFIG GET appendonly", client.config_get, "appendonly")
    save_rule = save.get("save") if ok_save and isinstance(save, dict) else None
    aof_on = None
    if ok_aof and isinstance(aof, dict) and "appendonly" in aof:
        aof_on = aof["appendonly"] == "yes"
    elif "aof_enabled" in pinfo:
        aof_on = bool(int(pinfo["aof_enabled"]))
    ok_last, last = t.run(ev, "LASTSAVE")     # read-only: when the last snapshot was taken
    if not ok_last and _is_unknown(last):
        return _finding(NOT_IN_BUILD, f"INFO shows rdb_/aof_ fields, but LASTSAVE is an "
                        f"unknown command: {label} cannot save (Valkey/Redis OSS can)", ev,
                        save=save_rule, aof=aof_on)
    if save_rule is None and aof_on is None:
        return _finding(UNKNOWN, "cannot read the persistence settings here", ev)
    on = bool(save_rule) or bool(aof_on)
    parts = [f"save = {save_rule!r}" if save_rule is not None else "save = ?",
             f"appendonly = {'yes' if aof_on else 'no' if aof_on is not None else '?'}"]
    return _finding(YES if on else OFF,
                    ("configured: " if on else "exists but switched off: ") + ", ".join(parts),
                    ev, "on" if on else "off (no RDB, no AOF)", save=save_rule, aof=aof_on)


def _restart_from_persistence(persistence: dict) -> dict:
    status = persistence["status"]
    if status == YES:
        return _finding(KEPT, "kept, as far as the last snapshot / AOF write", [],
                        derived_from="persistence")
    if status in (OFF, NOT_IN_BUILD):
        return _finding(LOST, "lost: nothing on this node writes the data anywhere", [],
                        derived_from="persistence")
    return _finding(UNKNOWN, "depends on persistence settings this probe cannot read", [],
                    derived_from="persistence")


def _redis_replication(t: _RedisTrial, client, label: str) -> dict:
    ev: List[dict] = []
    ok_info, rinfo = t.call(ev, "INFO replication", client.info, "replication")
    rinfo = rinfo if ok_info and isinstance(rinfo, dict) else {}
    ok_role, role = t.run(ev, "ROLE")          # read-only: primary or replica?
    if not ok_role and _is_unknown(role):
        return _finding(NOT_IN_BUILD, f"INFO says role {rinfo.get('role', '?')}, but ROLE is "
                        f"an unknown command: {label} has no replication (Valkey/Redis OSS "
                        f"do)", ev,
                        role=rinfo.get("role"), replicas=rinfo.get("connected_slaves"))
    if not ok_role:
        return _refused("replication", role, "redis", ev, label)
    role_name = role[0] if isinstance(role, list) and role else rinfo.get("role")
    replicas = rinfo.get("connected_slaves")
    return _finding(YES, f"ROLE: {role_name}; connected replicas: {replicas}", ev,
                    f"{role_name}, {replicas} replica(s)", role=role_name, replicas=replicas)


def _redis_threads(t: _RedisTrial, client, info: Optional[dict]) -> dict:
    ev: List[dict] = []
    active = info.get("io_threads_active") if info else None
    if info is not None:
        ev.append({"try": "INFO server → io_threads_active",
                   "reply": _redis_reply_text(active)})
    ok, conf = t.call(ev, "CONFIG GET io-threads", client.config_get, "io-threads")
    io_threads = conf.get("io-threads") if ok and isinstance(conf, dict) else None
    detail = "commands run one at a time on the main thread"
    if io_threads:
        detail += f"; io-threads = {io_threads} (network I/O only)"
    return _finding(YES if info is not None else UNKNOWN, detail, ev,
                    "1 (command execution)" if info is not None else None,
                    threads=1, io_threads=io_threads, io_threads_active=active)


# -- memcached ----------------------------------------------------------------------------
class _NodeWire:
    """memcached's text protocol into an embedded node (a fresh connection per call)."""

    def __init__(self, node: MemcachedNode):
        self.node = node
        self.where = "this engine build"

    def call(self, raw: bytes, multi: bool = False) -> bytes:
        return self.node.execute(raw)


class _SocketWire:
    """memcached's text protocol over TCP (one short connection per call)."""

    def __init__(self, host: str, port: int, timeout: float = 3.0):
        self.address = (host, int(port))
        self.timeout = timeout
        self.where = "this server"

    def call(self, raw: bytes, multi: bool = False) -> bytes:
        with socket.create_connection(self.address, timeout=self.timeout) as sock:
            sock.sendall(raw)
            buf = b""
            while True:
                if buf.endswith(b"\r\n"):
                    first = buf.split(b"\r\n", 1)[0]
                    if not multi or buf.endswith(b"END\r\n") or first.startswith(
                            (b"ERROR", b"CLIENT_ERROR", b"SERVER_ERROR")):
                        return buf
                chunk = sock.recv(1 << 20)
                if not chunk:
                    return buf
                buf += chunk


def _wire_for(target) -> Any:
    if isinstance(target, MemcachedNode):
        return _NodeWire(target)
    if isinstance(target, str):
        host, _, port = target.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a memcached address is 'host:port', got {target!r}")
        return _SocketWire(host, int(port))
    if isinstance(target, tuple) and len(target) == 2:
        return _SocketWire(*target)
    address = getattr(target, "server", None) or getattr(target, "address", None)
    if isinstance(address, tuple) and len(address) == 2:   # pymemcache Client, MemcachedServer
        return _SocketWire(*address)
    raise TypeError("probe_memcached needs a MemcachedNode, a 'host:port' string, a "
                    "pymemcache Client (one server) or a running MemcachedServer, not "
                    f"{type(target).__name__}")


def _store_line(command: str, key: str, value: bytes, exptime: Any = 0) -> bytes:
    return f"{command} {key} 0 {exptime} {len(value)}\r\n".encode() + value + b"\r\n"


class _McTrial:
    def __init__(self, wire):
        self.wire = wire

    def run(self, evidence: List[dict], raw: bytes, shown: Optional[str] = None,
            multi: bool = False) -> bytes:
        reply = self.wire.call(raw, multi=multi)
        if shown is None:
            shown = raw.split(b"\r\n", 1)[0].decode("utf-8", "replace")
            if len(shown) > 70:
                shown = shown[:40] + "…" + shown[-20:]
        lines = reply.decode("utf-8", "replace").split("\r\n")
        if not multi:
            lines = lines[:1]       # later lines answer leftovers of a refused command
        text = " · ".join(line if len(line) <= 60 else f"<{len(line)} bytes>"
                          for line in lines if line)
        evidence.append({"try": shown, "reply": _short(text or "(no reply)", 110)})
        return reply

    @staticmethod
    def first(reply: bytes) -> str:
        return reply.split(b"\r\n", 1)[0].decode("utf-8", "replace")

    def stats(self, evidence: List[dict], kind: str = "") -> Dict[str, str]:
        cmd = f"stats {kind}".strip()
        reply = self.wire.call(cmd.encode() + b"\r\n", multi=True)
        out = {}
        for line in reply.decode("utf-8", "replace").split("\r\n"):
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[0] == "STAT":
                out[parts[1]] = parts[2]
        evidence.append({"try": cmd, "reply": f"{len(out)} STAT lines"})
        return out


_MC_TYPE_TRIES = (
    ("hashes", "hset {k}hash field value"),
    ("lists", "rpush {k}list a b"),
    ("sets", "sadd {k}set a b"),
    ("sorted_sets", "zadd {k}zset 100 alice"),
    ("streams", "xadd {k}stream * field value"),
    ("geospatial", "geoadd {k}geo 13.361389 38.115556 Palermo"),
    ("bitmaps", "setbit {k}bitmap 7 1"),
    ("hyperloglog", "pfadd {k}hll a b"),
)


def probe_memcached(target, *, prefix: str = "lab01:probe:") -> dict:
    """Find out what a memcached server can do by trying it (text protocol).

    ``target``: a :class:`MemcachedNode`, ``"host:port"``, a ``(host, port)``
    tuple, a pymemcache ``Client`` or a running ``MemcachedServer``. Returns the
    same shape as :func:`probe_redis`. Keys written live under ``prefix`` and
    are deleted at the end.
    """
    t = _McTrial(_wire_for(target))
    label = t.wire.where
    k = prefix
    written: List[str] = []
    features: Dict[str, dict] = {}

    ev: List[dict] = []
    version = t.first(t.run(ev, b"version\r\n")).replace("VERSION ", "")
    stats = t.stats(ev)
    settings = t.stats(ev, "settings")
    server = {"product": "Memcached", "version": version,
              "build": "ElastiCache Lab engine" if label == "this engine build" else "server",
              "evidence": ev}

    try:
        # Strings: the only kind of value. There is no TYPE command either.
        ev = []
        name = k + "string"
        written.append(name)
        t.run(ev, _store_line("set", name, b"hello"))
        t.run(ev, f"get {name}\r\n".encode(), multi=True)
        reply = t.run(ev, f"type {name}\r\n".encode())
        features["strings"] = _finding(YES, "set/get of bytes; there is no 'type' command"
                                       if t.first(reply) == "ERROR" else "set/get of bytes",
                                       ev, "yes (bytes)")
        for key, line in _MC_TYPE_TRIES:
            ev = []
            reply = t.run(ev, line.format(k=k).encode() + b"\r\n")
            first = t.first(reply)
            features[key] = (_refused(key, first, "memcached", ev, label) if first == "ERROR"
                             else _finding(UNKNOWN, f"unexpected reply {first!r}", ev))

        # Item size: find the largest value that fits, by bisection below item_size_max.
        features["item_size"] = _mc_item_size(t, k + "size", settings, written)

        # Key size: 250 bytes is the most memcached accepts.
        ev = []
        ok_key = k + "K" * (250 - len(k))
        long_key = ok_key + "K"
        written.append(ok_key)
        r250 = t.first(t.run(ev, _store_line("set", ok_key, b"v"),
                             shown="set <250-byte key> 0 0 1"))
        r251 = t.first(t.run(ev, _store_line("set", long_key, b"v"),
                             shown="set <251-byte key> 0 0 1"))
        limited = r250 == "STORED" and r251 != "STORED"
        features["key_size"] = _finding(
            YES, "a 250-byte key is stored, a 251-byte key refused" if limited
            else f"250 → {r250}, 251 → {r251}", ev, "250 bytes max" if limited else None,
            longest=250 if limited else None)

        # TTL resolution: exptime is a whole number of seconds.
        ev = []
        name = k + "ttl"
        written.append(name)
        frac = t.first(t.run(ev, _store_line("set", name, b"v", "1.5")))
        whole = t.first(t.run(ev, _store_line("set", name, b"v", 2)))
        seconds = whole == "STORED" and frac != "STORED"
        features["ttl"] = _finding(YES if seconds else UNKNOWN,
                                   "exptime 2 is stored, exptime 1.5 refused" if seconds
                                   else f"1.5 → {frac}, 2 → {whole}", ev,
                                   "whole seconds" if seconds else None,
                                   unit="s" if seconds else None)

        # Multi-key: one get for many keys; no command writes many keys.
        ev = []
        a, b = k + "a", k + "b"
        written += [a, b]
        t.run(ev, _store_line("set", a, b"1"))
        t.run(ev, _store_line("set", b, b"2"))
        reply = t.run(ev, f"get {a} {b} {k}missing\r\n".encode(), multi=True)
        hits = reply.count(b"VALUE ")
        features["multi_get"] = _finding(YES if hits == 2 else UNKNOWN,
                                         f"one 'get' returned {hits} of 3 keys (misses are "
                                         "left out)", ev, "yes (get k1 k2 …)")
        ev = []
        reply = t.run(ev, f"mset {a} 0 0 1 {b} 0 0 1\r\n".encode())
        features["multi_set"] = _refused("multi_set", t.first(reply), "memcached", ev, label)

        # Transactions and scripting: no such commands.
        ev = []
        reply = t.run(ev, b"multi\r\n")
        features["transactions"] = _refused("transactions", t.first(reply), "memcached", ev,
                                            label)
        ev = []
        reply = t.run(ev, b"eval \"return 1\" 0\r\n")
        features["lua"] = _refused("lua", t.first(reply), "memcached", ev, label)
        ev = []
        reply = t.run(ev, f"publish {k}channel hello\r\n".encode())
        features["pub_sub"] = _refused("pub_sub", t.first(reply), "memcached", ev, label)

        # CAS: gets hands out a unique; a stale one is refused.
        features["optimistic_lock"] = _mc_cas(t, k + "cas", written)

        # Persistence and replication: nothing in the settings or stats about either.
        ev = [{"try": "stats settings", "reply": f"{len(settings)} settings"}]
        words = ("save", "snapshot", "aof", "append", "persist", "rdb", "dump_file")
        found = sorted(n for n in settings if any(w in n for w in words))
        memory_file = settings.get("memory_file")
        detail = "no snapshot or log setting" if not found else f"settings: {', '.join(found)}"
        if memory_file is not None:
            detail += f"; memory_file = {memory_file}"
        features["persistence"] = _finding(NO, detail, ev, "none", settings=found)
        features["restart"] = _finding(LOST, "lost: items live only in the process's memory",
                                       [], derived_from="persistence")
        ev = []
        reply = t.run(ev, b"role\r\n")
        repl_stats = sorted(n for n in stats if "repl" in n or "slave" in n)
        ev.append({"try": "stats", "reply": f"{len(stats)} STAT lines, "
                   f"{len(repl_stats)} about replicas"})
        features["replication"] = _refused("replication", t.first(reply), "memcached", ev,
                                           label)
        features["replication"]["detail"] += "; no replica counters in stats"

        # Threads.
        ev = [{"try": "stats → threads", "reply": stats.get("threads", "(absent)")},
              {"try": "stats settings → num_threads",
               "reply": settings.get("num_threads", "(absent)")}]
        threads = stats.get("threads") or settings.get("num_threads")
        features["threads"] = _finding(YES if threads else UNKNOWN,
                                       f"{threads} worker threads" if threads else "not reported",
                                       ev, f"{threads} worker threads" if threads else None,
                                       threads=int(threads) if threads else None)
    finally:
        for name in written:
            try:
                t.wire.call(f"delete {name}\r\n".encode())
            except OSError:
                pass
    return {"engine": "memcached", "server": server, "features": features}


def _mc_item_size(t: _McTrial, key: str, settings: Dict[str, str], written: List[str]) -> dict:
    ev: List[dict] = []
    written.append(key)
    limit = int(settings["item_size_max"]) if settings.get("item_size_max", "").isdigit() \
        else 1024 * 1024
    ev.append({"try": "stats settings → item_size_max", "reply": str(limit)})

    def fits(n: int) -> bool:
        return t.wire.call(_store_line("set", key, b"x" * n)).startswith(b"STORED")

    lo, hi = max(1, limit - 4096), limit          # the item header is well under 4 KiB
    if not fits(lo):
        lo, hi = 1, lo
    while lo < hi:                                # largest n with fits(n)
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    largest = lo
    t.run(ev, _store_line("set", key, b"x" * largest), shown=f"set {key} 0 0 {largest}")
    t.run(ev, _store_line("set", key, b"x" * (largest + 1)), shown=f"set {key} 0 0 {largest + 1}")
    overhead = limit - largest
    return _finding(YES, f"largest value stored: {largest:,} bytes (item_size_max "
                    f"{limit:,}; the other {overhead} bytes are the key and item header)",
                    ev, f"{largest:,} bytes max ({limit / 2**20:g} MiB item)",
                    limit=limit, largest=largest, overhead=overhead)


def _mc_cas(t: _McTrial, key: str, written: List[str]) -> dict:
    ev: List[dict] = []
    written.append(key)
    t.run(ev, _store_line("set", key, b"v1"))
    reply = t.run(ev, f"gets {key}\r\n".encode(), multi=True)
    header = t.first(reply).split()
    if len(header) < 5:
        return _finding(UNKNOWN, "gets returned no CAS unique", ev)
    unique = int(header[4])
    t.run(ev, _store_line("set", key, b"v2"))               # someone else writes
    stale = t.first(t.run(ev, f"cas {key} 0 0 2 {unique}\r\nv3\r\n".encode(),
                          shown=f"cas {key} 0 0 2 {unique}  (stale unique)"))
    return _finding(YES if stale == "EXISTS" else UNKNOWN,
                    "cas with a stale unique → EXISTS (the write is refused)"
                    if stale == "EXISTS" else f"stale cas → {stale}", ev,
                    "yes (gets / cas)" if stale == "EXISTS" else None)


# -- the table ----------------------------------------------------------------------------
def _cell(finding: Optional[dict]) -> Tuple[str, str, str]:
    if finding is None:
        return UNKNOWN, "not probed", "not probed"
    return finding["status"], finding["summary"], finding["detail"]


def feature_table(redis_probe: dict, memcached_probe: dict) -> List[dict]:
    """One row per :data:`FEATURES` entry, built from the two probes.

    Each row: ``group, key, feature``; per side ``*_status``, ``*_summary`` (a
    few words) and the full sentence (``redis`` / ``memcached``); ``products``
    (what the real product families do), ``source``, and both sides' evidence."""
    if redis_probe.get("engine") != "redis" or memcached_probe.get("engine") != "memcached":
        raise ValueError("feature_table(redis_probe, memcached_probe): pass the result of "
                         "probe_redis first and of probe_memcached second")
    rows = []
    for f in FEATURES:
        rf = redis_probe["features"].get(f.key)
        mf = memcached_probe["features"].get(f.key)
        r_status, r_summary, r_text = _cell(rf)
        m_status, m_summary, m_text = _cell(mf)
        rows.append({
            "group": f.group, "key": f.key, "feature": f.label,
            "redis_status": r_status, "redis_summary": r_summary, "redis": r_text,
            "memcached_status": m_status, "memcached_summary": m_summary, "memcached": m_text,
            "products": f"Valkey/Redis OSS: {f.redis} · Memcached: {f.memcached}",
            "source": f.citation,
            "redis_evidence": rf["evidence"] if rf else [],
            "memcached_evidence": mf["evidence"] if mf else [],
        })
    return rows


def _status_text(status: str, summary: Optional[str] = None) -> str:
    return f"{_SYMBOL.get(status, '?')} {summary or status}"


def table_markdown(rows: List[dict], *, details: bool = False) -> str:
    """The table as Markdown (``details=True`` adds the product columns and sources)."""
    head = ["Feature", "Valkey/Redis OSS (probed)", "Memcached (probed)"]
    if details:
        head += ["Real products", "Source"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["feature"], _status_text(r["redis_status"], r["redis_summary"]),
                 _status_text(r["memcached_status"], r["memcached_summary"])]
        if details:
            cells += [r["products"], r["source"]]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def _evidence_html(evidence: List[dict]) -> str:
    if not evidence:
        return "<br><i style='font-size:90%'>derived from the persistence row</i>"
    lines = "".join(f"<div><code>{html.escape(e['try'])}</code> → "
                    f"<code>{html.escape(e['reply'])}</code></div>" for e in evidence)
    n = len(evidence)
    return (f"<details><summary>{n} {'try' if n == 1 else 'tries'}</summary>"
            f"{lines}</details>")


_COLOUR = {YES: "#1a7f37", NO: "#b42318", NOT_IN_BUILD: "#9a6700", OFF: "#57606a",
           UNKNOWN: "#57606a", KEPT: "#1a7f37", LOST: "#b42318"}


def table_html(rows: List[dict], redis_probe: Optional[dict] = None,
               memcached_probe: Optional[dict] = None) -> str:
    """The table as HTML (for ``IPython.display.HTML``): status, what was seen, and the
    tries behind it (folded), grouped by topic."""
    def side(status: str, summary: str, text: str) -> str:
        return (f"<span style='color:{_COLOUR.get(status, '#000')};font-weight:600'>"
                f"{html.escape(_status_text(status, summary))}</span><br>"
                f"<span style='font-size:90%'>{html.escape(text)}</span>")

    def server(p: Optional[dict], default: str) -> str:
        if not p:
            return default
        s = p["server"]
        return f"{default}<br><span style='font-weight:normal'>{html.escape(s['product'])} " \
               f"{html.escape(str(s['version']))} ({html.escape(str(s['build']))})</span>"

    parts = ["<table style='border-collapse:collapse;font-size:13px'>",
             "<thead><tr>",
             "<th style='text-align:left'>Feature</th>",
             f"<th style='text-align:left'>{server(redis_probe, 'Valkey / Redis OSS')}</th>",
             f"<th style='text-align:left'>{server(memcached_probe, 'Memcached')}</th>",
             "<th style='text-align:left'>The real products</th>",
             "</tr></thead><tbody>"]
    group = None
    for r in rows:
        if r["group"] != group:
            group = r["group"]
            parts.append(f"<tr><td colspan='4' style='background:#f3f4f6;font-weight:600'>"
                         f"{html.escape(group)}</td></tr>")
        parts.append(
            "<tr style='vertical-align:top;border-top:1px solid #ddd'>"
            f"<td><b>{html.escape(r['feature'])}</b></td>"
            f"<td>{side(r['redis_status'], r['redis_summary'], r['redis'])}"
            f"{_evidence_html(r['redis_evidence'])}</td>"
            f"<td>{side(r['memcached_status'], r['memcached_summary'], r['memcached'])}"
            f"{_evidence_html(r['memcached_evidence'])}</td>"
            f"<td style='font-size:90%'>{html.escape(r['products'])}<br>"
            f"<i>{html.escape(r['source'])}</i></td></tr>")
    parts.append("</tbody></table>")
    parts.append("<p style='font-size:12px'>✔ yes / kept · ✘ no (the product family "
                 "lacks it) / lost · ◌ not in this build (the server refused it, the real "
                 "product has it) · ○ off (exists, switched off) · ? unknown. Open "
                 "<i>tries</i> to see each command sent and the reply.</p>")
    return "".join(parts)


def evidence_text(finding: dict) -> str:
    """A finding's tries, one per line: ``HSET k f v  →  (integer) 1``."""
    lines = [f"{e['try']}  →  {e['reply']}" for e in finding["evidence"]]
    return "\n".join(lines) or "(derived, no command of its own)"


def side_by_side(redis_probe: dict, memcached_probe: dict, keys: Iterable[str]) -> str:
    """The tries of both probes for ``keys``, as text (one block per feature)."""
    out = []
    for key in keys:
        out.append(f"--- {_FEATURE[key].label}")
        for name, probe in (("Redis:", redis_probe), ("Memcached:", memcached_probe)):
            lines = evidence_text(probe["features"][key]).split("\n")
            out.append(f"{name:11}" + ("\n" + " " * 11).join(lines))
    return "\n".join(out)


def facts_html(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A plain HTML table for cited facts such as :data:`SERVICE_FACTS` or :data:`LICENSES`."""
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr style='vertical-align:top'>" + "".join(
        f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<table style='border-collapse:collapse;font-size:13px'><thead><tr>{head}"
            f"</tr></thead><tbody>{body}</tbody></table>")


# -- restarts -----------------------------------------------------------------------------
def restart_redis(node: Node) -> Node:
    """The node as a process restart leaves it: same settings and clock, and only the
    data a persistence file would bring back. The engine writes no RDB or AOF file,
    so the restarted node is empty (on ElastiCache, AOF is not available either:
    ``shared/reference/elasticache-facts.md`` §10)."""
    if not isinstance(node, Node):
        raise TypeError(f"restart_redis needs an engine.Node (lab.node), not "
                        f"{type(node).__name__}; a real server cannot be restarted from here")
    return Node(node.clock, seed=node.seed, name=node.name, port=node.port,
                **node.config.get("*"))


def restart_memcached(node: MemcachedNode) -> MemcachedNode:
    """A memcached node after a process restart: the same settings (read back from
    ``stats settings``) and clock, and no items — memcached keeps them only in memory."""
    if not isinstance(node, MemcachedNode):
        raise TypeError(f"restart_memcached needs an engine.MemcachedNode, not "
                        f"{type(node).__name__}")
    s = node.stats("settings")
    return MemcachedNode(node.clock, memory_limit_mb=int(s["maxbytes"]) / 2**20,
                         item_size_max=int(s["item_size_max"]),
                         growth_factor=float(s["growth_factor"]),
                         chunk_min=int(s["chunk_size"]), seed=node.seed, name=node.name,
                         port=node.port)


def memcached_target(env: Optional[Mapping[str, str]] = None):
    """What lab 01 probes on the memcached side: ``LAB_MEMCACHED_SERVER=host:port``
    (a real memcached or an ElastiCache node endpoint) if set, else a fresh embedded
    :class:`MemcachedNode`."""
    env = os.environ if env is None else env
    address = (env.get("LAB_MEMCACHED_SERVER") or "").strip()
    if address:
        _wire_for(address)          # validates the form host:port
        return address
    return MemcachedNode()


# -- the recommendation -------------------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    key: str
    group: str
    label: str       # for a checkbox
    noun: str        # for a sentence: "it has no {noun}"


REQUIREMENTS: Tuple[Requirement, ...] = (
    Requirement("rich_types", "Data model", "Hashes, lists or sets", "hashes, lists or sets"),
    Requirement("sorted_sets", "Data model", "Sorted sets (leaderboards, rankings)",
                "sorted sets"),
    Requirement("geospatial", "Data model", "Geospatial queries", "geospatial indexes"),
    Requirement("pub_sub", "Data model", "Pub/sub messaging", "pub/sub"),
    Requirement("transactions", "Data model", "Transactions or Lua scripts",
                "transactions or Lua scripts"),
    Requirement("large_items", "Data model", "Values larger than 1 MB", "values over 1 MB"),
    Requirement("vector_search", "Data model", "Vector search (semantic caching)",
                "vector search"),
    Requirement("replicas_failover", "Availability", "Read replicas + automatic Multi-AZ failover",
                "replicas with Multi-AZ failover"),
    Requirement("backups", "Availability", "Backups and restore", "backups"),
    Requirement("no_data_loss", "Availability", "No data loss when a node fails",
                "durable writes (no data loss)"),
    Requirement("simple_cache", "Performance", "Plain object caching is all I need",
                "plain object caching"),
    Requirement("multithreaded", "Performance", "Use every core of one large node",
                "multi-threading on large nodes"),
    Requirement("open_source", "Licensing and cost", "An open-source (BSD) engine",
                "a BSD license"),
    Requirement("lower_price", "Licensing and cost", "The lowest price", "the lowest price"),
    Requirement("redis_oss_required", "Licensing and cost",
                "Must stay on Redis OSS (e.g. a vendor certifies only it)", "Redis OSS"),
)
DEPLOYMENTS = ("node-based", "serverless")
_REQ_KEYS = tuple(r.key for r in REQUIREMENTS)


@dataclass(frozen=True)
class Recommendation:
    """``engine`` is "Valkey", "Redis OSS" or "Memcached"; ``reasons`` say why (with
    sources); ``cautions`` are trade-offs to check; ``ruled_out`` maps each other
    engine to why it was not chosen."""

    engine: str
    reasons: List[str]
    cautions: List[str] = field(default_factory=list)
    ruled_out: Dict[str, List[str]] = field(default_factory=dict)

    @property
    def family(self) -> str:
        return "Memcached" if self.engine == "Memcached" else "Valkey/Redis OSS"

    def to_html(self) -> str:
        def items(lines: Iterable[str]) -> str:
            return "".join(f"<li>{html.escape(x)}</li>" for x in lines)
        out = [f"<div><b style='font-size:120%'>Recommended: {html.escape(self.engine)}</b>",
               f"<p><b>Why</b></p><ul>{items(self.reasons)}</ul>"]
        if self.cautions:
            out.append(f"<p><b>Check before you decide</b></p><ul>{items(self.cautions)}</ul>")
        for other, why in self.ruled_out.items():
            out.append(f"<p><b>Not {html.escape(other)}</b></p><ul>{items(why)}</ul>")
        out.append("</div>")
        return "".join(out)

    def __str__(self) -> str:
        lines = [f"Recommended: {self.engine}"] + [f"  + {r}" for r in self.reasons]
        lines += [f"  ! {c}" for c in self.cautions]
        for other, why in self.ruled_out.items():
            lines += [f"  not {other}: {w}" for w in why]
        return "\n".join(lines)


# Why each requirement needs the Valkey/Redis OSS family (Memcached cannot do it).
_NEEDS_REDIS = {
    "rich_types": "hashes, lists and sets are Valkey/Redis OSS data types; Memcached stores "
                  "only strings " + cite(SEED_TABLE),
    "sorted_sets": "sorted sets, the usual leaderboard tool, exist only in Valkey/Redis OSS "
                   + cite(FACTS + " §1", FACTS + " §11"),
    "geospatial": "geospatial indexes are a Valkey/Redis OSS feature; Memcached has none "
                  + cite(SEED_TABLE),
    "pub_sub": "pub/sub messaging exists only in Valkey/Redis OSS " + cite(FACTS + " §1"),
    "transactions": "MULTI/EXEC transactions and Lua scripting are Valkey/Redis OSS features "
                    + cite(SEED_TABLE),
    "replicas_failover": "only Valkey/Redis OSS have replicas and Multi-AZ automatic failover; "
                         "a lost Memcached node loses its data " + cite(FACTS + " §1", SEED_NOTES),
    "backups": "node-based Memcached has no backups; Valkey/Redis OSS have automatic "
               "(kept 0–35 days) and manual ones " + cite(FACTS + " §6"),
}
_NEEDS_VALKEY = {
    "no_data_loss": "only Valkey 9.0+ offers durability, a Multi-AZ transaction log (sync: no "
                    "loss; async: up to 10 s); AOF is not available on ElastiCache "
                    + cite(FACTS + " §10"),
    "vector_search": "vector search is a Valkey feature on ElastiCache (GA October 2025) "
                     + cite(SEED_OVERVIEW, SEED_NOTES),
}


def _validate(requirements: Mapping[str, Any]) -> Tuple[set, str]:
    if not isinstance(requirements, Mapping):
        raise TypeError("recommend() takes a dict such as {'sorted_sets': True}")
    unknown = [k for k in requirements if k not in _REQ_KEYS and k != "deployment"]
    if unknown:
        raise ValueError(f"unknown requirement(s) {', '.join(map(repr, unknown))}; known: "
                         f"{', '.join(_REQ_KEYS)} and deployment")
    deployment = requirements.get("deployment", "node-based") or "node-based"
    if deployment not in DEPLOYMENTS:
        raise ValueError(f"deployment must be one of {', '.join(DEPLOYMENTS)}, "
                         f"not {deployment!r}")
    return {k for k in _REQ_KEYS if requirements.get(k)}, deployment


def recommend(requirements: Mapping[str, Any]) -> Recommendation:
    """Pick an ElastiCache engine for ``requirements`` (keys from :data:`REQUIREMENTS`,
    true when needed; ``deployment``: "node-based" (default) or "serverless").

    The rules, in order:

    1. a need only the Valkey/Redis OSS family meets (data types, pub/sub,
       transactions, replicas, node-based backups), a Valkey-only need (durability,
       vector search) or the duty to stay on Redis OSS decides for that family;
    2. otherwise Memcached's strengths (simplest model, multi-threading) decide for
       Memcached, unless values over 1 MB weigh as much (its default limit is 1 MB);
    3. within the family: Redis OSS if it is required and no Valkey-only need
       conflicts, else Valkey — which is also the answer when nothing is required.
    """
    need, deployment = _validate(requirements)
    serverless = deployment == "serverless"
    hard_redis = [k for k in _NEEDS_REDIS if k in need
                  and not (serverless and k in ("backups", "replicas_failover"))]
    hard_valkey = [k for k in _NEEDS_VALKEY if k in need]
    stay_on_redis_oss = "redis_oss_required" in need
    soft_memcached = [k for k in ("simple_cache", "multithreaded") if k in need]
    cautions = _deployment_cautions(need, serverless)

    if not (hard_redis or hard_valkey or stay_on_redis_oss) and \
            len(soft_memcached) > (1 if "large_items" in need else 0):
        return _memcached(need, serverless, cautions)

    reasons = [_NEEDS_REDIS[k] for k in hard_redis] + [_NEEDS_VALKEY[k] for k in hard_valkey]
    ruled_out: Dict[str, List[str]] = {}
    if hard_redis or hard_valkey:
        ruled_out["Memcached"] = [f"it has no {_noun(k)}" for k in hard_redis + hard_valkey]
    elif stay_on_redis_oss:
        ruled_out["Memcached"] = ["you must stay on Redis OSS"]
    if "large_items" in need:
        reasons.append("values can be up to 512 MiB; Memcached's default limit is 1 MB "
                       + cite(FACTS + " §1"))
        if soft_memcached and not (hard_redis or hard_valkey or stay_on_redis_oss):
            cautions.append("Memcached would also work if you raise its max_item_size "
                            + cite(FACTS + " §1"))
    if soft_memcached and (hard_redis or hard_valkey or stay_on_redis_oss):
        cautions.append("you also asked for " + " and ".join(_noun(k) for k in soft_memcached)
                        + ", where Memcached shines, but the needs above rule it out")

    if stay_on_redis_oss and not hard_valkey:
        reasons.append("you must stay on Redis OSS, and ElastiCache supports Redis OSS 7.x "
                       + cite(SEED_NOTES))
        if "open_source" in need:
            reasons.append("Redis OSS up to 7.2 is BSD-licensed; the license changed only from "
                           "7.4 " + cite(SEED_NOTES))
        cautions.append("AWS recommends moving to Valkey; a Redis OSS backup can be restored "
                        "into a new Valkey cache " + cite(SEED_NOTES, FACTS + " §6"))
        cautions.append("Redis OSS 4 and 5 left standard support on 31 January 2026 (Extended "
                        "Support after) " + cite(SEED_NOTES))
        if "lower_price" in need:
            cautions.append("Valkey costs less: 33% on serverless, 20% node-based "
                            + cite(SEED_NOTES))
        ruled_out["Valkey"] = ["you require Redis OSS"]
        return Recommendation("Redis OSS", reasons, cautions, ruled_out)

    if stay_on_redis_oss:
        cautions.append("you asked to stay on Redis OSS, but on ElastiCache only Valkey has "
                        + " and ".join(_noun(k) for k in hard_valkey))
    if hard_valkey:
        ruled_out["Redis OSS"] = [f"only Valkey has {_noun(k)}" for k in hard_valkey]
    if not reasons:
        reasons.append("no requirement needs Memcached's strengths or rules either engine out, "
                       "and AWS names Valkey its recommended engine " + cite(SEED_NOTES))
    reasons.append("Valkey is wire-compatible with Redis OSS, so Redis clients and code work "
                   "unchanged " + cite(SEED_NOTES))
    if "open_source" in need:
        reasons.append("Valkey is BSD-licensed and stewarded by the Linux Foundation; Redis "
                       "moved to SSPL/RSALv2 from 7.4 and to AGPLv3 with 8.0 " + cite(SEED_NOTES))
    if "lower_price" in need:
        reasons.append("ElastiCache prices Valkey lower: 33% on serverless, 20% on node-based "
                       "clusters " + cite(SEED_NOTES, FACTS + " §4"))
    if serverless:
        reasons.append("serverless supports Valkey 7.2 and later " + cite(FACTS + " §4"))
    return Recommendation("Valkey", reasons, cautions, ruled_out)


def _deployment_cautions(need: set, serverless: bool) -> List[str]:
    cautions = []
    if serverless and "backups" in need:
        cautions.append("serverless Memcached has backups too, so backups alone do not rule "
                        "it out on serverless " + cite(FACTS + " §6"))
    if serverless and "replicas_failover" in need:
        cautions.append("a serverless cache of any engine runs across 3 AZs with a 99.99% "
                        "SLA; you do not manage replicas there " + cite(FACTS + " §4"))
    if serverless and "no_data_loss" in need:
        cautions.append("durability is not available for serverless caches: choose a "
                        "node-based cluster (cluster mode on, Multi-AZ, ≥1 replica per "
                        "shard, TLS) " + cite(FACTS + " §10"))
    elif "no_data_loss" in need:
        cautions.append("durability needs cluster mode, Multi-AZ with at least one replica "
                        "per shard, TLS and R7g/R6g/M7g/M6g/C7gn nodes "
                        + cite(FACTS + " §10"))
    return cautions


def _memcached(need: set, serverless: bool, cautions: List[str]) -> Recommendation:
    reasons = []
    if "simple_cache" in need:
        reasons.append("Memcached is the simplest model: keys map to opaque values, with no "
                       "persistence or replication to manage " + cite(SEED_EXAM, SEED_NOTES))
    if "multithreaded" in need:
        reasons.append("Memcached is multi-threaded, so one large node can use all its cores; "
                       "Valkey/Redis OSS execute commands on one thread "
                       + cite(FACTS + " §1", SEED_EXAM))
        cautions.append("Valkey is advertised with much higher throughput than Redis OSS "
                        "(230%); measure your own workload " + cite(SEED_NOTES))
        if serverless:
            cautions.append("on serverless you do not choose node sizes, so thread counts "
                            "matter less " + cite(FACTS + " §4"))
    if serverless:
        cautions.append("serverless Memcached gives clients one endpoint, so they need no "
                        "sharding of their own " + cite(FACTS + " §1"))
    else:
        cautions.append("a Memcached node that fails or restarts loses its data, and there "
                        "are no replicas to fail over to " + cite(FACTS + " §1", SEED_NOTES))
        cautions.append("scaling out moves keys between nodes: use a consistent-hashing "
                        "(ketama) client " + cite(ENGINE_MC))
    if "large_items" in need:
        cautions.append("Memcached's max_item_size is 1 MB by default; raise it in the "
                        "parameter group " + cite(FACTS + " §1"))
    if "lower_price" in need:
        cautions.append("ElastiCache prices Valkey lower than the other engines (33% on "
                        "serverless, 20% node-based) " + cite(SEED_NOTES, FACTS + " §4"))
    if "open_source" in need:
        cautions.append("the license notes here compare Valkey with Redis OSS; they do not "
                        "change a Memcached choice")
    ruled_out = {"Valkey / Redis OSS": ["nothing you need is missing from Memcached, and you "
                                        "asked for what it does best"]}
    return Recommendation("Memcached", reasons, cautions, ruled_out)


def _noun(key: str) -> str:
    return next(r.noun for r in REQUIREMENTS if r.key == key)


# -- the widget -----------------------------------------------------------------------------
class Chooser:
    """The "which engine?" panel: a checkbox per :data:`REQUIREMENTS` entry, a
    deployment dropdown, and the recommendation below (an HTML widget, updated on
    every change). ``Chooser().widget`` is what a notebook displays; ``choose(**needs)``
    ticks boxes from code (how a headless run tests it)."""

    def __init__(self, **initial):
        import ipywidgets as w    # only when a panel is built

        _validate(initial)
        self.boxes = {r.key: w.Checkbox(value=bool(initial.get(r.key)), description=r.label,
                                        indent=False, layout=w.Layout(width="auto"))
                      for r in REQUIREMENTS}
        self.deployment = w.Dropdown(options=list(DEPLOYMENTS),
                                     value=initial.get("deployment", "node-based"),
                                     description="Deployment")
        self.result = w.HTML()
        self.recommendation: Optional[Recommendation] = None
        columns = []
        for group in dict.fromkeys(r.group for r in REQUIREMENTS):
            boxes = [self.boxes[r.key] for r in REQUIREMENTS if r.group == group]
            columns.append(w.VBox([w.HTML(f"<b>{html.escape(group)}</b>")] + boxes,
                                  layout=w.Layout(min_width="300px", margin="0 16px 8px 0")))
        for box in self.boxes.values():
            box.observe(self._update, names="value")
        self.deployment.observe(self._update, names="value")
        self.widget = w.VBox([w.HBox(columns, layout=w.Layout(flex_flow="row wrap")),
                              self.deployment, self.result])
        self._update()

    def requirements(self) -> Dict[str, Any]:
        needs: Dict[str, Any] = {k: True for k, box in self.boxes.items() if box.value}
        needs["deployment"] = self.deployment.value
        return needs

    def choose(self, deployment: Optional[str] = None, **needs: bool) -> Recommendation:
        """Tick (or untick) boxes from code; returns the new recommendation."""
        _validate(needs)
        for key, value in needs.items():
            self.boxes[key].value = bool(value)
        if deployment is not None:
            _validate({"deployment": deployment})
            self.deployment.value = deployment
        return self.recommendation

    def _update(self, _change=None) -> None:
        self.recommendation = recommend(self.requirements())
        self.result.value = self.recommendation.to_html()
