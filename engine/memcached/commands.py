"""The text-protocol commands: one function per command, memcached's dispatch.

Each handler documents its wire format and answers exactly what memcached 1.6
answers, including the error texts and the order in which problems are found
(a key that is too long is reported before a bad number, and so on). The
handlers only read tokens and format replies; the semantics live in
:class:`~engine.memcached.node.MemcachedNode`.

``noreply``: a client may end most update commands with ``noreply``; the
server then sends nothing back — not even an error (memcached drops *every*
reply of that command, which is why a malformed ``noreply`` command fails
silently). ``get`` has no ``noreply``. A line with the wrong number of tokens
is answered ``ERROR`` whatever its last token.

Dispatch follows ``process_command_ascii``: a command name shorter than 2
bytes or an empty line is ``ERROR``; names are case-sensitive; an unknown
command is ``ERROR`` — except that a line ending in ``HTTP/…`` (a web browser
pointed at the port) gets the connection closed.

Not modelled, and answered like unknown commands: the meta commands (``mg``,
``ms``, ``md``, ``ma``, ``mn``, ``me``), ``lru``, ``lru_crawler``, ``watch`` and
``extstore``; a real memcached 1.6 answers those.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

from ..protocol import memcache_text as proto
from ..protocol.memcache_text import (Close, Request, RequestParser, strtol32, strtoul32,
                                      strtoull)
from . import stats as stats_mod


#: memcached handles this many requests of one connection per event, then
#: sends the replies gathered so far (``reqs_per_event``).
REQS_PER_EVENT = 20


class DropPending(Exception):
    """memcached's ``conn_release_items``: a get that fails on a too-long key
    throws away every reply the connection has not sent yet — including the
    replies of earlier pipelined commands — and sends only its error."""

    def __init__(self, reply: bytes):
        super().__init__(reply)
        self.reply = reply


class Connection:
    """One client connection's state: its parser, and whether it is closing.

    ``receive(data)`` feeds bytes and returns the replies to send; after it
    returns, ``closed`` says whether the connection must be closed (``quit``,
    a line too long, an HTTP request). Replies are gathered like memcached
    gathers them: all requests that arrived together, sent after every 20."""

    def __init__(self, node):
        self.node = node
        self.parser = RequestParser(node.slabs.item_size_max)
        self.closed = False

    def receive(self, data: bytes) -> bytes:
        node = self.node
        out: List[bytes] = []
        self.parser.feed(data)
        with node.lock:
            node.counters.bytes_read += len(data)
            sent = 0          # replies before this index count as sent
            handled = 0
            for event in self.parser.events():
                if isinstance(event, Close):
                    self.closed = True
                    break
                if handled and handled % REQS_PER_EVENT == 0:
                    sent = len(out)
                handled += 1
                try:
                    reply = execute(node, self, event)
                except DropPending as drop:
                    del out[sent:]
                    reply = drop.reply
                if reply:
                    out.append(reply)
                if self.closed:
                    break
            payload = b"".join(out)
            node.counters.bytes_written += len(payload)
        return payload


def execute(node, conn: Optional[Connection], req: Request) -> bytes:
    """Run one request; return its reply (b"" when noreply suppresses it)."""
    if req.storage is not None or req.reply is not None:
        return _storage(node, req)
    tokens = req.tokens
    if not tokens or len(tokens[0]) < 2:
        return proto.ERROR
    name = tokens[0]
    if name[:1] == b"m" and len(name) == 2:
        return proto.ERROR                        # meta commands: not modelled
    handler = COMMANDS.get(name)
    if handler is None:
        last = tokens[min(len(tokens), proto.MAX_SPLIT_TOKENS) - 1]
        if last.startswith(b"HTTP/") and conn is not None:
            conn.closed = True
            return b""
        return proto.ERROR
    return handler(node, conn, req)


def _reply(req: Request, noreply: bool, line: bytes) -> bytes:
    return b"" if noreply else line


def _storage(node, req: Request) -> bytes:
    """``set|add|replace|append|prepend <key> <flags> <exptime> <bytes> [noreply]``
    and ``cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]``, each
    followed by a ``<bytes>``-long data block and ``\\r\\n``.

    Replies: ``STORED``; ``NOT_STORED`` (add found the key, replace/append/
    prepend did not); ``EXISTS`` (cas: changed since gets); ``NOT_FOUND`` (cas:
    no such item); ``CLIENT_ERROR bad data chunk`` (the block was not
    ``<bytes>`` long); ``SERVER_ERROR object too large for cache``.
    append/prepend ignore the flags and exptime they are given."""
    if req.reply is not None:
        return _reply(req, req.noreply, req.reply)
    a = req.storage
    line = node.store(a.command, a.key, a.flags, a.exptime, req.data, a.length, a.cas)
    return _reply(req, req.noreply, line)


def _retrieve(node, conn, req: Request, with_cas: bool, touch: bool) -> bytes:
    """``get <key>*`` · ``gets <key>*`` · ``gat <exptime> <key>*`` · ``gats <exptime> <key>*``

    One ``VALUE <key> <flags> <bytes>[ <cas unique>]\\r\\n<data>\\r\\n`` per key
    found, then ``END``. Missing keys are simply left out. ``gat``/``gats`` also
    set a new expiry on every key found ("get and touch"). A key longer than
    250 bytes turns the whole answer into ``CLIENT_ERROR bad command line
    format`` (keys before it were still looked up)."""
    if req.ntokens < 3:
        return proto.ERROR
    keys = req.tokens[1:]
    exptime = None
    if touch:
        exptime = strtol32(keys[0])
        if exptime is None:
            return proto.BAD_EXPTIME
        keys = keys[1:]
    out = []
    for key in keys:
        if len(key) > proto.KEY_MAX_LENGTH:
            raise DropPending(proto.BAD_FORMAT)
        it = node.retrieve(key, exptime)
        if it is not None:
            out.append(proto.value_header(it.key, it.flags, len(it.value),
                                          it.cas if with_cas else None))
            out.append(it.value)
            out.append(b"\r\n")
    out.append(proto.END)
    return b"".join(out)


def cmd_get(node, conn, req):
    return _retrieve(node, conn, req, False, False)


def cmd_gets(node, conn, req):
    return _retrieve(node, conn, req, True, False)


def cmd_gat(node, conn, req):
    return _retrieve(node, conn, req, False, True)


def cmd_gats(node, conn, req):
    return _retrieve(node, conn, req, True, True)


def cmd_delete(node, conn, req: Request) -> bytes:
    """``delete <key> [0] [noreply]`` → ``DELETED`` or ``NOT_FOUND``.

    The ``0`` is a relic (a "hold time" that memcached 1.4 removed); any other
    value is an error."""
    t, n = req.tokens, req.ntokens
    if not 3 <= n <= 5:
        return proto.ERROR
    noreply = False
    if n > 3:
        hold_is_zero = t[2] == b"0"
        noreply = proto.noreply_requested(t)
        valid = (n == 4 and (hold_is_zero or noreply)) or (n == 5 and hold_is_zero and noreply)
        if not valid:
            return _reply(req, noreply, proto.DELETE_USAGE)
    if len(t[1]) > proto.KEY_MAX_LENGTH:
        return _reply(req, noreply, proto.BAD_FORMAT)
    return _reply(req, noreply, node.delete_item(t[1]))


def _arithmetic(node, req: Request, incr: bool) -> bytes:
    """``incr|decr <key> <delta> [noreply]`` → the new value, or ``NOT_FOUND``.

    The delta is a 64-bit unsigned decimal. incr wraps past 2**64-1 to 0;
    decr never goes below 0. A value that is not a decimal number gets
    ``CLIENT_ERROR cannot increment or decrement non-numeric value``."""
    t = req.tokens
    if req.ntokens not in (4, 5):
        return proto.ERROR
    noreply = proto.noreply_requested(t)
    if len(t[1]) > proto.KEY_MAX_LENGTH:
        return _reply(req, noreply, proto.BAD_FORMAT)
    delta = strtoull(t[2])
    if delta is None:
        return _reply(req, noreply, proto.BAD_DELTA)
    return _reply(req, noreply, node.add_delta(t[1], incr, delta))


def cmd_incr(node, conn, req):
    return _arithmetic(node, req, True)


def cmd_decr(node, conn, req):
    return _arithmetic(node, req, False)


def cmd_touch(node, conn, req: Request) -> bytes:
    """``touch <key> <exptime> [noreply]`` → ``TOUCHED`` or ``NOT_FOUND``:
    a new expiry without sending the value again."""
    t = req.tokens
    if req.ntokens not in (4, 5):
        return proto.ERROR
    noreply = proto.noreply_requested(t)
    if len(t[1]) > proto.KEY_MAX_LENGTH:
        return _reply(req, noreply, proto.BAD_FORMAT)
    exptime = strtol32(t[2])
    if exptime is None:
        return _reply(req, noreply, proto.BAD_EXPTIME)
    return _reply(req, noreply, node.touch_item(t[1], exptime))


def cmd_flush_all(node, conn, req: Request) -> bytes:
    """``flush_all [delay] [noreply]`` → ``OK``: invalidate every item now, or
    ``delay`` seconds from now (an absolute Unix time beyond 30 days)."""
    t, n = req.tokens, req.ntokens
    if not 2 <= n <= 4:
        return proto.ERROR
    noreply = proto.noreply_requested(t)
    exptime = 0
    if n != (3 if noreply else 2):
        exptime = strtol32(t[1])
        if exptime is None:
            node.counters.flush_cmds += 1
            return _reply(req, noreply, proto.BAD_EXPTIME)
    node.flush(exptime)
    return _reply(req, noreply, proto.OK)


def cmd_version(node, conn, req) -> bytes:
    """``version`` → ``VERSION 1.6.18``."""
    return b"VERSION %s\r\n" % node.version.encode()


def cmd_verbosity(node, conn, req: Request) -> bytes:
    """``verbosity <level> [noreply]`` → ``OK`` (the engine only stores it)."""
    t = req.tokens
    if req.ntokens not in (3, 4):
        return proto.ERROR
    noreply = proto.noreply_requested(t)
    level = strtoul32(t[1])
    if level is None:
        return _reply(req, noreply, proto.BAD_FORMAT)
    node.verbosity = min(level, 2)
    return _reply(req, noreply, proto.OK)


def cmd_quit(node, conn, req) -> bytes:
    """``quit``: the server closes the connection (no reply)."""
    if conn is not None:
        conn.closed = True
    return b""


def cmd_shutdown(node, conn, req) -> bytes:
    """``shutdown``: refused, as by a memcached started without ``-A``."""
    return b"ERROR: shutdown not enabled\r\n"


def cmd_stats(node, conn, req: Request) -> bytes:
    """``stats [settings|slabs|items|reset|detail …]`` → ``STAT <name> <value>``
    lines and ``END`` (``reset`` answers ``RESET``). Only the sub-command word
    is read; anything after it is ignored, as memcached does."""
    t = req.tokens
    if len(t) == 1:
        return proto.encode_stats(stats_mod.general(node))
    sub = t[1]
    if sub == b"reset":
        node.reset_stats()
        return proto.RESET
    if sub == b"detail":
        arg = t[2] if len(t) >= 3 else b""
        if arg in (b"on", b"off"):
            node.detail_enabled = arg == b"on"
            return proto.OK
        if arg == b"dump":
            return proto.END
        return b"CLIENT_ERROR usage: stats detail on|off|dump\r\n"
    if sub == b"settings":
        return proto.encode_stats(stats_mod.settings(node))
    if sub == b"slabs":
        return proto.encode_stats(stats_mod.slabs(node))
    if sub == b"items":
        return proto.encode_stats(stats_mod.items(node))
    if sub == b"sizes":
        return proto.encode_stats([("sizes_status", "disabled")])
    if sub == b"cachedump":
        return _cachedump(node, t)
    return proto.ERROR


def _cachedump(node, t) -> bytes:
    """``stats cachedump <class> <limit>``: keys of one class, most recent first:
    ``ITEM <key> [<bytes> b; <expiry unix time or 0> s]``."""
    if len(t) < 4:
        return b"CLIENT_ERROR bad command line\r\n"
    clsid, limit = strtoul32(t[2]), strtoul32(t[3])
    if clsid is None or limit is None:
        return proto.BAD_FORMAT
    if clsid >= 64:
        return b"CLIENT_ERROR Illegal slab id\r\n"
    out = []
    if 1 <= clsid <= len(node.slabs.classes):
        items = list(node.slabs.cls(clsid).lru.values())[::-1]
        for it in items[:limit or None]:
            expiry = 0 if it.exptime == 0 else it.exptime + node.process_started
            out.append(b"ITEM %s [%d b; %d s]\r\n" % (it.key, len(it.value), expiry))
    out.append(proto.END)
    return b"".join(out)


def cmd_slabs(node, conn, req: Request) -> bytes:
    """``slabs reassign <src> <dst>``: move one page between classes (its items
    are evicted first) — the manual cure for slab calcification.
    ``slabs automove <0|1|2>`` is accepted and stored; the engine never moves
    pages by itself."""
    t, n = req.tokens, req.ntokens
    if n == 5 and t[1] == b"reassign":
        src, dst = strtol32(t[2]), strtol32(t[3])
        if src is None or dst is None:
            return proto.BAD_FORMAT
        return node.reassign(src, dst)
    if n >= 4 and t[1] == b"automove":
        noreply = proto.noreply_requested(t)
        if t[2] == b"ratio":
            return proto.ERROR if n < 5 else _reply(req, noreply, proto.OK)
        level = strtoul32(t[2])
        if level is None:
            return _reply(req, noreply, proto.BAD_FORMAT)
        if level > 2:
            return _reply(req, noreply, proto.ERROR)
        node.slab_automove = level
        return _reply(req, noreply, proto.OK)
    return proto.ERROR


def cmd_cache_memlimit(node, conn, req: Request) -> bytes:
    """``cache_memlimit <megabytes> [noreply]``: change the memory limit."""
    t = req.tokens
    if req.ntokens not in (3, 4):
        return proto.ERROR
    noreply = proto.noreply_requested(t)
    mb = strtoul32(t[1])
    if mb is None:
        return _reply(req, noreply, proto.ERROR)
    if mb < 8:
        return _reply(req, noreply, b"MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n")
    if mb > 1000000000:
        return _reply(req, noreply,
                      b"MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n")
    node.slabs.memory_limit = mb * 1024 * 1024
    return _reply(req, noreply, proto.OK)


def cmd_config(node, conn, req: Request) -> bytes:
    """``config get cluster`` → ``CONFIG cluster 0 <bytes>``, the payload, ``END``.

    Not a memcached command: ElastiCache added it (engine 1.4.14+) so that a
    client can ask any node for the cluster's node list — Auto Discovery.
    The payload is two lines, ``<config version>\n`` and
    ``<host>|<ip>|<port> …\n``, sent as a data block of ``<bytes>`` bytes
    followed by ``\r\n``. A node outside a cluster, and any other ``config``
    form, answers ``ERROR`` as memcached 1.6 does (it has no ``config``)."""
    t = req.tokens
    if node.cluster_config is None or len(t) != 3 or t[1] != b"get" or t[2] != b"cluster":
        return proto.ERROR
    payload = node.cluster_config()
    return b"CONFIG cluster 0 %d\r\n%s\r\nEND\r\n" % (len(payload), payload)


COMMANDS: Dict[bytes, Callable] = {
    b"get": cmd_get, b"gets": cmd_gets, b"gat": cmd_gat, b"gats": cmd_gats,
    b"bget": cmd_get,
    b"delete": cmd_delete, b"incr": cmd_incr, b"decr": cmd_decr, b"touch": cmd_touch,
    b"flush_all": cmd_flush_all, b"version": cmd_version, b"verbosity": cmd_verbosity,
    b"quit": cmd_quit, b"shutdown": cmd_shutdown, b"stats": cmd_stats,
    b"slabs": cmd_slabs, b"cache_memlimit": cmd_cache_memlimit,
    b"config": cmd_config,
}
