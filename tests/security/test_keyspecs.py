"""engine/security/keyspecs.py holds Redis 7.0's key access flags; compare
them with a real redis-server's COMMAND INFO key specifications."""
from __future__ import annotations

from engine.commands import registry
from engine.security import keyspecs


def _command_table(port):
    """COMMAND over a raw RESP2 socket (no client-library parsing)."""
    import redis
    r = redis.Redis(port=port, protocol=2)
    conn = r.connection_pool.get_connection()
    conn.send_command("COMMAND")
    raw = conn.read_response()
    r.connection_pool.release(conn)
    out = {}

    def walk(info):
        name = info[0].decode()
        codes = []
        for spec in info[8]:
            d = dict(zip(spec[::2], spec[1::2]))
            flags = {f.decode().lower() for f in d[b"flags"]}
            if "not_key" in flags:
                continue
            code = (keyspecs.R if "access" in flags else 0) | (
                keyspecs.W if flags & {"insert", "update", "delete"} else 0)
            codes.append((code, "variable_flags" in flags))
        out[name] = codes
        for sub in info[9]:
            walk(sub)
    for info in raw:
        walk(info)
    return out


def test_keyspec_flags_match_redis(redis_server_factory):
    server = redis_server_factory()
    real = _command_table(server.port)
    checked, mismatches = 0, []
    engine_cmds = [c for c in registry.TABLE.values()] + [
        s for c in registry.TABLE.values() for s in c.subcommands.values()]
    for cmd in engine_cmds:
        specs = real.get(cmd.name)
        if not specs or cmd.channels_not_keys:
            continue
        checked += 1
        if cmd.name in keyspecs.VARIABLE:
            assert all(variable for _, variable in specs), cmd.name
            continue
        if cmd.name in keyspecs.SAME:
            expected = {code for code, _ in specs}
            if expected != {keyspecs.SAME[cmd.name]}:
                mismatches.append((cmd.name, specs))
        elif cmd.name in keyspecs.FIRST_THEN:
            first, rest = keyspecs.FIRST_THEN[cmd.name]
            codes = [code for code, _ in specs]
            if codes[0] != first or any(c != rest for c in codes[1:]):
                mismatches.append((cmd.name, specs))
        else:
            mismatches.append((cmd.name, "missing from keyspecs.py"))
    assert checked > 100
    assert mismatches == []
