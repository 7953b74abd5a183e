"""Connection commands: who the client is and how it talks to the server.

PING/ECHO for liveness, SELECT to pick one of the 16 databases, HELLO to
switch between RESP2 and RESP3 (and optionally authenticate), AUTH, CLIENT to
inspect and manage connections, QUIT and RESET.

ElastiCache note: cluster-mode-enabled clusters only have database 0, and
with in-transit encryption plus AUTH (or RBAC users) every connection must
authenticate before anything but AUTH/HELLO is accepted (NOAUTH).
"""
from __future__ import annotations

from .. import errors
from ..version import REDIS_VERSION
from ..protocol.replies import OK, PONG, Map, ReplyError, SimpleString, Verbatim
from .args import parse_c_int, parse_int
from .registry import command, container

_CONN = "loading stale"


@command("ping", arity=-1, flags="fast", acl="connection", group="connection",
         since="1.0.0", tips="request_policy:all_shards response_policy:all_succeeded",
         complexity="O(1)")
def ping(s, *message):
    """PING [message] — Ping the server

    PONG, or the message back.
    """
    if len(message) > 1:
        raise ReplyError(errors.wrong_arity("ping"))
    if s.pubsub and s.protocol == 2:
        # A RESP2 subscriber reads pushed messages as arrays, so PING answers
        # an array too: [pong, message] (an empty message without argument).
        return ["pong".encode(), message[0] if message else b""]
    return message[0] if message else PONG


@command("echo", arity=2, flags="loading stale fast", acl="connection",
         group="connection", since="1.0.0", complexity="O(1)")
def echo(s, message):
    """ECHO message — Echo the given string

    The message back.
    """
    return message


@command("select", arity=2, flags="loading stale fast", acl="connection",
         group="connection", since="1.0.0", complexity="O(1)")
def select(s, index):
    """SELECT index — Change the selected database for the current connection

    Switch this connection to database ``index`` (0–15).
    """
    i = parse_c_int(index)
    if i != 0 and s.node.cluster is not None:  # a cluster has database 0 only
        raise ReplyError(errors.SELECT_IN_CLUSTER)
    if not 0 <= i < len(s.node.dbs):
        raise ReplyError(errors.DB_INDEX_OUT_OF_RANGE)
    s.db = s.node.dbs[i]
    return OK


def _check_password(s, username: bytes, password: bytes, command: bytes = b"AUTH") -> bool:
    """Check the pair against the node's ACL users (engine/security): on
    success the connection becomes that user; a failure is ACL-logged.
    ``requirepass`` is the default user's password."""
    return s.node.acl.authenticate(s, username, password, command)


def _valid_name(name: bytes) -> bool:
    return all(33 <= c <= 126 for c in name)


@command("hello", arity=-1, flags="noscript loading stale fast no_auth allow_busy",
         acl="connection", group="connection", since="6.0.0", complexity="O(1)")
def hello(s, *args):
    """HELLO [protover [AUTH username password] [SETNAME clientname]] — Handshake with Redis

    Switch protocol (2 or 3), optionally authenticate; returns server information.
    """
    version = None
    if args:
        try:
            version = parse_int(args[0])
        except ReplyError:
            raise ReplyError("ERR Protocol version is not an integer or out of range") from None
        if version < 2 or version > 3:
            raise ReplyError("NOPROTO unsupported protocol version")
    auth = name = None
    i = 1
    while i < len(args):
        opt = args[i].upper()
        left = len(args) - i - 1
        if opt == b"AUTH" and left >= 2:
            auth = (args[i + 1], args[i + 2])
            i += 3
        elif opt == b"SETNAME" and left >= 1:
            name = args[i + 1]
            i += 2
        else:
            raise ReplyError("ERR Syntax error in HELLO option '"
                             + args[i].decode("utf-8", "surrogateescape") + "'")
    if auth is not None:
        if not _check_password(s, *auth, b"HELLO"):
            raise ReplyError(errors.WRONGPASS)
        s.authenticated = True
        s.user = auth[0].decode("utf-8", "surrogateescape")
    if not s.authenticated:
        raise ReplyError("NOAUTH HELLO must be called with the client already "
                         "authenticated, otherwise the HELLO AUTH <user> <pass> "
                         "option can be used to authenticate the client and select "
                         "the RESP protocol version at the same time")
    if name is not None:
        if not _valid_name(name) and name:
            raise ReplyError("ERR Client names cannot contain spaces, newlines or special characters.")
        s.name = name
    if version is not None:
        s.protocol = version
    return Map([
        (b"server", b"redis"), (b"version", REDIS_VERSION.encode()),
        (b"proto", s.protocol), (b"id", s.id), (b"mode", b"cluster" if s.node.cluster is not None else b"standalone"),
        (b"role", b"master"), (b"modules", []),
    ])


@command("auth", arity=-2, flags="noscript loading stale fast no_auth allow_busy",
         acl="connection", group="connection", since="1.0.0",
         complexity="O(N) where N is the number of passwords defined for the user")
def auth(s, *args):
    """AUTH [username] password — Authenticate to the server

    Authenticate this connection.
    """
    if len(args) > 2:
        raise ReplyError(errors.SYNTAX)
    if len(args) == 1:
        s.node.acl.sync_requirepass()
        if s.node.acl.default.nopass:
            raise ReplyError(errors.AUTH_NOT_CONFIGURED)
        username, password = b"default", args[0]
    else:
        username, password = args
    if not _check_password(s, username, password):
        raise ReplyError(errors.WRONGPASS)
    s.authenticated = True
    s.user = username.decode("utf-8", "surrogateescape")
    return OK


@command("quit", arity=-1, flags="noscript loading stale fast no_auth allow_busy",
         acl="connection", group="connection", since="1.0.0", complexity="O(1)")
def quit_(s, *args):
    """QUIT — Close the connection

    Reply OK and close the connection.
    """
    s.close_after_reply = True
    return OK


@command("reset", arity=1, flags="noscript loading stale fast no_auth allow_busy",
         acl="connection", group="connection", since="6.2.0", complexity="O(1)")
def reset(s):
    """RESET — Reset the connection

    Back to a fresh connection: db 0, RESP2, no MULTI/WATCH, no pub/sub
    subscriptions, no name, and unauthenticated if the server requires a
    password.
    """
    s.reset_transaction()
    s.node.pubsub.drop(s)
    s.db = s.node.dbs[0]
    s.protocol = 2
    s.name = b""
    s.user = "default"
    s.authenticated = not s.node.requires_auth()
    return SimpleString(b"RESET")


# -- CLIENT -------------------------------------------------------------------

container("client", group="connection", since="2.4.0",
          summary="A container for client connection commands")
_CLIENT_FLAGS = "noscript loading stale"
_CLIENT_ADMIN = "admin noscript loading stale"


@command("client|id", arity=2, flags=_CLIENT_FLAGS, acl="connection",
         group="connection", since="5.0.0", complexity="O(1)")
def client_id(s):
    """CLIENT ID — Returns the client ID for the current connection

    This connection's unique, never-reused id.
    """
    return s.id


@command("client|setname", arity=3, flags=_CLIENT_FLAGS, acl="connection",
         group="connection", since="2.6.9", complexity="O(1)")
def client_setname(s, name):
    """CLIENT SETNAME name — Set the current connection name

    Label the connection (shows in CLIENT LIST).
    """
    if name and not _valid_name(name):
        raise ReplyError("ERR Client names cannot contain spaces, newlines or special characters.")
    s.name = name
    return OK


@command("client|getname", arity=2, flags=_CLIENT_FLAGS, acl="connection",
         group="connection", since="2.6.9", complexity="O(1)")
def client_getname(s):
    """CLIENT GETNAME — Get the current connection name

    The name set with SETNAME, or nil.
    """
    return s.name or None


def describe(c) -> str:
    """One CLIENT LIST line for session ``c`` (buffer fields are nominal:
    the engine has no fixed-size query/reply buffers to report)."""
    node = c.node
    now = node.clock.now_ms()
    multi = -1 if c.multi is None else len(c.multi)
    return (
        f"id={c.id} addr={c.addr} laddr={c.laddr} fd={8 if c.kind == 'tcp' else -1} "
        f"name={c.name.decode('utf-8', 'replace')} age={(now - c.created_ms) // 1000} "
        f"idle={(now - c.last_ms) // 1000} flags={c.flags()} db={c.db.index} "
        f"sub={len(c.channels)} psub={len(c.patterns)} ssub={len(c.shard_channels)} "
        f"multi={multi} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 "
        f"rbp=16384 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={c.last_command} "
        f"user={c.user} redir=-1 resp={c.protocol}\n"
    )


@command("client|list", arity=-2, flags=_CLIENT_ADMIN, acl="connection",
         group="connection", since="2.4.0", tips="nondeterministic_output",
         complexity="O(N) where N is the number of client connections")
def client_list(s, *args):
    """CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...] — Get the list of client connections

    One line per connection.
    """
    sessions = sorted(s.node.sessions.values(), key=lambda c: c.id)
    if args:
        opt = args[0].upper()
        if opt == b"TYPE" and len(args) == 2:
            kind = args[1].lower()
            if kind not in (b"normal", b"master", b"replica", b"slave", b"pubsub"):
                raise ReplyError("ERR Unknown client type '"
                                 + args[1].decode("utf-8", "surrogateescape") + "'")
            sessions = [c for c in sessions if _client_type(c) == _TYPE_ALIASES[kind]]
        elif opt == b"ID" and len(args) >= 2:
            # One line per ID given, in that order (repeats included);
            # IDs with no connection are skipped.
            by_id = {c.id: c for c in sessions}
            picked = []
            for raw in args[1:]:
                cid = parse_int(raw, "ERR Invalid client ID")
                if cid in by_id:
                    picked.append(by_id[cid])
            sessions = picked
        else:
            raise ReplyError(errors.SYNTAX)
    return Verbatim("".join(describe(c) for c in sessions).encode())


@command("client|info", arity=2, flags=_CLIENT_FLAGS, acl="connection",
         group="connection", since="6.2.0", tips="nondeterministic_output",
         complexity="O(1)")
def client_info(s):
    """CLIENT INFO — Returns information about the current client connection.

    The CLIENT LIST line of this connection.
    """
    return Verbatim(describe(s).encode())


@command("client|kill", arity=-3, flags=_CLIENT_ADMIN, acl="connection",
         group="connection", since="2.4.0",
         complexity="O(N) where N is the number of client connections")
def client_kill(s, *args):
    """CLIENT KILL addr | CLIENT KILL filter value [filter value ...] — Kill the connection of a client

    Close connections. The old form names one ``ip:port`` (and may close the
    caller itself); the new form combines filters — ID id, ADDR ip:port,
    LADDR ip:port, USER name, TYPE normal|master|replica|pubsub, SKIPME yes|no
    (default yes) — and answers how many connections were closed.
    """
    sessions = sorted(s.node.sessions.values(), key=lambda c: c.id)
    if len(args) == 1:
        # Old form: CLIENT KILL addr. It may kill the caller itself.
        addr, laddr, cid, kind, user, skipme = args[0], None, None, None, None, False
    elif len(args) >= 2 and len(args) % 2 == 0:
        addr = laddr = cid = kind = user = None
        skipme = True
        # Each filter may be given more than once: the last one counts.
        for i in range(0, len(args), 2):
            opt, val = args[i].upper(), args[i + 1]
            if opt == b"ID":
                cid = parse_int(val, "ERR client-id should be greater than 0")
                if cid <= 0:
                    raise ReplyError("ERR client-id should be greater than 0")
            elif opt == b"TYPE":
                kind = val.lower()
                if kind not in (b"normal", b"master", b"replica", b"slave", b"pubsub"):
                    raise ReplyError("ERR Unknown client type '"
                                     + val.decode("utf-8", "surrogateescape") + "'")
            elif opt == b"ADDR":
                addr = val
            elif opt == b"LADDR":
                laddr = val
            elif opt == b"USER":
                if val != b"default":  # the only user until RBAC arrives
                    raise ReplyError("ERR No such user '"
                                     + val.decode("utf-8", "surrogateescape") + "'")
                user = val
            elif opt == b"SKIPME":
                if val.lower() == b"yes":
                    skipme = True
                elif val.lower() == b"no":
                    skipme = False
                else:
                    raise ReplyError(errors.SYNTAX)
            else:
                raise ReplyError(errors.SYNTAX)
    else:
        raise ReplyError(errors.SYNTAX)
    killed = 0
    for c in sessions:
        if addr is not None and c.addr.encode() != addr:
            continue
        if laddr is not None and c.laddr.encode() != laddr:
            continue
        if cid is not None and c.id != cid:
            continue
        if kind is not None and _client_type(c) != _TYPE_ALIASES[kind]:
            continue
        if user is not None and c.user.encode() != user:
            continue
        if skipme and c is s:
            continue
        _kill(s, c)
        killed += 1
    if len(args) == 1:
        if not killed:
            raise ReplyError("ERR No such client")
        return OK
    return killed


_TYPE_ALIASES = {b"normal": "normal", b"master": "master", b"replica": "replica",
                 b"slave": "replica", b"pubsub": "pubsub"}


def _client_type(c) -> str:
    """getClientType: a subscribed client is of type pubsub, the rest are
    normal (the engine has no replica or master links on a connection)."""
    return "pubsub" if c.pubsub else "normal"


@command("client|unblock", arity=-3, flags=_CLIENT_ADMIN, acl="connection",
         group="connection", since="5.0.0",
         complexity="O(log N) where N is the number of client connections")
def client_unblock(s, client_id, *reason):
    """CLIENT UNBLOCK client-id [TIMEOUT|ERROR] — Unblock a client blocked in a blocking command from a different connection

    Wake a client blocked in BLPOP & co. as if its timeout passed (TIMEOUT,
    the default) or with an UNBLOCKED error; 1 if it was blocked, else 0.
    """
    if len(reason) > 1:
        raise ReplyError("ERR unknown subcommand or wrong number of arguments for "
                         "'UNBLOCK'. Try CLIENT HELP.")
    error = False
    if reason:  # checked before the id, as Redis does
        word = reason[0].upper()
        if word == b"ERROR":
            error = True
        elif word != b"TIMEOUT":
            raise ReplyError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    cid = parse_int(client_id)
    target = s.node.sessions.get(cid)
    if target is None or target.blocked is None:
        return 0
    node = s.node
    if not node.blocking.unblock(target, error):
        return 0
    if error:
        # Redis counts the error it sends the *other* client while this
        # command runs, so INFO commandstats shows CLIENT UNBLOCK as failed.
        node.stats.commands.setdefault("client|unblock", [0, 0, 0, 0])[3] += 1
    return 1


def _kill(s, victim) -> None:
    if victim is s:
        s.close_after_reply = True   # answer first, then close, as Redis does
        return
    s.node.close_session(victim)
    if victim.killer is not None:
        victim.killer()


@command("client|no-evict", arity=3, flags=_CLIENT_ADMIN, acl="connection",
         group="connection", since="7.0.0", complexity="O(1)")
def client_no_evict(s, flag):
    """CLIENT NO-EVICT on|off — Set client eviction mode for the current connection

    Exempt this client from client eviction (accepted; the engine never evicts clients).
    """
    if flag.lower() not in (b"on", b"off"):
        raise ReplyError(errors.SYNTAX)
    return OK


@command("client|help", arity=2, flags="loading stale", acl="connection",
         group="connection", since="5.0.0", complexity="O(1)")
def client_help(s):
    """CLIENT HELP — Show helpful text about the different subcommands

    What the CLIENT subcommands do.
    """
    return [SimpleString(line.encode()) for line in (
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "HELP",
        "    Prints this help.",
    )]
