"""Envelope encryption of snapshot bytes (engine/security/at_rest.py)."""
from __future__ import annotations

import pytest

from engine.security.at_rest import WrongKey, decrypt_blob, encrypt_blob, is_encrypted, key_of

PLAIN = b"REDIS0010\xfa\x09redis-ver\x067.0.15 credit-card:4111111111111111 end"


def test_round_trip_and_no_plaintext():
    blob = encrypt_blob(PLAIN, "alias/shop-key")
    assert is_encrypted(blob) and key_of(blob) == "alias/shop-key"
    assert b"4111111111111111" not in blob and b"credit-card" not in blob
    assert decrypt_blob(blob, "alias/shop-key") == PLAIN


def test_wrong_key_fails_clearly():
    blob = encrypt_blob(PLAIN, "alias/shop-key")
    with pytest.raises(WrongKey, match="alias/shop-key"):
        decrypt_blob(blob, "alias/other-key")


def test_tampering_is_detected():
    blob = bytearray(encrypt_blob(PLAIN, "k"))
    blob[-5] ^= 1
    with pytest.raises(WrongKey, match="altered"):
        decrypt_blob(bytes(blob), "k")


def test_fresh_data_key_each_time():
    assert encrypt_blob(PLAIN, "k") != encrypt_blob(PLAIN, "k")


def test_not_a_blob():
    with pytest.raises(ValueError):
        decrypt_blob(PLAIN, "k")
    with pytest.raises(TypeError):
        encrypt_blob("text", "k")


def test_encrypted_snapshot_file_round_trip(tmp_path):
    from engine.cluster.durability import Snapshot
    from engine.node.node import Node
    from engine.security.at_rest import decrypt_file, encrypt_file
    node = Node()
    s = node.open_session()
    node.execute(s, [b"SET", b"card:1", b"4111111111111111"])
    path = str(tmp_path / "dump.snap")
    Snapshot.save(node, path)
    assert b"4111111111111111" in open(path, "rb").read()      # plaintext before
    encrypt_file(path, "alias/shop")
    assert b"4111111111111111" not in open(path, "rb").read()  # nothing readable after
    with pytest.raises(WrongKey):
        decrypt_file(path, "alias/other", str(tmp_path / "out"))
    decrypt_file(path, "alias/shop", str(tmp_path / "plain"))
    restored = Node()
    assert Snapshot.load(restored, str(tmp_path / "plain")) == 1
    assert restored.execute(restored.open_session(), [b"GET", b"card:1"]) == b"4111111111111111"
