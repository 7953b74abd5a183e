"""The ACL command family: users, their rules, and the log of refusals.

``ACL SETUSER alice on >secret ~app:* +@read`` creates a user who can log in
with ``AUTH alice secret``, read any ``app:*`` key and do nothing else. The
rule grammar and the checks live in engine/security/acl.py; this module is
the command surface, answering exactly as Redis 7.0 does.

ElastiCache note: on ElastiCache the ACL commands are not available to
clients; users are created through the API (CreateUser with an *access
string* in this same grammar, minus passwords) and attached to clusters with
user groups. The emulated service (engine/service/security_api.py) turns its
users into these very ACL users on every node of a group.
"""
from __future__ import annotations

from ..protocol.replies import OK, Double, Map, ReplyError, SetReply, SimpleString
from ..security import acl as rules
from ..security.acl import DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, RuleError, User
from .args import parse_int
from .registry import CATEGORY_ORDER, command, container, lookup

container("acl", group="server", since="6.0.0",
          summary="A container for Access List Control commands ")
_ADMIN = "admin noscript loading stale"
_PLAIN = "noscript loading stale"

NO_ACLFILE = ("ERR This Redis instance is not configured to use an ACL file. You may want to "
              "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
              "(assuming you have a Redis configuration file set) in order to store users in "
              "the Redis configuration.")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _syntax(sub: str) -> ReplyError:
    return ReplyError(f"ERR unknown subcommand or wrong number of arguments for '{sub}'. "
                      "Try ACL HELP.")


def _acl(s):
    control = s.node.acl
    control.sync_requirepass()   # CONFIG SET requirepass changes the default user
    return control


@command("acl|setuser", arity=-3, flags=_ADMIN, group="server", since="6.0.0",
         complexity="O(N). Where N is the number of rules provided.")
def acl_setuser(s, username, *ops):
    """ACL SETUSER username [rule ...] — Modify or create the rules for a specific ACL user

    Rules apply left to right to a copy of the user; if any rule is wrong,
    nothing changes (the error names the rule).
    """
    name = _text(username)
    if " " in name or "\0" in name:
        raise ReplyError("ERR Usernames can't contain spaces or null characters")
    merged, bad = rules.merge_selector_args([_text(op) for op in ops])
    if merged is None:
        raise ReplyError("ERR Unmatched parenthesis in acl selector starting at '"
                         + _text(ops[bad]) + "'.")
    control = _acl(s)
    existing = control.get(name)
    user = existing.copy() if existing is not None else User(name)
    for op in merged:
        try:
            user.apply(op)
        except RuleError as e:
            raise ReplyError(f"ERR Error in ACL SETUSER modifier '{op}': {e.reason}") from None
    control.users[name] = user
    if existing is not None:
        _rebind_sessions(s.node, existing, user)
    return OK


def _rebind_sessions(node, old: User, new: User) -> None:
    """Connections keep their user *by name*, so they see the new rules at
    once. Subscribers whose channels are no longer allowed are disconnected
    (ACLKillPubsubClientsIfNeeded)."""
    if any(sel.all_channels for sel in new.selectors):
        return
    allowed = [c for sel in new.selectors for c in sel.channels]
    previous = [c for sel in old.selectors for c in sel.channels]
    if not old.selectors[0].all_channels and all(c in allowed for c in previous):
        return
    for session in list(node.sessions.values()):
        if session.user != new.name or not session.pubsub:
            continue
        listed = [c.encode("utf-8", "surrogateescape") for c in allowed]
        ok = all(p in listed for p in session.patterns) and all(
            any(rules.glob.match(c, ch) for c in listed)
            for ch in list(session.channels) + list(session.shard_channels))
        if not ok:
            _drop(node, session)


def _drop(node, session) -> None:
    if session.killer is not None:
        session.killer()
    else:
        node.close_session(session)


@command("acl|deluser", arity=-3, flags=_ADMIN, group="server", since="6.0.0",
         complexity="O(1) amortized time considering the typical user.")
def acl_deluser(s, *usernames):
    """ACL DELUSER username [username ...] — Remove the specified ACL users and the associated rules

    The number of users deleted; their connections are closed.
    """
    if any(u == b"default" for u in usernames):
        raise ReplyError("ERR The 'default' user cannot be removed")
    control, deleted = _acl(s), 0
    for raw in usernames:
        name = _text(raw)
        if control.users.pop(name, None) is not None:
            deleted += 1
            for session in list(s.node.sessions.values()):
                if session.user == name:
                    if session is s:
                        s.close_after_reply = True
                    else:
                        _drop(s.node, session)
    return deleted


def _selector_fields(sel) -> list:
    return [(b"commands", sel.describe_commands().encode()),
            (b"keys", sel.describe_keys().encode("utf-8", "surrogateescape")),
            (b"channels", sel.describe_channels().encode("utf-8", "surrogateescape"))]


@command("acl|getuser", arity=3, flags=_ADMIN, group="server", since="6.0.0",
         complexity="O(N). Where N is the number of password, command and pattern rules "
                    "that the user has.")
def acl_getuser(s, username):
    """ACL GETUSER username — Get the rules for a specific ACL user

    Flags, password hashes, commands, keys, channels and extra selectors; nil
    for an unknown user.
    """
    user = _acl(s).get(_text(username))
    if user is None:
        return None
    fields = [(b"flags", SetReply(f.encode() for f in user.flags())),
              (b"passwords", [p.encode() for p in user.passwords])]
    fields += _selector_fields(user.root)
    fields.append((b"selectors", [Map(_selector_fields(sel)) for sel in user.selectors[1:]]))
    return Map(fields)


@command("acl|list", arity=2, flags=_ADMIN, group="server", since="6.0.0",
         complexity="O(N). Where N is the number of configured users.")
def acl_list(s):
    """ACL LIST — List the current ACL rules in ACL config file format

    One ``user <name> <rules>`` line per user, by name.
    """
    return [("user " + u.name + " " + u.describe()).encode("utf-8", "surrogateescape")
            for u in _acl(s).sorted_users()]


@command("acl|users", arity=2, flags=_ADMIN, group="server", since="6.0.0",
         complexity="O(N). Where N is the number of configured users.")
def acl_users(s):
    """ACL USERS — List the username of all the configured ACL rules

    The user names, sorted.
    """
    return [u.name.encode("utf-8", "surrogateescape") for u in _acl(s).sorted_users()]


@command("acl|whoami", arity=2, flags=_PLAIN, group="server", since="6.0.0",
         complexity="O(1)")
def acl_whoami(s):
    """ACL WHOAMI — Return the name of the user associated to the current connection

    This connection's user name.
    """
    return s.user.encode("utf-8", "surrogateescape")


@command("acl|cat", arity=-2, flags=_PLAIN, group="server", since="6.0.0",
         complexity="O(1) since the categories and commands are a fixed set.")
def acl_cat(s, *args):
    """ACL CAT [categoryname] — List the ACL categories or the commands inside a category

    The categories, or the commands (and subcommands) in one.
    """
    if not args:
        return [c.encode() for c in CATEGORY_ORDER]
    if len(args) > 1:
        raise _syntax("CAT")
    category = _text(args[0]).lower()
    if category not in CATEGORY_ORDER:
        raise ReplyError("ERR Unknown category '" + _text(args[0])[:128] + "'")
    return [cmd.name.encode() for cmd in rules._all_commands() if category in cmd.acl_categories]


@command("acl|genpass", arity=-2, flags=_PLAIN, group="server", since="6.0.0",
         complexity="O(1)")
def acl_genpass(s, *args):
    """ACL GENPASS [bits] — Generate a pseudorandom secure password to use for ACL users

    ``bits`` random bits (256 by default) as hex. The engine draws them from
    the node's seeded generator, so runs are repeatable (Redis uses
    /dev/urandom: never use these for real secrets).
    """
    if len(args) > 1:
        raise _syntax("GENPASS")
    bits = parse_int(args[0]) if args else 256
    if bits <= 0 or bits > 4096:
        raise ReplyError("ERR ACL GENPASS argument must be the number of bits for the output "
                         "password, a positive number up to 4096")
    chars = (bits + 3) // 4
    return "".join("0123456789abcdef"[s.node.rng.randrange(16)] for _ in range(chars)).encode()


@command("acl|log", arity=-2, flags=_ADMIN, group="server", since="6.0.0",
         complexity="O(N) with N being the number of entries shown.")
def acl_log(s, *args):
    """ACL LOG [count | RESET] — List latest events denied because of ACLs in place

    The newest refusals first (10 by default): reason, context, object, user.
    """
    if len(args) > 1:
        raise _syntax("LOG")
    control = _acl(s)
    count = 10
    if args:
        if args[0].lower() == b"reset":
            control.log.clear()
            return OK
        count = max(parse_int(args[0]), 0)
    out = []
    for entry in control.log_entries(count):
        out.append(Map([
            (b"count", entry["count"]),
            (b"reason", entry["reason"].encode()),
            (b"context", entry["context"].encode()),
            (b"object", entry["object"].encode("utf-8", "surrogateescape")),
            (b"username", entry["username"].encode("utf-8", "surrogateescape")),
            (b"age-seconds", Double(entry["age-seconds"])),
            (b"client-info", entry["client-info"].encode("utf-8", "surrogateescape")),
        ]))
    return out


@command("acl|dryrun", arity=-4, flags=_ADMIN, group="server", since="7.0.0",
         complexity="O(1).")
def acl_dryrun(s, username, *argv):
    """ACL DRYRUN username command [arg ...] — Returns whether the user can execute the given command without executing the command.

    OK, or a sentence saying which command, key or channel is refused.
    """
    user = _acl(s).get(_text(username))
    if user is None:
        raise ReplyError("ERR User '" + _text(username) + "' not found")
    cmd = lookup(list(argv))
    if cmd is None:
        raise ReplyError("ERR Command '" + _text(argv[0]) + "' not found")
    argc = len(argv)
    if (cmd.arity > 0 and cmd.arity != argc) or argc < -cmd.arity:
        raise ReplyError(f"ERR wrong number of arguments for '{cmd.name}' command")
    result, idx = user.check(cmd, list(argv))
    if result == DENIED_CMD:
        return f"This user has no permissions to run the '{cmd.name}' command".encode()
    if result == DENIED_KEY:
        return b"This user has no permissions to access the '" + argv[idx] + b"' key"
    if result == DENIED_CHANNEL:
        return b"This user has no permissions to access the '" + argv[idx] + b"' channel"
    return OK


@command("acl|load", arity=2, flags=_ADMIN, group="server", since="6.0.0",
         complexity="O(N). Where N is the number of configured users.")
def acl_load(s):
    """ACL LOAD — Reload the ACLs from the configured ACL file

    The engine has no ACL file, so this answers as Redis does without one.
    """
    raise ReplyError(NO_ACLFILE)


@command("acl|save", arity=2, flags=_ADMIN, group="server", since="6.0.0",
         complexity="O(N). Where N is the number of configured users.")
def acl_save(s):
    """ACL SAVE — Save the current ACL rules in the configured ACL file

    The engine has no ACL file, so this answers as Redis does without one.
    """
    raise ReplyError(NO_ACLFILE)


@command("acl|help", arity=2, flags="loading stale", group="server", since="6.0.0",
         complexity="O(1)")
def acl_help(s):
    """ACL HELP — Show helpful text about the different subcommands

    What the ACL subcommands do.
    """
    return [SimpleString(line.encode()) for line in (
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
    )]
