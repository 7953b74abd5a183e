"""Generic key commands and TTLs, differential against redis-server 7.0.

KEYS and SCAN return keys in hash-table order, which differs between the two
servers (different hash functions): their key lists are compared sorted, and a
SCAN is compared as a complete iteration (the union of keys, each reply's
shape, and a final cursor of 0). RANDOMKEY is compared by membership. PTTL and
PEXPIRETIME after a relative expiry are compared with a tolerance; everything
else about TTLs is exact (large TTLs, absolute deadlines).
"""
from __future__ import annotations

import pytest

from differential import ListKey, Mismatch, S, case, run_case, scan_reply, sort

FAR = "4102444800"
FAR_MS = "4102444800123"
PAST = "1000000000"

DEL_CASES = [
    case("del", "MSET a 1 b 2 c 3", "DEL a b nope", "DEL a", "EXISTS a b c"),
    case("del-repeated", "SET a 1", "DEL a a a"),
    case("del-list", ListKey("l"), "DEL l", "TYPE l"),
    case("del-arity", "DEL"),
    case("unlink", "MSET a 1 b 2", "UNLINK a b c", "EXISTS a b", "UNLINK a"),
    case("unlink-arity", "UNLINK"),
    case("exists", "MSET a 1 b 2", "EXISTS a", "EXISTS a a b nope", "EXISTS nope"),
    case("exists-list", ListKey("l"), "EXISTS l l"),
    case("exists-arity", "EXISTS"),
    case("type", "SET s v", ListKey("l"), "TYPE s", "TYPE l", "TYPE nope"),
    case("type-arity", "TYPE", "TYPE a b"),
    case("touch", "MSET a 1 b 2", "TOUCH a b nope a", "TOUCH nope"),
    case("touch-arity", "TOUCH"),
]

KEYS_CASES = [
    case("keys-patterns", "MSET hello 1 hallo 2 hxllo 3 hllo 4 heeeello 5 h*llo 6 x 7",
         S("KEYS *", sort), S("KEYS h?llo", sort), S("KEYS h*llo", sort),
         S("KEYS h[ae]llo", sort), S("KEYS h[^e]llo", sort), S("KEYS h[a-b]llo", sort),
         S("KEYS h[b-a]llo", sort), S(r"KEYS h\*llo", sort), S("KEYS nomatch*", sort),
         S("KEYS h[", sort), S("KEYS [", sort), S(r"KEYS h\\", sort), S("KEYS ***", sort),
         S("KEYS x", sort), S("KEYS ''", sort)),
    case("keys-empty-db", S("KEYS *", sort)),
    case("keys-other-db", "SET a 1", "SELECT 3", "SET b 2", S("KEYS *", sort), "SELECT 0",
         S("KEYS *", sort)),
    case("keys-with-list", ListKey("l"), "SET s 1", S("KEYS *", sort)),
    case("keys-binary", ("SET", b"k\x00\xff", "1"), ("SET", b"k\r\n", "2"), S("KEYS k*", sort)),
    case("keys-arity", "KEYS", "KEYS a b"),
]

RENAME_CASES = [
    case("rename", "SET a 1", "RENAME a b", "GET b", "EXISTS a"),
    case("rename-keeps-ttl", "SET a 1 EX 100000", "RENAME a b", "TTL b"),
    case("rename-overwrites", "MSET a 1 b 2", "SET b 2 EX 100000", "RENAME a b", "GET b",
         "TTL b"),
    case("rename-missing", "RENAME nope b", "RENAME nope nope"),
    case("rename-same", "SET a 1 EX 100000", "RENAME a a", "GET a", "TTL a"),
    case("rename-list", ListKey("l"), "RENAME l m", "TYPE m", "EXISTS l"),
    case("rename-arity", "RENAME a", "RENAME a b c"),
    case("renamenx", "MSET a 1 b 2", "RENAMENX a b", "RENAMENX a c", "MGET a b c"),
    case("renamenx-missing-and-same", "RENAMENX nope b", "SET a 1", "RENAMENX a a"),
    case("renamenx-arity", "RENAMENX a"),
    case("copy", "SET a 1", "COPY a b", "GET b", "COPY a b", "COPY a b REPLACE", "COPY nope c",
         "EXISTS c"),
    case("copy-ttl", "SET a v EX 100000", "COPY a b", "TTL b", f"PEXPIREAT a {FAR_MS}",
         "COPY a c", "PEXPIRETIME c"),
    case("copy-db", "SET a 1", "COPY a a DB 2", "SELECT 2", "GET a", "COPY a a DB 2",
         "COPY a x DB 0", "SELECT 0", "GET x"),
    case("copy-errors", "SET a 1", "COPY a a", "COPY a b DB 16", "COPY a b DB -1",
         "COPY a b DB x", "COPY a b DB", "COPY a b FOO", "COPY a b REPLACE FOO",
         "COPY a b replace db 1 replace"),
    case("copy-missing-same", "COPY nope nope", "COPY nope x DB 99"),
    case("copy-list", ListKey("l", "a", "b"), "COPY l m", "TYPE m", "SET s 1", "COPY s l",
         "COPY s l REPLACE", "TYPE l"),
    case("copy-encoding", "SET i 123", "COPY i j", "OBJECT ENCODING j", "SET r abc",
         "APPEND r def", "COPY r q", "OBJECT ENCODING q"),
    case("copy-arity", "COPY a"),
    case("move", "SET a 1", "MOVE a 1", "EXISTS a", "SELECT 1", "GET a", "MOVE a 0",
         "SELECT 0", "GET a"),
    case("move-ttl", f"SET a 1 PXAT {FAR_MS}", "MOVE a 5", "SELECT 5", "PEXPIRETIME a"),
    case("move-target-exists", "SET a 1", "SELECT 1", "SET a 2", "SELECT 0", "MOVE a 1",
         "GET a"),
    case("move-errors", "SET a 1", "MOVE a 0", "MOVE a 16", "MOVE a -1", "MOVE a x",
         "MOVE nope 1", "MOVE nope 0", "MOVE a 2147483648", "COPY a b DB 2147483648"),
    case("move-list", ListKey("l"), "MOVE l 1", "EXISTS l", "SELECT 1", "TYPE l"),
    case("move-arity", "MOVE a"),
]

EXPIRE_CASES = [
    case("expire", "SET k v", "EXPIRE k 100000", "TTL k", "EXPIRE nope 10"),
    case("pexpire", "SET k v", "PEXPIRE k 100000000", "TTL k"),
    case("expireat", "SET k v", f"EXPIREAT k {FAR}", "EXPIRETIME k", "PEXPIRETIME k"),
    case("pexpireat", "SET k v", f"PEXPIREAT k {FAR_MS}", "PEXPIRETIME k", "EXPIRETIME k"),
    case("expire-negative-deletes", "SET k v", "EXPIRE k -1", "EXISTS k", "SET k v",
         "PEXPIRE k 0", "EXISTS k", "SET k v", f"EXPIREAT k {PAST}", "EXISTS k"),
    case("expire-options", "SET k v", "EXPIRE k 100000 XX", "TTL k", "EXPIRE k 100000 NX",
         "EXPIRE k 200000 NX", "TTL k", "EXPIRE k 300000 XX", "TTL k",
         "EXPIRE k 100000 GT", "EXPIRE k 400000 GT", "TTL k", "EXPIRE k 500000 LT",
         "EXPIRE k 200000 LT", "TTL k"),
    case("expire-gt-lt-no-ttl", "SET k v", "EXPIRE k 100000 GT", "TTL k",
         "EXPIRE k 100000 LT", "TTL k"),
    case("expire-lt-gt-deleting", "SET k v EX 100000", "EXPIRE k -5 GT", "EXISTS k",
         "EXPIRE k -5 LT", "EXISTS k"),
    case("expire-option-errors", "SET k v", "EXPIRE k 10 NX XX", "EXPIRE k 10 GT LT",
         "EXPIRE k 10 NX GT", "EXPIRE k 10 FOO", "EXPIRE k 10 nx FOO", "EXPIRE k 10 XX GT",
         "EXPIRE nope 10 NX XX", "EXPIRE nope x NX XX", "EXPIRE nope 10 BAR"),
    case("expire-option-case", "SET k v", "expire k 100000 nx", "pexpire k 200000000 gt",
         "TTL k"),
    case("expire-bad-ttl", "SET k v", "EXPIRE k abc", "EXPIRE k 1.5", "EXPIRE k ''",
         "PEXPIRE k 99999999999999999999", "EXPIRE nope abc"),
    case("expire-overflow", "SET k v", "EXPIRE k 9223372036854775807",
         "EXPIRE k 9223372036854775", "EXPIRE k -9223372036854775808",
         "PEXPIRE k 9223372036854775807", "EXPIREAT k 9223372036854775807",
         "PEXPIREAT k 9223372036854775807", "PEXPIREAT k -9223372036854775808",
         "EXPIRE k -9223372036854775", "EXISTS k", "TTL k"),
    case("expire-arity", "EXPIRE k", "PEXPIRE k", "EXPIREAT k", "PEXPIREAT k"),
    case("expire-list", ListKey("l"), "EXPIRE l 100000", "TTL l", "PERSIST l", "TTL l"),
    case("ttl-sentinels", "SET k v", "TTL k", "PTTL k", "TTL nope", "PTTL nope",
         "EXPIRETIME k", "PEXPIRETIME k", "EXPIRETIME nope", "PEXPIRETIME nope"),
    case("pttl-relative", "SET k v PX 100000000", S("PTTL k", tolerance=250),
         S("PEXPIRETIME k", tolerance=250), S("EXPIRETIME k", tolerance=1)),
    case("ttl-arity", "TTL", "PTTL a b", "EXPIRETIME", "PEXPIRETIME a b"),
    case("persist", "SET k v EX 100000", "PERSIST k", "TTL k", "PERSIST k", "PERSIST nope"),
    case("persist-arity", "PERSIST", "PERSIST a b"),
]

OBJECT_CASES = [
    case("object-encoding", "SET k 1", "OBJECT ENCODING k", "OBJECT encoding nope"),
    case("object-idletime", "SET k v", "OBJECT IDLETIME k", "OBJECT IDLETIME nope"),
    case("object-freq-without-lfu", "SET k v", "OBJECT FREQ k", "OBJECT FREQ nope"),
    case("object-freq-lfu", "CONFIG SET maxmemory-policy allkeys-lfu", "SET k v",
         "OBJECT FREQ k", "OBJECT IDLETIME k", "OBJECT FREQ nope", "OBJECT IDLETIME nope",
         "SET i 5", "OBJECT REFCOUNT i"),
    case("object-refcount", "SET k v", "OBJECT REFCOUNT k", "SET i 5", "OBJECT REFCOUNT i",
         "SET j 123456", "OBJECT REFCOUNT j", "OBJECT REFCOUNT nope"),
    case("object-refcount-lru-policy", "CONFIG SET maxmemory-policy allkeys-lru",
         "CONFIG SET maxmemory 1gb", "SET i 5", "OBJECT REFCOUNT i"),
    case("object-list", ListKey("l"), "OBJECT REFCOUNT l", "OBJECT IDLETIME l"),
    case("object-help", "OBJECT HELP", "OBJECT help"),
    case("object-errors", "OBJECT", "OBJECT FOO", "OBJECT FOO bar", "OBJECT ENCODING",
         "OBJECT ENCODING a b", "OBJECT HELP me", "OBJECT FREQ"),
]

RANDOM_CASES = [
    case("randomkey-empty", "RANDOMKEY"),
    case("randomkey-one", "SET only 1", "RANDOMKEY", "RANDOMKEY"),
    case("randomkey-arity", "RANDOMKEY x"),
]

SCAN_ERROR_CASES = [
    case("scan-errors", "SET a 1", "SCAN abc", "SCAN 1.5", "SCAN ''", "SCAN ' 0'",
         "SCAN 18446744073709551616", "SCAN 0 COUNT 0", "SCAN 0 COUNT -1", "SCAN 0 COUNT abc",
         "SCAN 0 MATCH", "SCAN 0 COUNT", "SCAN 0 TYPE", "SCAN 0 FOO bar", "SCAN 0 FOO"),
    case("scan-arity", "SCAN"),
    case("scan-small-complete", "MSET a 1 b 2 c 3", ListKey("l"),
         S("SCAN 0 COUNT 1000", scan_reply), S("SCAN 0 COUNT 1000 TYPE string", scan_reply),
         S("SCAN 0 COUNT 1000 MATCH [ab]", scan_reply), S("scan 0 count 1000 type LIST", scan_reply)),
]


@pytest.mark.parametrize("steps", DEL_CASES)
def test_del_exists_type_touch(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", KEYS_CASES)
def test_keys(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", RENAME_CASES)
def test_rename_copy_move(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", EXPIRE_CASES)
def test_expire_ttl_persist(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", OBJECT_CASES)
def test_object(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", RANDOM_CASES)
def test_randomkey(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", SCAN_ERROR_CASES)
def test_scan_replies(pair, steps):
    run_case(pair, steps)


def test_randomkey_membership(pair):
    """RANDOMKEY on many keys: both return *a* key that exists."""
    S(["MSET", *[x for i in range(50) for x in (f"k{i}", str(i))]]).run(pair)
    names = {f"k{i}".encode() for i in range(50)}
    for _ in range(20):
        real, eng = pair.both("RANDOMKEY")
        assert real.kind == eng.kind == "$", (real, eng)
        assert real.value in names and eng.value in names, (real, eng)


def full_scan(client, *options):
    """Iterate SCAN to the end; return (keys, number of calls). Each reply must
    be a two-element array: a bulk cursor and an array of bulk keys."""
    cursor, keys, calls = b"0", [], 0
    while True:
        reply = client.call("SCAN", cursor, *options)
        calls += 1
        assert reply.kind == "*" and len(reply.value) == 2, reply.pretty()
        cur, batch = reply.value
        assert cur.kind == "$" and batch.kind == "*", reply.pretty()
        keys.extend(k.value for k in batch.value)
        cursor = cur.value
        if cursor == b"0":
            return keys, calls
        assert calls < 100_000, "SCAN does not terminate"


@pytest.mark.parametrize("options", [
    (), ("COUNT", "1"), ("COUNT", "7"), ("COUNT", "1000"), ("MATCH", "user:1*"),
    ("MATCH", "*:?5", "COUNT", "3"), ("TYPE", "string"), ("TYPE", "list"), ("TYPE", "hash"),
    ("TYPE", "STRING"), ("TYPE", "nosuchtype"), ("MATCH", "nomatch", "COUNT", "50"),
], ids=lambda o: " ".join(o) or "plain")
def test_scan_full_iteration(pair, options):
    """A full SCAN returns every key exactly once (no rehash in between) on both."""
    S(["MSET", *[x for i in range(300) for x in (f"user:{i}", str(i))]]).run(pair)
    ListKey("list:1").run(pair)
    ListKey("list:2").run(pair)
    real_keys, _ = full_scan(pair.real, *options)
    eng_keys, _ = full_scan(pair.engine, *options)
    if sorted(real_keys) != sorted(eng_keys):
        raise Mismatch(f"SCAN {options}: redis-server {len(real_keys)} keys, "
                       f"engine {len(eng_keys)} keys; only in redis: "
                       f"{sorted(set(real_keys) - set(eng_keys))[:10]}, only in engine: "
                       f"{sorted(set(eng_keys) - set(real_keys))[:10]}")
    assert len(set(eng_keys)) == len(eng_keys), "engine returned a key twice"


def test_scan_expired_keys_not_returned(pair):
    """Keys whose TTL passed are never returned by KEYS or SCAN."""
    S("MSET a 1 b 2").run(pair)
    S("PEXPIRE a 1").run(pair)
    import time
    time.sleep(0.05)
    S("KEYS *", sort).run(pair)
    assert sorted(full_scan(pair.real)[0]) == sorted(full_scan(pair.engine)[0]) == [b"b"]
