"""SCAN's reverse-binary cursor and glob matching."""
import engine
from engine.commands import glob
from engine.node.dictscan import next_cursor


def test_reverse_binary_cursor_visits_every_bucket_once():
    mask = 15
    seen, v = [], 0
    while True:
        seen.append(v & mask)
        v = next_cursor(v, mask)
        if v == 0:
            break
    assert sorted(seen) == list(range(16))
    assert seen[:4] == [0, 8, 4, 12]


def test_full_scan_returns_every_key_even_while_the_table_grows():
    r = engine.connect()
    original = {f"k{i}".encode() for i in range(300)}
    for k in original:
        r.set(k, 1)
    found, cursor, added = set(), 0, 0
    while True:
        cursor, keys = r.scan(cursor, count=7)
        found.update(keys)
        for _ in range(20):  # keep adding keys mid-scan: the table doubles
            r.set(f"new{added}", 1)
            added += 1
        if cursor == 0:
            break
    assert original <= found


def test_scan_type_match_and_count_validation():
    r = engine.connect()
    r.mset({"user:1": "a", "user:2": "b", "order:1": "c"})
    keys = set()
    for k in r.scan_iter(match="user:*"):
        keys.add(k)
    assert keys == {b"user:1", b"user:2"}
    assert set(r.scan_iter(_type="string")) == {b"user:1", b"user:2", b"order:1"}
    assert list(r.scan_iter(_type="hash")) == []


def test_glob_matches_like_redis():
    cases = [
        (b"h?llo", b"hello", True), (b"h*llo", b"heeeello", True),
        (b"h[ae]llo", b"hallo", True), (b"h[^e]llo", b"hello", False),
        (b"h[a-b]llo", b"hbllo", True), (b"h[b-a]llo", b"hallo", True),
        (b"h\\*llo", b"h*llo", True), (b"h\\*llo", b"hello", False),
        (b"*", b"", True), (b"a*", b"", False), (b"[abc", b"a", True),
        (b"user:*:name", b"user:42:name", True), (b"user:*:name", b"user:42:age", False),
    ]
    for pattern, string, expected in cases:
        assert glob.match(pattern, string) is expected, (pattern, string)
    assert glob.match(b"HELLO", b"hello", nocase=True)
