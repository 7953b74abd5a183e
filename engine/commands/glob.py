"""Glob-style pattern matching, a port of Redis's ``stringmatchlen`` (util.c).

KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE and ACL key patterns all use it:

* ``*`` any run of bytes, ``?`` exactly one byte;
* ``[abc]`` one of, ``[^abc]`` none of, ``[a-z]`` a range (ends may be reversed);
* ``\\x`` the byte x literally.

Python's ``fnmatch`` differs (``[!a]`` for negation, no backslash escapes), so
we port the C code, edge cases included — an unclosed ``[`` for instance.
"""
from __future__ import annotations


def match(pattern: bytes, string: bytes, nocase: bool = False) -> bool:
    """True if ``string`` matches the glob ``pattern``."""
    if pattern == b"*":
        return True
    skip = [False]
    return _match(pattern, 0, string, 0, nocase, skip)


def _lower(c: int) -> int:
    return c + 32 if 65 <= c <= 90 else c


def _match(p: bytes, pi: int, s: bytes, si: int, nocase: bool, skip) -> bool:
    plen, slen = len(p), len(s)

    def at(i):  # C strings end in NUL: reading past the end sees 0
        return p[i] if i < plen else 0

    while pi < plen and si < slen:
        c = p[pi]
        if c == 42:  # '*'
            while pi < plen and at(pi + 1) == 42:
                pi += 1
            if plen - pi == 1:
                return True
            while si < slen:
                if _match(p, pi + 1, s, si, nocase, skip):
                    return True
                if skip[0]:
                    return False
                si += 1
            skip[0] = True
            return False
        elif c == 63:  # '?'
            si += 1
        elif c == 91:  # '['
            pi += 1
            negate = at(pi) == 94  # '^'
            if negate:
                pi += 1
            matched = False
            sc = s[si]
            while True:
                if at(pi) == 92 and plen - pi >= 2:  # backslash escape
                    pi += 1
                    if p[pi] == sc:
                        matched = True
                elif at(pi) == 93:  # ']'
                    break
                elif pi >= plen:
                    pi -= 1
                    break
                elif plen - pi >= 3 and p[pi + 1] == 45:  # range a-z
                    start, end, ch = p[pi], p[pi + 2], sc
                    if start > end:
                        start, end = end, start
                    if nocase:
                        start, end, ch = _lower(start), _lower(end), _lower(ch)
                    pi += 2
                    if start <= ch <= end:
                        matched = True
                else:
                    if (p[pi] == sc) if not nocase else (_lower(p[pi]) == _lower(sc)):
                        matched = True
                pi += 1
            if negate:
                matched = not matched
            if not matched:
                return False
            si += 1
        else:
            if c == 92 and plen - pi >= 2:  # backslash: next byte literally
                pi += 1
                c = p[pi]
            if (c != s[si]) if not nocase else (_lower(c) != _lower(s[si])):
                return False
            si += 1
        pi += 1
        if si == slen:
            while at(pi) == 42:
                pi += 1
            break
    return pi >= plen and si == slen
