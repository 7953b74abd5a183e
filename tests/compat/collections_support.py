"""Helpers shared by the hash and set differential tests (test_hashes.py,
test_sets.py, test_generated_collections.py).

* ``pairs``         a normalizer for field/value replies in hash-table order
                    (HGETALL, HRANDFIELD … WITHVALUES in RESP2): the pairs,
                    sorted. ``sort`` from differential.py would sort fields and
                    values together and lose which value belongs to which field.
* :class:`Random`   a step for HRANDFIELD / SRANDMEMBER / SPOP: the replies are
                    random, so both servers' are checked against the rules
                    instead of against each other (same RESP type and length,
                    members of the collection as it was just before,
                    distinct for a positive count, values matching fields).
* :func:`full_scan` a whole HSCAN/SSCAN iteration, compared as a set of items.
* ``listpack_entries`` fixture: redis-server's *compiled* default for
  hash-max-listpack-entries is 512, while redis.conf — and ElastiCache, and
  the engine — use 128. Tests pin both servers to 128 and put the real
  server's value back afterwards.
"""
from __future__ import annotations

import pytest

from differential import Mismatch, Step, describe
from resp_client import Reply


def pairs(reply: Reply):
    """Field/value replies compared as a sorted list of pairs."""
    if reply.kind not in ("*", "%", "~") or reply.value is None:
        return reply.raw
    items = reply.value
    if items and items[0].kind == "*":        # RESP3 HRANDFIELD: [[f, v], …]
        return (reply.kind, sorted(tuple(c.raw for c in p.value) for p in items))
    return (reply.kind, sorted((items[i].raw, items[i + 1].raw)
                               for i in range(0, len(items), 2)))


def scan_pairs(reply: Reply):
    """One HSCAN reply that finishes the iteration: cursor exactly, pairs sorted."""
    if reply.kind != "*" or len(reply.value) != 2:
        return reply.raw
    return (reply.value[0].raw, pairs(reply.value[1]))


def _content(client, key: bytes):
    """What the key holds on one server: ('hash', {f: v}) / ('set', {m}) / (None, None)."""
    kind = client.call(b"TYPE", key).value
    if kind == b"hash":
        flat = client.call(b"HGETALL", key).py()
        if isinstance(flat, dict):
            return "hash", flat
        return "hash", dict(zip(flat[::2], flat[1::2]))
    if kind == b"set":
        return "set", set(client.call(b"SMEMBERS", key).py())
    return None, None


def check_random(args, real: Reply, eng: Reply, before_real, before_eng) -> None:
    """Raise Mismatch unless both replies obey HRANDFIELD/SRANDMEMBER/SPOP's rules."""
    __tracebackhide__ = True
    name = args[0].upper()

    def fail(why):
        raise Mismatch(f"\ncommand: {describe(args)}\n  {why}\n"
                       f"  redis-server: {real.raw[:300]!r}\n  engine:       {eng.raw[:300]!r}")

    if real.is_error or eng.is_error or real.kind != eng.kind:
        if real.raw != eng.raw:
            fail("different reply types or errors")
        return
    withvalues = any(a.upper() == b"WITHVALUES" for a in args[2:] if isinstance(a, bytes))
    count = int(args[2]) if len(args) > 2 else None
    for reply, (kind, content) in ((real, before_real), (eng, before_eng)):
        if count is None:
            if content is None or not content:
                if reply.value is not None:
                    fail("a missing key must answer nil")
                continue
            if reply.value not in content:
                fail(f"{reply.value!r} is not in the collection")
            continue
        items = reply.value
        if withvalues:
            if items and items[0].kind == "*":
                picked = [tuple(c.value for c in p.value) for p in items]
            else:
                picked = [(items[i].value, items[i + 1].value) for i in range(0, len(items), 2)]
            for f, v in picked:
                if content is None or content.get(f) != v:
                    fail(f"pair {f!r}={v!r} is not in the hash")
            names = [f for f, _ in picked]
        else:
            names = [c.value for c in items]
            for n in names:
                if content is None or n not in content:
                    fail(f"{n!r} is not in the collection")
        size = len(content) if content else 0
        expected = (min(count, size) if count >= 0 else (-count if size else 0))
        if len(names) != expected:
            fail(f"expected {expected} elements, got {len(names)}")
        if count > 0 and len(set(names)) != len(names):
            fail("a positive count must give distinct elements")
    if count is not None and len(real.value) != len(eng.value):
        fail("different lengths")


class Random(Step):
    """A random-reply command compared by its rules (see module docstring)."""

    def run(self, pair) -> Reply:
        key = self.args[1]
        before = (_content(pair.real, key), _content(pair.engine, key))
        real, eng = pair.both(*self.args)
        check_random(self.args, real, eng, *before)
        return real


def full_scan(client, cmd: bytes, key: bytes, *opts, limit: int = 10000):
    """Every item one complete HSCAN/SSCAN iteration returns (cursor back to 0)."""
    cursor, seen = b"0", []
    for _ in range(limit):
        reply = client.call(cmd, key, cursor, *opts)
        if reply.is_error:
            return reply.raw
        cursor = reply.value[0].value
        items = [c.value for c in reply.value[1].value]
        if cmd.upper() == b"HSCAN":
            seen.extend(zip(items[::2], items[1::2]))
        else:
            seen.extend(items)
        if cursor == b"0":
            return sorted(set(seen))
    raise AssertionError(f"{cmd!r} {key!r} did not finish in {limit} calls")


class FullScan(Step):
    """A whole HSCAN/SSCAN iteration on both servers: the same items."""

    def run(self, pair) -> Reply:
        cmd, key, *opts = self.args
        real = full_scan(pair.real, cmd, key, *opts)
        eng = full_scan(pair.engine, cmd, key, *opts)
        if real != eng:
            raise Mismatch(f"\nfull {describe(self.args)}:\n  redis-server: {real!r}\n"
                           f"  engine:       {eng!r}")
        return None


class Build(Step):
    """Send a (long) command to both servers without showing it in failures."""

    def run(self, pair) -> Reply:
        real, eng = pair.both(*self.args)
        if real.raw != eng.raw:
            raise Mismatch(f"\ncommand: {describe(self.args)[:200]}\n"
                           f"  redis-server: {real.raw!r}\n  engine:       {eng.raw!r}")
        return real


def hset_many(key: str, n: int, fmt: str = "f{:03d}", value: str = "v{:03d}") -> Build:
    args = [b"HSET", key.encode()]
    for i in range(n):
        args += [fmt.format(i).encode(), value.format(i).encode()]
    return Build(args)


def sadd_many(key: str, members) -> Build:
    return Build([b"SADD", key.encode(), *(str(m).encode() for m in members)])


#: Encoding thresholds the collection tests may change; put back after each test.
COLLECTION_PARAMS = ("hash-max-listpack-entries", "hash-max-listpack-value",
                     "set-max-intset-entries")


def _get(client, name: str) -> bytes:
    reply = client.call("CONFIG", "GET", name).py()
    return reply[1] if isinstance(reply, list) else list(reply.values())[0]


@pytest.fixture
def listpack_entries(servers):
    """Pin hash-max-listpack-entries to 128 on both servers (see module
    docstring); afterwards every encoding threshold goes back to what each
    server had before the test."""
    saved = []
    for server in servers:
        with server.client() as c:
            saved.append((server, {n: _get(c, n) for n in COLLECTION_PARAMS}))
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "128")
    yield
    for server, values in saved:
        with server.client() as c:
            for name, value in values.items():
                c.call("CONFIG", "SET", name, value)


@pytest.fixture
def memory_pair(redis_server, fresh_engine):
    """A Pair on a brand-new engine node (MEMORY USAGE needs the node's own
    memory models; the session engine may have had a stand-in list model
    installed by ``ListKey``), both servers with hash-max-listpack-entries 128."""
    from differential import Pair
    from differential import reset_server
    reset_server(redis_server)
    with redis_server.client() as c:
        saved = {n: _get(c, n) for n in COLLECTION_PARAMS}
    p = Pair(redis_server.port, fresh_engine.port)
    p.engine_node = fresh_engine.tcp.node
    p.both("CONFIG", "SET", "hash-max-listpack-entries", "128")
    yield p
    p.close()
    with redis_server.client() as c:
        for name, value in saved.items():
            c.call("CONFIG", "SET", name, value)
    reset_server(redis_server)


def memory_usage(pair, key: str):
    """MEMORY USAGE on both servers: (redis-server bytes, engine bytes)."""
    real, eng = pair.both("MEMORY", "USAGE", key, "SAMPLES", "0")
    return real.value, eng.value
