"""COMMAND: the server describing its own commands, straight from the table.

Client libraries rely on it: redis-py's cluster client asks COMMAND for each
command's key positions to route it to the right shard, and redis-cli asks
COMMAND DOCS for the hints it shows while you type.

What is reported: name, arity, flags, key positions, ACL categories and tips
exactly as declared in registry.py (compared with redis-server 7.0 in
tests/compat); key specifications are derived from the key positions; COMMAND
DOCS gives summary, since, group and complexity but no per-argument schema.
"""
from __future__ import annotations

from .. import errors
from ..protocol.replies import Map, ReplyError, SetReply, SimpleString
from . import glob
from .registry import TABLE, command, container, lookup

container("command", group="server", since="2.8.13", acl="connection",
          summary="Get array of Redis command details")


def _key_specs(cmd):
    first, last, step = cmd.keys
    if first == 0:
        return []
    flags = ["RO", "access"] if cmd.is_readonly else ["RW", "update"]
    return [Map([
        (b"flags", SetReply(SimpleString(f.encode()) for f in flags)),
        (b"begin_search", Map([(b"type", b"index"), (b"spec", Map([(b"index", first)]))])),
        (b"find_keys", Map([(b"type", b"range"), (b"spec", Map([
            (b"lastkey", last if last < 0 else last - first), (b"keystep", step),
            (b"limit", 0)]))])),
    ])]


def command_info(cmd):
    """One COMMAND INFO entry (10 elements, as Redis 7.0 sends)."""
    first, last, step = cmd.keys
    return [
        cmd.name.encode(), cmd.arity,
        SetReply(SimpleString(f.encode()) for f in cmd.flags),
        first, last, step,
        SetReply(SimpleString(b"@" + c.encode()) for c in cmd.acl_categories),
        SetReply(t.encode() for t in cmd.tips),
        _key_specs(cmd),
        [command_info(sub) for sub in cmd.subcommands.values()],
    ]


def command_docs(cmd):
    doc = [(b"summary", cmd.summary.encode()), (b"since", cmd.since.encode()),
           (b"group", cmd.group.encode()), (b"complexity", cmd.complexity.encode())]
    if cmd.doc_flags:
        doc.append((b"doc_flags", SetReply(SimpleString(f.encode()) for f in cmd.doc_flags)))
    if cmd.subcommands:
        doc.append((b"subcommands", Map(
            (sub.name.encode(), command_docs(sub)) for sub in cmd.subcommands.values())))
    return Map(doc)


def command_(s, *args):
    """COMMAND — details about every command."""
    if args:  # "COMMAND foo" is an unknown subcommand of the container
        raise ReplyError(errors.unknown_subcommand(args[0], "command"))
    return [command_info(cmd) for cmd in TABLE.values()]


# COMMAND with no arguments is both a container and a command in Redis; the
# registry treats it as a container, and the dispatcher runs this when no
# subcommand is given (see Node.call).
TABLE[b"command"].handler = command_
TABLE[b"command"].arity = -1
TABLE[b"command"].flags = ("loading", "stale")
TABLE[b"command"].acl_categories = ("slow", "connection")
TABLE[b"command"].tips = ("nondeterministic_output_order",)
TABLE[b"command"].complexity = "O(N) where N is the total number of Redis commands"

_CMD = "loading stale"


@command("command|count", arity=2, flags=_CMD, acl="connection", group="server",
         since="2.8.13", complexity="O(1)")
def command_count(s):
    """COMMAND COUNT — Get total number of Redis commands

    How many commands the server knows.
    """
    return len(TABLE)


@command("command|info", arity=-2, flags=_CMD, acl="connection", group="server",
         since="2.8.13", tips="nondeterministic_output_order",
         complexity="O(N) where N is the number of commands to look up")
def command_info_cmd(s, *names):
    """COMMAND INFO [command-name ...] — Get array of specific Redis command details, or all when no argument is given.

    Details of the named commands (nil if unknown).
    """
    if not names:
        return [command_info(cmd) for cmd in TABLE.values()]
    return [_info_or_none(name) for name in names]


def _resolve(name: bytes):
    if b"|" in name:
        parent, sub = name.lower().split(b"|", 1)
        cmd = TABLE.get(parent)
        return cmd.subcommands.get(sub) if cmd is not None else None
    return TABLE.get(name.lower())


def _info_or_none(name):
    cmd = _resolve(name)
    return None if cmd is None else command_info(cmd)


@command("command|docs", arity=-2, flags=_CMD, acl="connection", group="server",
         since="7.0.0", tips="nondeterministic_output_order",
         complexity="O(N) where N is the number of commands to look up")
def command_docs_cmd(s, *names):
    """COMMAND DOCS [command-name ...] — Get array of specific Redis command documentation

    Documentation of the named commands.
    """
    cmds = [TABLE[n] for n in TABLE] if not names else [_resolve(n) for n in names]
    return Map((c.name.encode(), command_docs(c)) for c in cmds if c is not None)


@command("command|list", arity=-2, flags=_CMD, acl="connection", group="server",
         since="7.0.0", tips="nondeterministic_output_order",
         complexity="O(N) where N is the total number of Redis commands")
def command_list(s, *args):
    """COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern] — Get an array of Redis command names

    Command names.
    """
    names = list(TABLE.values())
    if args:
        if len(args) != 3 or args[0].upper() != b"FILTERBY":
            raise ReplyError(errors.SYNTAX)
        kind, value = args[1].upper(), args[2]
        if kind == b"MODULE":
            names = []
        elif kind == b"ACLCAT":
            cat = value.lower().decode("utf-8", "replace")
            names = [c for c in names if cat in c.acl_categories]
        elif kind == b"PATTERN":
            names = [c for c in names if glob.match(value, c.name.encode(), nocase=True)]
        else:
            raise ReplyError(errors.SYNTAX)
    return [c.name.encode() for c in names]


@command("command|getkeys", arity=-4, flags=_CMD, acl="connection", group="server",
         since="2.8.13", complexity="O(N) where N is the number of arguments to the command")
def command_getkeys(s, *argv):
    """COMMAND GETKEYS command [arg ...] — Extract keys given a full Redis command

    Which arguments of a full command are keys.
    """
    cmd = lookup(argv)
    if cmd is None or cmd.handler is None:
        raise ReplyError("ERR Invalid command specified")
    # Redis's order: no keys at all, then arity, then extracting the keys.
    if not cmd.has_keys:
        raise ReplyError("ERR The command has no key arguments")
    arity = cmd.arity
    if (arity > 0 and len(argv) != arity) or len(argv) < -arity:
        raise ReplyError("ERR Invalid number of arguments specified for command")
    positions = cmd.key_positions(argv)
    if not positions:
        # Commands whose keys are optional (EVAL with numkeys 0…) answer an
        # empty list; for the others, finding no key means malformed arguments.
        if "no_mandatory_keys" in cmd.flags:
            return []
        raise ReplyError("ERR Invalid arguments specified for command")
    return [argv[i] for i in positions if i < len(argv)]


@command("command|help", arity=2, flags=_CMD, acl="connection", group="server",
         since="5.0.0", complexity="O(1)")
def command_help(s):
    """COMMAND HELP — Show helpful text about the different subcommands

    What the COMMAND subcommands do.
    """
    return [SimpleString(line.encode()) for line in (
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "HELP",
        "    Prints this help.",
    )]
