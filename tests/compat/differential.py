"""Drive a real redis-server and the engine with the same commands; compare replies.

The one comparison helper is :meth:`Pair.assert_same` (and :func:`compare`, which
it and the generated tests use). By default the two replies must be identical
byte for byte: same RESP type, same value, same error text. A *normalizer* may
be passed only where Redis itself leaves something unspecified or
environment-dependent; every normalizer used by the suite is defined here, with
the reason it exists:

``sort``            KEYS, CONFIG GET: the order is unspecified (hash-table
                    order differs between the servers).
``scan_reply``      one SCAN call that completes the iteration: the cursor
                    exactly, the keys sorted. (Longer iterations are compared
                    as a whole: see test_keys.full_scan.)
``assert_close``    (a variant of assert_same) PTTL/PEXPIRETIME after a
                    *relative* expiry: the two servers read their clocks at
                    different instants. Prefer large TTLs and EXPIREAT
                    (absolute) so TTL/EXPIRETIME match exactly.
``info_fields``     INFO: sections and field names in order, never the values
                    (the lines of Commandstats / Errorstats / Latencystats
                    sorted: redis-server prints them in hash order).
``client_fields``   CLIENT LIST / CLIENT INFO: per line, the field names.
``hello``           HELLO: the ``id`` field is a per-server counter (applied
                    automatically to every HELLO step).
``time_shape``      TIME: two decimal strings; the shape, and the seconds
                    to within 10 s (test_server checks the clocks agree).
``command_info``    COMMAND INFO: name, arity, flags, first/last/step key,
                    ACL categories, tips; key specs are derived differently
                    by the engine (documented in engine/commands/
                    introspection.py) and are not compared. Subcommand names:
                    the engine's must be a subset of redis-server's (some
                    container subcommands are not implemented yet), see
                    assert_same_command_info.

Non-string keys: :class:`ListKey` makes a list with a real RPUSH on both
servers (engine/commands/lists.py), so every WRONGTYPE path can be compared
exactly.
"""
from __future__ import annotations

import time

import re
from typing import Callable, Optional

from resp_client import Reply, RespClient, aggregate, sorted_aggregate

Normalizer = Callable[[Reply], object]
#: The password tests use when they turn on requirepass (the reset between
#: tests knows it, so it can switch requirepass off again).
TEST_PASSWORD = "compat-secret"
#: Figures the lead needs (redis-benchmark, generated sequences): title -> lines.
#: conftest.py prints them in pytest's terminal summary.
REPORT: dict = {}


class Mismatch(AssertionError):
    pass


def describe(args) -> str:
    out = []
    for a in args:
        if isinstance(a, bytes):
            try:
                text = a.decode()
                out.append(text if text and " " not in text and text.isprintable() else repr(text))
            except UnicodeDecodeError:
                out.append(repr(a))
        else:
            out.append(str(a))
    return " ".join(out)


def compare(cmd, real: Reply, engine: Reply, normalize: Optional[Normalizer] = None,
            context: str = "") -> None:
    """Raise :class:`Mismatch` with a readable diff unless the replies agree."""
    __tracebackhide__ = True
    if normalize is None:
        same = real.raw == engine.raw
        left, right = real.raw, engine.raw
    else:
        left, right = normalize(real), normalize(engine)
        if isinstance(left, Reply):
            left, right = left.raw, right.raw
        same = left == right
    if not same:
        note = f"  [normalized with {getattr(normalize, '__name__', normalize)}]" if normalize else ""
        raise Mismatch(
            f"\n{context}command: {describe(cmd)}{note}\n"
            f"  redis-server: {_short(left)}\n"
            f"  engine:       {_short(right)}\n"
            f"--- redis-server reply ---\n{_cut(real.pretty())}\n"
            f"--- engine reply ---\n{_cut(engine.pretty())}"
        )


def _cut(text: str, limit: int = 3000) -> str:
    return text if len(text) <= limit else text[:limit] + "\n  …"


def _short(v) -> str:
    text = repr(v)
    return text if len(text) < 2000 else text[:2000] + "…"


class Pair:
    """One connection to each server, used in lock step."""

    def __init__(self, real_port: int, engine_port: int, host: str = "127.0.0.1"):
        self.host = host
        self.real_port, self.engine_port = real_port, engine_port
        self.real = RespClient(host, real_port)
        self.engine = RespClient(host, engine_port)
        self.engine_node = None   # the engine's Node (same process), set by the fixture
        self._children = []

    def both(self, *args):
        """Send to both; return (real reply, engine reply)."""
        self.real.send(*args)
        self.engine.send(*args)
        return self.real.read_reply(), self.engine.read_reply()

    def assert_same(self, *args, normalize: Optional[Normalizer] = None) -> Reply:
        """Send ``args`` to both servers and require the same reply; returns
        the real server's reply."""
        real, engine = self.both(*args)
        compare(args, real, engine, normalize)
        return real

    def send_raw_both(self, data: bytes):
        self.real.send_raw(data)
        self.engine.send_raw(data)

    def read_both(self):
        return self.real.read_reply(), self.engine.read_reply()

    def connect(self) -> "Pair":
        """Another pair of connections (closed with this one)."""
        child = Pair(self.real_port, self.engine_port, self.host)
        child.engine_node = self.engine_node
        self._children.append(child)
        return child

    def close(self) -> None:
        for child in self._children:
            child.close()
        self.real.close()
        self.engine.close()


# -- normalizers --------------------------------------------------------------------

def sort(reply: Reply):
    """Unordered collections: compare sorted."""
    return sorted_aggregate(reply)


def scan_reply(reply: Reply):
    """One SCAN reply over a table small enough to finish in one call: the
    cursor exactly, the keys sorted."""
    if reply.kind != "*" or len(reply.value) != 2 or reply.value[1].kind != "*":
        return reply.raw
    return (reply.value[0].raw, sorted(c.raw for c in reply.value[1].value))


def ints_close(real: Reply, engine: Reply, tolerance: int) -> bool:
    if real.kind != ":" or engine.kind != ":":
        return real.raw == engine.raw
    if real.value < 0 or engine.value < 0:
        return real.value == engine.value
    return abs(real.value - engine.value) <= tolerance


def assert_close(pair: Pair, *args, tolerance: int) -> Reply:
    """Like assert_same for integer replies that depend on the wall clock."""
    real, engine = pair.both(*args)
    if not ints_close(real, engine, tolerance):
        raise Mismatch(f"\ncommand: {describe(args)} (tolerance {tolerance})\n"
                       f"  redis-server: {real.raw!r}\n  engine:       {engine.raw!r}")
    return real


_FIELD = re.compile(rb"^([^:\r\n#]+):", re.M)


def info_fields(reply: Reply):
    """INFO: the sections and field names, in order (values dropped; lines of
    the per-command sections compared sorted)."""
    if reply.kind not in ("$", "="):
        return reply.raw
    text = reply.value
    if reply.kind == "=":
        text = text[4:]
    out = []
    for block in text.split(b"\r\n\r\n"):
        lines = [ln for ln in block.split(b"\r\n") if ln]
        if not lines:
            continue
        names = [ln.split(b":", 1)[0] for ln in lines[1:]]
        if lines[0] in _HASH_ORDERED_SECTIONS:
            names.sort()
        out.append((lines[0], tuple(names)))
    return (reply.kind, out)


#: Sections whose lines come out in hash-table order on redis-server.
_HASH_ORDERED_SECTIONS = (b"# Commandstats", b"# Latencystats", b"# Errorstats")


def client_fields(reply: Reply):
    """CLIENT LIST / CLIENT INFO: for each line, the ``name=`` field names."""
    if reply.kind not in ("$", "="):
        return reply.raw
    text = reply.value[4:] if reply.kind == "=" else reply.value
    lines = [ln for ln in text.split(b"\n") if ln]
    return (reply.kind, text.endswith(b"\n"),
            [tuple(f.split(b"=", 1)[0] for f in ln.split(b" ")) for ln in lines])


def hello(reply: Reply):
    """HELLO's map with the ``id`` value masked (a per-server counter)."""
    if reply.kind not in ("*", "%"):
        return reply.raw
    children = list(reply.value)
    for i in range(0, len(children), 2):
        if children[i].value == b"id":
            children[i + 1] = Reply(":", 0, b":0\r\n")
    return aggregate(reply.kind, children).raw


def time_shape(reply: Reply):
    """TIME: [seconds, microseconds] as bulk strings; seconds rounded to 10."""
    if reply.kind != "*" or len(reply.value) != 2:
        return reply.raw
    secs, usecs = reply.value
    ok = secs.kind == "$" and usecs.kind == "$" and secs.value.isdigit() \
        and usecs.value.isdigit() and 0 <= int(usecs.value) < 1_000_000
    return ("time", ok, int(secs.value) // 10 if ok else None)


def command_info(reply: Reply):
    """COMMAND INFO entries: the first 8 elements exactly (name, arity, flags,
    first/last/step key, ACL categories, tips). Key specs (element 9) are not
    compared: the engine derives them from first/last/step. Subcommands
    (element 10) are compared by :func:`assert_same_command_info`, since the
    engine may implement only some of a container's subcommands."""

    def entry(e: Reply):
        if e.value is None:
            return e.raw
        return tuple(part.raw for part in e.value[:8])

    if reply.kind != "*":
        return reply.raw
    return [entry(e) for e in reply.value]


def subcommand_names(entry: Reply):
    if entry.value is None or len(entry.value) < 10:
        return []
    return sorted(s.value[0].value for s in entry.value[9].value)


def assert_same_command_info(pair: "Pair", *names) -> None:
    """COMMAND INFO names…: each entry's first 8 elements identical, and every
    subcommand the engine lists is also listed by redis-server (each of those
    is then compared on its own, by name)."""
    __tracebackhide__ = True
    args = ("COMMAND", "INFO", *names)
    real, engine = pair.both(*args)
    compare(args, real, engine, command_info)
    for r, e in zip(real.value, engine.value):
        missing = set(subcommand_names(e)) - set(subcommand_names(r))
        if missing:
            raise Mismatch(f"\ncommand: {describe(args)}\n  engine lists subcommands "
                           f"redis-server does not have: {sorted(missing)}")


# -- hand-written cases ----------------------------------------------------------------

class Step:
    """One command of a case and how to compare its replies."""

    __slots__ = ("args", "normalize", "tolerance")

    def __init__(self, args, normalize: Optional[Normalizer] = None,
                 tolerance: Optional[int] = None):
        if isinstance(args, str):
            args = split(args)
        self.args = tuple(args)
        if normalize is None and self.args and self.args[0].upper() == b"HELLO":
            normalize = hello  # HELLO's reply carries the connection id
        self.normalize = normalize
        self.tolerance = tolerance

    def run(self, pair: "Pair") -> Reply:
        if self.tolerance is not None:
            return assert_close(pair, *self.args, tolerance=self.tolerance)
        return pair.assert_same(*self.args, normalize=self.normalize)


def split(line: str):
    """Split a command line like redis-cli does (quotes, \\xHH escapes), to bytes."""
    import shlex
    out = []
    for word in shlex.split(line, posix=True):
        if "\\x" in word:
            word = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), word)
            out.append(word.encode("latin-1"))
        else:
            out.append(word.encode())
    return out


S = Step


def case(name: str, *steps, marks=()):
    """A pytest param: ``case("incr-overflow", "SET k 9223372036854775807", "INCR k")``."""
    import pytest
    return pytest.param([s if isinstance(s, Step) else Step(s) for s in steps],
                        id=name, marks=marks)


def run_case(pair: "Pair", steps) -> None:
    __tracebackhide__ = True
    for i, step in enumerate(steps):
        try:
            step.run(pair)
        except Mismatch as exc:
            before = "; ".join(describe(s.args) for s in steps[:i]) or "(nothing)"
            raise Mismatch(f"after: {before}{exc}") from None


class ListKey(Step):
    """Create a list key on both servers (for WRONGTYPE cases): ``RPUSH key
    items…`` (default one element, ``x``) on both, in database ``db``, through
    a side connection so the pair's selected database is untouched. The
    replies must agree."""

    def __init__(self, key: str, *items: str, db: int = 0):
        super().__init__(["RPUSH", key, *(items or ("x",))])
        self.db = db

    def run(self, pair: "Pair") -> Reply:
        side = pair.connect()
        if self.db:
            side.both("SELECT", str(self.db))
        real, eng = side.both(*self.args)
        compare(self.args, real, eng)
        assert real.kind == ":", real
        return real


def inject_list(node, db_index: int, key: bytes, items) -> None:
    """Create or extend a list in the engine's keyspace directly (kept for
    callers outside the pair); uses the engine's own list model."""
    from engine.commands.lists import TAIL, new_list
    key = key if isinstance(key, bytes) else key.encode()
    with node.lock:
        node.now = node.clock.now_ms()
        db = node.dbs[db_index]
        e = db.find(key)
        if e is None:
            e = new_list()
            db.store(key, e)
        assert e.type == "list", f"{key!r} exists as {e.type}"
        fill = node.config["list-max-listpack-size"]
        for item in items:
            e.value.push(item if isinstance(item, bytes) else item.encode(), TAIL, fill)
        db.resized(key, e)


def reset_server(server) -> None:
    """Put a server back the way a test expects to find it. (Lives here, not in
    conftest.py: several test folders have a conftest, so "from conftest import"
    is ambiguous when the whole suite runs.)"""
    with server.client() as c:
        reply = c.call("PING")
        if reply.raw.startswith(b"-NOAUTH"):
            c.call("AUTH", TEST_PASSWORD)
        c.call("CONFIG", "SET", "requirepass", "")
        # ACL users back to a fresh server's: only `default`, with every right.
        users = c.call("ACL", "USERS").py()
        for name in users if isinstance(users, list) else []:
            if name != b"default":
                c.call("ACL", "DELUSER", name)
        c.call("ACL", "SETUSER", "default", "on", "nopass", "resetkeys", "resetchannels",
               "clearselectors", "~*", "&*", "+@all")
        c.call("ACL", "LOG", "RESET")
        for name, value in server.defaults.items():
            c.call("CONFIG", "SET", name, value)
        c.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        c.call("FLUSHALL")
        c.call("CONFIG", "RESETSTAT")


# -- generated (hypothesis) differential runs ------------------------------------

def info_map(reply: Reply) -> dict:
    """An INFO reply (RESP2 bulk or RESP3 verbatim) as {field: value}."""
    text = reply.value[4:] if reply.kind == "=" else reply.value
    out = {}
    for line in text.decode("utf-8", "replace").split("\r\n"):
        if line and not line.startswith("#"):
            name, value = line.split(":", 1)
            out[name] = value
    return out


def _strip_timing(value: str) -> str:
    """cmdstat lines without usec / usec_per_call; keyspace lines without avg_ttl."""
    return ",".join(f for f in value.split(",") if not f.startswith(("usec", "avg_ttl")))


COUNTERS = ("keyspace_hits", "keyspace_misses", "expired_keys", "total_error_replies")


def assert_info_agrees(pair: "Pair", counters=COUNTERS, ignore=("cmdstat_info",)) -> None:
    """After a generated sequence: INFO's counters, per-error and per-command
    statistics and keyspace lines must agree on both servers (timings aside;
    ``ignore`` names cmdstat lines whose call counts legitimately differ)."""
    real, eng = pair.both(b"INFO", b"everything")
    r, e = info_map(real), info_map(eng)
    for name in counters:
        if r[name] != e[name]:
            raise Mismatch(f"INFO {name}: redis-server {r[name]}, engine {e[name]}")
    for prefix in ("errorstat_", "cmdstat_", "db"):
        rs = {k: _strip_timing(v) for k, v in r.items() if k.startswith(prefix) and k not in ignore}
        es = {k: _strip_timing(v) for k, v in e.items() if k.startswith(prefix) and k not in ignore}
        if rs != es:
            diff = {k: (rs.get(k), es.get(k)) for k in set(rs) | set(es)
                    if rs.get(k) != es.get(k)}
            raise Mismatch(f"INFO {prefix}* differ (redis-server, engine): {diff}")


def _pair_machine_base():
    from hypothesis.stateful import RuleBasedStateMachine

    class PairMachine(RuleBasedStateMachine):
        """The base of the generated differential tests. Each sequence starts
        from an empty database on both servers (RESP2, db 0, INFO counters
        reset); ``send`` runs one command on both and compares the replies.
        :func:`run_generated` sets ``pair`` and a fresh ``stats`` per run."""

        pair = None
        stats = {"sequences": 0, "steps": 0}
        RESET = (("HELLO", "2"), ("SELECT", "0"), ("FLUSHALL",), ("CONFIG", "RESETSTAT"))

        def __init__(self):
            super().__init__()
            for client in (self.pair.real, self.pair.engine):
                for cmd in self.RESET:
                    client.call(*cmd)
            type(self).stats["sequences"] += 1

        def send(self, *args, normalize=None):
            type(self).stats["steps"] += 1
            real, eng = self.pair.both(*args)
            compare(args, real, eng, normalize)
            return real

    return PairMachine


PairMachine = _pair_machine_base()


def run_generated(machine, pair: "Pair", *, examples: int, steps: int, derandomize: bool,
                  title: str) -> None:
    """Run a RuleBasedStateMachine (whose rules send to ``machine.pair`` and
    count ``machine.stats``) for ``examples`` sequences, report the counts in
    the terminal summary under ``title``, and insist that they all ran."""
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test
    machine.pair = pair
    machine.stats = {"sequences": 0, "steps": 0}
    started = time.monotonic()
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None,
        derandomize=derandomize, database=None, suppress_health_check=list(HealthCheck),
        print_blob=True))
    elapsed = time.monotonic() - started
    stats = machine.stats
    line = (f"{stats['sequences']} sequences (max {steps} steps), {stats['steps']} compared "
            f"commands, 0 mismatches, {elapsed:.1f}s")
    REPORT[title] = [line]
    print(f"\n{title}: {line}")
    assert stats["sequences"] >= examples, stats
