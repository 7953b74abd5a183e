"""One node's view of the cluster, and the redirection rules it enforces.

Every node of an emulated cluster carries a :class:`ClusterMember` as
``node.cluster``. :meth:`Node.call` asks it, for every command after the
authentication check and before MULTI queueing (redis-server's
``processCommand`` → ``getNodeByQuery``), whether this node may run the
command; the answer is ``None`` (run it here) or the exact error a real
cluster node sends:

``MOVED 3999 127.0.0.1:7001``
    the key's slot belongs to another shard: ask that primary from now on.
``ASK 3999 127.0.0.1:7002``
    the slot is being migrated and this key has already left: ask the
    target *for this one command*, preceded by ASKING.
``CROSSSLOT Keys in request don't hash to the same slot``
    a multi-key command (or a MULTI/EXEC block) touches several slots.
``TRYAGAIN Multiple keys request during rehashing of slot``
    several keys of a slot that is half moved: some are here, some are not.
``CLUSTERDOWN Hash slot not served``
    nobody owns the key's slot.
``CLUSTERDOWN The cluster is down``
    some slot is unowned, so the whole cluster refuses keyed commands
    (``cluster-require-full-coverage yes``, Redis's default).

The slot table itself is shared by the whole :class:`~engine.cluster.Cluster`
(real nodes converge on one table by gossip; the emulator has it at once).
What is private to a node is private here too: which slots it is MIGRATING
or IMPORTING, and which of its connections said READONLY or ASKING.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Dict, Optional, Set

from .. import errors
from .slots import key_slot

if TYPE_CHECKING:  # pragma: no cover
    from .topology import Cluster, Shard

# Commands that behave specially in the routing rules.
_EXEC = "exec"
_MIGRATE = "migrate"
#: While a client is inside MULTI, its ASKING flag survives the queued
#: commands (resetClient keeps CLIENT_ASKING for a client in MULTI).
_KEEPS_ASKING = {"asking", "multi"}


def node_id(seed: int, name: str) -> str:
    """A 40-hex-character node ID, the same for the same seed and node name
    (real Redis draws it at random once and keeps it in nodes.conf)."""
    return hashlib.sha1(f"cluster-node:{seed}:{name}".encode()).hexdigest()


class ClusterMember:
    """The cluster state one node holds (``node.cluster``)."""

    def __init__(self, cluster: "Cluster", node, shard: "Shard", nid: str):
        self.cluster = cluster
        self.node = node
        self.shard = shard
        self.id = nid
        #: slot -> the member (a primary) this node is moving the slot to /
        #: receiving it from (CLUSTER SETSLOT … MIGRATING / IMPORTING).
        self.migrating: Dict[int, "ClusterMember"] = {}
        self.importing: Dict[int, "ClusterMember"] = {}
        # Per-connection flags, by session id (Session has fixed slots; the
        # flags only mean something in cluster mode, so they live here).
        self._readonly: Set[int] = set()
        self._asking: Set[int] = set()
        #: MOVED / ASK / … replies sent, by kind (metrics, labs).
        self.redirects: Dict[str, int] = {}
        #: slot -> keyed commands this node served for it (hot slots).
        self.slot_ops: Dict[int, int] = {}
        self._slot = -1

    # -- identity ---------------------------------------------------------
    @property
    def is_primary(self) -> bool:
        return self.shard.primary is self.node

    @property
    def primary(self) -> "ClusterMember":
        """This node's primary (itself when it is one)."""
        return self.shard.primary.cluster

    @property
    def host(self) -> str:
        return self.cluster.announce_host

    @property
    def port(self) -> int:
        return self.node.port

    @property
    def endpoint(self) -> str:
        return f"{self.cluster.announce_host}:{self.node.port}"

    # -- per-connection flags ----------------------------------------------
    def set_readonly(self, session, on: bool) -> None:
        if on:
            self._prune(self._readonly)
            self._readonly.add(session.id)
        else:
            self._readonly.discard(session.id)

    def is_readonly(self, session) -> bool:
        return session.id in self._readonly

    def set_asking(self, session) -> None:
        self._prune(self._asking)
        self._asking.add(session.id)

    def _prune(self, ids: Set[int]) -> None:
        """Forget flags of closed connections (the Session cannot tell us)."""
        if len(ids) > 2 * len(self.node.sessions) + 16:
            ids.intersection_update(self.node.sessions)

    # -- the routing decision (getNodeByQuery) -------------------------------
    def check(self, s, cmd, argv) -> Optional[str]:
        """None to run ``argv`` here, or the redirection/error text."""
        name = cmd.name
        asking = False
        if self._asking and s.id in self._asking:
            asking = True
            # ASKING is good for the next command only — except inside a
            # MULTI block, where it lasts until EXEC.
            if name not in _KEEPS_ASKING and (s.multi is None or name in (_EXEC, "discard")):
                self._asking.discard(s.id)
        if name == _EXEC:
            if s.multi is None:
                return None  # EXEC without MULTI: the command's own error
            batch = [(queued, _full_argv(queued, args)) for queued, args in s.multi]
        elif cmd.keys[0] == 0 and cmd.getkeys is None:
            if name == "swapdb":
                return "ERR SWAPDB is not allowed in cluster mode"
            return None  # no keys: any node serves it
        else:
            batch = ((cmd, argv),)
        refusal = self._route(s, cmd, batch, asking)
        if refusal is None:
            if self._slot >= 0:
                self.slot_ops[self._slot] = self.slot_ops.get(self._slot, 0) + 1
        else:
            kind = refusal.split(" ", 1)[0]
            self.redirects[kind] = self.redirects.get(kind, 0) + 1
            if name == _EXEC:
                # Redis discards the transaction and sends the redirection
                # itself (no EXECABORT wrapper), counting a rejected call.
                s.reset_transaction()
                stat = self.node.stats.commands.setdefault(_EXEC, [0, 0, 0, 0])
                stat[2] += 1
        return refusal

    def _route(self, s, cmd, batch, asking: bool) -> Optional[str]:
        cluster = self.cluster
        owners = cluster.slot_table
        first_key = None
        slot = 0
        owner = None
        multiple_keys = migrating = importing = False
        missing = 0
        is_write = False
        db = self.node.dbs[0]
        now = self.node.now
        for qcmd, qargv in batch:
            if qcmd.is_write:
                is_write = True
            try:
                positions = qcmd.key_positions(qargv)
            except Exception:  # malformed numkeys: the command reports it
                positions = ()
            for i in positions:
                if i >= len(qargv):
                    continue
                key = qargv[i]
                this_slot = key_slot(key)
                if first_key is None:
                    first_key, slot = key, this_slot
                    owner = owners[slot]
                    if owner is None:
                        return "CLUSTERDOWN Hash slot not served"
                    if owner is self.shard and self.is_primary and slot in self.migrating:
                        migrating = True
                    elif slot in self.importing:
                        importing = True
                elif key != first_key:
                    if this_slot != slot:
                        return "CROSSSLOT Keys in request don't hash to the same slot"
                    multiple_keys = True
                if migrating or importing:
                    # Count the keys this node does not hold (expired ones
                    # count as missing, without deleting them here).
                    e = db.data.get(key)
                    if e is None or (e.expire_at is not None and e.expire_at < now):
                        missing += 1
        if owner is None:
            self._slot = -1
            return None  # no key at all: served anywhere
        self._slot = slot
        if not cluster.state_ok:
            return "CLUSTERDOWN The cluster is down"
        if (migrating or importing) and cmd.name == _MIGRATE:
            return None  # MIGRATE works locally while the slot is open
        if migrating and missing:
            if multiple_keys:
                return "TRYAGAIN Multiple keys request during rehashing of slot"
            return f"ASK {slot} {self.migrating[slot].endpoint}"
        if importing and (asking or "asking" in cmd.flags):
            if multiple_keys and missing:
                return "TRYAGAIN Multiple keys request during rehashing of slot"
            return None
        if (not is_write and not self.is_primary and owner is self.shard
                and s.id in self._readonly):
            return None  # a READONLY connection may read from a replica
        if owner is self.shard and self.is_primary:
            return None
        return f"MOVED {slot} {owner.primary.cluster.endpoint}"


def _full_argv(cmd, args) -> list:
    """Rebuild a queued command's argv (MULTI keeps the command and its
    arguments apart) so its key positions can be read."""
    if cmd.parent is not None:
        parent, sub = cmd.name.split("|", 1)
        return [parent.encode(), sub.encode(), *args]
    return [cmd.name.encode(), *args]


def refuse_select(node, index: int) -> Optional[str]:
    """SELECT's rule in cluster mode: only database 0 exists."""
    if node.cluster is not None and index != 0:
        return errors.SELECT_IN_CLUSTER
    return None
