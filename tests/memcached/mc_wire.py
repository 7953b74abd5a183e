"""Raw text-protocol plumbing for the memcached tests (no client library in the way).

``TextClient.call(raw)`` sends raw bytes followed by a ``version`` command and
reads up to that command's reply, so every request's complete reply is read
whatever its shape (noreply commands answer nothing, gets answer many lines).
``normalize_cas`` rewrites CAS uniques in ``VALUE`` lines as their order of
first appearance, the one normalisation the differential tests allow.
"""
from __future__ import annotations

import re
import socket
import subprocess
import time

HOST = "127.0.0.1"
SENTINEL = b"version\r\n"
SENTINEL_REPLY = b"VERSION 1.6.18\r\n"


class ConnectionClosed(Exception):
    """The server closed the connection; ``data`` holds what it sent before."""

    def __init__(self, data: bytes):
        super().__init__(f"connection closed after {len(data)} bytes")
        self.data = data


class TextClient:
    def __init__(self, port: int, timeout: float = 5.0):
        self.port = port
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, raw: bytes) -> bytes:
        """Send ``raw`` and return every byte of reply it produced."""
        self.sock.sendall(raw + SENTINEL)
        buf = bytearray()
        while not buf.endswith(SENTINEL_REPLY):
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionClosed(bytes(buf))
            buf += chunk
        return bytes(buf[:-len(SENTINEL_REPLY)])

    def call_until_close(self, raw: bytes, timeout: float = 3.0) -> bytes:
        """Send ``raw``; read until the server closes (b"...<CLOSED>") or goes quiet."""
        self.sock.sendall(raw)
        self.sock.settimeout(timeout)
        buf = bytearray()
        try:
            while True:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    return bytes(buf) + b"<CLOSED>"
                buf += chunk
        except socket.timeout:
            return bytes(buf) + b"<OPEN>"

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_VALUE_CAS = re.compile(rb"^(VALUE \S+ \d+ \d+ )(\d+)\r$", re.M)


def normalize_cas(reply: bytes, seen: dict) -> bytes:
    """Replace each CAS unique by ``c<n>``, n = its rank of first appearance."""
    def sub(m):
        cas = int(m.group(2))
        rank = seen.setdefault(cas, len(seen))
        return m.group(1) + b"c%d\r" % rank
    return _VALUE_CAS.sub(sub, reply)


def stats_dict(reply: bytes) -> dict:
    out = {}
    for line in reply.split(b"\r\n"):
        if line.startswith(b"STAT "):
            _, name, value = line.split(b" ", 2)
            out[name.decode()] = value.decode()
    return out


def wait_for_port(port: int, proc=None, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"memcached exited with code {proc.returncode}")
        try:
            with TextClient(port, timeout=1) as c:
                if c.call(b"") == b"":
                    return
        except (OSError, ConnectionClosed) as exc:
            last = exc
        time.sleep(0.02)
    raise RuntimeError(f"nothing answered on port {port}: {last}")


def start_memcached(binary: str, port: int, *args: str) -> subprocess.Popen:
    """A real memcached on loopback, TCP only, in the foreground of a child process."""
    import os
    cmd = [binary, "-p", str(port), "-l", HOST, "-U", "0", *args]
    if os.geteuid() == 0:
        cmd += ["-u", "root"]          # memcached refuses to run as root without -u
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
    except Exception:
        proc.kill()
        err = proc.communicate(timeout=5)[1].decode(errors="replace")
        raise RuntimeError(f"could not start {' '.join(cmd)}: {err}")
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
