"""The ElastiCache API's failover, snapshots and backups, Global Datastore (issue #6).

:class:`ResilienceAPI` is a mixin of :class:`~engine.service.elasticache.ElastiCache`:
its public methods are boto3-named API calls, and it extends the two hooks
every mixin shares (calling ``super()`` first):

``_check_group_params(self, params)``
    validate CreateReplicationGroup parameters (raise Refusal) before anything is built;
``_after_create_group(self, group, params)``
    attach state to a newly created ReplicationGroup: its
    :class:`~engine.cluster.failover.Resilience` (``group.resilience``) and,
    with ``SnapshotRetentionLimit`` > 0, its daily automatic backups.

What it adds (facts: ../shared/reference/elasticache-facts.md §2, §3, §6):

* ``test_failover(ReplicationGroupId, NodeGroupId)`` — the shard's primary
  fails for real and automatic failover follows; at most 15 shards per
  rolling 24 h, one at a time per group, only with automatic failover;
* ``create_snapshot`` / ``describe_snapshots`` / ``delete_snapshot`` —
  backups written for real (engine/cluster/durability.py's snapshot files, in
  a temp directory), taken from a replica when the shard has one (what the
  FAQ recommends); automatic backups once a day, kept
  ``SnapshotRetentionLimit`` days and deleted with the group; manual ones
  never expire;
* restoring a backup: ``create_replication_group(SnapshotName=…)`` as in
  boto3 (validated and restored by the hooks below), or the emulator extra
  ``restore_replication_group_from_snapshot`` — a *new* group, the shard count
  may differ, cluster mode enabled → disabled is refused;
* ``create_global_replication_group`` / ``describe_global_replication_groups``
  / ``failover_global_replication_group`` and the emulator extra
  ``join_global_replication_group`` (a group of another ElastiCache — another
  Region — on the same clock becomes a read-only secondary).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime, timezone
from typing import Dict, List

from .errors import ERROR_CODES, ClientError, Refusal, operation
from .hooks import ServiceHooks

# Error codes of the ElastiCache service model these calls answer with
# (registered here so engine/service/errors.py needs no edit from this area).
for _code, _status in (("TestFailoverNotAvailableFault", 400),
                       ("APICallRateForCustomerExceeded", 400),
                       ("SnapshotAlreadyExistsFault", 400), ("SnapshotNotFoundFault", 404),
                       ("SnapshotFeatureNotSupportedFault", 400),
                       ("InvalidSnapshotState", 400),
                       ("GlobalReplicationGroupAlreadyExistsFault", 400),
                       ("GlobalReplicationGroupNotFoundFault", 404),
                       ("InvalidGlobalReplicationGroupState", 400)):
    ERROR_CODES.setdefault(_code, _status)

#: TestFailover: up to 15 shards per rolling 24 hours (fact sheet §2).
TEST_FAILOVER_PER_DAY = 15
#: Automatic backups are kept 0–35 days (fact sheet §6).
MAX_RETENTION_DAYS = 35
DAY_MS = 24 * 3600 * 1000
#: Modelled: how long a backup shows "creating" (not an AWS figure).
SNAPSHOT_SECONDS = 60




def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


class _Backup:
    """One snapshot: one RDB-like file per shard."""

    def __init__(self, name, group, source, files, clock, at_ms=None):
        self.name = name
        self.group_name = group.name
        self.group = group
        self.source = source                 # "manual" or "automated"
        self.files = files                   # [(NodeGroupId, CacheClusterId, path, keys)]
        self.created_ms = clock.now_ms() if at_ms is None else at_ms
        self.ready_ms = self.created_ms + SNAPSHOT_SECONDS * 1000
        self.clock = clock
        self.cluster_enabled = group.cluster_enabled
        self.node_type, self.engine = group.node_type, group.engine
        self.engine_version = group.engine_version
        #: The KMS key the files are envelope-encrypted with (None: plaintext).
        self.kms_key = None

    @property
    def status(self) -> str:
        return "available" if self.clock.now_ms() >= self.ready_ms else "creating"

    def describe(self, namer) -> dict:
        return {
            "SnapshotName": self.name, "ReplicationGroupId": self.group_name,
            "SnapshotStatus": self.status, "SnapshotSource": self.source,
            "CacheNodeType": self.node_type, "Engine": self.engine,
            "EngineVersion": self.engine_version, "NumNodeGroups": len(self.files),
            "NodeSnapshots": [{"NodeGroupId": gid, "CacheClusterId": cid,
                               "CacheSize": f"{os.path.getsize(path) / 2**20:.3f} MB",
                               "SnapshotCreateTime": _dt(self.created_ms)}
                              for gid, cid, path, _ in self.files],
            "ARN": namer.arn("snapshot", self.name),
            **({"KmsKeyId": self.kms_key} if self.kms_key else {}),
        }


class ResilienceAPI(ServiceHooks):
    """Failover, backups and Global Datastore (mixed into ElastiCache)."""

    # -- hooks ------------------------------------------------------------------------
    def _check_group_params(self, params: dict) -> None:
        super()._check_group_params(params)
        retention = params.get("SnapshotRetentionLimit")
        if retention is not None and (isinstance(retention, bool) or not isinstance(retention, int)
                                      or not 0 <= retention <= MAX_RETENTION_DAYS):
            raise Refusal("InvalidParameterValue",
                          f"SnapshotRetentionLimit must be 0..{MAX_RETENTION_DAYS} days, "
                          f"got {retention!r}.")
        name = params.get("SnapshotName")
        if name is not None:
            # create_replication_group(SnapshotName=…): check it before anything
            # is built; the data is restored in _after_create_group.
            self._visible_backups()
            backup = self._backups().get(name)
            if backup is None:
                raise Refusal("SnapshotNotFoundFault", f"Snapshot {name} not found.")
            enabled = (str(params.get("ClusterMode") or "").lower() in ("enabled", "compatible")
                       or (params.get("NumNodeGroups") or 1) > 1)
            if backup.cluster_enabled and not enabled:
                raise Refusal("InvalidParameterCombination",
                              "A backup of a cluster mode enabled group cannot be restored into "
                              "a cluster mode disabled one (fact sheet §6).")
            if backup.kms_key is not None:
                # An encrypted backup opens only with the key that wrapped its
                # data key: try it on the first file before building anything.
                from ..security import at_rest
                key = params.get("KmsKeyId") or backup.kms_key
                with open(backup.files[0][2], "rb") as f:
                    try:
                        at_rest.decrypt_blob(f.read(), key)
                    except at_rest.WrongKey as exc:
                        raise Refusal("InvalidParameterCombination",
                                      f"Snapshot {name} cannot be restored: {exc}.") from None

    def _after_create_group(self, group, params: dict) -> None:
        super()._after_create_group(group, params)
        from ..cluster.failover import Resilience
        group.resilience = Resilience(group.cluster, multi_az=group.multi_az)
        if not group.automatic_failover:
            # Without automatic failover a lost primary is replaced, never
            # promoted (fact sheet §2: Multi-AZ off).
            group.resilience.multi_az = False
        retention = int(params.get("SnapshotRetentionLimit") or 0)
        if retention:
            self._schedule_automatic_backups(group, retention)
        if params.get("SnapshotName") is not None:
            self._load_backup(group, self._backups()[params["SnapshotName"]])

    # -- failover ------------------------------------------------------------------------------
    @operation("TestFailover")
    def test_failover(self, *, ReplicationGroupId, NodeGroupId) -> dict:
        """Fail the primary of shard ``NodeGroupId`` for real; automatic
        failover (detection, promotion, endpoint switch, replacement) follows
        on the virtual clock — see ``failover_timeline``."""
        group = self._group(ReplicationGroupId)
        group.require_available("TestFailover")
        if not group.automatic_failover:
            raise Refusal("TestFailoverNotAvailableFault",
                          f"TestFailover needs automatic failover; {group.name} has it disabled.")
        ids = [s.id for s in group.shards]
        if str(NodeGroupId) not in ids:
            raise Refusal("NodeGroupNotFoundFault",
                          f"Node group {NodeGroupId} is not in {group.name} (it has {ids}).")
        res = group.resilience
        started = [i for i, e in enumerate(res.timeline) if e["event"] == "test failover"]
        if started and not any(e["event"] == "writes resumed"
                               for e in res.timeline[started[-1]:]):
            raise Refusal("InvalidReplicationGroupState",
                          "A test failover is already in progress in this replication "
                          "group: test shards one at a time (fact sheet §2).")
        try:
            res.test_failover(NodeGroupId)
        except RuntimeError as exc:
            code = ("APICallRateForCustomerExceeded" if "24 hours" in str(exc)
                    else "TestFailoverNotAvailableFault")
            raise Refusal(code, str(exc)) from None
        return {"ReplicationGroup": group.describe()}

    def failover_timeline(self, ReplicationGroupId: str) -> List[dict]:
        """Emulator extra: the group's failure and failover events (plain dicts)."""
        return list(self._group_or_raise(ReplicationGroupId).resilience.timeline)

    # -- backups -----------------------------------------------------------------------------
    def _backups(self) -> Dict[str, _Backup]:
        return self.__dict__.setdefault("_snapshots", {})

    def _backup_dir(self) -> str:
        d = self.__dict__.get("_snapshot_dir")
        if d is None:
            d = self.__dict__["_snapshot_dir"] = tempfile.mkdtemp(prefix="elasticache-lab-backups-")
        return d

    def _take_backup(self, group, name: str, source: str, at_ms=None) -> _Backup:
        from ..cluster.durability import Snapshot
        from ..security import at_rest
        security = getattr(group, "security", None) or {}
        kms_key = security.get("kms_key") if security.get("at_rest") else None
        files = []
        for shard in group.shards:
            # From a replica when there is one (the FAQ's advice): the
            # primary keeps serving without the snapshot's work.
            node = shard.replicas[0] if shard.replicas else shard.primary
            path = os.path.join(self._backup_dir(), f"{name}-{shard.id}.rdb")
            info = Snapshot.save(node, path)
            if kms_key is not None:
                # Encryption at rest: the file on disk is an envelope (a fresh
                # data key, wrapped by the group's KMS key) — never plaintext.
                at_rest.encrypt_file(path, kms_key)
            files.append((shard.id, group.member_id(shard, node), path, info["keys"]))
        backup = _Backup(name, group, source, files, self.clock, at_ms)
        backup.kms_key = kms_key
        self._backups()[name] = backup
        return backup

    @operation("CreateSnapshot")
    def create_snapshot(self, *, SnapshotName, ReplicationGroupId=None, CacheClusterId=None,
                        KmsKeyId=None, Tags=None) -> dict:
        """A manual backup of a whole group (never expires)."""
        if CacheClusterId is not None and ReplicationGroupId is None:
            if self.__dict__.get("_caches", {}).get(str(CacheClusterId).lower()) is not None:
                raise Refusal("SnapshotFeatureNotSupportedFault",
                              "Memcached clusters have no backups (fact sheet §6).")
            raise Refusal("InvalidParameterValue",
                          "Give ReplicationGroupId (node-level snapshots are not emulated).")
        group = self._group(ReplicationGroupId)
        group.require_available("a snapshot")
        name = str(SnapshotName)
        if not name or name in self._backups():
            raise Refusal("SnapshotAlreadyExistsFault", f"Snapshot {name} already exists.")
        backup = self._take_backup(group, name, "manual")
        return {"Snapshot": backup.describe(self.namer)}

    def _visible_backups(self) -> List[_Backup]:
        self._purge()
        out = []
        for name, b in list(self._backups().items()):
            if b.source == "automated" and self._groups.get(b.group_name) is not b.group:
                del self._backups()[name]        # automatic backups go with their group
                continue
            out.append(b)
        return out

    @operation("DescribeSnapshots")
    def describe_snapshots(self, *, ReplicationGroupId=None, SnapshotName=None,
                           SnapshotSource=None, MaxRecords=None, Marker=None) -> dict:
        out = []
        for b in self._visible_backups():
            if ReplicationGroupId is not None and b.group_name != str(ReplicationGroupId).lower():
                continue
            if SnapshotName is not None and b.name != SnapshotName:
                continue
            if SnapshotSource is not None and b.source != SnapshotSource:
                continue
            out.append(b.describe(self.namer))
        if SnapshotName is not None and not out:
            raise Refusal("SnapshotNotFoundFault", f"Snapshot {SnapshotName} not found.")
        return {"Snapshots": out}

    @operation("DeleteSnapshot")
    def delete_snapshot(self, *, SnapshotName) -> dict:
        self._visible_backups()
        b = self._backups().get(SnapshotName)
        if b is None:
            raise Refusal("SnapshotNotFoundFault", f"Snapshot {SnapshotName} not found.")
        if b.status != "available":
            raise Refusal("InvalidSnapshotState",
                          f"Snapshot {SnapshotName} is {b.status}: wait until it is available.")
        described = b.describe(self.namer)
        for _, _, path, _ in b.files:
            if os.path.exists(path):
                os.remove(path)
        del self._backups()[SnapshotName]
        described["SnapshotStatus"] = "deleting"
        return {"Snapshot": described}

    def _schedule_automatic_backups(self, group, retention_days: int) -> None:
        """One automatic backup a day; the ones older than the retention go."""
        state = {"next": self.clock.now_ms() + DAY_MS, "n": 0}

        def tick(old_ms, new_ms):
            if group.gone:
                self.clock.remove_ticker(tick)
                return
            while new_ms >= state["next"]:
                state["n"] += 1
                stamp = _dt(state["next"]).strftime("%Y-%m-%d-%H-%M")
                self._take_backup(group, f"automatic.{group.name}-{stamp}", "automated",
                                  state["next"])
                state["next"] += DAY_MS
            for name, b in list(self._backups().items()):
                if (b.group is group and b.source == "automated"
                        and new_ms - b.created_ms > retention_days * DAY_MS):
                    for _, _, path, _ in b.files:
                        if os.path.exists(path):
                            os.remove(path)
                    del self._backups()[name]
        self.clock.on_advance(tick)

    def restore_replication_group_from_snapshot(self, *, SnapshotName, ReplicationGroupId,
                                                **create_params) -> dict:
        """Emulator extra: ``create_replication_group(**create_params)`` and
        load the backup's keys into the new group — each key into the shard
        that owns its slot, so the shard count may differ (fact sheet §6)."""
        self._visible_backups()
        b = self._backups().get(SnapshotName)
        if b is None:
            raise ClientError("SnapshotNotFoundFault", f"Snapshot {SnapshotName} not found.",
                              "CreateReplicationGroup")
        create_params.setdefault("ReplicationGroupDescription", f"restored from {SnapshotName}")
        created = self.create_replication_group(ReplicationGroupId=ReplicationGroupId,
                                                **create_params)
        group = self._group_or_raise(ReplicationGroupId)
        if b.cluster_enabled and not group.cluster_enabled:
            self._groups.pop(group.name, None)
            raise ClientError("InvalidParameterCombination",
                              "A backup of a cluster mode enabled group cannot be restored into "
                              "a cluster mode disabled one (fact sheet §6).",
                              "CreateReplicationGroup")
        self._load_backup(group, b)
        return created

    def _load_backup(self, group, b: _Backup) -> None:
        """Every key of backup ``b`` into the shard of ``group`` owning its slot."""
        from ..cluster.durability import _read_records
        from ..node.keyspace import Entry
        cluster = group.cluster
        for _, _, path, _ in b.files:
            plain = None
            if b.kms_key is not None:     # the key was checked in _check_group_params
                from ..security import at_rest
                plain = path + ".restore"
                at_rest.decrypt_file(path, b.kms_key, plain)
            try:
                for db_index, _kind, key, type_, encoding, value, expire in _read_records(
                        plain or path):
                    shard = cluster.key_owner(key) if cluster.cluster_mode else cluster.shards[0]
                    db = shard.primary.dbs[db_index]
                    e = Entry(value, type_, encoding)
                    db.store(key, e)
                    if expire is not None:
                        db.set_expire(key, e, expire)
                    shard.link.sync_key(db_index, key)
            finally:
                if plain is not None:
                    os.remove(plain)   # the decrypted copy never stays on disk

    # -- Global Datastore ----------------------------------------------------------------------
    def _globals(self) -> dict:
        return self.__dict__.setdefault("_global_groups", {})

    @operation("CreateGlobalReplicationGroup")
    def create_global_replication_group(self, *, GlobalReplicationGroupIdSuffix,
                                        PrimaryReplicationGroupId,
                                        GlobalReplicationGroupDescription="",
                                        lag_ms: int = 500) -> dict:
        """Make a group the primary of a Global Datastore. ``lag_ms`` (emulator
        extra) is the cross-Region link's latency (typically < 1 s, §3)."""
        from ..cluster.global_datastore import GlobalDatastore
        group = self._group(PrimaryReplicationGroupId)
        group.require_available("a Global Datastore")
        # AWS prefixes the suffix with a Region-derived code; the emulator's
        # is five letters from a hash of the Region's name (not AWS's value).
        digest = hashlib.sha1(self.namer.region.encode()).digest()
        prefix = "".join(chr(ord("a") + b % 26) for b in digest[:5])
        gid = f"{prefix}-{GlobalReplicationGroupIdSuffix}"
        if gid in self._globals():
            raise Refusal("GlobalReplicationGroupAlreadyExistsFault",
                          f"Global replication group {gid} already exists.")
        gds = GlobalDatastore(group.cluster, lag_ms=lag_ms, name=gid)
        gds.members = {group.cluster: (self, group)}
        self._globals()[gid] = gds
        return {"GlobalReplicationGroup": self._describe_global(gds)}

    def join_global_replication_group(self, *, GlobalReplicationGroupId, SecondaryService,
                                      ReplicationGroupId) -> dict:
        """Emulator extra (boto3: create_replication_group(GlobalReplicationGroupId=…)
        in the secondary Region): ``SecondaryService``'s group becomes a
        read-only secondary; its data is replaced by the primary's."""
        gds = self._global(GlobalReplicationGroupId)
        group = SecondaryService._group_or_raise(ReplicationGroupId)
        try:
            gds.add_secondary(group.cluster)
        except ValueError as exc:
            raise ClientError("InvalidParameterCombination", str(exc),
                              "CreateReplicationGroup") from None
        gds.members[group.cluster] = (SecondaryService, group)
        return {"GlobalReplicationGroup": self._describe_global(gds)}

    def _global(self, gid):
        gds = self._globals().get(gid)
        if gds is None:
            raise ClientError("GlobalReplicationGroupNotFoundFault",
                              f"Global replication group {gid} not found.",
                              "DescribeGlobalReplicationGroups")
        return gds

    def _describe_global(self, gds) -> dict:
        members = []
        for cluster, (service, group) in gds.members.items():
            members.append({"ReplicationGroupId": group.name,
                            "ReplicationGroupRegion": service.region,
                            "Role": "PRIMARY" if cluster is gds.primary else "SECONDARY",
                            "Status": "associated"})
        return {"GlobalReplicationGroupId": gds.name, "Status": "available",
                "Members": members, "ClusterEnabled": gds.primary.cluster_mode}

    @operation("DescribeGlobalReplicationGroups")
    def describe_global_replication_groups(self, *, GlobalReplicationGroupId=None,
                                           ShowMemberInfo=False, MaxRecords=None,
                                           Marker=None) -> dict:
        if GlobalReplicationGroupId is not None:
            if GlobalReplicationGroupId not in self._globals():
                raise Refusal("GlobalReplicationGroupNotFoundFault",
                              f"Global replication group {GlobalReplicationGroupId} not found.")
            return {"GlobalReplicationGroups": [
                self._describe_global(self._globals()[GlobalReplicationGroupId])]}
        return {"GlobalReplicationGroups": [self._describe_global(g)
                                            for g in self._globals().values()]}

    @operation("FailoverGlobalReplicationGroup")
    def failover_global_replication_group(self, *, GlobalReplicationGroupId, PrimaryRegion,
                                          PrimaryReplicationGroupId) -> dict:
        """Promote a secondary Region (manual; no automatic cross-Region failover, §3)."""
        gds = self._globals().get(GlobalReplicationGroupId)
        if gds is None:
            raise Refusal("GlobalReplicationGroupNotFoundFault",
                          f"Global replication group {GlobalReplicationGroupId} not found.")
        for cluster, (service, group) in gds.members.items():
            if service.region == PrimaryRegion and group.name == str(PrimaryReplicationGroupId).lower():
                if cluster is gds.primary:
                    raise Refusal("InvalidParameterValue",
                                  f"{group.name} in {PrimaryRegion} is already the primary.")
                gds.promote(cluster)
                return {"GlobalReplicationGroup": self._describe_global(gds)}
        raise Refusal("InvalidParameterValue",
                      f"{PrimaryReplicationGroupId} in {PrimaryRegion} is not a member of "
                      f"{GlobalReplicationGroupId}.")
