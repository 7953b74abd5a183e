"""A node's access control: its ACL users, the ACL log, and the check that
Node.call runs before every command.

``requirepass`` is, since Redis 6, just the password of the ``default`` user:
setting it is ``ACL SETUSER default resetpass >password`` and clearing it is
``nopass``. The config value is watched lazily (each check compares it with
the value last applied), so ``CONFIG SET requirepass`` keeps working as it
always did.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from .acl import (DENIED_AUTH, DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, OK, User,
                  new_default_user)

#: Redis's acllog-max-len default.
LOG_MAX_LEN = 128
#: Log entries closer than this (ms) with the same reason/context/object/user merge.
LOG_GROUPING_MS = 60_000

NOPERM_CMD = "NOPERM this user has no permissions to run the '{}' command"
NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments"
NOPERM_CHANNEL = ("NOPERM this user has no permissions to access one of the channels used "
                  "as arguments")
#: Not a Redis reply (ElastiCache just closes the socket): the engine says why.
IAM_EXPIRED = ("ERR connection closed: IAM-authenticated connections last 12 hours; "
               "authenticate again with a fresh token (AUTH user token)")
DENIED_EXPIRED = -1
#: What EXEC answers for a queued command the rules no longer allow (7.0 text).
EXEC_NOPERM = ("NOPERM ACLs rules changed between the moment the transaction was accumulated "
               "and the EXEC call. This command is no longer allowed for the following "
               "reason: ")
EXEC_REASONS = {
    DENIED_CMD: "no permission to execute the command or subcommand",
    DENIED_KEY: "no permission to touch the specified keys",
    DENIED_CHANNEL: "no permission to access one of the channels used as arguments",
}
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."

# getAclErrorMessage: the wording a script gets for a refused redis.call.
SCRIPT_REASON = {
    DENIED_CMD: "can't run this command or subcommand",
    DENIED_KEY: "can't access at least one of the keys mentioned in the command arguments",
    DENIED_CHANNEL: "can't publish to the channel mentioned in the command",
}
_REASON_NAME = {DENIED_CMD: "command", DENIED_KEY: "key", DENIED_CHANNEL: "channel",
                DENIED_AUTH: "auth"}


class LogEntry:
    """One ACL LOG line: who was refused what, where and how often."""

    __slots__ = ("count", "reason", "context", "object", "username", "ctime_ms", "client_info")

    def __init__(self, reason, context, obj, username, ctime_ms, client_info):
        self.count = 1
        self.reason, self.context, self.object = reason, context, obj
        self.username, self.ctime_ms, self.client_info = username, ctime_ms, client_info

    def as_dict(self, now_ms: int) -> dict:
        """Plain data for labs (what ACL LOG shows)."""
        return {"count": self.count, "reason": _REASON_NAME.get(self.reason, "unknown"),
                "context": self.context, "object": self.object, "username": self.username,
                "age-seconds": (now_ms - self.ctime_ms) / 1000,
                "client-info": self.client_info}


class AccessControl:
    """The users of one node and the ACL log."""

    def __init__(self, node):
        self.node = node
        self.users: Dict[str, User] = {"default": new_default_user()}
        self.log: List[LogEntry] = []   # newest first, like Redis
        self._requirepass_seen = ""
        #: Every decision Node.call made (allowed or not) is counted here.
        self.denied = 0

    # -- the default user and requirepass ----------------------------------
    @property
    def default(self) -> User:
        return self.users["default"]

    def sync_requirepass(self) -> None:
        """Apply a changed ``requirepass`` to the default user."""
        value = self.node.config["requirepass"]
        if value == self._requirepass_seen:
            return
        self._requirepass_seen = value
        user = self.default
        user.apply("resetpass")
        user.apply(">" + value if value else "nopass")

    def auth_required(self) -> bool:
        """Whether a new connection starts unauthenticated (Redis's
        authRequired: the default user needs a password or is off)."""
        self.sync_requirepass()
        user = self.default
        return not user.nopass or not user.enabled

    # -- users -----------------------------------------------------------------
    def get(self, name: str) -> Optional[User]:
        return self.users.get(name)

    def sorted_users(self) -> List[User]:
        """Users in Redis's order (a radix tree: bytewise by name)."""
        return [self.users[n] for n in sorted(self.users, key=lambda n: n.encode(
            "utf-8", "surrogateescape"))]

    def authenticate(self, session, username: bytes, password: bytes,
                     command: bytes = b"AUTH") -> bool:
        """ACLAuthenticateUser: on success the session becomes ``username``;
        on failure an ``auth`` entry goes to the ACL log."""
        self.sync_requirepass()
        name = username.decode("utf-8", "surrogateescape")
        user = self.users.get(name)
        if user is not None and user.iam is not None:
            # IAM users have no password: a fresh signed token (iam.py).
            ok = user.enabled and user.iam.accepts(password, self.node.clock.now_ms())
        else:
            ok = user is not None and user.enabled and user.check_password(password)
        if ok:
            session.authenticated = True
            session.user = name
            if hasattr(session, "auth_ms"):
                session.auth_ms = self.node.clock.now_ms()
            return True
        context = "multi" if session.multi is not None else "toplevel"
        self.add_log(session, DENIED_AUTH, context,
                     command.decode("utf-8", "surrogateescape"), name)
        return False

    # -- the permission check ------------------------------------------------
    def check(self, session, cmd, argv, context: str = "toplevel"):
        """None if ``session``'s user may run ``argv``; otherwise the
        (result, culprit index) pair, after logging it."""
        user = self.users.get(session.user)
        if user is None:
            # A deleted user's connections are closed by ACL DELUSER; a
            # stray session without a user has no permissions at all.
            return DENIED_CMD, 0
        if (user.iam is not None and not cmd.no_auth
                and user.iam.expired(session, self.node.clock.now_ms())):
            # ElastiCache drops IAM connections 12 hours after their last AUTH.
            session.authenticated = False
            session.close_after_reply = True
            return DENIED_EXPIRED, 0
        if user.unrestricted and len(user.selectors) == 1:
            return None
        result, idx = user.check(cmd, argv)
        if result == OK:
            return None
        self.denied += 1
        self.add_log(session, result, context, self._object(result, cmd, argv, idx),
                     session.user)
        return result, idx

    def refusal(self, session, cmd, argv) -> Optional[str]:
        """The NOPERM text Node.call answers, or None when allowed."""
        user = self.users.get(session.user)
        if user is not None and user.iam is None and len(user.selectors) == 1:
            # The fast path, run before every command: a user whose one
            # selector allows every command, key and channel (the default
            # user of a node without ACLs) needs no further checks.
            root = user.selectors[0]
            if root.all_commands and root.all_keys and root.all_channels:
                return None
        context = "multi" if session.multi is not None else "toplevel"
        if not (session.user == "default" and self.default.unrestricted):
            # Redis records the command being tried before checking it, so
            # an ACL LOG entry's client-info says cmd=<the refused command>.
            session.last_command = cmd.name
        denied = self.check(session, cmd, argv, context)
        if denied is None:
            return None
        result = denied[0]
        if result == DENIED_EXPIRED:
            return IAM_EXPIRED
        if result == DENIED_KEY:
            return NOPERM_KEY
        if result == DENIED_CHANNEL:
            return NOPERM_CHANNEL
        return NOPERM_CMD.format(cmd.name)

    def exec_refusal(self, session, cmd, args) -> Optional[str]:
        """EXEC checks each queued command again, in case the rules changed
        while it waited in the queue; the refused command's slot in EXEC's
        reply holds this NOPERM text and the others still run (execCommand)."""
        if session.user == "default" and self.default.unrestricted:
            return None
        argv = [part.encode() for part in cmd.name.split("|")] + list(args)
        denied = self.check(session, cmd, argv, "multi")
        if denied is None:
            return None
        return EXEC_NOPERM + EXEC_REASONS.get(denied[0], "no permission")

    @staticmethod
    def _object(result, cmd, argv, idx) -> str:
        if result == DENIED_CMD:
            return cmd.name
        return argv[idx].decode("utf-8", "surrogateescape")

    # -- the ACL log ------------------------------------------------------------
    def add_log(self, session, reason, context, obj, username) -> None:
        """addACLLogEntry: a new entry, or a bumped count for a similar one
        among the 10 newest."""
        from ..commands.connection import describe
        now = self.node.clock.now_ms()
        caller = getattr(session, "script_caller", None) or session
        try:
            info = describe(caller).rstrip("\n")
        except Exception:   # a session without the full connection state
            info = f"id={caller.id} user={caller.user}"
        for entry in self.log[:10]:
            if (entry.reason == reason and entry.context == context
                    and abs(entry.ctime_ms - now) <= LOG_GROUPING_MS
                    and entry.object == obj and entry.username == username):
                self.log.remove(entry)
                self.log.insert(0, entry)
                entry.count += 1
                entry.ctime_ms = now
                entry.client_info = info
                return
        self.log.insert(0, LogEntry(reason, context, obj, username, now, info))
        del self.log[LOG_MAX_LEN:]

    def log_entries(self, count: int = 10) -> List[dict]:
        now = self.node.clock.now_ms()
        return [e.as_dict(now) for e in self.log[:count]]
