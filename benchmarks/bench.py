"""How fast is the engine through redis-py? Ratios measured in one run.

The same workload — sequential SET then GET of 32-byte values, then the same
SETs sent as pipelines of 100 — goes through redis-py against four backends:

* ``engine``    the embedded engine, in-process (``engine.connect()``);
* ``fakeredis`` fakeredis's in-process emulator;
* ``redis``     a real redis-server on loopback, when one is installed;
* ``ceiling``   redis-py on a connection that does no I/O and no work at all
                (it answers every command with a canned reply): the fastest
                any in-process backend could possibly be, i.e. the cost of
                redis-py itself.

Machines like this one are noisy, so absolute numbers mean little; the
backends run interleaved, best of several rounds, and we report ratios from
the same run. Targets (issue #2): engine ≥ 3× fakeredis, engine ≥ 70% of the
ceiling.

    python benchmarks/bench.py [--ops 20000] [--rounds 5] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import redis  # noqa: E402

import engine  # noqa: E402
from engine.client import EngineConnection  # noqa: E402
from engine.protocol.replies import OK  # noqa: E402

VALUE = b"v" * 32
TARGET_VS_FAKEREDIS = 3.0
TARGET_VS_CEILING = 0.70


class CeilingConnection(EngineConnection):
    """redis-py with nothing behind it: every SET answers OK, every GET the
    value, without touching a node (only the connection handshake is real). Same conversion path as the engine's
    connection, so the difference between the two is exactly the engine."""

    def send_packed_command(self, command, check_health=True):
        if not self._sock:
            self.connect_check_health(check_health=False)
        append = self._replies.append
        for argv in command:
            name = argv[0].lower()
            if name == b"get":
                append(VALUE)
            elif name == b"set":
                append(OK)
            else:  # the connection handshake (HELLO …) still needs real answers
                append(self.node.execute(self._session, argv))


def ceiling_client() -> redis.Redis:
    node = engine.Node()
    pool = redis.ConnectionPool(connection_class=CeilingConnection, node=node)
    return redis.Redis(connection_pool=pool)


def workload(r: redis.Redis, ops: int) -> dict:
    """ops/s for each phase on client ``r``."""
    keys = [b"key:%d" % (i % 1000) for i in range(ops)]
    results = {}
    t = time.perf_counter()
    for k in keys:
        r.set(k, VALUE)
    results["set"] = ops / (time.perf_counter() - t)
    t = time.perf_counter()
    for k in keys:
        r.get(k)
    results["get"] = ops / (time.perf_counter() - t)
    t = time.perf_counter()
    for start in range(0, ops, 100):
        p = r.pipeline(transaction=False)
        for k in keys[start:start + 100]:
            p.set(k, VALUE)
        p.execute()
    results["pipeline100"] = ops / (time.perf_counter() - t)
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis():
    exe = shutil.which("redis-server")
    if exe is None:
        return None, None
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return proc, client
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    return None, None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", type=int, default=20000, help="operations per phase")
    ap.add_argument("--rounds", type=int, default=5, help="rounds (best is kept)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)

    import fakeredis
    backends = {
        "engine": engine.connect(),
        "fakeredis": fakeredis.FakeRedis(),
        "ceiling": ceiling_client(),
    }
    proc, real = start_redis()
    if real is not None:
        backends["redis"] = real
    best = {name: {} for name in backends}
    try:
        for rnd in range(args.rounds):
            for name, client in backends.items():
                ops = args.ops if name != "fakeredis" else max(1000, args.ops // 4)
                for phase, rate in workload(client, ops).items():
                    best[name][phase] = max(best[name].get(phase, 0), rate)
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()

    phases = ("set", "get", "pipeline100")
    print(f"\nops/s (best of {args.rounds} rounds, {args.ops} ops per phase)")
    print(f"{'backend':<10}" + "".join(f"{p:>14}" for p in phases))
    for name in best:
        print(f"{name:<10}" + "".join(f"{best[name][p]:>14,.0f}" for p in phases))
    print("\nratios (same run)")
    report = {"ops_per_sec": best, "ratios": {}}
    ok = True
    unreachable = []
    for p in phases:
        vs_fake = best["engine"][p] / best["fakeredis"][p]
        vs_ceiling = best["engine"][p] / best["ceiling"][p]
        line = (f"{p:<12} engine/fakeredis = {vs_fake:5.2f}x (target >= {TARGET_VS_FAKEREDIS}x)"
                f"   engine/ceiling = {vs_ceiling:6.1%} (target >= {TARGET_VS_CEILING:.0%})")
        if "redis" in best:
            line += f"   engine/redis-server = {best['engine'][p] / best['redis'][p]:5.2f}x"
        # What *any* in-process backend could reach at most: if this is below
        # the fakeredis target, the target cannot be met through redis-py.
        line += f"   ceiling/fakeredis = {best['ceiling'][p] / best['fakeredis'][p]:5.2f}x"
        print(line)
        bound = best["ceiling"][p] / best["fakeredis"][p]
        report["ratios"][p] = {"engine_vs_fakeredis": vs_fake, "engine_vs_ceiling": vs_ceiling,
                               "ceiling_vs_fakeredis": bound}
        ok &= vs_fake >= TARGET_VS_FAKEREDIS and vs_ceiling >= TARGET_VS_CEILING
        if bound < TARGET_VS_FAKEREDIS:
            unreachable.append(p)
    print("\ntargets met" if ok else "\ntargets NOT met")
    for p in unreachable:
        print(f"  {p}: engine >= {TARGET_VS_FAKEREDIS}x fakeredis is out of reach through "
              f"redis-py here: even the no-I/O ceiling is only "
              f"{report['ratios'][p]['ceiling_vs_fakeredis']:.2f}x fakeredis")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
