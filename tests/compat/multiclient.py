"""Several connections per server in lock step: blocking commands and pub/sub.

A blocked BLPOP or a subscriber only makes sense with a second client that
pushes or publishes. :class:`Clients` opens named connections (``A``, ``B``,
``C`` …) to *both* servers — the pair's own for ``A``, more via
``pair.connect()`` — plus one side connection per server for observing
(``CLIENT LIST``). A test is a script of lines:

``"A: CMD args"``   A sends CMD to both servers; the two replies must be identical
``"A> CMD args"``   A sends CMD and must end up *blocked* on both (no reply yet)
``"A<"``            read one more reply/push for A on both servers and compare
                    (a blocked command's answer, a pub/sub message, the second
                    confirmation of ``SUBSCRIBE a b``)
``"A!"``            close A's connections (and wait until both servers saw it)
``"A?"``            A must have nothing more to read on either server: still
                    blocked on both, or (not blocked) its PING is answered first

``$A`` in a command is replaced, per server, by A's CLIENT ID (for CLIENT
UNBLOCK / CLIENT KILL ID). A step may be a ``(line, normalizer)`` tuple.

Whether a client is blocked is read from ``CLIENT LIST`` (the ``b`` flag) on
the side connection, never guessed from timing: once B's reply has arrived,
the server has already served (or not) every client B's command woke.
"""
from __future__ import annotations

import select
import time
from typing import Dict

from differential import Mismatch, compare, describe, hello, split
from resp_client import ConnectionClosed, RespClient

WAIT_S = 10.0


def has_data(client: RespClient) -> bool:
    """Unread bytes from the server, buffered or on the socket?"""
    if client.pos < len(client.buf):
        return True
    readable, _, _ = select.select([client.sock], [], [], 0)
    return bool(readable)


def client_flags(side: RespClient) -> Dict[int, str]:
    """CLIENT LIST as {client id: flags}."""
    reply = side.call("CLIENT", "LIST")
    text = reply.value[4:] if reply.kind == "=" else reply.value
    out = {}
    for line in text.decode().splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        out[int(fields["id"])] = fields["flags"]
    return out


class Clients:
    """Named connections to both servers (see the module docstring)."""

    def __init__(self, pair, names: str = "AB"):
        self.pair = pair
        self.conns = {}
        for i, name in enumerate(names):
            self.conns[name] = pair if i == 0 else pair.connect()
        self.side = pair.connect()
        self.ids = {}
        for name, conn in self.conns.items():
            self.ids[name] = (conn.real.call("CLIENT", "ID").value,
                              conn.engine.call("CLIENT", "ID").value)
        self.closed = set()

    # -- observing -----------------------------------------------------------------
    def blocked(self, name: str):
        """(blocked on redis-server, blocked on the engine) for client ``name``."""
        rid, eid = self.ids[name]
        return ("b" in client_flags(self.side.real).get(rid, ""),
                "b" in client_flags(self.side.engine).get(eid, ""))

    def settle(self, name: str) -> tuple:
        """After ``name`` sent a command: wait until, on each server, it either
        has a reply to read or shows as blocked. Returns (real, engine) with
        True meaning blocked."""
        conn = self.conns[name]
        rid, eid = self.ids[name]
        states = []
        for client, side, cid in ((conn.real, self.side.real, rid),
                                  (conn.engine, self.side.engine, eid)):
            deadline = time.monotonic() + WAIT_S
            while True:
                if has_data(client):
                    states.append(False)
                    break
                if "b" in client_flags(side).get(cid, ""):
                    states.append(True)
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f"{name}: neither a reply nor blocked after {WAIT_S}s")
                time.sleep(0.002)
        return tuple(states)

    def substitute(self, args, server: int):
        out = []
        for a in args:
            if isinstance(a, bytes) and a.startswith(b"$") and a[1:].decode() in self.ids:
                a = b"%d" % self.ids[a[1:].decode()][server]
            out.append(a)
        return tuple(out)

    # -- running a script -------------------------------------------------------------
    def run(self, script, context: str = "") -> None:
        __tracebackhide__ = True
        done = []
        for step in script:
            normalize = None
            if isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str) \
                    and (step[1] is None or callable(step[1])):
                step, normalize = step
            try:
                self.step(step, normalize)
            except Mismatch as exc:
                before = "; ".join(done) or "(nothing)"
                raise Mismatch(f"{context}after: {before}{exc}") from None
            done.append(step if isinstance(step, str) else describe(step))

    def step(self, line, normalize=None) -> None:
        __tracebackhide__ = True
        name, op, rest = line[0], line[1], line[2:].strip()
        conn = self.conns[name]
        if op == "<":
            real, eng = conn.real.read_reply(), conn.engine.read_reply()
            compare((f"({name} reads)",), real, eng, normalize)
            return
        if op == "!":
            for client in (conn.real, conn.engine):
                client.close()
            self.closed.add(name)
            self._wait_gone(name)
            return
        if op == "?":
            state = self.blocked(name)
            if state != (False, False):
                # Still waiting: it must be so on both, with nothing to read.
                if state != (True, True) or has_data(conn.real) or has_data(conn.engine):
                    raise Mismatch(f"\n{name} blocked on (redis-server, engine) = {state}")
                return
            for client in (conn.real, conn.engine):
                client.send("PING")
            real, eng = conn.real.read_reply(), conn.engine.read_reply()
            # A PING reply in subscribed RESP2 mode is an array; either way the
            # two must agree, and it must be the PING's (nothing queued before).
            compare((f"({name} has nothing pending) PING",), real, eng)
            if real.kind not in ("+", "*") or (real.kind == "*" and real.value[0].value != b"pong"):
                raise Mismatch(f"{name} had an unread reply before PING: {real.raw!r}")
            return
        args = split(rest)
        if normalize is None and args[0].upper() == b"HELLO":
            normalize = hello   # the reply carries the (per-server) client id
        conn.real.send(*self.substitute(args, 0))
        conn.engine.send(*self.substitute(args, 1))
        if op == ":":
            real, eng = conn.real.read_reply(), conn.engine.read_reply()
            compare(args, real, eng, normalize)
        elif op == ">":
            state = self.settle(name)
            if state != (True, True):
                extra = ""
                if not state[0]:
                    extra += f" redis-server replied {conn.real.read_reply().raw!r}"
                if not state[1]:
                    extra += f" engine replied {conn.engine.read_reply().raw!r}"
                raise Mismatch(f"\n{describe(args)}: expected {name} blocked on both, "
                               f"got (redis-server, engine) = {state}{extra}")
        else:
            raise ValueError(f"bad script line {line!r}")

    def _wait_gone(self, name: str) -> None:
        rid, eid = self.ids[name]
        for side, cid in ((self.side.real, rid), (self.side.engine, eid)):
            deadline = time.monotonic() + WAIT_S
            while cid in client_flags(side):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{name} still connected after close")
                time.sleep(0.002)


__all__ = ["Clients", "has_data", "client_flags", "ConnectionClosed"]
