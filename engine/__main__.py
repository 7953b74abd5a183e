"""Command line: ``python -m engine serve [--port PORT] [--host HOST]``.

Serves a fresh node on the wall clock until Ctrl-C (SIGINT) or SIGTERM, so
redis-cli and other real clients can talk to the engine::

    python -m engine serve --port 6380
    redis-cli -p 6380 ping

``python -m engine memcached [--port PORT] [--host HOST] [-m MB] [-I SIZE]``
does the same for a memcached node (text protocol; ``-m``/``-I`` as memcached's)::

    python -m engine memcached --port 11212
    printf 'version\\r\\n' | nc -q1 127.0.0.1 11212

``python -m engine cluster [--shards N] [--replicas R] [--base-port P]`` serves
a whole emulated Redis Cluster (N primaries, R replicas each) on consecutive
loopback ports from P; clients that follow redirections work against it::

    python -m engine cluster --shards 3 --replicas 1 --base-port 7000
    redis-cli -c -p 7000 set user:42 ada
"""
from __future__ import annotations

import argparse
import signal
import sys
import time

from .clock import WallClock
from .net import Server
from .node.node import Node
from .version import REDIS_VERSION


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine",
                                     description="ElastiCache Lab engine")
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="serve the engine over TCP (RESP2/RESP3)")
    serve.add_argument("--port", type=int, default=6379,
                       help="TCP port (0 picks a free one; default 6379)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1, loopback only)")
    serve.add_argument("--requirepass", default="",
                       help="require AUTH with this password (default: none)")
    serve.add_argument("--maxmemory", default="0", help="memory limit, e.g. 100mb")
    mc = sub.add_parser("memcached", help="serve a memcached node over TCP (text protocol)")
    mc.add_argument("--port", type=int, default=11211,
                    help="TCP port (0 picks a free one; default 11211)")
    mc.add_argument("--host", default="127.0.0.1",
                    help="address to bind (default 127.0.0.1, loopback only)")
    mc.add_argument("-m", "--memory-limit", type=float, default=64, metavar="MB",
                    help="memory for items in megabytes (default 64)")
    mc.add_argument("-I", "--max-item-size", default="1m", metavar="SIZE",
                    help="largest item, e.g. 1m or 2m (default 1m; at least 512k)")
    cl = sub.add_parser("cluster", help="serve an emulated Redis Cluster, one port per node")
    cl.add_argument("--shards", type=int, default=3, help="number of shards (default 3)")
    cl.add_argument("--replicas", type=int, default=1,
                    help="replicas per shard, 0-5 (default 1)")
    cl.add_argument("--base-port", type=int, default=7000,
                    help="port of the first node; the others follow (default 7000)")
    cl.add_argument("--host", default="127.0.0.1",
                    help="address to bind (default 127.0.0.1, loopback only)")
    args = parser.parse_args(argv)
    if args.cmd == "cluster":
        return _cluster(parser, args)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if args.cmd == "memcached":
        return _memcached(parser, args)

    try:
        node = Node(WallClock(), port=args.port or 6379, requirepass=args.requirepass,
                    maxmemory=args.maxmemory)
    except Exception as exc:  # a bad --maxmemory, for instance
        parser.error(str(exc))
    return _serve_in_foreground(Server(node, args.host, args.port),
                                f"Redis {REDIS_VERSION} semantics")


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops the server the way Ctrl-C does


def _serve_in_foreground(server, semantics: str) -> int:
    """Start ``server``, announce it, and serve until SIGINT/SIGTERM."""
    try:
        server.start()
    except OSError as exc:
        print(f"Could not listen on {server.host}:{server.requested_port}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print(f"ElastiCache Lab engine ({semantics})", flush=True)
    print(f"Ready to accept connections on {server.host}:{server.port}", flush=True)
    server.serve_forever()
    print("Server stopped.", flush=True)
    return 0


def _memcached(parser, args) -> int:
    from .memcached.node import MemcachedNode
    from .memcached.server import MemcachedServer
    from .memcached.stats import VERSION

    size = args.max_item_size.strip().lower()
    units = {"k": 1024, "m": 1024 * 1024}
    try:
        item_size_max = int(size[:-1]) * units[size[-1]] if size[-1:] in units else int(size)
        node = MemcachedNode(WallClock(), memory_limit_mb=args.memory_limit,
                             item_size_max=item_size_max, port=args.port or 11211)
    except (ValueError, IndexError) as exc:
        parser.error(f"bad -m/-I: {exc}")
    return _serve_in_foreground(MemcachedServer(node, args.host, args.port),
                                f"memcached {VERSION} semantics")


def _cluster(parser, args) -> int:
    from .cluster import Cluster

    count = args.shards * (1 + args.replicas) if args.shards > 0 else 0
    if not 0 < args.base_port or args.base_port + count - 1 > 65535:
        parser.error(f"--base-port must leave room for {count} ports below 65536")
    try:
        cluster = Cluster(args.shards, args.replicas, clock=WallClock(),
                          name="cluster", base_port=args.base_port)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        served = cluster.serve(args.host, args.base_port)
    except OSError as exc:
        print(f"Could not listen on {args.host} from port {args.base_port}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print(f"ElastiCache Lab engine (Redis {REDIS_VERSION} cluster semantics): "
          f"{args.shards} shards x {1 + args.replicas} nodes", flush=True)
    for shard in cluster.shards:
        first, last = (shard.slot_ranges or [(None, None)])[0]
        replicas = ", ".join(str(node.port) for node in shard.replicas) or "none"
        print(f"  shard {shard.id}: primary {args.host}:{shard.primary.port} "
              f"slots {first}-{last}; replicas: {replicas}", flush=True)
    print(f"Ready. Try: redis-cli -c -p {served.primary_ports[0]}", flush=True)
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        served.close()
    print("Cluster stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
