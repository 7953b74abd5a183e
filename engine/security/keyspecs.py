"""How each command touches its keys: read, write, both, or neither.

Redis 7.0 attaches *key specs* to every command; each key spec carries access
flags (ACCESS = the value is read or returned; INSERT / UPDATE / DELETE = the
key is written). ACL key patterns with ``%R~`` / ``%W~`` are checked against
those flags (acl.c, ACLSelectorCheckKey): a key needs a pattern granting R if
its spec says ACCESS, and W if it says INSERT, UPDATE or DELETE. A key with
none of them (EXISTS, TYPE, TTL's cousins like TOUCH) only needs *some*
pattern that matches its name.

The command table (commands/registry.py) records where the keys are, not
these flags, so this module is their single home. The values below are
Redis 7.0.15's own (``COMMAND INFO`` → key_specifications), and
tests/security/test_keyspecs.py compares them with a real redis-server.
"""
from __future__ import annotations

from typing import List, Tuple

R, W, RW, NONE = 1, 2, 3, 0

# Every key of the command gets the same flags.
_SAME = {
    R: """bitcount bitfield_ro bitpos dump eval_ro evalsha_ro expiretime fcall_ro geodist
        geohash geopos georadius_ro georadiusbymember_ro geosearch get getbit getrange hget
        hgetall hkeys hmget hrandfield hscan hvals lcs lindex lpos lrange mget pexpiretime
        pfcount pfdebug pttl sdiff sinter sintercard smembers smismember sort_ro srandmember
        sscan substr sunion ttl xinfo|consumers xinfo|groups xinfo|stream xpending xrange
        xread xreadgroup xrevrange zcount zdiff zinter zintercard zlexcount zmscore
        zrandmember zrange zrangebylex zrangebyscore zrank zrevrange zrevrangebylex
        zrevrangebyscore zrevrank zscan zscore zunion""",
    W: """append hsetnx linsert lpush lpushx msetnx pfadd rpush rpushx sadd setnx
        xgroup|create xgroup|createconsumer
        del hdel lrem ltrim srem unlink xautoclaim xdel xgroup|delconsumer xgroup|destroy
        xtrim zrem zremrangebylex zremrangebyrank zremrangebyscore
        expire expireat geoadd hmset hset lset mset persist pexpire pexpireat psetex restore
        restore-asking setex setrange xack xadd xclaim xgroup|setid xsetid zadd""",
    RW: """blmpop blpop brpop bzmpop bzpopmax bzpopmin getdel lmpop lpop migrate rpop spop
        zmpop zpopmax zpopmin
        decr decrby eval evalsha fcall getex getset hincrby hincrbyfloat incr incrby
        incrbyfloat move setbit zincrby""",
    NONE: """exists hexists hlen hstrlen llen memory|usage object|encoding object|freq
        object|idletime object|refcount scard sismember strlen touch type watch xlen zcard""",
}
SAME = {name: flags for flags, names in _SAME.items() for name in names.split()}

# The first key differs from the others (a destination, or a source that is
# emptied): (first key, every other key).
FIRST_THEN = {
    "bitop": (W, R), "sdiffstore": (W, R), "sinterstore": (W, R), "sunionstore": (W, R),
    "zdiffstore": (W, R), "zinterstore": (W, R), "zunionstore": (W, R),
    "zrangestore": (W, R), "geosearchstore": (W, R), "pfmerge": (RW, R),
    "blmove": (RW, W), "brpoplpush": (RW, W), "lmove": (RW, W), "rpoplpush": (RW, W),
    "smove": (RW, W), "rename": (RW, W), "renamenx": (RW, W), "copy": (R, W),
    # The source is read; a STORE / STOREDIST destination is written.
    "sort": (R, W), "georadius": (R, W), "georadiusbymember": (R, W),
}


# Their optional destination has an incomplete key spec, so Redis finds
# their keys with a getkeys function instead, which has no "invalid" case.
_FOUND_BY_GETKEYS = {"sort", "georadius", "georadiusbymember"}


def _set_flags(argv) -> int:
    """SET reads the old value only with GET (Redis's setGetKeys)."""
    return RW if any(a.lower() == b"get" for a in argv[3:]) else W


def _bitfield_flags(argv) -> int:
    """BITFIELD with only GET / OVERFLOW sub-operations only reads
    (bitfieldGetKeys); any SET / INCRBY, or a syntax error, writes."""
    i, argc = 2, len(argv)
    while i < argc:
        op, left = argv[i].lower(), argc - i - 1
        if op == b"get" and left >= 2:
            i += 3
        elif op == b"overflow" and left >= 1:
            i += 2
        else:
            return RW
    return R


VARIABLE = {"set": _set_flags, "bitfield": _bitfield_flags}


def key_access(cmd, argv) -> List[Tuple[int, int]]:
    """[(argv index, needed R/W bits)] for each key of ``argv``, in the order
    Redis checks them. Commands missing here fall back to the command's own
    flags: read-only → R, write → RW (the strictest guess)."""
    try:
        positions = cmd.key_positions(argv)
    except Exception:  # a malformed numkeys: Redis finds no keys either
        return []
    if not positions:
        return []
    name = cmd.name
    flags = SAME.get(name)
    if flags is not None:
        return [(p, flags) for p in positions]
    pair = FIRST_THEN.get(name)
    if pair is not None:
        if len(positions) < 2 and name not in _FOUND_BY_GETKEYS:
            # Redis finds the keys spec by spec; an empty second spec (PFMERGE
            # with no source, ZUNIONSTORE d 0) makes the whole search invalid,
            # and then no key at all is checked (getKeysUsingKeySpecs).
            return []
        return [(p, pair[0] if i == 0 else pair[1]) for i, p in enumerate(positions)]
    variable = VARIABLE.get(name)
    if variable is not None:
        flags = variable(argv)
        return [(p, flags) for p in positions]
    flags = R if cmd.is_readonly else RW
    return [(p, flags) for p in positions]
