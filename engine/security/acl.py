"""Redis 7.0 ACLs: users, their rules, and the permission check.

A *user* has flags (on/off, nopass), a list of password hashes (SHA-256) and
one or more *selectors*. A selector is a permission set: which commands (a
set of allowed command names, plus "first-args" such as ``+select|0``),
which key patterns (each with R, W or RW permission) and which pub/sub
channel patterns. The first selector is the *root* (the rules written
outside parentheses); ``(~temp:* +get)`` adds another one. A command is
allowed if *any* selector allows it completely (acl.c, ACLCheckAllUserCommandPerm).

The rule grammar, the error texts and the way ``ACL LIST`` re-describes a
user all follow Redis 7.0.15's acl.c, because learners compare what they
type with what a real server (or ElastiCache) answers. Command categories
come from the one command table (commands/registry.py): ``+@read`` allows
every command whose row says ``@read``.
"""
from __future__ import annotations

import hashlib
from typing import Dict, List, Optional, Tuple

from ..commands import glob, registry
from . import keyspecs

# Permission-check results, in acl.c's numeric order (the order matters:
# with several selectors, the "largest" failure is the one reported).
OK, DENIED_CMD, DENIED_KEY, DENIED_AUTH, DENIED_CHANNEL = 0, 1, 2, 3, 4

READ, WRITE = keyspecs.R, keyspecs.W
ALL_PERMS = READ | WRITE

# Commands that name pub/sub channels: (first channel index, last (-1 = to
# the end), is a pattern). acl.c checks publish and subscribe channels only;
# UNSUBSCRIBE never needs permission.
CHANNEL_ARGS = {
    "publish": (1, 1, False), "spublish": (1, 1, False),
    "subscribe": (1, -1, False), "ssubscribe": (1, -1, False),
    "psubscribe": (1, -1, True),
}

# acl.c's error texts for ACL SETUSER (ACLSetUserStringError), by cause.
ERR_SYNTAX = "Syntax error"
ERR_UNKNOWN = "Unknown command or category name in ACL"
ERR_KEYS_AFTER_ALL = ("Adding a pattern after the * pattern (or the 'allkeys' flag) is not "
                      "valid and does not have any effect. Try 'resetkeys' to start with an "
                      "empty list of patterns")
ERR_CHANNELS_AFTER_ALL = ("Adding a pattern after the * pattern (or the 'allchannels' flag) is "
                          "not valid and does not have any effect. Try 'resetchannels' to start "
                          "with an empty list of channels")
ERR_NO_SUCH_PASSWORD = "The password you are trying to remove from the user does not exist"
ERR_BAD_HASH = ("The password hash must be exactly 64 characters and contain only lowercase "
                "hexadecimal characters")
ERR_FIRSTARG_OF_SUB = "Allowing first-arg of a subcommand is not supported"


class RuleError(ValueError):
    """A rule ACL SETUSER cannot apply; ``reason`` is acl.c's text."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def hash_password(password: bytes) -> str:
    """Redis stores passwords as lowercase hex SHA-256 (ACLHashPassword)."""
    return hashlib.sha256(password).hexdigest()


def _all_commands() -> List[registry.Command]:
    """Every row of the command table, each container followed by its
    subcommands (the order acl.c walks them)."""
    out = []
    for cmd in registry.TABLE.values():
        out.append(cmd)
        out.extend(cmd.subcommands.values())
    return out


def lookup_command(name: str) -> Optional[registry.Command]:
    """acl.c's ACLLookupCommand: "get" or "client|kill", case-insensitive."""
    parts = name.lower().encode("utf-8", "surrogateescape").split(b"|")
    if len(parts) > 2:
        return None
    cmd = registry.TABLE.get(parts[0])
    if cmd is None or len(parts) == 1:
        return cmd
    return cmd.subcommands.get(parts[1])


def _has_spaces(text: str) -> bool:
    """ACLStringHasSpaces: patterns may not contain spaces or NULs."""
    return any(c in " \0" for c in text)


class Selector:
    """One permission set (acl.c's aclSelector)."""

    __slots__ = ("allowed", "future", "all_commands", "firstargs", "patterns",
                 "all_keys", "channels", "all_channels")

    def __init__(self):
        #: Names of the allowed commands (acl.c's command bitmap).
        self.allowed: set = set()
        #: The reserved bit +@all sets: future commands are allowed too.
        self.future = False
        #: SELECTOR_FLAG_ALLCOMMANDS: +@all and not a single bit cleared since.
        self.all_commands = False
        #: command name -> first arguments allowed although the command is not.
        self.firstargs: Dict[str, List[str]] = {}
        #: [pattern, permission bits] in the order they were added.
        self.patterns: List[list] = []
        self.all_keys = False
        self.channels: List[str] = []
        self.all_channels = False

    def copy(self) -> "Selector":
        s = Selector()
        s.allowed = set(self.allowed)
        s.future, s.all_commands = self.future, self.all_commands
        s.firstargs = {k: list(v) for k, v in self.firstargs.items()}
        s.patterns = [list(p) for p in self.patterns]
        s.all_keys = self.all_keys
        s.channels = list(self.channels)
        s.all_channels = self.all_channels
        return s

    # -- command bits -----------------------------------------------------
    def _set_bit(self, name: str, allow: bool) -> None:
        if allow:
            self.allowed.add(name)
        else:
            self.allowed.discard(name)
            self.all_commands = False

    def change_perm(self, cmd: registry.Command, allow: bool) -> None:
        """ACLChangeSelectorPerm: a command, and all its subcommands if it
        is a container; forgets the command's allowed first-args."""
        self._set_bit(cmd.name, allow)
        self.firstargs.pop(cmd.name, None)
        for sub in cmd.subcommands.values():
            self._set_bit(sub.name, allow)

    def set_category(self, category: str, allow: bool) -> None:
        """+@category / -@category over the whole table (containers
        included: a container's change also covers its subcommands)."""
        if category not in registry.CATEGORY_ORDER:
            raise RuleError(ERR_UNKNOWN)
        for cmd in registry.TABLE.values():
            if category in cmd.acl_categories:
                self.change_perm(cmd, allow)
            for sub in cmd.subcommands.values():
                if category in sub.acl_categories:
                    self.change_perm(sub, allow)

    # -- one rule ---------------------------------------------------------
    def apply(self, op: str) -> None:
        """ACLSetSelector: apply one rule, or raise RuleError."""
        low = op.lower()
        if low in ("allkeys", "~*"):
            self.all_keys = True
            self.patterns = []
        elif low == "resetkeys":
            self.all_keys = False
            self.patterns = []
        elif low in ("allchannels", "&*"):
            self.all_channels = True
            self.channels = []
        elif low == "resetchannels":
            self.all_channels = False
            self.channels = []
        elif low in ("allcommands", "+@all"):
            self.allowed = {c.name for c in _all_commands()}
            self.future = self.all_commands = True
            self.firstargs = {}
        elif low in ("nocommands", "-@all"):
            self.allowed = set()
            self.future = self.all_commands = False
            self.firstargs = {}
        elif op[:1] in ("~", "%"):
            self._add_key_pattern(op)
        elif op[:1] == "&":
            if self.all_channels:
                raise RuleError(ERR_CHANNELS_AFTER_ALL)
            if _has_spaces(op[1:]):
                raise RuleError(ERR_SYNTAX)
            if op[1:] not in self.channels:
                self.channels.append(op[1:])
            self.all_channels = False
        elif op[:1] == "+" and op[1:2] != "@":
            self._allow_command(op[1:])
        elif op[:1] == "-" and op[1:2] != "@":
            cmd = lookup_command(op[1:])
            if cmd is None:
                raise RuleError(ERR_UNKNOWN)
            self.change_perm(cmd, False)
        elif op[:2] in ("+@", "-@"):
            self.set_category(op[2:], op[0] == "+")
        else:
            raise RuleError(ERR_SYNTAX)

    def _add_key_pattern(self, op: str) -> None:
        if self.all_keys:
            raise RuleError(ERR_KEYS_AFTER_ALL)
        if op[0] == "%":
            flags, offset = 0, 1
            while offset < len(op):
                c = op[offset]
                if c.upper() == "R" and not flags & READ:
                    flags |= READ
                elif c.upper() == "W" and not flags & WRITE:
                    flags |= WRITE
                elif c == "~":
                    offset += 1
                    break
                else:
                    raise RuleError(ERR_SYNTAX)
                offset += 1
        else:
            flags, offset = ALL_PERMS, 1
        pattern = op[offset:]
        if _has_spaces(pattern):
            raise RuleError(ERR_SYNTAX)
        for existing in self.patterns:
            # The same pattern twice merges its permissions.
            if existing[0] == pattern:
                existing[1] |= flags
                break
        else:
            self.patterns.append([pattern, flags])
        self.all_keys = False

    def _allow_command(self, name: str) -> None:
        if "|" not in name:
            cmd = lookup_command(name)
            if cmd is None:
                raise RuleError(ERR_UNKNOWN)
            self.change_perm(cmd, True)
            return
        base, sub = name.rsplit("|", 1)
        cmd = lookup_command(base)
        if cmd is None:
            raise RuleError(ERR_UNKNOWN)
        if cmd.parent is not None:
            raise RuleError(ERR_FIRSTARG_OF_SUB)
        if not sub:
            raise RuleError(ERR_SYNTAX)
        if cmd.subcommands:
            real = lookup_command(name)
            if real is None:
                raise RuleError(ERR_UNKNOWN)
            self.change_perm(real, True)
        else:
            # +select|0: a first argument of an otherwise blocked command
            # (deprecated in Redis, still honoured in 7.0).
            allowed = self.firstargs.setdefault(cmd.name, [])
            if sub.lower() not in (a.lower() for a in allowed):
                allowed.append(sub)

    # -- checks ---------------------------------------------------------
    def check_key(self, key: bytes, needed: int) -> bool:
        if self.all_keys:
            return True
        for pattern, flags in self.patterns:
            if flags & needed == needed and glob.match(_raw(pattern), key):
                return True
        return False

    def check_channel(self, channel: bytes, is_pattern: bool) -> bool:
        if self.all_channels:
            return True
        for pattern in self.channels:
            raw = _raw(pattern)
            # A PSUBSCRIBE pattern must appear literally in the list; a
            # channel name is matched against the patterns.
            if (is_pattern and raw == channel) or (not is_pattern and glob.match(raw, channel)):
                return True
        return False

    def check_command(self, cmd, argv) -> Tuple[int, int]:
        """ACLSelectorCheckCmd → (result, index in argv of the culprit)."""
        if not self.all_commands and not cmd.no_auth and cmd.name not in self.allowed:
            allowed = self.firstargs.get(cmd.name)
            idx = 2 if cmd.parent is not None else 1
            if not allowed or len(argv) < 2 or len(argv) <= idx:
                return DENIED_CMD, 0
            first = argv[idx].lower()
            if not any(_raw(a).lower() == first for a in allowed):
                return DENIED_CMD, 0
        if not self.all_keys and cmd.has_keys:
            for pos, needed in keyspecs.key_access(cmd, argv):
                if not self.check_key(argv[pos], needed):
                    return DENIED_KEY, pos
        spec = CHANNEL_ARGS.get(cmd.name)
        if spec is not None and not self.all_channels:
            first, last, is_pattern = spec
            last = len(argv) - 1 if last < 0 else last
            for pos in range(first, min(last, len(argv) - 1) + 1):
                if not self.check_channel(argv[pos], is_pattern):
                    return DENIED_CHANNEL, pos
        return OK, 0

    # -- description (ACL LIST / GETUSER) ---------------------------------
    def describe_keys(self) -> str:
        if self.all_keys:
            return "~*"
        return " ".join(_pattern_text(p, f) for p, f in self.patterns)

    def describe_channels(self) -> str:
        if self.all_channels:
            return "&*"
        return " ".join("&" + c for c in self.channels)

    def describe_commands(self) -> str:
        """ACLDescribeSelectorCommandRules: start from +@all or -@all, add
        the categories that fit best, then single commands to make the
        bitmap exact. (Redis emits the single commands in its hash table's
        order, which changes from run to run; here they follow the table.)"""
        additive = not self.future
        rules = ["-@all" if additive else "+@all"]
        fake = Selector()
        fake.apply(rules[0])
        temp = Selector()
        temp.allowed = set(self.allowed)
        applied = set()
        commands = _all_commands()
        while True:
            best, mindiff, maxsame = None, 1 << 31, 0
            for cat in registry.CATEGORY_ORDER:
                if cat in applied:
                    continue
                on = off = 0
                for cmd in commands:
                    if cat in cmd.acl_categories:
                        if cmd.name in temp.allowed:
                            on += 1
                        else:
                            off += 1
                diff, same = (off, on) if additive else (on, off)
                if same > diff and (diff < mindiff or (diff == mindiff and same > maxsame)):
                    best, mindiff, maxsame = cat, diff, same
            if best is None:
                break
            fake.set_category(best, additive)
            temp.set_category(best, not additive)
            rules.append(("+@" if additive else "-@") + best)
            applied.add(best)
        for cmd in registry.TABLE.values():
            self._describe_single(cmd, fake, rules)
            for sub in cmd.subcommands.values():
                self._describe_single(sub, fake, rules)
        return " ".join(rules)

    def _describe_single(self, cmd, fake: "Selector", rules: list) -> None:
        mine = cmd.name in self.allowed
        if mine != (cmd.name in fake.allowed):
            rules.append(("+" if mine else "-") + cmd.name)
            fake.change_perm(cmd, mine)
        if not mine:
            for arg in self.firstargs.get(cmd.name, ()):
                rules.append(f"+{cmd.name}|{arg}")

    def describe(self) -> str:
        """ACLDescribeSelector: keys, channels, commands."""
        parts = []
        if self.all_keys:
            parts.append("~*")
        else:
            parts.extend(_pattern_text(p, f) for p, f in self.patterns)
        if self.all_channels:
            parts.append("&*")
        else:
            parts.append("resetchannels")
            parts.extend("&" + c for c in self.channels)
        parts.append(self.describe_commands())
        return " ".join(parts)


def _pattern_text(pattern: str, flags: int) -> str:
    prefix = {ALL_PERMS: "~", READ: "%R~", WRITE: "%W~"}[flags]
    return prefix + pattern


def _raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class User:
    """One ACL user (acl.c's user struct)."""

    def __init__(self, name: str):
        self.name = name
        self.enabled = False
        self.nopass = False
        self.sanitize_payload = False   # 7.0 prints it only once set
        self.skip_sanitize = False
        self.passwords: List[str] = []  # SHA-256 hex, in insertion order
        self.selectors: List[Selector] = [Selector()]
        #: Set by the emulated ElastiCache service for IAM users (see
        #: engine/security/iam.py); None for ordinary users.
        self.iam = None

    @property
    def root(self) -> Selector:
        return self.selectors[0]

    def copy(self) -> "User":
        u = User(self.name)
        u.enabled, u.nopass = self.enabled, self.nopass
        u.sanitize_payload, u.skip_sanitize = self.sanitize_payload, self.skip_sanitize
        u.passwords = list(self.passwords)
        u.selectors = [s.copy() for s in self.selectors]
        u.iam = self.iam
        return u

    def apply(self, op: str) -> None:
        """ACLSetUser: one rule (user flags, passwords, selectors, or a
        root-selector rule). Raises RuleError."""
        if not op:
            return
        low = op.lower()
        if low == "on":
            self.enabled = True
        elif low == "off":
            self.enabled = False
        elif low == "skip-sanitize-payload":
            self.skip_sanitize, self.sanitize_payload = True, False
        elif low == "sanitize-payload":
            self.skip_sanitize, self.sanitize_payload = False, True
        elif low == "nopass":
            self.nopass = True
            self.passwords = []
        elif low == "resetpass":
            self.nopass = False
            self.passwords = []
        elif op[0] in ">#":
            digest = hash_password(_raw(op[1:])) if op[0] == ">" else _checked_hash(op[1:])
            if digest not in self.passwords:
                self.passwords.append(digest)
            self.nopass = False
        elif op[0] in "<!":
            digest = hash_password(_raw(op[1:])) if op[0] == "<" else _checked_hash(op[1:])
            if digest not in self.passwords:
                raise RuleError(ERR_NO_SUCH_PASSWORD)
            self.passwords.remove(digest)
        elif op[0] == "(" and op[-1] == ")":
            selector = Selector()
            for rule in op[1:-1].split():
                selector.apply(rule)
            self.selectors.append(selector)
        elif low == "clearselectors":
            del self.selectors[1:]
        elif low == "reset":
            for rule in ("resetpass", "resetkeys", "resetchannels", "off",
                         "sanitize-payload", "clearselectors", "-@all"):
                self.apply(rule)
        else:
            self.root.apply(op)

    def check_password(self, password: bytes) -> bool:
        return self.nopass or hash_password(password) in self.passwords

    def check(self, cmd, argv) -> Tuple[int, int]:
        """ACLCheckAllUserCommandPerm → (result, argv index of the culprit):
        allowed if any selector allows; otherwise the most relevant failure."""
        relevant, last = DENIED_CMD, 0
        for selector in self.selectors:
            result, idx = selector.check_command(cmd, argv)
            if result == OK:
                return OK, 0
            if result > relevant or (result == relevant and idx > last):
                relevant, last = result, idx
        return relevant, last

    @property
    def unrestricted(self) -> bool:
        """Whether the root selector allows everything (the fast path)."""
        r = self.root
        return r.all_commands and r.all_keys and r.all_channels

    def flags(self) -> List[str]:
        out = ["on" if self.enabled else "off"]
        if self.nopass:
            out.append("nopass")
        if self.skip_sanitize:
            out.append("skip-sanitize-payload")
        if self.sanitize_payload:
            out.append("sanitize-payload")
        return out

    def describe(self) -> str:
        """ACLDescribeUser: what ACL LIST shows after ``user <name>``."""
        parts = self.flags() + ["#" + p for p in self.passwords]
        text = " ".join(parts + [self.root.describe()])
        for selector in self.selectors[1:]:
            text += " (" + selector.describe() + ")"
        return text


def _checked_hash(text: str) -> str:
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise RuleError(ERR_BAD_HASH)
    return text


def merge_selector_args(ops: List[str]) -> Tuple[Optional[List[str]], int]:
    """ACLMergeSelectorArguments: ``(~a`` ``+get)`` arrive as separate
    arguments; join them into one ``(~a +get)``. Returns (merged, -1) or
    (None, index of the unmatched opening argument)."""
    merged, current, start = [], None, -1
    for i, op in enumerate(ops):
        if op.startswith("(") and not op.endswith(")"):
            current, start = op, i
            continue
        if start != -1:
            current += " " + op
            if op.endswith(")"):
                merged.append(current)
                start = -1
            continue
        merged.append(op)
    if start != -1:
        return None, start
    return merged, -1


def new_default_user() -> User:
    """ACLCreateDefaultUser: ``on nopass ~* &* +@all``."""
    u = User("default")
    for rule in ("+@all", "~*", "&*", "on", "nopass"):
        u.apply(rule)
    return u
