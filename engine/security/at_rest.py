"""Encryption at rest: envelope encryption of snapshot bytes.

ElastiCache encrypts backups and disks with a KMS key (an AWS-managed one or
a customer-managed key, fact sheet §7). KMS never encrypts large data itself:
it wraps a fresh *data key*, and the data key encrypts the data ("envelope
encryption"). Here:

* a named "KMS" key is 32 bytes derived from its name and a local secret
  (``KeyRing``) — an emulation: real KMS keys never leave AWS;
* ``encrypt_blob(data, kms_key)`` draws a random 256-bit data key, encrypts
  ``data`` with AES-GCM under it, wraps the data key with AES-GCM under the
  KMS key, and returns one self-describing blob;
* ``decrypt_blob(blob, kms_key)`` unwraps and decrypts, or raises
  :class:`WrongKey` when the blob was sealed under another key (AES-GCM's tag
  check fails: tampering is detected the same way).

Blob layout: ``b"ECLAB-ENC1"`` | key-name length (2 bytes) | key name |
wrap nonce (12) | wrapped key (48) | data nonce (12) | ciphertext+tag.
"""
from __future__ import annotations

import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"ECLAB-ENC1"
#: The name ElastiCache shows for the AWS-managed key.
DEFAULT_KEY = "alias/aws/elasticache"


class WrongKey(ValueError):
    """The blob cannot be opened with this KMS key (or was altered)."""


def kms_key_bytes(kms_key: str) -> bytes:
    """The emulated KMS key material for a key id/ARN/alias."""
    secret = os.environ.get("ECLAB_KMS_SECRET", "elasticache-lab-local-kms")
    return hashlib.sha256(f"{secret}\0{kms_key}".encode()).digest()


def encrypt_blob(data: bytes, kms_key: str = DEFAULT_KEY) -> bytes:
    """Envelope-encrypt ``data`` under the named KMS key."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("encrypt_blob wants bytes")
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce, data_nonce = os.urandom(12), os.urandom(12)
    name = kms_key.encode()
    wrapped = AESGCM(kms_key_bytes(kms_key)).encrypt(wrap_nonce, data_key, MAGIC + name)
    sealed = AESGCM(data_key).encrypt(data_nonce, bytes(data), MAGIC)
    return MAGIC + struct.pack(">H", len(name)) + name + wrap_nonce + wrapped + data_nonce + sealed


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def key_of(blob: bytes) -> str:
    """The KMS key name a blob says it was sealed with."""
    if not is_encrypted(blob):
        raise ValueError("not an encrypted blob")
    (n,) = struct.unpack(">H", blob[len(MAGIC):len(MAGIC) + 2])
    return blob[len(MAGIC) + 2:len(MAGIC) + 2 + n].decode()


def decrypt_blob(blob: bytes, kms_key: str = DEFAULT_KEY) -> bytes:
    """Open a blob from :func:`encrypt_blob`; WrongKey if ``kms_key`` is not
    the key it was sealed with (or the bytes were changed)."""
    if not is_encrypted(blob):
        raise ValueError("not an encrypted blob (missing header)")
    at = len(MAGIC)
    (n,) = struct.unpack(">H", blob[at:at + 2])
    name, at = blob[at + 2:at + 2 + n], at + 2 + n
    wrap_nonce, wrapped = blob[at:at + 12], blob[at + 12:at + 60]
    data_nonce, sealed = blob[at + 60:at + 72], blob[at + 72:]
    try:
        data_key = AESGCM(kms_key_bytes(kms_key)).decrypt(wrap_nonce, wrapped, MAGIC + name)
    except InvalidTag:
        raise WrongKey(f"the snapshot was encrypted with KMS key {name.decode()!r}; "
                       f"{kms_key!r} cannot decrypt it") from None
    try:
        return AESGCM(data_key).decrypt(data_nonce, sealed, MAGIC)
    except InvalidTag:
        raise WrongKey("the encrypted snapshot was altered (authentication failed)") from None


def encrypt_file(path: str, kms_key: str = DEFAULT_KEY) -> int:
    """Encrypt a snapshot file in place (atomically); returns its new size."""
    with open(path, "rb") as f:
        data = f.read()
    if is_encrypted(data):
        raise ValueError(f"{path} is already encrypted (with {key_of(data)!r})")
    blob = encrypt_blob(data, kms_key)
    tmp = path + ".enc-tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return len(blob)


def decrypt_file(path: str, kms_key: str, out_path: str) -> int:
    """Decrypt snapshot ``path`` into ``out_path`` (for a restore); raises
    WrongKey with a clear message when ``kms_key`` is not the right key."""
    with open(path, "rb") as f:
        data = decrypt_blob(f.read(), kms_key)
    with open(out_path, "wb") as f:
        f.write(data)
    return len(data)
