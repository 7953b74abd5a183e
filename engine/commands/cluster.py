"""The cluster command family: CLUSTER …, ASKING, READONLY, READWRITE, MIGRATE.

These commands are how clients and tools see and change a Redis Cluster:

* discovery — CLUSTER SLOTS / SHARDS / NODES give the slot map a client
  caches; CLUSTER KEYSLOT computes a key's slot; CLUSTER INFO the health;
* resharding — CLUSTER SETSLOT … IMPORTING / MIGRATING / NODE / STABLE,
  CLUSTER GETKEYSINSLOT and MIGRATE move a slot key by key (what
  ``redis-cli --cluster reshard`` and ElastiCache's online resharding do);
* per-connection flags — ASKING (the next command may touch an importing
  slot: how a client follows ASK), READONLY (this connection accepts stale
  reads from a replica) and READWRITE (undo READONLY).

A node not in cluster mode answers every one of them (except MIGRATE) with
"ERR This instance has cluster support disabled", as redis-server does with
``cluster-enabled no``. The cluster state they read and change lives in
``engine.cluster`` (``node.cluster`` is the node's :class:`ClusterMember`).

Emulation notes: the slot table is shared by all nodes of an emulated
cluster, so ADDSLOTS / DELSLOTS / SETSLOT NODE take effect on every node at
once (a real cluster propagates them by gossip, in about a second). MIGRATE
moves keys between nodes of the same emulated cluster only.
"""
from __future__ import annotations

from .. import errors
from ..protocol.replies import OK, ReplyError, SimpleString, Verbatim
from .args import parse_int
from .registry import command, container

NOT_ENABLED = "ERR This instance has cluster support disabled"
INVALID_SLOT = "ERR Invalid or out of range slot"
_ADMIN = "admin stale"
# Slot-table changes are also refused while a replica loads its dataset asynchronously.
_ADMIN_NO_ASYNC = _ADMIN + " no_async_loading"


def _member(s):
    """The node's cluster state, or the "disabled" error on a plain node."""
    member = s.node.cluster
    if member is None:
        raise ReplyError(NOT_ENABLED)
    return member


def _slot_arg(raw: bytes) -> int:
    """getSlotOrReply: an integer 0..16383, else "Invalid or out of range slot"."""
    try:
        slot = parse_int(raw)
    except ReplyError:
        raise ReplyError(INVALID_SLOT) from None
    if not 0 <= slot < 16384:
        raise ReplyError(INVALID_SLOT)
    return slot


container("cluster", group="cluster", since="3.0.0",
          summary="A container for cluster commands")


@command("cluster|help", arity=2, flags="loading stale", group="cluster", since="5.0.0",
         complexity="O(1)")
def cluster_help(s):
    """CLUSTER HELP — Show helpful text about the different subcommands

    What the CLUSTER subcommands do (the emulator implements the ones marked in
    engine/commands/cluster.py; the text is redis-server's).
    """
    _member(s)
    return [SimpleString(line.encode()) for line in _HELP]


@command("cluster|keyslot", arity=3, flags="stale", group="cluster", since="3.0.0",
         complexity="O(N) where N is the number of bytes in the key")
def cluster_keyslot(s, key):
    """CLUSTER KEYSLOT key — Returns the hash slot of the specified key

    CRC16(key or its {hash tag}) mod 16384.
    """
    from ..cluster.slots import key_slot
    _member(s)
    return key_slot(key)


@command("cluster|myid", arity=2, flags="stale", group="cluster", since="3.0.0",
         complexity="O(1)")
def cluster_myid(s):
    """CLUSTER MYID — Return the node id

    This node's 40-character ID.
    """
    return _member(s).id.encode()


@command("cluster|info", arity=2, flags="stale", group="cluster", since="3.0.0",
         tips="nondeterministic_output", complexity="O(1)")
def cluster_info(s):
    """CLUSTER INFO — Provides info about Redis Cluster node state

    cluster_state, slots assigned, known nodes, size, epochs — ``field:value`` lines.
    """
    from ..cluster import views
    return Verbatim(views.info_text(_member(s)).encode())


@command("cluster|slots", arity=2, flags="stale", group="cluster", since="3.0.0",
         tips="nondeterministic_output", doc_flags="deprecated",
         complexity="O(N) where N is the total number of Cluster nodes")
def cluster_slots(s):
    """CLUSTER SLOTS — Get array of Cluster slot to node mappings

    [start, end, [ip, port, id, {}], replicas…] for every contiguous slot range
    (deprecated since 7.0 in favour of CLUSTER SHARDS, still what most clients read).
    """
    from ..cluster import views
    return views.slots_reply(_member(s))


@command("cluster|shards", arity=2, flags="stale", group="cluster", since="7.0.0",
         tips="nondeterministic_output",
         complexity="O(N) where N is the total number of cluster nodes")
def cluster_shards(s):
    """CLUSTER SHARDS — Get array of cluster slots to node mappings

    One map per shard: its slot ranges and its nodes (id, port, ip, endpoint, role,
    replication-offset, health).
    """
    from ..cluster import views
    return views.shards_reply(_member(s))


@command("cluster|nodes", arity=2, flags="stale", group="cluster", since="3.0.0",
         tips="nondeterministic_output",
         complexity="O(N) where N is the total number of Cluster nodes")
def cluster_nodes(s):
    """CLUSTER NODES — Get Cluster config for the node

    One line per node: id, ip:port@bus-port, flags, primary, ping/pong times,
    config epoch, link state, slots (and this node's open migrations).
    """
    from ..cluster import views
    return Verbatim(views.nodes_text(_member(s)).encode())


@command("cluster|replicas", arity=3, flags=_ADMIN, group="cluster", since="5.0.0",
         tips="nondeterministic_output", complexity="O(1)")
def cluster_replicas(s, node_id):
    """CLUSTER REPLICAS node-id — List replica nodes of the specified master node

    The CLUSTER NODES lines of that primary's replicas.
    """
    from ..cluster import views
    return views.replica_lines(_member(s), node_id)


@command("cluster|slaves", arity=3, flags=_ADMIN, group="cluster", since="3.0.0",
         doc_flags="deprecated", tips="nondeterministic_output", complexity="O(1)")
def cluster_slaves(s, node_id):
    """CLUSTER SLAVES node-id — List replica nodes of the specified master node

    CLUSTER REPLICAS by its old name.
    """
    from ..cluster import views
    return views.replica_lines(_member(s), node_id)


@command("cluster|countkeysinslot", arity=3, flags="stale", group="cluster",
         since="3.0.0", complexity="O(1)")
def cluster_countkeysinslot(s, slot):
    """CLUSTER COUNTKEYSINSLOT slot — Return the number of local keys in the specified hash slot

    How many keys of ``slot`` this node holds.
    """
    member = _member(s)
    n = parse_int(slot)
    if not 0 <= n < 16384:
        raise ReplyError("ERR Invalid slot")
    return member.slot_index.count(n)


@command("cluster|getkeysinslot", arity=4, flags="stale", group="cluster", since="3.0.0",
         tips="nondeterministic_output",
         complexity="O(log(N)) where N is the number of requested keys")
def cluster_getkeysinslot(s, slot, count):
    """CLUSTER GETKEYSINSLOT slot count — Return local key names in the specified hash slot

    Up to ``count`` key names of ``slot`` held by this node (resharding tools
    read these, then MIGRATE them).
    """
    member = _member(s)
    n, limit = parse_int(slot), parse_int(count)
    if not 0 <= n < 16384 or limit < 0:
        raise ReplyError("ERR Invalid slot or number of keys")
    return member.slot_index.keys(n, limit)


def _check_assignments(cluster, slots, start, end, delete, seen) -> None:
    """checkSlotAssignmentsOrReply: busy / unassigned / repeated slots."""
    for slot in range(start, end + 1):
        owner = cluster.slot_table[slot]
        if delete and owner is None:
            raise ReplyError(f"ERR Slot {slot} is already unassigned")
        if not delete and owner is not None:
            raise ReplyError(f"ERR Slot {slot} is already busy")
        if slot in seen:
            raise ReplyError(f"ERR Slot {slot} specified multiple times")
        seen.add(slot)
        slots.append(slot)


def _update_slots(member, slots, delete: bool):
    cluster = member.cluster
    with cluster.lock:
        for slot in slots:
            member.importing.pop(slot, None)
            cluster.assign_slot(slot, None if delete else member.shard)
    return OK


def _slot_list(s, args, delete: bool):
    member = _member(s)
    parsed = [_slot_arg(a) for a in args]
    slots, seen = [], set()
    for slot in parsed:
        _check_assignments(member.cluster, slots, slot, slot, delete, seen)
    return _update_slots(member, slots, delete)


def _slot_ranges(s, args, delete: bool, name: str):
    member = _member(s)
    if len(args) % 2 == 1:
        raise ReplyError(errors.wrong_arity(name))
    slots, seen = [], set()
    for i in range(0, len(args), 2):
        start, end = _slot_arg(args[i]), _slot_arg(args[i + 1])
        if start > end:
            raise ReplyError(f"ERR start slot number {start} is greater than "
                             f"end slot number {end}")
        _check_assignments(member.cluster, slots, start, end, delete, seen)
    return _update_slots(member, slots, delete)


@command("cluster|addslots", arity=-3, flags=_ADMIN_NO_ASYNC, group="cluster", since="3.0.0",
         complexity="O(N) where N is the total number of hash slot arguments")
def cluster_addslots(s, *slots):
    """CLUSTER ADDSLOTS slot [slot ...] — Assign new hash slots to receiving node

    Make this node's shard the owner of unassigned slots.
    """
    return _slot_list(s, slots, delete=False)


@command("cluster|delslots", arity=-3, flags=_ADMIN_NO_ASYNC, group="cluster", since="3.0.0",
         complexity="O(N) where N is the total number of hash slot arguments")
def cluster_delslots(s, *slots):
    """CLUSTER DELSLOTS slot [slot ...] — Set hash slots as unbound in receiving node

    Forget the owner of these slots (keys in them become unreachable: CLUSTERDOWN).
    """
    return _slot_list(s, slots, delete=True)


@command("cluster|addslotsrange", arity=-4, flags=_ADMIN_NO_ASYNC, group="cluster", since="7.0.0",
         complexity="O(N) where N is the total number of the slots between the start slot "
                    "and end slot arguments.")
def cluster_addslotsrange(s, *ranges):
    """CLUSTER ADDSLOTSRANGE start-slot end-slot [start-slot end-slot ...] — Assign new hash slots to receiving node

    ADDSLOTS for inclusive ranges.
    """
    return _slot_ranges(s, ranges, False, "cluster|addslotsrange")


@command("cluster|delslotsrange", arity=-4, flags=_ADMIN_NO_ASYNC, group="cluster", since="7.0.0",
         complexity="O(N) where N is the total number of the slots between the start slot "
                    "and end slot arguments.")
def cluster_delslotsrange(s, *ranges):
    """CLUSTER DELSLOTSRANGE start-slot end-slot [start-slot end-slot ...] — Set hash slots as unbound in receiving node

    DELSLOTS for inclusive ranges.
    """
    return _slot_ranges(s, ranges, True, "cluster|delslotsrange")


@command("cluster|setslot", arity=-4, flags=_ADMIN_NO_ASYNC, group="cluster", since="3.0.0",
         complexity="O(1)")
def cluster_setslot(s, slot, action, *rest):
    """CLUSTER SETSLOT slot IMPORTING node-id|MIGRATING node-id|NODE node-id|STABLE — Bind a hash slot to a specific node

    Open a slot for resharding on the source (MIGRATING) and target (IMPORTING),
    close it (STABLE), or hand it to its new owner (NODE).
    """
    member = _member(s)
    if not member.is_primary:
        raise ReplyError("ERR Please use SETSLOT only with masters.")
    n = _slot_arg(slot)
    cluster = member.cluster
    verb = action.lower()
    owner = cluster.slot_table[n]
    mine = owner is member.shard
    if verb in (b"migrating", b"importing") and len(rest) == 1:
        if verb == b"migrating" and not mine:
            raise ReplyError(f"ERR I'm not the owner of hash slot {n}")
        if verb == b"importing" and mine:
            raise ReplyError(f"ERR I'm already the owner of hash slot {n}")
        other = cluster.member(rest[0].decode("utf-8", "replace"))
        if other is None:
            raise ReplyError(_text(b"ERR I don't know about node ", rest[0]))
        if not other.is_primary:
            raise ReplyError("ERR Target node is not a master")
        (member.migrating if verb == b"migrating" else member.importing)[n] = other
    elif verb == b"stable" and not rest:
        member.migrating.pop(n, None)
        member.importing.pop(n, None)
    elif verb == b"node" and len(rest) == 1:
        other = cluster.member(rest[0].decode("utf-8", "replace"))
        if other is None:
            raise ReplyError(_text(b"ERR Unknown node ", rest[0]))
        if not other.is_primary:
            raise ReplyError("ERR Target node is not a master")
        if mine and other is not member and member.slot_index.count(n):
            raise ReplyError(f"ERR Can't assign hashslot {n} to a different node while "
                             f"I still hold keys for this hash slot.")
        cluster.assign_slot(n, other.shard)
    else:
        raise ReplyError("ERR Invalid CLUSTER SETSLOT action or number of arguments. "
                         "Try CLUSTER HELP")
    return OK


@command("cluster|count-failure-reports", arity=3, flags=_ADMIN, group="cluster",
         since="3.0.0", tips="nondeterministic_output",
         complexity="O(N) where N is the number of failure reports")
def cluster_count_failure_reports(s, node_id):
    """CLUSTER COUNT-FAILURE-REPORTS node-id — Return the number of failure reports active for a given node

    Always 0 here: emulated nodes do not fail (failover is the next issue).
    """
    member = _member(s)
    if member.cluster.member(node_id.decode("utf-8", "replace")) is None:
        raise ReplyError(_text(b"ERR Unknown node ", node_id))
    return 0


@command("cluster|saveconfig", arity=2, flags=_ADMIN_NO_ASYNC, group="cluster", since="3.0.0",
         complexity="O(1)")
def cluster_saveconfig(s):
    """CLUSTER SAVECONFIG — Forces the node to save cluster state on disk

    Nothing to save (the emulated cluster lives in memory): OK.
    """
    _member(s)
    return OK


def _text(prefix: bytes, raw: bytes) -> str:
    return errors._text(prefix + errors._c_string(raw))


# -- per-connection flags -------------------------------------------------------

@command("asking", arity=1, flags="fast", acl="connection", group="cluster",
         since="3.0.0", complexity="O(1)")
def asking(s):
    """ASKING — Sent by cluster clients after an -ASK redirect

    Let the next command use a slot this node is IMPORTING (one command only,
    or the whole MULTI block it opens).
    """
    _member(s).set_asking(s)
    return OK


@command("readonly", arity=1, flags="loading stale fast", acl="connection",
         group="cluster", since="3.0.0", complexity="O(1)")
def readonly(s):
    """READONLY — Enables read queries for a connection to a cluster replica node

    This connection accepts reads on a replica for its primary's slots (they may
    be slightly stale with real asynchronous replication).
    """
    _member(s).set_readonly(s, True)
    return OK


@command("readwrite", arity=1, flags="loading stale fast", acl="connection",
         group="cluster", since="3.0.0", complexity="O(1)")
def readwrite(s):
    """READWRITE — Disables read queries for a connection to a cluster replica node

    Undo READONLY: a replica redirects every keyed command to its primary again.
    """
    _member(s).set_readonly(s, False)
    return OK


# -- MIGRATE --------------------------------------------------------------------

def _migrate_keys(argv):
    """MIGRATE's key positions: argument 3, or everything after KEYS."""
    for i in range(6, len(argv)):
        word = argv[i].lower()
        if word == b"auth2":
            continue
        if word == b"keys":
            if argv[3]:
                return []
            return range(i + 1, len(argv))
    return [3]


@command("migrate", arity=-6, flags="write", acl="keyspace dangerous", getkeys=_migrate_keys,
         keys=(3, 3, 1), group="generic", since="2.6.0", tips="nondeterministic_output",
         complexity="This command actually executes a DUMP+DEL in the source instance, "
                    "and a RESTORE in the target instance. See the pages of these commands "
                    "for time complexity. Also an O(N) data transfer between the two "
                    "instances is performed.")
def migrate(s, host, port, key, db, timeout, *options):
    """MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password] [AUTH2 username password] [KEYS key [key ...]] — Atomically transfer a key from a Redis instance to another one.

    Move keys (value and TTL) to another node and delete them here — ``COPY``
    keeps them, ``REPLACE`` overwrites existing ones. +NOKEY when none exists.
    The emulator reaches nodes of the same emulated cluster only.
    """
    copy = replace = False
    keys = [key]
    i = 0
    while i < len(options):
        word = options[i].lower()
        if word == b"copy":
            copy = True
        elif word == b"replace":
            replace = True
        elif word == b"auth" and i + 1 < len(options):
            i += 1
        elif word == b"auth2" and i + 2 < len(options):
            i += 2
        elif word == b"keys":
            if key:
                raise ReplyError("ERR When using MIGRATE KEYS option, the key argument "
                                 "must be set to the empty string")
            keys = list(options[i + 1:])
            break
        else:
            raise ReplyError(errors.SYNTAX)
        i += 1
    dest_db = parse_int(db)
    parse_int(timeout)
    source = s.node.cluster
    target = None
    if source is not None:
        node = source.cluster.node_at(host.decode("utf-8", "replace"), port)
        target = node.cluster if node is not None else None
    if target is None:
        # Only nodes of the same emulated cluster are reachable in process.
        raise ReplyError("IOERR error or timeout connecting to the client")
    if dest_db != 0:
        raise ReplyError("ERR Target instance replied with error: "
                         "ERR SELECT is not allowed in cluster mode")
    from ..cluster.migration import MigrateError, move_keys
    try:
        moved = move_keys(source, target, keys, copy=copy, replace=replace)
    except MigrateError as exc:
        raise ReplyError(exc.message) from None
    return OK if moved else SimpleString(b"NOKEY")


_HELP = (
    "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
    "HELP",
    "    Prints this help.",
)
