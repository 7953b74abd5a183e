"""The command table: one declaration per command, the single source of truth.

Each command is a plain function decorated with :func:`command`, which records
what Redis's own command table records — name, arity, flags, ACL categories and
where the keys are — next to the code that implements it::

    @command("get", arity=2, flags="readonly fast", acl="string", keys=(1, 1, 1),
             group="string", since="1.0.0", complexity="O(1)")
    def get(ctx, key):
        '''GET key — the value of ``key``, or nil.'''

The dispatcher uses the table to check arity and route subcommands; COMMAND
INFO / DOCS / COUNT / GETKEYS answer from it; ACLs and cluster routing (later)
read the same flags and key positions. Nothing about a command is written twice.

Arity follows Redis's convention: a positive number is the exact argument count
including the command name; a negative number ``-N`` means "at least N".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

# Order in which Redis 7.0 lists command flags in COMMAND INFO.
FLAG_ORDER = (
    "write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
    "blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "asking",
    "fast", "no_auth", "may_replicate", "sentinel", "only_sentinel",
    "no_mandatory_keys", "protected", "module_getkeys", "module_no_cluster", "no_async_loading",
    "no_multi", "movablekeys", "allow_busy",
)
# Order of ACL categories (their bit order in Redis 7.0's acl.c).
CATEGORY_ORDER = (
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
    "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
    "blocking", "dangerous", "connection", "transaction", "scripting",
)


@dataclass(eq=False)
class Command:
    """One row of the command table (a command or a subcommand)."""

    name: str                      # "get", or "client|kill" for a subcommand
    handler: Optional[Callable]    # None for containers such as CLIENT
    arity: int
    flags: Tuple[str, ...]
    acl_categories: Tuple[str, ...]
    keys: Tuple[int, int, int]     # (first, last, step); (0, 0, 0) = no keys
    group: str
    since: str
    complexity: str = ""
    summary: str = ""
    doc_flags: Tuple[str, ...] = ()
    getkeys: Optional[Callable] = None   # for commands whose key positions move
    tips: Tuple[str, ...] = ()           # COMMAND INFO "tips" (cluster routing hints)
    #: The "key" positions name shard channels, not keys (SPUBLISH, SSUBSCRIBE…):
    #: cluster routing hashes them like keys, COMMAND GETKEYS does not list them.
    channels_not_keys: bool = False
    subcommands: Dict[bytes, "Command"] = field(default_factory=dict)
    parent: Optional["Command"] = None

    # Convenience views used on the hot path (set in __post_init__).
    def __post_init__(self):
        self.is_write = "write" in self.flags
        self.is_readonly = "readonly" in self.flags
        self.denyoom = "denyoom" in self.flags
        self.no_auth = "no_auth" in self.flags
        self.no_multi = "no_multi" in self.flags
        self.fullname = self.name

    @property
    def has_keys(self) -> bool:
        """Whether any argument can be a key (Redis's doesCommandHaveKeys)."""
        return (self.getkeys is not None or self.keys[0] != 0) and not self.channels_not_keys

    @property
    def is_container(self) -> bool:
        return bool(self.subcommands)

    def key_positions(self, argv) -> list:
        """Indexes in ``argv`` (command name at 0) that hold key names."""
        if self.getkeys is not None:
            return list(self.getkeys(argv))
        first, last, step = self.keys
        if first == 0:
            return []
        if last < 0:
            last = len(argv) + last
        return list(range(first, last + 1, step))


#: name (lowercase bytes) -> Command. Filled by the @command decorators when
#: the command modules are imported (see commands/__init__.py).
TABLE: Dict[bytes, Command] = {}


def _derive_categories(flags, acl) -> Tuple[str, ...]:
    """ACL categories = the declared ones + those Redis derives from flags."""
    cats = set(acl.split()) if isinstance(acl, str) else set(acl)
    if "write" in flags:
        cats.add("write")
    if "readonly" in flags and "scripting" not in cats:
        cats.add("read")
    if "admin" in flags:
        cats.update(("admin", "dangerous"))
    if "pubsub" in flags:
        cats.add("pubsub")
    if "fast" in flags:
        cats.add("fast")
    if "blocking" in flags:
        cats.add("blocking")
    if "fast" not in cats:
        cats.add("slow")
    unknown = cats - set(CATEGORY_ORDER)
    if unknown:
        raise ValueError(f"unknown ACL categories {sorted(unknown)}")
    return tuple(c for c in CATEGORY_ORDER if c in cats)


def _order_flags(flags) -> Tuple[str, ...]:
    flags = set(flags.split()) if isinstance(flags, str) else set(flags)
    unknown = flags - set(FLAG_ORDER)
    if unknown:
        raise ValueError(f"unknown command flags {sorted(unknown)}")
    return tuple(f for f in FLAG_ORDER if f in flags)


def command(name: str, *, arity: int, flags: str = "", acl: str = "",
            keys: Tuple[int, int, int] = (0, 0, 0), group: str, since: str,
            complexity: str = "", getkeys: Optional[Callable] = None,
            doc_flags: str = "", tips: str = "", channels_not_keys: bool = False):
    """Register the decorated function as command ``name``.

    ``name`` may be ``"container|sub"`` to declare a subcommand; the container
    must have been declared first with :func:`container`.
    """

    def decorate(fn: Callable) -> Callable:
        ordered_flags = _order_flags(flags)
        if getkeys is not None and "movablekeys" not in ordered_flags:
            ordered = set(ordered_flags) | {"movablekeys"}
            ordered_flags = tuple(f for f in FLAG_ORDER if f in ordered)
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        # Docstrings start with the wire format, "GET key — what it does";
        # COMMAND DOCS wants only the sentence after the dash.
        if " — " in summary:
            summary = summary.split(" — ", 1)[1]
        cmd = Command(
            name=name, handler=fn, arity=arity, flags=ordered_flags,
            acl_categories=_derive_categories(ordered_flags, acl), keys=keys,
            group=group, since=since, complexity=complexity, summary=summary,
            doc_flags=tuple(doc_flags.split()), getkeys=getkeys,
            tips=tuple(tips.split()), channels_not_keys=channels_not_keys,
        )
        if "|" in name:
            parent_name, sub = name.split("|", 1)
            parent = TABLE[parent_name.encode()]
            cmd.parent = parent
            parent.subcommands[sub.encode()] = cmd
        else:
            if name.encode() in TABLE:
                raise ValueError(f"command {name!r} declared twice")
            TABLE[name.encode()] = cmd
        return fn

    return decorate


def container(name: str, *, group: str, since: str, summary: str,
              acl: str = "", complexity: str = "Depends on subcommand.") -> None:
    """Declare a command that only groups subcommands (CLIENT, CONFIG, OBJECT…).
    Like Redis, a container has arity -2, no flags, and the @slow category."""
    TABLE[name.encode()] = Command(
        name=name, handler=None, arity=-2, flags=(),
        acl_categories=_derive_categories((), acl), keys=(0, 0, 0), group=group,
        since=since, complexity=complexity, summary=summary,
    )


def lookup(argv) -> Optional[Command]:
    """Find the command (or subcommand) that ``argv`` names, or None."""
    cmd = TABLE.get(argv[0].lower())
    if cmd is None or not cmd.subcommands:
        return cmd
    if len(argv) < 2:
        return cmd  # the arity check reports the missing subcommand
    return cmd.subcommands.get(argv[1].lower())
