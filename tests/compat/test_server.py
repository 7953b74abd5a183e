"""Server commands, differential: DBSIZE FLUSHDB FLUSHALL TIME INFO CONFIG COMMAND MEMORY.

INFO is compared by structure (sections and field names, in order) for every
section and section set, and by value for the counters a learner reads
(keyspace hits/misses, expired keys, error counts, commandstats calls /
rejected / failed, the keyspace section). COMMAND INFO is compared for every
command the engine implements (see differential.command_info for what is
compared); COMMAND COUNT must equal the number of entries COMMAND returns.
"""
from __future__ import annotations

import time

import pytest

from differential import (ListKey, Mismatch, S, assert_same_command_info, case, command_info,
                          compare, info_fields, run_case, scan_reply, sort, subcommand_names,
                          time_shape)
from engine.commands.registry import TABLE
from resp_client import aggregate

DB_CASES = [
    case("dbsize", "DBSIZE", "MSET a 1 b 2", "DBSIZE", "SELECT 1", "DBSIZE", "SET c 3",
         "DBSIZE"),
    case("dbsize-arity", "DBSIZE x"),
    case("flushdb", "MSET a 1 b 2", "SELECT 1", "SET c 3", "FLUSHDB", "DBSIZE", "SELECT 0",
         "DBSIZE", "FLUSHDB ASYNC", "DBSIZE", "SET a 1", "flushdb sync", "DBSIZE"),
    case("flushdb-errors", "FLUSHDB FOO", "FLUSHDB ASYNC SYNC", "FLUSHDB SYNC x"),
    case("flushall", "MSET a 1 b 2", "SELECT 4", "SET c 3", ListKey("l", db=4), "FLUSHALL",
         "DBSIZE", "SELECT 0", "DBSIZE", "SET x 1", "FLUSHALL ASYNC", "DBSIZE",
         "FLUSHALL SYNC"),
    case("flushall-errors", "FLUSHALL FOO", "FLUSHALL ASYNC SYNC"),
    case("time", S("TIME", time_shape)),
    case("time-arity", "TIME x"),
]

CONFIG_CASES = [
    case("config-get-one", "CONFIG GET maxmemory", "CONFIG GET maxmemory-policy",
         "CONFIG GET MAXMEMORY", "CONFIG GET hz", "CONFIG GET nosuchparam",
         "CONFIG GET databases", "CONFIG GET lfu-log-factor", "CONFIG GET save",
         "CONFIG GET appendonly", "CONFIG GET requirepass", "CONFIG GET timeout",
         "CONFIG GET maxmemory-samples", "CONFIG GET active-expire-effort",
         "CONFIG GET cluster-enabled", "CONFIG GET proto-max-bulk-len", "CONFIG GET Hz",
         S("CONFIG GET HZ h?", sort), S("CONFIG GET LFU-*", sort)),
    case("config-get-patterns", S("CONFIG GET lfu-*", sort), S("CONFIG GET maxmemory-polic?", sort),
         S("CONFIG GET hz maxmemory", sort), S("CONFIG GET hz hz", sort),
         S("CONFIG GET nosuch*", sort)),
    case("config-get-resp3", "HELLO 3", "CONFIG GET maxmemory", S("CONFIG GET lfu-*", sort),
         "CONFIG GET nosuch"),
    case("config-set", "CONFIG SET maxmemory 100mb", "CONFIG GET maxmemory",
         "CONFIG SET maxmemory 1gb", "CONFIG GET maxmemory", "CONFIG SET maxmemory 12345",
         "CONFIG GET maxmemory", "CONFIG SET maxmemory 1k", "CONFIG GET maxmemory",
         "CONFIG SET maxmemory 0", "CONFIG SET MAXMEMORY-POLICY ALLKEYS-LRU",
         "CONFIG GET maxmemory-policy", "CONFIG SET hz 100", "CONFIG GET hz",
         "CONFIG SET lfu-log-factor 5 lfu-decay-time 2", S("CONFIG GET lfu-*", sort)),
    case("config-set-clamped", "CONFIG SET hz 0", "CONFIG GET hz", "CONFIG SET hz 1000",
         "CONFIG GET hz"),
    case("config-set-errors", "CONFIG SET maxmemory-policy foo", "CONFIG SET maxmemory abc",
         "CONFIG SET maxmemory -1", "CONFIG SET hz abc", "CONFIG SET hz -1",
         "CONFIG SET maxmemory-samples 0", "CONFIG SET nosuch 1", "CONFIG SET databases 4",
         "CONFIG SET hz 10 hz 20", "CONFIG SET hz 10 maxmemory", "CONFIG SET lfu-log-factor -1",
         "CONFIG SET active-expire-effort 11", "CONFIG SET maxmemory 1.5mb",
         "CONFIG SET timeout abc", "CONFIG SET hz 10 nosuch 1", "CONFIG GET hz"),
    case("config-set-atomic", "CONFIG SET hz 50 maxmemory-policy nope", "CONFIG GET hz",
         "CONFIG SET maxmemory 5mb hz abc", "CONFIG GET maxmemory"),
    case("config-arity", "CONFIG", "CONFIG GET", "CONFIG SET hz", "CONFIG RESETSTAT x",
         "CONFIG FOO", "config foo bar"),
    case("config-resetstat", "SET a 1", "GET a", "GET nope", "CONFIG RESETSTAT"),
]

MEMORY_CASES = [
    case("memory-usage", "SET k hello", "MEMORY USAGE k", "MEMORY USAGE k SAMPLES 0",
         "MEMORY USAGE k samples 5", "MEMORY USAGE nope"),
    case("memory-usage-errors", "SET k v", "MEMORY USAGE k SAMPLES", "MEMORY USAGE k SAMPLES x",
         "MEMORY USAGE k FOO 1", "MEMORY USAGE k SAMPLES 1 SAMPLES 2", "MEMORY USAGE nope FOO",
         "MEMORY USAGE nope SAMPLES x", "MEMORY USAGE k SAMPLES -1"),
    case("memory-arity", "MEMORY", "MEMORY USAGE", "MEMORY FOO", "MEMORY FOO x"),
]

COMMAND_CASES = [
    case("command-getkeys", "COMMAND GETKEYS SET k v", "COMMAND GETKEYS MSET a 1 b 2",
         "COMMAND GETKEYS GET k", "COMMAND GETKEYS COPY a b DB 1", "COMMAND GETKEYS LCS a b",
         "COMMAND GETKEYS OBJECT ENCODING k", "COMMAND GETKEYS MEMORY USAGE k",
         "COMMAND GETKEYS DEL a b c", "COMMAND GETKEYS RENAME a b",
         "COMMAND GETKEYS EXPIRE k 10 NX", "COMMAND GETKEYS WATCH a b", "command getkeys get k",
         "COMMAND GETKEYS MSETNX a 1 b 2", "COMMAND GETKEYS TOUCH a"),
    case("command-getkeys-errors", "COMMAND GETKEYS PING x", "COMMAND GETKEYS FOO bar",
         "COMMAND GETKEYS SET k", "COMMAND GETKEYS GET", "COMMAND GETKEYS", "COMMAND GETKEYS DBSIZE",
         "COMMAND GETKEYS MSET a", "COMMAND GETKEYS MSET a 1 b", "COMMAND GETKEYS CONFIG GET x",
         "COMMAND GETKEYS OBJECT FOO k", "COMMAND GETKEYS CLIENT ID", "COMMAND GETKEYS KEYS *",
         "COMMAND GETKEYS OBJECT", "COMMAND GETKEYS SCAN 0"),
    case("command-info-unknown", "COMMAND INFO nosuchcommand",
         S("COMMAND INFO get nosuch set", command_info), S("COMMAND INFO GET", command_info),
         S("COMMAND INFO config|get", command_info), S("COMMAND INFO CONFIG|GET", command_info),
         "COMMAND INFO config|nosuch", "COMMAND INFO nosuch|get"),
    case("command-errors", "COMMAND FOO", "COMMAND COUNT x", "COMMAND DOCS nosuch",
         "COMMAND HELP x"),
]


@pytest.mark.parametrize("steps", DB_CASES)
def test_db_commands(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", CONFIG_CASES)
def test_config(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", MEMORY_CASES)
def test_memory(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", COMMAND_CASES)
def test_command(pair, steps):
    run_case(pair, steps)


# -- TIME -------------------------------------------------------------------------------

def test_time_is_the_wall_clock(pair):
    real, eng = pair.both("TIME")
    r = int(real.value[0].value) + int(real.value[1].value) / 1e6
    e = int(eng.value[0].value) + int(eng.value[1].value) / 1e6
    assert abs(r - e) < 2 and abs(e - time.time()) < 2


# -- INFO -------------------------------------------------------------------------------

INFO_ARGS = [(), ("default",), ("all",), ("everything",), ("server",), ("clients",),
             ("memory",), ("persistence",), ("stats",), ("replication",), ("cpu",),
             ("modules",), ("commandstats",), ("errorstats",), ("latencystats",),
             ("cluster",), ("keyspace",), ("SERVER",), ("nosuchsection",),
             ("keyspace", "server"), ("server", "server"), ("default", "commandstats"),
             ("nosuch", "cpu")]


@pytest.mark.parametrize("args", INFO_ARGS, ids=lambda a: "-".join(a) or "plain")
def test_info_structure(pair, args):
    """Same sections, same field names in the same order (values differ)."""
    for line in ("SET a 1", "GET a", "GET nope", "INCR a", "FOO", "SET k v EX 100000",
                 "DEL nope", "SELECT 2", "SET b 2", "SELECT 0", "GET"):
        S(line).run(pair)
    pair.assert_same("INFO", *args, normalize=info_fields)


def test_info_resp3_is_verbatim(pair):
    S("HELLO 3", lambda r: r.kind).run(pair)
    pair.assert_same("INFO", "server", normalize=info_fields)


def _info_map(reply) -> dict:
    text = reply.value[4:] if reply.kind == "=" else reply.value
    out = {}
    for line in text.decode().split("\r\n"):
        if line and not line.startswith("#"):
            name, value = line.split(":", 1)
            out[name] = value
    return out


COUNTERS = ("keyspace_hits", "keyspace_misses", "expired_keys", "total_error_replies",
            "evicted_keys", "rejected_connections")


def _commandstats(info: dict) -> dict:
    out = {}
    for name, value in info.items():
        if name.startswith("cmdstat_"):
            fields = dict(f.split("=") for f in value.split(","))
            out[name] = (fields["calls"], fields["rejected_calls"], fields["failed_calls"])
    return out


def _compare_info_values(pair, label):
    real, eng = pair.both("INFO", "everything")
    r, e = _info_map(real), _info_map(eng)
    for name in COUNTERS:
        if r[name] != e[name]:
            raise Mismatch(f"{label}: INFO {name}: redis-server {r[name]}, engine {e[name]}")
    for prefix in ("errorstat_", "db"):
        rs = {k: v for k, v in r.items() if k.startswith(prefix)}
        es = {k: v for k, v in e.items() if k.startswith(prefix)}
        if rs != es:
            raise Mismatch(f"{label}: INFO {prefix}*: redis-server {rs}, engine {es}")
    rc, ec = _commandstats(r), _commandstats(e)
    if rc != ec:
        diff = {k: (rc.get(k), ec.get(k)) for k in set(rc) | set(ec) if rc.get(k) != ec.get(k)}
        raise Mismatch(f"{label}: INFO commandstats (calls, rejected, failed) differ "
                       f"(redis-server, engine): {diff}")


INFO_VALUE_CASES = [
    ("hits-and-misses", ["SET a 1", "GET a", "GET a", "GET nope", "MGET a nope b", "EXISTS a",
                         "TYPE a", "TTL a", "STRLEN a", "INCR a", "APPEND a x", "GETRANGE a 0 1",
                         "TOUCH a nope", "LCS a nope", "GETEX a", "GETDEL a", "SET b 2 GET",
                         "OBJECT ENCODING b", "RENAME b c", "COPY c d", "MOVE d 1",
                         "DEL c", "SETRANGE e 0 x", "SETNX e y", "MSETNX e 1 f 2",
                         "INCRBYFLOAT g 1", S("SCAN 0 COUNT 1000", scan_reply),
                         S("KEYS *", sort), "DBSIZE", "OBJECT FREQ nope", "OBJECT IDLETIME g",
                         "EXPIRE g 100000", "PERSIST g", "MEMORY USAGE g", "GETSET g 1",
                         "PTTL nope", "EXPIRETIME g", "SET h 1 NX", "SET h 1 XX"]),
    ("errors", ["FOO", "GET", "SET a x", "INCR a", "INCRBYFLOAT a 1", "SET a 1 EX 0",
                "EXPIRE a 1 NX XX", "CONFIG SET nosuch 1", "OBJECT", "CLIENT",
                "SELECT 99", "RENAME nope x", "MULTI", "GET", "EXEC", "DISCARD", "EXEC",
                "MEMORY USAGE", "CONFIG GET", ListKey("l"), "GET l",
                "LCS l l", "WATCH", "AUTH x", "HELLO 9"]),
    ("transactions", ["MULTI", "SET a 1", "INCR a", "INCR b", "GET a", "EXEC", "MULTI",
                      "SET a 2", "DISCARD", "WATCH a", "UNWATCH", "MULTI", "NOSUCH", "EXEC",
                      "MULTI", "SET a b", "INCR a", "EXEC"]),
    ("unknown-subcommands", ["OBJECT FOO", "CLIENT FOO x", "COMMAND FOO", "CONFIG FOO",
                             "MEMORY FOO"]),
    ("expired", ["SET a 1 PX 1", "SET b 1 PX 1", "SET c 1", "__sleep__", "GET a", "EXISTS b",
                 "GET c", "TTL a"]),
]





@pytest.mark.parametrize("steps", [pytest.param(p[1], id=p[0]) for p in INFO_VALUE_CASES])
def test_info_counters(pair, steps):
    """The numbers learners read in INFO move the same way on both servers."""
    for step in steps:
        if step == "__sleep__":
            time.sleep(0.05)
            continue
        (step if isinstance(step, S) else S(step)).run(pair)
    _compare_info_values(pair, " ; ".join(str(s) for s in steps))


# -- COMMAND ----------------------------------------------------------------------------

def _is_module_command(name) -> bool:
    """FT.* and BF.* come from modules (valkey-search, valkey-bloom) that a
    plain redis-server 7.0 does not load: there is nothing to compare them
    with here (tests/vector checks them against their documented syntax)."""
    return "." in (name.decode() if isinstance(name, bytes) else name)


#: The engine's core commands: every one must match redis-server 7.0.
CORE_TABLE = {name: cmd for name, cmd in TABLE.items() if not _is_module_command(name)}


def _engine_command_names():
    names = []
    for name, cmd in sorted(CORE_TABLE.items()):
        names.append(name.decode())
        names.extend(f"{name.decode()}|{sub.decode()}" for sub in sorted(cmd.subcommands))
    return names


@pytest.mark.parametrize("name", _engine_command_names())
def test_command_info_matches(pair, name):
    """Every command (and subcommand) the engine declares is described as
    redis-server describes it: name, arity, flags, key positions, ACL
    categories, tips, subcommand names."""
    assert_same_command_info(pair, name)


@pytest.mark.parametrize("name", _engine_command_names())
def test_command_getkeys_matches_key_positions(pair, name):
    """COMMAND GETKEYS for a made-up call with keys k1, k2, … agrees."""
    cmd = TABLE[name.split("|")[0].encode()]
    if "|" in name:
        cmd = cmd.subcommands[name.split("|")[1].encode()]
    words = name.split("|")
    needed = max(abs(cmd.arity), 2) if cmd.arity < 0 else cmd.arity
    args = words + [f"k{i}" for i in range(1, needed - len(words) + 1)]
    if cmd.arity < 0:
        args += ["k8", "k9"] if (len(args) % 2 == 1) == (name in ("mset", "msetnx")) else ["k8"]
    pair.assert_same("COMMAND", "GETKEYS", *args)


def test_command_count_is_the_table(pair):
    """COMMAND COUNT equals the number of entries COMMAND returns (on each)."""
    for client in (pair.real, pair.engine):
        count = client.call("COMMAND", "COUNT")
        everything = client.call("COMMAND")
        assert count.kind == ":" and everything.kind == "*"
        assert count.value == len(everything.value), (count.value, len(everything.value))


def test_command_lists_every_engine_command_like_redis(pair):
    """COMMAND (no argument): each engine entry equals redis-server's entry."""
    real = {e.value[0].value: e for e in pair.real.call("COMMAND").value}
    eng = pair.engine.call("COMMAND")
    names = [e.value[0].value for e in eng.value]
    assert sorted(names) == sorted(TABLE)
    for entry in eng.value:
        name = entry.value[0].value
        if _is_module_command(name):
            continue
        assert name in real, f"engine declares {name!r}, unknown to redis-server"
        compare(("COMMAND", f"[{name.decode()}]"), aggregate("*", [real[name]]),
                aggregate("*", [entry]), command_info)
        assert set(subcommand_names(entry)) <= set(subcommand_names(real[name])), name


_DOC_FIELDS = (b"summary", b"since", b"group", b"complexity", b"doc_flags")


def _docs(reply) -> dict:
    """COMMAND DOCS (RESP2) as {name: {field: value, "subcommands": {...}}},
    keeping summary / since / group / complexity / doc_flags. Arguments,
    history, deprecated_since and replaced_by are not compared: the engine's
    table does not declare them."""
    out = {}
    v = reply.value
    for i in range(0, len(v), 2):
        doc = v[i + 1].value
        fields = {}
        for j in range(0, len(doc), 2):
            key, val = doc[j].value, doc[j + 1]
            if key in _DOC_FIELDS:
                fields[key] = sorted(c.value for c in val.value) if val.kind == "*" else val.value
            elif key == b"subcommands":
                fields[key] = _docs(val)
        out[v[i].value] = fields
    return out


@pytest.mark.parametrize("name", sorted(n.decode() for n in CORE_TABLE))
def test_command_docs_matches(pair, name):
    """COMMAND DOCS: the same summary, since, group, complexity and doc flags
    for the command and each subcommand the engine implements."""
    real, eng = pair.both("COMMAND", "DOCS", name)
    assert real.kind == eng.kind == "*", (real, eng)
    r, e = _docs(real), _docs(eng)
    assert list(r) == list(e) == [name.encode()]
    r, e = r[name.encode()], e[name.encode()]
    r_subs, e_subs = r.pop(b"subcommands", {}), e.pop(b"subcommands", {})
    if r != e:
        raise Mismatch(f"COMMAND DOCS {name}:\n  redis-server: {r}\n  engine:       {e}")
    for sub, fields in e_subs.items():
        if sub not in r_subs:
            raise Mismatch(f"COMMAND DOCS {name}: engine documents {sub!r}, redis-server does not")
        if r_subs[sub] != fields:
            raise Mismatch(f"COMMAND DOCS {name} {sub!r}:\n  redis-server: {r_subs[sub]}\n"
                           f"  engine:       {fields}")
