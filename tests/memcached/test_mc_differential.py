"""Differential tests: the same raw text-protocol bytes to a real memcached 1.6
and to the engine; the replies must be identical byte for byte.

The one normalisation is CAS uniques (``VALUE k f n <cas>``), compared by
order of first appearance. Each case runs on fresh connections after
``flush_all`` on both servers.
"""
from __future__ import annotations

import pytest

import mc_wire

K250 = b"k" * 250
K251 = b"k" * 251
BIG = 1024 * 1024


def _set(key: bytes, value: bytes, flags: int = 0, exptime: int = 0, cmd: bytes = b"set",
         extra: bytes = b"") -> bytes:
    return b"%s %s %d %d %d%s\r\n%s\r\n" % (cmd, key, flags, exptime, len(value), extra, value)


CASES = {
    # -- storage commands --------------------------------------------------------
    "set-get": _set(b"a", b"hello") + b"get a\r\ngets a\r\n",
    "set-twice-cas-grows": _set(b"a", b"1") + b"gets a\r\n" + _set(b"a", b"2") + b"gets a\r\n",
    "add": b"add a 0 0 1\r\n1\r\nadd a 0 0 1\r\n2\r\ngets a\r\n",
    "replace": b"replace a 0 0 1\r\n1\r\n" + _set(b"a", b"x") + b"replace a 5 0 1\r\n2\r\ngets a\r\n",
    "append-prepend": (b"append a 0 0 1\r\n1\r\nprepend a 0 0 1\r\n1\r\n" + _set(b"a", b"mid", 7)
                       + b"append a 1 100 4\r\n-end\r\nprepend a 2 0 6\r\nstart-\r\ngets a\r\n"),
    "append-keeps-flags-exptime": _set(b"a", b"x", 42, -1) + b"append a 0 0 1\r\ny\r\nget a\r\n",
    "noreply-storage": (b"set a 0 0 1 noreply\r\n1\r\nadd a 0 0 1 noreply\r\n2\r\n"
                        b"replace a 3 0 1 noreply\r\n3\r\nappend a 0 0 1 noreply\r\n4\r\n"
                        b"prepend a 0 0 1 noreply\r\n5\r\ngets a\r\n"),
    "binary-value": _set(b"bin", b"\x00\r\n\xff\x80 \t") + b"get bin\r\n",
    "empty-value": _set(b"e", b"") + b"get e\r\n",
    "key-250": _set(K250, b"v") + b"get " + K250 + b"\r\n",
    "key-251-set": _set(K251, b"v") + b"get " + K251 + b"\r\n",
    "key-251-noreply": b"set " + K251 + b" 0 0 1 noreply\r\nv\r\n",
    "odd-keys": _set(b"a\tb", b"1") + _set(b"\xc3\xa9", b"2") + b"get a\tb \xc3\xa9\r\n",
    "flags": (_set(b"f", b"1", 4294967295) + b"get f\r\nset f 4294967296 0 1\r\n1\r\nget f\r\n"
              b"set f -1 0 1\r\n1\r\nset f +5 0 1\r\n1\r\nget f\r\nset f -0 0 1\r\n1\r\nget f\r\n"
              b"set f 18446744073709551616 0 1\r\n1\r\nset f 1x 0 1\r\n1\r\n"),
    "bad-numbers": (b"set k abc 0 5\r\nhello\r\nset k 0 abc 1\r\nx\r\nset k 0 0 abc\r\nx\r\n"
                    b"set k 0 0 -1\r\nset k 0 0 2147483647\r\nget k\r\n"),
    "bad-token-counts": (b"set k 0 0\r\nset k 0 0 1 noreply x\r\nx\r\ncas k 0 0 1\r\nx\r\n"
                         b"set\r\nadd k\r\nappend\r\nreplace k 0\r\nprepend k 0 0 1 2 3\r\n"),
    "trailing-space": b"set k 0 0 3 \r\nhel\r\nget k \r\n",
    "leading-spaces": b"   set k 0 0 1\r\nx\r\n   get   k  \r\n",
    "bare-lf": b"set k 0 0 1\nx\r\nget k\n",
    # -- data chunks -------------------------------------------------------------
    "bad-chunk-long": b"set k 0 0 3\r\nhello\r\nget k\r\n",
    "bad-chunk-lf": b"set k 0 0 3\r\nhel\n\r\nget k\r\n",
    "bad-chunk-noreply": b"set k 0 0 3 noreply\r\nhello\r\nget k\r\n",
    "bad-chunk-keeps-old": _set(b"k", b"old") + b"set k 0 0 1\r\nxy\r\nget k\r\n",
    # -- sizes ---------------------------------------------------------------------
    "too-large": b"set k 0 0 %d\r\n%s\r\nget k\r\n" % (BIG, b"x" * BIG),
    "too-large-set-deletes-old": (_set(b"k", b"old") + b"set k 0 0 %d\r\n%s\r\nget k\r\n"
                                  % (BIG, b"x" * BIG)),
    "too-large-add-keeps-old": (_set(b"k", b"old") + b"add k 0 0 %d\r\n%s\r\n"
                                b"replace k 0 0 %d\r\n%s\r\nget k\r\n"
                                % (BIG, b"x" * BIG, BIG, b"x" * BIG)),
    "too-large-noreply": b"set k 0 0 %d noreply\r\n%s\r\nget k\r\n" % (BIG, b"y" * BIG),
    "size-boundary": (b"set k 0 0 1048516\r\n%s\r\nset k 0 0 1048517\r\n%s\r\n"
                      b"set k 1 0 1048512\r\n%s\r\nset k 1 0 1048513\r\n%s\r\n"
                      b"set kkkkkkkkkk 0 0 1048507\r\n%s\r\nset kkkkkkkkkk 0 0 1048508\r\n%s\r\n"
                      % (b"a" * 1048516, b"a" * 1048517, b"b" * 1048512, b"b" * 1048513,
                         b"c" * 1048507, b"c" * 1048508)),
    "facts-boundary": (b"set x 0 0 1048476\r\n%s\r\nset x 0 0 1048576\r\n%s\r\n"
                       % (b"a" * 1048476, b"a" * 1048576)),
    "chunked-item": (_set(b"big", bytes(range(256)) * 2400) + b"get big\r\n"
                     b"append big 0 0 3\r\nend\r\nincr big 1\r\ngets big\r\n"),
    "append-too-large": (_set(b"k", b"x" * 1048000) + b"append k 0 0 1000\r\n%s\r\nget k\r\n"
                         % (b"y" * 1000)),
    # -- cas -----------------------------------------------------------------------
    "cas": (b"cas k 0 0 1 1\r\nx\r\n" + _set(b"k", b"x") + b"gets k\r\ncas k 0 0 1 999\r\ny\r\n"
            b"cas k 0 0 1 0\r\ny\r\ncas k 0 0 1 abc\r\ny\r\ncas k 0 0 1 -1\r\ny\r\ngets k\r\n"),
    "cas-noreply": _set(b"k", b"x") + b"cas k 0 0 1 12345 noreply\r\ny\r\ncas q 0 0 1 1 noreply\r\nz\r\nget k q\r\n",
    # -- retrieval -----------------------------------------------------------------
    "get-many": (_set(b"a", b"1") + _set(b"b", b"22", 3) + b"get a b c a\r\ngets c b\r\n"),
    "get-too-few": b"get\r\nget \r\ngets\r\ngat\r\ngat 10\r\ngats 10\r\nbget\r\n",
    "get-251-in-middle": _set(b"a", b"1") + b"get a " + K251 + b" a\r\n",
    "get-30-keys": b"".join(_set(b"k%d" % i, b"%d" % i) for i in range(30))
                   + b"get " + b" ".join(b"k%d" % i for i in range(30)) + b"\r\n",
    "get-32-tokens-gets": b"gets " + b" ".join(b"m%d" % i for i in range(32)) + b"\r\n",
    "bget": _set(b"a", b"1") + b"bget a\r\n",
    "gat": (_set(b"a", b"1") + b"gat 100 a b\r\ngats 0 a\r\ngat abc a\r\ngat -1 a\r\nget a\r\n"),
    "gats-cas-unchanged": _set(b"a", b"1") + b"gets a\r\ngats 100 a\r\ngets a\r\n",
    # -- touch ---------------------------------------------------------------------
    "touch": (b"touch k\r\ntouch k abc\r\ntouch k 10\r\ntouch k 10 noreply\r\n" + _set(b"k", b"v")
              + b"touch k 1000\r\ntouch k 0 noreply\r\ntouch k -1\r\nget k\r\n"
              b"touch " + K251 + b" 10\r\n"),
    # -- expiry (only deterministic cases: never, already expired, far future) -----
    "exptime-negative": _set(b"a", b"1", 0, -1) + b"get a\r\n",
    "exptime-30-days": _set(b"a", b"1", 0, 2592000) + b"get a\r\n",
    "exptime-30-days-plus-1": _set(b"a", b"1", 0, 2592001) + b"get a\r\n",
    "exptime-absolute-future": _set(b"a", b"1", 0, 4102444800) + b"get a\r\n",
    "exptime-absolute-past": _set(b"a", b"1", 0, 1000000000) + b"get a\r\n",
    "exptime-int32-wrap": (b"set a 0 2147483648 1\r\n1\r\nset b 0 -2147483649 1\r\n2\r\n"
                           b"set c 0 4294967296 1\r\n3\r\nget a b c\r\n"),
    "expired-then-add": _set(b"a", b"1", 0, -1) + b"add a 0 0 1\r\n2\r\nget a\r\n",
    "expired-replace-append-incr": (_set(b"a", b"1", 0, -1) + b"replace a 0 0 1\r\n2\r\n"
                                    b"append a 0 0 1\r\n3\r\nincr a 1\r\ntouch a 10\r\ndelete a\r\n"),
    # -- incr / decr ---------------------------------------------------------------
    "incr-decr": (_set(b"c", b"100") + b"gets c\r\ndecr c 95\r\ngets c\r\nincr c 1000\r\n"
                  b"gets c\r\ndecr c 99999\r\nget c\r\n"),
    "incr-grow": _set(b"c", b"99") + b"incr c 1\r\nget c\r\nincr c 18446744073709551615\r\nget c\r\n",
    "incr-wrap": _set(b"c", b"18446744073709551615") + b"incr c 1\r\nget c\r\nincr c 2\r\nget c\r\n",
    "incr-odd-values": (_set(b"c", b"-1") + b"incr c 1\r\n" + _set(b"c", b"-0") + b"incr c 1\r\n"
                        + _set(b"c", b" 12") + b"incr c 1\r\nget c\r\n" + _set(b"c", b"12 34")
                        + b"incr c 1\r\nget c\r\n" + _set(b"c", b"12a") + b"incr c 1\r\n"
                        + _set(b"c", b"") + b"incr c 1\r\n" + _set(b"c", b"+7")
                        + b"incr c 1\r\nget c\r\n" + _set(b"c", b"0000000000000000000000001")
                        + b"incr c 1\r\nget c\r\n" + _set(b"c", b"9" * 30) + b"incr c 1\r\n"
                        + _set(b"c", b"\t5") + b"decr c 1\r\nget c\r\n"),
    "incr-bad-delta": (_set(b"c", b"1") + b"incr c -1\r\nincr c abc\r\n"
                       b"incr c 18446744073709551616\r\nincr c +5\r\nincr c 1x\r\nget c\r\n"),
    "incr-missing": b"incr nokey 1\r\ndecr nokey 1\r\nincr nokey 1 noreply\r\n",
    "incr-noreply": _set(b"c", b"5") + b"incr c 5 noreply\r\ndecr c 1 noreply\r\nget c\r\n",
    "incr-counts": b"incr\r\nincr c\r\nincr c 1 2 3\r\ndecr c\r\nincr " + K251 + b" 1\r\n",
    "incr-flags-kept": _set(b"c", b"9", 77) + b"incr c 1\r\ngets c\r\n",
    # -- delete --------------------------------------------------------------------
    "delete": (_set(b"k", b"v") + b"delete\r\ndelete k\r\ndelete k\r\ndelete k 0\r\n"
               b"delete k 1\r\ndelete k noreply\r\ndelete k 0 noreply\r\ndelete k 0 0\r\n"
               b"delete k x noreply\r\ndelete k 0 noreply x\r\ndelete noreply\r\n"
               b"delete " + K251 + b"\r\n"),
    "delete-noreply-hit": _set(b"k", b"v") + b"delete k noreply\r\nget k\r\n",
    # -- flush_all -----------------------------------------------------------------
    "flush": _set(b"a", b"1") + _set(b"b", b"2") + b"flush_all\r\nget a b\r\n" + _set(b"a", b"3") + b"gets a\r\n",
    "flush-forms": (b"flush_all abc\r\nflush_all 0 0\r\nflush_all -1\r\nflush_all noreply\r\n"
                    b"flush_all 0 noreply\r\nflush_all 1 2 3\r\nflush_all 1x\r\n"),
    "flush-delayed-far": _set(b"a", b"1") + b"flush_all 100000\r\nget a\r\nflush_all\r\nget a\r\n",
    "flush-absolute-past": _set(b"a", b"1") + b"flush_all 1000000000\r\nget a\r\n",
    "flush-cas-order": _set(b"a", b"1") + b"gets a\r\nflush_all\r\n" + _set(b"a", b"2") + b"gets a\r\n",
    # -- misc commands ---------------------------------------------------------------
    "version": b"version\r\nversion extra args\r\n",
    "verbosity": (b"verbosity 1\r\nverbosity\r\nverbosity abc\r\nverbosity 1 noreply\r\n"
                  b"verbosity 1 2 3\r\nverbosity 0\r\n"),
    "stats-sub": (b"stats foo\r\nstats detail\r\nstats detail on\r\nstats detail off\r\n"
                  b"stats detail bogus\r\nstats cachedump\r\n"),
    "shutdown": b"shutdown\r\n",
    "slabs": (b"slabs\r\nslabs reassign 1 1\r\nslabs reassign 1 99\r\nslabs reassign 1 2\r\n"
              b"slabs reassign a b\r\nslabs foo bar baz\r\nslabs automove 0\r\n"
              b"slabs automove 7\r\nslabs automove x\r\n"),
    "cache_memlimit": b"cache_memlimit\r\ncache_memlimit 4\r\ncache_memlimit abc\r\ncache_memlimit 2000000000\r\n",
    # -- garbage -------------------------------------------------------------------
    "unknown": b"foo\r\nfoo bar baz\r\nGET k\r\nSet k 0 0 1\r\nx\r\n",
    "empty-lines": b"\r\n\n\r\r\n   \r\nx\r\n",
    "tab-separated": b"get\tk\r\nset\tk\t0\t0\t1\r\nx\r\n",
    "nul-in-line": _set(b"a", b"1") + b"get a\x00b\r\nget\x00 a\r\n",
    "high-bytes": b"\x80\x81\xfe\xff\r\n\xc3\xa9t\xc3\xa9\r\n",
    "many-tokens": b"set " + b" ".join([b"x"] * 40) + b"\r\nfoo " + b"a " * 40 + b"\r\n",
    "garbage-mix": b"%$#@!\r\n1 2 3\r\n-1\r\n\x1b[A\r\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_reply(mc_pair, name):
    mc_pair.assert_same(CASES[name], cas_seen=({}, {}))


def test_case_count():
    """The hand-written differential cases cover every command (report number)."""
    assert len(CASES) >= 70


CLOSING = {
    "quit": b"quit\r\n",
    "quit-after-get": b"set a 0 0 1\r\n1\r\nget a\r\nquit extra\r\nget a\r\n",
    "http": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "line-too-long": b"x" * 3000,
    "set-line-too-long": b"set " + b"k" * 2100,
    "leading-space-get-too-long": b" " * 101 + b"get " + b"k" * 3000,
}


@pytest.mark.parametrize("name", sorted(CLOSING))
def test_connection_closing(real_mc, engine_mc, name):
    raw = CLOSING[name]
    with mc_wire.TextClient(real_mc) as r, mc_wire.TextClient(engine_mc) as e:
        real = r.call_until_close(raw, timeout=0.5)
        eng = e.call_until_close(raw, timeout=0.5)
    assert eng == real


def test_long_multiget_line_stays_open(real_mc, engine_mc):
    """A get line may be longer than 2048 bytes, even in pieces."""
    keys = b" ".join(b"key%04d" % i for i in range(600))
    with mc_wire.TextClient(real_mc) as r, mc_wire.TextClient(engine_mc) as e:
        for c in (r, e):
            c.sock.sendall(b"get " + keys[:3000])
        import time
        time.sleep(0.1)
        assert r.call(keys[3000:] + b"\r\n") == e.call(keys[3000:] + b"\r\n") == b"END\r\n"


def test_fragmented_storage_command(mc_pair):
    """A command and its data block split across many TCP segments."""
    import time
    raw = _set(b"frag", b"0123456789" * 50) + b"get frag\r\n"
    for c in (mc_pair.real, mc_pair.engine):
        for i in range(0, len(raw), 7):
            c.sock.sendall(raw[i:i + 7])
            if i % 70 == 0:
                time.sleep(0.001)
    real = mc_pair.real.call(b"")
    eng = mc_pair.engine.call(b"")
    assert eng == real and b"VALUE frag 0 500" in real
