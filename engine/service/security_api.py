"""The ElastiCache API's RBAC users and user groups and AUTH tokens (issue #7).

:class:`SecurityAPI` is a mixin of :class:`~engine.service.elasticache.ElastiCache`:
its public methods are boto3-named API calls (decorated with ``@operation``),
and it extends the two hooks every mixin shares (``_check_group_params``,
``_after_create_group``).

What ElastiCache enforces (../shared/reference/elasticache-facts.md §7):

* **RBAC users** have an *access string* in Redis's ACL grammar, but no
  passwords inside it (passwords are a separate parameter, at most 2, each
  16–128 characters) and no ``reset``; an access string with neither ``on``
  nor ``off`` makes an ``off`` user. Users gather in **user groups**; a group
  must contain a user named ``default``; a replication group takes one user
  group and needs in-transit encryption.
* **AUTH tokens** are 16–128 printable characters, the only special ones
  being ``! & # $ ^ < > -``; they need in-transit encryption. Rotation with
  ``AuthTokenUpdateStrategy="ROTATE"`` keeps the old and the new token valid
  (at most two); ``"SET"`` then keeps only the new one.

The rules are turned into real ACL users on every engine node of the group,
so the refusal a client reads is the engine's own ``WRONGPASS`` / ``NOPERM``.
"""
from __future__ import annotations

from typing import Dict, List

from ..security.acl import RuleError, User, hash_password
from ..security.iam import IamAuth, IamSigner
from ..security.network import Client, Endpoint, Network, reach
from .errors import ERROR_CODES, Refusal, operation
from .hooks import ServiceHooks

# Fault codes of the ElastiCache service model used here (code -> HTTP status).
for _code, _status in (("UserNotFound", 404), ("UserAlreadyExists", 400),
                       ("UserGroupNotFound", 404), ("UserGroupAlreadyExists", 400),
                       ("DefaultUserRequired", 400), ("DuplicateUserName", 400),
                       ("InvalidUserState", 400), ("InvalidUserGroupState", 400),
                       ("CacheSubnetGroupNotFoundFault", 404),
                       ("CacheSubnetGroupAlreadyExists", 400),
                       ("InvalidSubnet", 400), ("InvalidVPCNetworkStateFault", 400)):
    ERROR_CODES.setdefault(_code, _status)

TOKEN_SPECIALS = set("!&#$^<>-")


_PASSWORD_RULES = (">", "<", "#", "!")


def check_auth_token(token) -> None:
    """ElastiCache's AUTH token rules; raise Refusal with the reason."""
    if not isinstance(token, str) or not 16 <= len(token) <= 128:
        raise Refusal("InvalidParameterValue",
                      "The AUTH token must be between 16 and 128 characters long.")
    bad = sorted({c for c in token if not (c.isascii() and c.isalnum()) and c not in TOKEN_SPECIALS})
    if bad:
        raise Refusal("InvalidParameterValue",
                      "Invalid AUTH token: only printable letters, digits and ! & # $ ^ < > - "
                      f"are allowed (found {' '.join(repr(c) for c in bad)}).")


def parse_access_string(text: str) -> User:
    """An ElastiCache access string → an engine ACL user (no name yet).
    Refuses passwords, ``nopass``/``resetpass`` and ``reset``."""
    if not isinstance(text, str) or not text.strip():
        raise Refusal("InvalidParameterValue", "Access string must not be empty.")
    user = User("?")
    for word in text.split():
        low = word.lower()
        if low == "reset":
            raise Refusal("InvalidParameterValue",
                          "Access string cannot contain the 'reset' rule.")
        if word.startswith(_PASSWORD_RULES) or low in ("nopass", "resetpass"):
            raise Refusal("InvalidParameterValue",
                          "Passwords are not allowed in the access string: use Passwords "
                          "or AuthenticationMode.")
        try:
            user.apply(word)
        except RuleError as e:
            raise Refusal("InvalidParameterValue",
                          f"Invalid access string rule '{word}': {e.reason}") from None
    return user


class _RbacUser:
    """One ElastiCache user resource."""

    def __init__(self, user_id, name, access, passwords, mode):
        self.id, self.name, self.access = user_id, name, access
        self.passwords: List[str] = list(passwords)
        self.mode = mode          # "password", "no-password-required" or "iam"
        self.groups: List[str] = []

    def acl_user(self, signer=None) -> User:
        """The engine ACL user this resource becomes on a node."""
        user = parse_access_string(self.access)
        user.name = self.name
        if self.mode == "iam" and signer is not None:
            user.iam = IamAuth(signer, self.id)
        if self.mode == "no-password-required":
            user.nopass = True
        for p in self.passwords:
            user.passwords.append(hash_password(p.encode()))
        return user

    def describe(self) -> dict:
        return {"UserId": self.id, "UserName": self.name, "Status": "active",
                "Engine": "redis", "AccessString": self.access,
                "UserGroupIds": list(self.groups),
                "Authentication": {"Type": self.mode,
                                   "PasswordCount": len(self.passwords)}}


def _check_passwords(passwords) -> list:
    passwords = list(passwords or [])
    if len(passwords) > 2:
        raise Refusal("InvalidParameterValue", "A user can have at most 2 passwords.")
    for p in passwords:
        if not isinstance(p, str) or not 16 <= len(p) <= 128:
            raise Refusal("InvalidParameterValue",
                          "Passwords must be between 16 and 128 characters long.")
    return passwords


class SecurityAPI(ServiceHooks):
    """RBAC users and user groups, AUTH tokens; enforced by the engine nodes."""

    # -- state --------------------------------------------------------------
    def _sec(self):
        if not hasattr(self, "_rbac_users"):
            self._rbac_users: Dict[str, _RbacUser] = {
                "default": _RbacUser("default", "default", "on ~* &* +@all", [],
                                     "no-password-required")}
            self._user_groups: Dict[str, dict] = {}
        return self._rbac_users, self._user_groups

    def _user(self, user_id) -> _RbacUser:
        users, _ = self._sec()
        if user_id not in users:
            raise Refusal("UserNotFound", f"User {user_id} not found.")
        return users[user_id]

    # -- users ----------------------------------------------------------------
    @operation("CreateUser")
    def create_user(self, *, UserId, UserName, Engine, AccessString, Passwords=None,
                    NoPasswordRequired=None, AuthenticationMode=None, Tags=None) -> dict:
        """Create an RBAC user: an access string plus passwords (or none, or IAM)."""
        users, _ = self._sec()
        if str(Engine).lower() not in ("redis", "valkey"):
            raise Refusal("InvalidParameterValue", "Engine must be redis or valkey.")
        if UserId in users:
            raise Refusal("UserAlreadyExists", f"User {UserId} already exists.")
        parse_access_string(AccessString)
        mode = "password"
        passwords = Passwords
        if AuthenticationMode is not None:
            mode = AuthenticationMode.get("Type", "password")
            passwords = AuthenticationMode.get("Passwords", passwords)
        elif NoPasswordRequired:
            mode = "no-password-required"
        if mode not in ("password", "no-password-required", "iam"):
            raise Refusal("InvalidParameterValue", f"Unknown authentication type {mode}.")
        passwords = _check_passwords(passwords)
        if mode == "password" and not passwords:
            raise Refusal("InvalidParameterValue",
                          "Passwords are required unless no password is required.")
        if mode != "password" and passwords:
            raise Refusal("InvalidParameterCombination",
                          f"Passwords are not allowed with authentication type {mode}.")
        if mode == "iam" and UserName != UserId:
            raise Refusal("InvalidParameterValue",
                          "For IAM authentication the user name must equal the user id.")
        user = _RbacUser(UserId, UserName, AccessString, passwords, mode)
        users[UserId] = user
        return user.describe()

    @operation("DescribeUsers")
    def describe_users(self, *, UserId=None, Engine=None, Filters=None, MaxRecords=None,
                       Marker=None) -> dict:
        users, _ = self._sec()
        if UserId is not None:
            return {"Users": [self._user(UserId).describe()]}
        return {"Users": [u.describe() for u in users.values()]}

    @operation("ModifyUser")
    def modify_user(self, *, UserId, AccessString=None, AppendAccessString=None,
                    Passwords=None, NoPasswordRequired=None, AuthenticationMode=None) -> dict:
        user = self._user(UserId)
        if UserId == "default":
            # The built-in default user cannot be changed: create another
            # user *named* default and put it in the group instead.
            raise Refusal("InvalidParameterValue",
                          "The built-in default user cannot be modified; create a new user "
                          "with UserName 'default' instead.")
        if AccessString is not None:
            parse_access_string(AccessString)
            user.access = AccessString
        if AppendAccessString is not None:
            parse_access_string(user.access + " " + AppendAccessString)
            user.access = user.access + " " + AppendAccessString
        if Passwords is not None:
            user.passwords = _check_passwords(Passwords)
            user.mode = "password"
        if NoPasswordRequired:
            user.passwords, user.mode = [], "no-password-required"
        self._reapply_users()
        return user.describe()

    @operation("DeleteUser")
    def delete_user(self, *, UserId) -> dict:
        users, _ = self._sec()
        user = self._user(UserId)
        if UserId == "default":
            raise Refusal("InvalidParameterValue", "The default user cannot be deleted.")
        if user.groups:
            raise Refusal("InvalidUserState",
                          f"User {UserId} belongs to user group(s) {', '.join(user.groups)}.")
        del users[UserId]
        return user.describe()

    # -- user groups ----------------------------------------------------------
    @operation("CreateUserGroup")
    def create_user_group(self, *, UserGroupId, Engine, UserIds=None, Tags=None) -> dict:
        _, groups = self._sec()
        if UserGroupId in groups:
            raise Refusal("UserGroupAlreadyExists", f"User group {UserGroupId} already exists.")
        members = [self._user(u) for u in (UserIds or [])]
        self._check_members(members)
        groups[UserGroupId] = {"UserGroupId": UserGroupId, "Status": "active",
                               "Engine": str(Engine).lower(), "UserIds": [m.id for m in members],
                               "ReplicationGroups": []}
        for m in members:
            m.groups.append(UserGroupId)
        return dict(groups[UserGroupId])

    @staticmethod
    def _check_members(members) -> None:
        names = [m.name for m in members]
        if "default" not in names:
            raise Refusal("DefaultUserRequired",
                          "A user group must contain a user named 'default'.")
        if len(set(names)) != len(names):
            raise Refusal("DuplicateUserName", "Two users of the group have the same name.")

    def _user_group(self, group_id) -> dict:
        _, groups = self._sec()
        if group_id not in groups:
            raise Refusal("UserGroupNotFound", f"User group {group_id} not found.")
        return groups[group_id]

    @operation("DescribeUserGroups")
    def describe_user_groups(self, *, UserGroupId=None, MaxRecords=None, Marker=None) -> dict:
        _, groups = self._sec()
        chosen = [self._user_group(UserGroupId)] if UserGroupId else list(groups.values())
        return {"UserGroups": [dict(g) for g in chosen]}

    @operation("ModifyUserGroup")
    def modify_user_group(self, *, UserGroupId, UserIdsToAdd=None, UserIdsToRemove=None) -> dict:
        group = self._user_group(UserGroupId)
        ids = [u for u in group["UserIds"] if u not in (UserIdsToRemove or [])]
        ids += [u for u in (UserIdsToAdd or []) if u not in ids]
        members = [self._user(u) for u in ids]
        self._check_members(members)
        for u in group["UserIds"]:
            self._user(u).groups.remove(UserGroupId)
        group["UserIds"] = ids
        for m in members:
            m.groups.append(UserGroupId)
        self._reapply_users()
        return dict(group)

    @operation("DeleteUserGroup")
    def delete_user_group(self, *, UserGroupId) -> dict:
        _, groups = self._sec()
        group = self._user_group(UserGroupId)
        if group["ReplicationGroups"]:
            raise Refusal("InvalidUserGroupState",
                          f"User group {UserGroupId} is attached to "
                          f"{', '.join(group['ReplicationGroups'])}.")
        for u in group["UserIds"]:
            self._user(u).groups.remove(UserGroupId)
        del groups[UserGroupId]
        return dict(group)

    # -- replication groups: validation and enforcement ---------------------
    def _check_group_params(self, params: dict) -> None:
        super()._check_group_params(params)
        tls = bool(params.get("TransitEncryptionEnabled"))
        token = params.get("AuthToken")
        user_groups = params.get("UserGroupIds") or []
        if token is not None and user_groups:
            raise Refusal("InvalidParameterCombination",
                          "AuthToken and UserGroupIds cannot be used together.")
        if token is not None:
            check_auth_token(token)
            if not tls:
                raise Refusal("InvalidParameterValue",
                              "The AUTH token requires TransitEncryptionEnabled=True.")
        self._placement(params)     # unknown subnet group / security group: refuse now
        if params.get("KmsKeyId") and not params.get("AtRestEncryptionEnabled"):
            raise Refusal("InvalidParameterCombination",
                          "KmsKeyId requires AtRestEncryptionEnabled=True.")
        if user_groups:
            if len(user_groups) > 1:
                raise Refusal("InvalidParameterValue",
                              "A replication group takes one user group.")
            self._user_group(user_groups[0])
            if not tls:
                raise Refusal("InvalidParameterCombination",
                              "User groups require TransitEncryptionEnabled=True.")

    def _after_create_group(self, group, params: dict) -> None:
        super()._after_create_group(group, params)
        group.security = {"tls": bool(params.get("TransitEncryptionEnabled")),
                          "tokens": [], "user_group": None,
                          "at_rest": bool(params.get("AtRestEncryptionEnabled")),
                          "kms_key": params.get("KmsKeyId") or (
                              "alias/aws/elasticache" if params.get("AtRestEncryptionEnabled")
                              else None)}
        group.security.update(self._placement(params))
        if params.get("AuthToken") is not None:
            group.security["tokens"] = [params["AuthToken"]]
        if params.get("UserGroupIds"):
            gid = params["UserGroupIds"][0]
            group.security["user_group"] = gid
            self._user_group(gid)["ReplicationGroups"].append(group.name)
        self._apply_security(group)

    def _group_nodes(self, group):
        for shard in group.cluster.shards:
            yield from shard.nodes

    def _apply_security(self, group) -> None:
        """Write the group's AUTH tokens or RBAC users into every node's ACL."""
        sec = getattr(group, "security", None)
        if sec is None:
            return
        for node in self._group_nodes(group):
            control = node.acl
            control.sync_requirepass()
            if sec["user_group"] is not None:
                members = [self._user(u) for u in self._user_group(sec["user_group"])["UserIds"]]
                control.users = {m.name: m.acl_user(self._iam_signer()) for m in members}
            else:
                default = User("default")
                for rule in ("on", "~*", "&*", "+@all"):
                    default.apply(rule)
                if sec["tokens"]:
                    for token in sec["tokens"]:
                        default.apply(">" + token)
                else:
                    default.apply("nopass")
                control.users = {"default": default}
            for session in list(node.sessions.values()):
                # Sessions of users that no longer exist lose their rights.
                if session.user not in control.users:
                    session.authenticated = False

    def _reapply_users(self) -> None:
        for group in getattr(self, "_groups", {}).values():
            if getattr(group, "security", None) and group.security["user_group"]:
                self._apply_security(group)

    @operation("ModifyReplicationGroup")
    def modify_replication_group(self, *, ReplicationGroupId, AuthToken=None,
                                 AuthTokenUpdateStrategy=None, UserGroupIdsToAdd=None,
                                 UserGroupIdsToRemove=None, ApplyImmediately=False,
                                 **params) -> dict:
        """AUTH token rotation (ROTATE keeps old + new, SET keeps the new one,
        DELETE removes AUTH) and user-group changes; anything else goes on to
        the next ModifyReplicationGroup implementation (vertical scaling)."""
        if AuthToken is None and AuthTokenUpdateStrategy is None and not (
                UserGroupIdsToAdd or UserGroupIdsToRemove):
            return super().modify_replication_group(
                ReplicationGroupId=ReplicationGroupId, ApplyImmediately=ApplyImmediately,
                **params)
        group = self._group(ReplicationGroupId)
        sec = group.security
        if AuthToken is not None or AuthTokenUpdateStrategy is not None:
            strategy = (AuthTokenUpdateStrategy or "ROTATE").upper()
            if not sec["tls"]:
                raise Refusal("InvalidParameterValue",
                              "The AUTH token requires in-transit encryption.")
            if sec["user_group"] is not None:
                raise Refusal("InvalidParameterCombination",
                              "This replication group uses RBAC user groups.")
            if strategy == "DELETE":
                sec["tokens"] = []
            else:
                check_auth_token(AuthToken)
                if strategy == "ROTATE":
                    sec["tokens"] = [t for t in sec["tokens"] if t != AuthToken][-1:] + [AuthToken]
                elif strategy == "SET":
                    if sec["tokens"] and sec["tokens"][-1] != AuthToken and len(sec["tokens"]) > 1:
                        raise Refusal("InvalidParameterValue",
                                      "SET must name the token given with the last ROTATE.")
                    sec["tokens"] = [AuthToken]
                else:
                    raise Refusal("InvalidParameterValue",
                                  "AuthTokenUpdateStrategy must be ROTATE, SET or DELETE.")
        for gid in UserGroupIdsToRemove or []:
            if sec["user_group"] == gid:
                sec["user_group"] = None
                self._user_group(gid)["ReplicationGroups"].remove(group.name)
        for gid in UserGroupIdsToAdd or []:
            ug = self._user_group(gid)
            if not sec["tls"]:
                raise Refusal("InvalidParameterCombination",
                              "User groups require in-transit encryption.")
            sec["user_group"] = gid
            sec["tokens"] = []
            ug["ReplicationGroups"].append(group.name)
        # What DescribeReplicationGroups reports (AuthTokenEnabled) follows.
        group.extra["AuthToken"] = sec["tokens"][-1] if sec["tokens"] else None
        self._apply_security(group)
        return {"ReplicationGroup": group.describe()}

    def auth_tokens(self, ReplicationGroupId) -> List[str]:
        """The tokens a group accepts now (for labs; not an AWS API)."""
        return list(self._group(ReplicationGroupId).security["tokens"])

    # -- network isolation ------------------------------------------------------
    @property
    def network(self) -> Network:
        """The account's VPCs, subnets and security groups (EC2's side)."""
        if not hasattr(self, "_network"):
            self._network = Network()
            self._subnet_groups = {}
        return self._network

    @operation("CreateCacheSubnetGroup")
    def create_cache_subnet_group(self, *, CacheSubnetGroupName, CacheSubnetGroupDescription,
                                  SubnetIds, Tags=None) -> dict:
        """A named set of subnets (of one VPC) to place nodes in."""
        net = self.network
        if CacheSubnetGroupName in self._subnet_groups:
            raise Refusal("CacheSubnetGroupAlreadyExists",
                          f"Cache subnet group {CacheSubnetGroupName} already exists.")
        subnets = []
        for sid in SubnetIds:
            if sid not in net.subnets:
                raise Refusal("InvalidSubnet", f"Subnet {sid} does not exist.")
            subnets.append(net.subnets[sid])
        if len({sn.vpc_id for sn in subnets}) != 1:
            raise Refusal("InvalidSubnet", "All subnets of a cache subnet group must be in one VPC.")
        self._subnet_groups[CacheSubnetGroupName] = subnets
        return {"CacheSubnetGroupName": CacheSubnetGroupName, "VpcId": subnets[0].vpc_id,
                "Subnets": [{"SubnetIdentifier": sn.id,
                             "SubnetAvailabilityZone": {"Name": sn.az}} for sn in subnets]}

    def _placement(self, params: dict) -> dict:
        """Subnets and security groups for a new group (defaults: one default
        VPC, subnet and security group, like a fresh account)."""
        net = self.network
        name = params.get("CacheSubnetGroupName")
        if name is not None:
            if name not in self._subnet_groups:
                raise Refusal("CacheSubnetGroupNotFoundFault", f"Cache subnet group {name} not found.")
            subnets = self._subnet_groups[name]
        else:
            if "default" not in self._subnet_groups:
                vpc = net.create_vpc("172.31.0.0/16")
                sub = net.create_subnet(vpc, "172.31.0.0/20", "us-east-1a")
                sg = net.create_security_group(vpc, "default")
                sg.authorize(0, source_group=sg.id, to_port=65535)   # AWS's default SG rule
                self._subnet_groups["default"] = [sub]
                self._default_sg = sg.id
            subnets = self._subnet_groups["default"]
        vpc_id = subnets[0].vpc_id
        sgs = list(params.get("SecurityGroupIds") or [])
        for sg in sgs:
            if sg not in net.groups:
                raise Refusal("InvalidParameterValue", f"Security group {sg} does not exist.")
            if net.groups[sg].vpc_id != vpc_id:
                raise Refusal("InvalidVPCNetworkStateFault",
                              f"Security group {sg} is not in {vpc_id}.")
        if not sgs:
            default = [g.id for g in net.groups.values() if g.vpc_id == vpc_id and g.name == "default"]
            sgs = default[:1]
        return {"subnets": subnets, "vpc": vpc_id, "sgs": sgs}

    def endpoints(self, ReplicationGroupId) -> list:
        """Each node's private address, port, VPC and security groups."""
        group = self._group(ReplicationGroupId)
        sec = group.security
        out = []
        for i, node in enumerate(self._group_nodes(group)):
            subnet = sec["subnets"][i % len(sec["subnets"])]
            out.append(Endpoint(subnet.host(10 + i), group.port, sec["vpc"], sec["sgs"], subnet.id))
        return out

    def can_reach(self, ReplicationGroupId, client: Client):
        """The network verdict for ``client`` → the group's primary endpoint."""
        return reach(self.network, client, self.endpoints(ReplicationGroupId)[0])

    def connect(self, ReplicationGroupId, client: Client, *, tls: bool = False,
                username: str = None, password: str = None) -> "SecureConnection":
        """Open a connection as a client placed at ``client`` would: the
        network first, then TLS, then AUTH. Raises ConnectionRefused with
        the exact reason (not an AWS API: what a socket would tell you)."""
        group = self._group(ReplicationGroupId)
        verdict = self.can_reach(ReplicationGroupId, client)
        if not verdict:
            raise ConnectionRefused(f"connection timed out: {verdict.reason}")
        if group.security["tls"] and not tls:
            raise ConnectionRefused("connection reset: in-transit encryption is enabled, the "
                                    "node only speaks TLS (use rediss:// or redis-cli --tls)")
        if tls and not group.security["tls"]:
            raise ConnectionRefused("TLS handshake failed: this cluster does not use "
                                    "in-transit encryption (use redis://)")
        node = group.cluster.primaries[0]
        conn = SecureConnection(node, node.open_session(addr=f"{client.ip}:50000", kind="tcp"))
        if password is not None:
            reply = conn.execute("AUTH", *([username] if username else []), password)
            if isinstance(reply, Exception):
                conn.close()
                raise ConnectionRefused(str(reply))
        return conn

    # -- IAM authentication -----------------------------------------------------
    def _iam_signer(self) -> IamSigner:
        if not hasattr(self, "_signer"):
            self._signer = IamSigner(("iam-" + str(self.rng.random())).encode())
        return self._signer

    def iam_auth_token(self, *, ReplicationGroupId, UserId) -> str:
        """A 15-minute token for an IAM user (what the AWS SDK's SigV4 presigner
        builds for ``elasticache:Connect``); use it as the AUTH password."""
        user = self._user(UserId)
        if user.mode != "iam":
            raise ValueError(f"user {UserId} does not use IAM authentication")
        self._group(ReplicationGroupId)
        return self._iam_signer().token(ReplicationGroupId, UserId, self.clock.now_ms())


class ConnectionRefused(ConnectionError):
    """What a client sees when the network, TLS or AUTH stops it."""


class SecureConnection:
    """A client connection opened through :meth:`SecurityAPI.connect`."""

    def __init__(self, node, session):
        self.node, self.session = node, session

    def execute(self, *args):
        """Run one command; returns the reply (an error reply is returned,
        not raised, so labs can print the exact refusal)."""
        if self.session.closed:
            raise ConnectionRefused("connection closed")
        reply = self.node.execute(self.session, [a if isinstance(a, bytes) else str(a).encode()
                                                 for a in args])
        if self.session.close_after_reply:
            self.close()
        return reply

    def close(self) -> None:
        if not self.session.closed:
            self.node.close_session(self.session)
