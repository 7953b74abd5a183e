"""Encryption at rest in the service: a group created with
AtRestEncryptionEnabled writes its backups as envelopes (no plaintext value on
disk), restores them with the right KMS key, and refuses a wrong key clearly."""
from __future__ import annotations

import pytest

from engine.service import ClientError, ElastiCache


def _group(ec, name, **extra):
    ec.create_replication_group(
        ReplicationGroupId=name, ReplicationGroupDescription="t", Engine="valkey",
        CacheNodeType="cache.r7g.large", NumCacheClusters=2, AutomaticFailoverEnabled=True,
        **extra)
    return ec.client(name)


def test_encrypted_backup_has_no_plaintext_and_restores():
    ec = ElastiCache(seed=1)
    r = _group(ec, "vault", AtRestEncryptionEnabled=True, KmsKeyId="alias/team-a",
               TransitEncryptionEnabled=True)
    secret = b"card-4111-1111-1111-1111"
    r.set("payment:1", secret)
    ec.advance(1)   # the replica the backup is taken from has caught up
    snap = ec.create_snapshot(SnapshotName="nightly", ReplicationGroupId="vault")["Snapshot"]
    assert snap["KmsKeyId"] == "alias/team-a"
    backup = ec._backups()["nightly"]
    for _, _, path, _ in backup.files:
        with open(path, "rb") as f:
            data = f.read()
        assert secret not in data and b"payment:1" not in data
    ec.advance(3600)
    restored = _group(ec, "vault2", SnapshotName="nightly", AtRestEncryptionEnabled=True,
                      KmsKeyId="alias/team-a", TransitEncryptionEnabled=True)
    assert restored.get("payment:1") == secret


def test_restore_with_the_wrong_key_is_refused():
    ec = ElastiCache(seed=2)
    r = _group(ec, "vault", AtRestEncryptionEnabled=True, KmsKeyId="alias/team-a",
               TransitEncryptionEnabled=True)
    r.set("k", "v")
    ec.advance(1)
    ec.create_snapshot(SnapshotName="s", ReplicationGroupId="vault")
    ec.advance(3600)
    with pytest.raises(ClientError) as info:
        _group(ec, "thief", SnapshotName="s", AtRestEncryptionEnabled=True,
               KmsKeyId="alias/team-b", TransitEncryptionEnabled=True)
    assert info.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert "alias/team-a" in str(info.value) and "alias/team-b" in str(info.value)
    assert "thief" not in [g["ReplicationGroupId"] for g in
                           ec.describe_replication_groups()["ReplicationGroups"]]


def test_unencrypted_group_backups_stay_plain():
    ec = ElastiCache(seed=3)
    r = _group(ec, "plain")
    r.set("visible", "yes")
    ec.advance(1)
    snap = ec.create_snapshot(SnapshotName="p", ReplicationGroupId="plain")["Snapshot"]
    assert "KmsKeyId" not in snap
    path = ec._backups()["p"].files[0][2]
    with open(path, "rb") as f:
        assert b"visible" in f.read()
