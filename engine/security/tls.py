"""In-transit encryption: a local certificate authority and TLS servers.

ElastiCache's in-transit encryption is TLS (1.2 at least since 2024, fact
sheet §7): clients connect with ``rediss://`` (``redis-cli --tls``) and must
trust Amazon's CA. The lab makes its own CA and a server certificate for
127.0.0.1 / localhost with ``cryptography``, so the same client options work
against the engine:

>>> tls = LocalCA.create("/tmp/eclab-tls")               # doctest: +SKIP
>>> server = serve_tls(node, tls)                         # rediss://127.0.0.1:port
>>> redis.Redis(port=server.port, ssl=True, ssl_ca_certs=tls.ca_path)   # doctest: +SKIP

A TLS server refuses plaintext clients: their first bytes are not a TLS
handshake, so the connection fails before any command is read.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

#: Certificates are valid from this fixed date for ten years (deterministic
#: apart from the keys themselves, which must be random).
NOT_BEFORE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
VALIDITY = datetime.timedelta(days=3650)


@dataclass
class LocalCA:
    """Paths of a CA certificate and a server certificate + key it signed."""

    ca_path: str
    cert_path: str
    key_path: str

    @classmethod
    def create(cls, directory: str, hostnames=("localhost",), ips=("127.0.0.1",)) -> "LocalCA":
        """Write ca.crt, server.crt and server.key into ``directory`` (reused
        if they are already there)."""
        os.makedirs(directory, exist_ok=True)
        paths = cls(os.path.join(directory, "ca.crt"), os.path.join(directory, "server.crt"),
                    os.path.join(directory, "server.key"))
        if all(os.path.exists(p) for p in (paths.ca_path, paths.cert_path, paths.key_path)):
            return paths
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ElastiCache Lab local CA")])
        ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                   .public_key(ca_key.public_key()).serial_number(1)
                   .not_valid_before(NOT_BEFORE).not_valid_after(NOT_BEFORE + VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                                crl_sign=True, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        names = [x509.DNSName(h) for h in hostnames] + [
            x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])]))
                .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
                .not_valid_before(NOT_BEFORE).not_valid_after(NOT_BEFORE + VALIDITY)
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(ca_key, hashes.SHA256()))
        pem = serialization.Encoding.PEM
        with open(paths.ca_path, "wb") as f:
            f.write(ca_cert.public_bytes(pem))
        with open(paths.cert_path, "wb") as f:
            f.write(cert.public_bytes(pem))
        with open(paths.key_path, "wb") as f:
            f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        os.chmod(paths.key_path, 0o600)
        return paths

    def server_context(self) -> ssl.SSLContext:
        """A server-side context: TLS 1.2 or newer, as ElastiCache requires."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.cert_path, self.key_path)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.ca_path)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx


def serve_tls(node, tls: LocalCA, host: str = "127.0.0.1", port: int = 0):
    """Serve ``node`` over TLS (``rediss://``) in a background thread."""
    from ..net import Server
    server = Server(node, host, port)
    server.ssl_context = tls.server_context()
    server.scheme = "rediss"
    return server.start()
