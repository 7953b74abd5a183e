"""The node: one Redis/Valkey server process, in Python.

A :class:`Node` owns 16 databases, the configuration, the statistics and the
connected sessions, and executes commands. It is the single building block of
everything else: the in-process redis-py client, the TCP server and (later)
every shard and replica of an emulated cluster are all faces of a Node.

Execution follows redis-server's ``processCommand`` order, because the order is
observable (which error wins when several apply):

1. look the command up (unknown command / unknown subcommand errors);
2. check arity;
3. check authentication;
4. inside MULTI, queue the command instead of running it;
5. refuse memory-growing commands when over ``maxmemory`` (OOM);
6. run it and count it in INFO commandstats.

A node is thread-safe: one lock serialises commands, like Redis's single
command-processing thread, so a notebook and TCP clients can share a node.
"""
from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections import deque
from typing import Callable, List, NamedTuple, Optional

from .. import errors
from ..clock import Clock, VirtualClock
from .. import commands  # noqa: F401  (importing fills the command table)
from ..commands import registry
from ..protocol.replies import QUEUED, ReplyError
from . import memory
from .blocking import Block, Blocking
from .config import Config
from .eviction import EvictionPool, perform_evictions
from .expiry import active_expire_cycle, earliest_expiry
from .keyspace import Database
from .session import Session
from .stats import Stats
from ..commands.pubsub import PubSubRegistry
from ..security.access import AccessControl

log = logging.getLogger(__name__)

from ..version import REDIS_VERSION  # noqa: E402  (re-exported)
# Commands that run immediately even inside MULTI (everything else is queued).
_MULTI_IMMEDIATE = {"exec", "discard", "multi", "watch", "quit", "reset"}
# What a RESP2 connection may run while subscribed to pub/sub channels.
_SUBSCRIBED_OK = {"subscribe", "ssubscribe", "psubscribe", "unsubscribe", "sunsubscribe",
                  "punsubscribe", "ping", "quit", "reset"}


class _CaseTable(dict):
    """Command lookup by the name exactly as sent (b"GET", b"get"), filled on
    first use so the common spellings skip a ``lower()`` per command."""

    def __missing__(self, name):
        cmd = registry.TABLE.get(name.lower())
        if cmd is not None and len(self) < 4096:
            self[name] = cmd
        return cmd


_FAST_TABLE = _CaseTable()
LFU_DECAY_UNIT_MS = 60_000
#: How many recent expiry/eviction events a node remembers (Node.events).
EVENT_HISTORY = 100_000


class Event(NamedTuple):
    """A key leaving the keyspace by itself: expired or evicted."""

    time_ms: int   # node clock time
    kind: str      # "expired" or "evicted"
    db: int        # database index
    key: bytes
    reason: str    # "passive" / "active" for expiry; the policy for eviction
    size: int      # bytes freed (evictions; 0 for expiry)


class Node:
    """One cache node. ``Node()`` runs on a fresh :class:`VirtualClock`."""

    def __init__(self, clock: Optional[Clock] = None, *, seed: int = 0,
                 name: str = "node", port: int = 6379, **config):
        self.clock = clock if clock is not None else VirtualClock()
        self.name = name
        self.port = port
        self.config = Config(**config)
        self.stats = Stats()
        self.rng = random.Random(seed)
        self.seed = seed
        # A run id that is stable for a given seed and name (INFO server).
        self.run_id = hashlib.sha1(f"{name}:{seed}".encode()).hexdigest()
        self.dbs = [Database(self, i) for i in range(self.config["databases"])]
        self.lock = threading.RLock()
        self.sessions = {}
        self._next_client_id = 1
        self.now = self.clock.now_ms()
        self.start_ms = self.clock.monotonic_ms()
        self.start_wall_ms = self.now
        self._cron_last_tick = self.now
        self.lfu_enabled = False
        self.eviction_pool = EvictionPool()
        self.next_evict_db = 0
        #: Recent Events, oldest first (bounded). Labs read it to plot evictions.
        self.events: deque = deque(maxlen=EVENT_HISTORY)
        self.keep_events = True
        self.listeners: List[Callable[[Event], None]] = []
        self._wall = self.clock.is_wall
        #: Set by engine.cluster when this node is a cluster-mode shard member:
        #: an object whose ``check(session, cmd, argv)`` returns a refusal
        #: (MOVED/ASK/CROSSSLOT/TRYAGAIN/CLUSTERDOWN text) or None to run here.
        self.cluster = None
        #: ACL users, the ACL log and the permission check (engine/security).
        self.acl = AccessControl(self)
        #: Set by engine.cluster.replication: this node's Replication (INFO
        #: replication, ROLE, WAIT) and whether it is a read-only replica.
        self.replication = None
        self.replica_readonly = False
        #: Blocked clients and ready keys (blocking.py); pub/sub subscriptions.
        self.blocking = Blocking(self)
        self.pubsub = PubSubRegistry()
        self._depth = 0    # commands running inside commands (EXEC, scripts)
        self.apply_config()
        self.clock.on_advance(self._on_clock_advance)

    # -- sessions ------------------------------------------------------------
    def open_session(self, *, addr: str = "inproc:0", laddr: str = "inproc:0",
                     kind: str = "inproc") -> Session:
        """Register a new connection and return its Session."""
        with self.lock:
            client_id = self._next_client_id
            self._next_client_id += 1
            if addr == "inproc:0":
                addr = f"inproc:{client_id}"
            session = Session(self, client_id, addr=addr, laddr=laddr, kind=kind)
            self.sessions[client_id] = session
            self.stats.total_connections_received += 1
            return session

    def close_session(self, session: Session) -> None:
        with self.lock:
            session.reset_transaction()
            session.closed = True
            self.blocking.forget(session)
            self.pubsub.drop(session)
            session.on_reply = None
            self.sessions.pop(session.id, None)

    def requires_auth(self) -> bool:
        """Whether new connections must AUTH (the default user has a
        password, e.g. from requirepass, or is switched off)."""
        return self.acl.auth_required()

    # -- configuration -------------------------------------------------------
    def apply_config(self) -> None:
        """Re-read settings that are cached for speed after a CONFIG SET."""
        lfu = self.config["maxmemory-policy"].endswith("-lfu")
        if lfu != getattr(self, "lfu_enabled", lfu):
            self.eviction_pool.clear()  # scores of the old policy mean nothing now
        self.lfu_enabled = lfu
        self.maxmemory = self.config["maxmemory"]

    # -- command execution ----------------------------------------------------
    def execute(self, session: Session, argv):
        """Run one command (a list of bytes) for ``session`` and return the
        reply value (see protocol/replies.py). Never raises for bad input."""
        with self.lock:
            if self._wall:
                self.now = self.clock.now_ms()
            # (a virtual clock updates self.now itself, in _on_clock_advance)
            return self.call(session, argv)

    def call(self, s: Session, argv):
        """Dispatch without taking the lock (callers hold it: execute, EXEC)."""
        if not argv:
            return None
        cmd = _FAST_TABLE[argv[0]]
        if cmd is None:
            cmd = registry.TABLE.get(argv[0].lower())
            if cmd is None:
                return self._reject(s, None, errors.unknown_command(argv[0], argv[1:]))
        argc = len(argv)
        if cmd.subcommands and (argc >= 2 or cmd.handler is None):
            # A container (CLIENT, CONFIG…): the real command is the subcommand.
            # COMMAND alone is also a command in its own right (handler set).
            if argc < 2:
                return self._reject(s, cmd, errors.wrong_arity(cmd.name))
            sub = cmd.subcommands.get(argv[1].lower())
            if sub is None:  # counted in errorstats only, like Redis
                return self._reject(s, None, errors.unknown_subcommand(argv[1], cmd.name))
            cmd = sub
            args = argv[2:]
        else:
            args = argv[1:]
        arity = cmd.arity
        if (arity > 0 and argc != arity) or argc < -arity:
            return self._reject(s, cmd, errors.wrong_arity(cmd.name))
        if not s.authenticated and not cmd.no_auth:
            return self._reject(s, cmd, errors.NOAUTH)
        # ACLs next, before cluster redirection and MULTI queueing, as in
        # processCommand: a denied command inside MULTI dooms the EXEC.
        refusal = self.acl.refusal(s, cmd, argv)
        if refusal is not None:
            return self._reject(s, cmd, refusal)
        if self.cluster is not None:
            # Redis checks key ownership after authentication and before
            # queueing in MULTI (processCommand → getNodeByQuery).
            refusal = self.cluster.check(s, cmd, argv)
            if refusal is not None:
                # A refused EXEC was already discarded by check(); Redis sends
                # the redirection itself then, not an EXECABORT.
                return self._reject(s, None if cmd.name == "exec" else cmd, refusal)
        if self.replica_readonly and cmd.is_write and s.kind != "replication":
            # A replica takes writes only from its primary's stream
            # (replica-read-only yes, the default; engine/cluster/replication.py).
            return self._reject(s, cmd, errors.READONLY_REPLICA)
        if s.pubsub and s.protocol == 2 and cmd.name not in _SUBSCRIBED_OK:
            return self._reject(s, cmd, errors.subscribed_context(cmd.name))
        if s.multi is not None and (cmd.parent or cmd).name not in _MULTI_IMMEDIATE:
            if cmd.no_multi:
                return self._reject(s, cmd, errors.NOT_ALLOWED_IN_MULTI.format(
                    "Command not allowed inside a transaction"))
            s.multi.append((cmd, args))
            return QUEUED
        if self.maxmemory:
            # Like Redis, free memory before *any* command when over the limit;
            # only commands that may grow memory are refused if that fails.
            refusal = perform_evictions(self)
            if refusal is not None and cmd.denyoom:
                return self._reject(s, cmd, refusal)
        return self.invoke(s, cmd, args)

    def invoke(self, s: Session, cmd, args):
        """Run a validated command and account for it in the statistics."""
        name = cmd.name
        stat = self.stats.commands.get(name)
        if stat is None:
            stat = self.stats.commands[name] = [0, 0, 0, 0]
        s.last_command = name
        s.last_ms = self.now
        started = time.perf_counter_ns() if self._wall else 0
        self._depth += 1
        try:
            reply = cmd.handler(s, *args)
        except ReplyError as e:
            reply = e
        except Exception as exc:  # a bug in the engine must not kill the server
            log.exception("command %s failed", cmd.name)
            reply = ReplyError(f"ERR internal engine error in '{cmd.name}': {exc!r}")
        finally:
            self._depth -= 1
        if type(reply) is Block:
            # Park the client (blocking.py); inside EXEC or a script
            # (a command running inside another) it may not wait.
            reply = self.blocking.block(s, cmd, reply, self._depth > 0)
        stat[0] += 1
        if started:
            stat[1] += (time.perf_counter_ns() - started) // 1000
        self.stats.total_commands_processed += 1
        if type(reply) is ReplyError:
            stat[3] += 1
            self._count_error(reply.message)
        if self.blocking.ready and not self._depth:
            # After a whole command (EXEC and scripts included), hand the
            # keys it wrote to the clients blocked on them.
            self.blocking.serve_ready()
        return reply

    def _reject(self, s: Session, cmd, message: str) -> ReplyError:
        """A command refused before running: counts as rejected_calls, and
        inside MULTI it dooms the transaction (EXEC answers EXECABORT). A
        refused EXEC itself aborts the transaction on the spot."""
        if cmd is not None:
            stat = self.stats.commands.setdefault(cmd.name, [0, 0, 0, 0])
            stat[2] += 1
        if s.multi is not None:
            s.multi_error = True
        if cmd is not None and cmd.name == "exec":
            s.reset_transaction()
            detail = message.split(" ", 1)[1] if message.startswith("ERR ") else message
            message = "EXECABORT Transaction discarded because of: " + detail
        self._count_error(message)
        return ReplyError(message)

    def _count_error(self, message: str) -> None:
        self.stats.total_error_replies += 1
        code = message.split(" ", 1)[0]
        self.stats.errors[code] = self.stats.errors.get(code, 0) + 1

    # -- memory ----------------------------------------------------------------
    def used_memory(self) -> int:
        """Bytes in use: baseline + every key + the hash tables (memory.py)."""
        total = memory.BASELINE_USED_MEMORY
        for db in self.dbs:
            if db.data:
                total += db.used + db.table_bytes()
        return total

    def dataset_bytes(self) -> int:
        return sum(db.used for db in self.dbs)

    # -- events ----------------------------------------------------------------
    def emit(self, kind: str, db, key: bytes, reason: str, size: int = 0) -> None:
        event = Event(self.now, kind, db.index, key, reason, size)
        if self.keep_events:
            self.events.append(event)
        for listener in self.listeners:
            listener(event)

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Call ``listener(event)`` for every expiry and eviction from now on."""
        self.listeners.append(listener)

    def sizer(self, entry) -> int:
        """Bytes of a non-string value, from the model its type registered."""
        model = memory.SIZERS.get(entry.type)
        if model is None:
            raise TypeError(f"no memory model for values of type {entry.type!r}")
        return model(entry, self.config)

    # -- LRU / LFU bookkeeping -------------------------------------------------
    def touch_entry(self, e) -> None:
        """Record an access: the LRU time, or the LFU counter under an LFU policy."""
        if self.lfu_enabled:
            self.lfu_access(e)
        else:
            e.lru = self.now

    def lfu_access(self, e) -> None:
        """Redis's logarithmic LFU counter (evict.c): decay first, then
        increment with probability 1 / ((counter - 5) * lfu-log-factor + 1),
        so a counter of 255 takes about a million hits with factor 10."""
        counter = self.lfu_decayed(e)
        if counter < 255:
            base = max(counter - 5, 0)
            if self.rng.random() < 1.0 / (base * self.config["lfu-log-factor"] + 1):
                counter += 1
        e.freq = counter
        e.ldt = self.now // LFU_DECAY_UNIT_MS

    def lfu_decayed(self, e) -> int:
        """The counter after decay: minus one per lfu-decay-time minutes idle."""
        period = self.config["lfu-decay-time"]
        if period == 0:
            return e.freq
        elapsed = (self.now // LFU_DECAY_UNIT_MS - e.ldt) % 65536
        return max(0, e.freq - elapsed // period)

    # -- periodic work (serverCron) -------------------------------------------
    def cron(self) -> None:
        """One tick of periodic work at the current time (called ``hz`` times
        a second by the TCP server on the wall clock)."""
        with self.lock:
            self.now = self.clock.now_ms()
            active_expire_cycle(self)
            if self.blocking.blocked:
                self.blocking.expire(self.now)

    def _on_clock_advance(self, old_ms: int, new_ms: int) -> None:
        """Catch up with a virtual clock that jumped from old_ms to new_ms by
        running every cron tick in between. Ticks in which no key can have
        expired are skipped (they would do nothing); only the running average
        INFO reports as expired_stale_perc is decayed for them."""
        with self.lock:
            period = max(1, 1000 // self.config["hz"])
            tick = (self._cron_last_tick // period + 1) * period
            while tick <= new_ms:
                due = earliest_expiry(self)
                # A key with deadline `due` can be expired at the first tick
                # strictly after it (keys expire when now > deadline).
                ready = None if due is None else (due // period + 1) * period
                if ready is None or ready > new_ms:
                    skipped = (new_ms - tick) // period + 1
                    self.stats.expired_stale_perc *= 0.95 ** skipped
                    tick += skipped * period
                    break
                if ready > tick:
                    jump = (ready - tick) // period
                    self.stats.expired_stale_perc *= 0.95 ** jump
                    tick += jump * period
                    continue
                self.now = tick
                active_expire_cycle(self)
                tick += period
            self._cron_last_tick = tick - period
            self.now = new_ms
            if self.blocking.blocked:
                self.blocking.expire(new_ms)   # blocked clients past their deadline

    def __repr__(self) -> str:
        keys = sum(len(db) for db in self.dbs)
        return f"Node(name={self.name!r}, keys={keys}, clock={self.clock!r})"
