"""The FT.SEARCH query language (DIALECT 2), the part vector search uses.

    query   := filter [ "=>" "[" KNN <k> @<vector> $<param> [EF_RUNTIME <n>] [AS <name>] "]" ]
    filter  := "*" | or
    or      := and ( "|" and )*
    and     := unary+                      (terms side by side must all match)
    unary   := "-" unary | "(" or ")" | "*"
             | @<tag>:{ v1 | v2 ... }      (any of the values)
             | @<num>:[ <lo> <hi> ]        ("(" before a bound excludes it; -inf, +inf)

The part before ``=>`` is a *pre-filter*: it picks which documents the KNN may
return — "the 3 nearest vectors among products tagged red under $50" — so a
filtered KNN still returns k results when k documents pass the filter. ``$name``
stands for a value passed with ``PARAMS``: the vector itself (binary float32
bytes cannot travel inside a query string), and also k, EF_RUNTIME or a
numeric bound.

The parser returns a small tree of tuples that :mod:`engine.vector.ftindex`
evaluates against its tag and numeric indexes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from .schema import SearchError


@dataclass
class KNNClause:
    k: int
    field: bytes
    vector: bytes            # the raw FLOAT32 blob from PARAMS
    ef_runtime: Optional[int]
    score_name: bytes        # "AS" name, default __<field>_score


@dataclass
class ParsedQuery:
    filter: tuple            # ("all",) | ("tag", f, vals) | ("num", f, lo, hi) | ("and"/"or", [...]) | ("not", x)
    knn: Optional[KNNClause]


class _Parser:
    def __init__(self, text: str, params: Dict[bytes, bytes]):
        self.s = text
        self.i = 0
        self.params = params

    # -- helpers -------------------------------------------------------------
    def error(self, what: str) -> SearchError:
        return SearchError(f"Syntax error at offset {self.i} near '{self.s[self.i:self.i + 12]}': {what}")

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self.error(f"expected '{ch}'")
        self.i += 1

    def word(self) -> str:
        """A run of name characters (letters, digits, _ . - + and escaped chars)."""
        self.ws()
        start = self.i
        out = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\" and self.i + 1 < len(self.s):
                out.append(self.s[self.i + 1])
                self.i += 2
                continue
            if c.isalnum() or c in "_.-+$:":
                out.append(c)
                self.i += 1
                continue
            break
        if self.i == start:
            raise self.error("expected a name or a value")
        return "".join(out)

    def param(self, token: str) -> bytes:
        name = token[1:].encode()
        if name not in self.params:
            raise SearchError(f"No such parameter '{token[1:]}' (pass it with PARAMS)")
        return self.params[name]

    def value(self, token: str) -> str:
        return self.param(token).decode("utf-8", "replace") if token.startswith("$") else token

    # -- grammar -------------------------------------------------------------
    def parse(self) -> ParsedQuery:
        arrow = self._find_arrow()
        if arrow >= 0:
            body, self_knn = self.s[:arrow], self.s[arrow + 2:]
        else:
            body, self_knn = self.s, None
        self.s, self.i = body, 0
        if not body.strip():
            raise self.error("empty filter (use * to match every document)")
        filt = self.parse_or()
        if self.peek():
            raise self.error("unexpected text")
        knn = None
        if self_knn is not None:
            self.s, self.i = self_knn, 0
            knn = self.parse_knn()
        return ParsedQuery(filt, knn)

    def _find_arrow(self) -> int:
        """Where ``=>`` splits filter and KNN clause: outside parentheses,
        and skipping ``[...]``/``{...}`` (a range's ``(`` is not a group)."""
        s = self.s
        depth = 0
        j = 0
        while j < len(s):
            c = s[j]
            if c == "\\":
                j += 2
                continue
            if c in "[{":
                close = s.find("]" if c == "[" else "}", j + 1)
                j = close + 1 if close >= 0 else len(s)
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "=" and depth == 0 and s[j + 1:j + 2] == ">":
                return j
            j += 1
        return -1

    def parse_or(self):
        terms = [self.parse_and()]
        while self.peek() == "|":
            self.i += 1
            terms.append(self.parse_and())
        return terms[0] if len(terms) == 1 else ("or", terms)

    def parse_and(self):
        terms = []
        while self.peek() not in ("", "|", ")"):
            terms.append(self.parse_unary())
        if not terms:
            raise self.error("expected a filter term")
        return terms[0] if len(terms) == 1 else ("and", terms)

    def parse_unary(self):
        c = self.peek()
        if c == "-":
            self.i += 1
            return ("not", self.parse_unary())
        if c == "(":
            self.i += 1
            inner = self.parse_or()
            self.expect(")")
            return inner
        if c == "*":
            self.i += 1
            return ("all",)
        if c == "@":
            self.i += 1
            name = self.word()
            if name.endswith(":"):
                name = name[:-1]
            else:
                self.expect(":")
            c = self.peek()
            if c == "{":
                return self.parse_tags(name)
            if c == "[":
                return self.parse_range(name)
            raise self.error("expected {tags} or [numeric range] after the field name")
        raise self.error("plain text search is not supported: use @field:{tag} or @field:[lo hi]")

    def parse_tags(self, name: str):
        self.expect("{")
        values = []
        current = []
        while True:
            if self.i >= len(self.s):
                raise self.error("unterminated tag list (missing '}')")
            c = self.s[self.i]
            if c == "\\" and self.i + 1 < len(self.s):
                current.append(self.s[self.i + 1])
                self.i += 2
                continue
            self.i += 1
            if c in "|}":
                v = "".join(current).strip()
                if v:
                    values.append(self.value(v))
                current = []
                if c == "}":
                    break
            else:
                current.append(c)
        if not values:
            raise self.error("empty tag list")
        return ("tag", name.encode(), values)

    def parse_range(self, name: str):
        self.expect("[")
        lo, lo_ex = self.bound()
        if self.peek() == ",":
            self.i += 1
        hi, hi_ex = self.bound()
        self.expect("]")
        return ("num", name.encode(), lo, lo_ex, hi, hi_ex)

    def bound(self) -> Tuple[float, bool]:
        exclusive = False
        if self.peek() == "(":
            self.i += 1
            exclusive = True
        token = self.value(self.word())
        try:
            value = float(token)
        except ValueError:
            raise self.error(f"'{token}' is not a number") from None
        if math.isnan(value):
            raise self.error("NaN is not a valid bound")
        return value, exclusive

    def parse_knn(self) -> KNNClause:
        self.expect("[")
        if self.word().upper() != "KNN":
            raise self.error("expected KNN")
        k_token = self.value(self.word())
        try:
            k = int(k_token)
        except ValueError:
            raise self.error(f"KNN k must be an integer, got '{k_token}'") from None
        if k < 0:
            raise self.error("KNN k must not be negative")
        self.expect("@")
        fieldname = self.word()
        vec_token = self.word()
        if not vec_token.startswith("$"):
            raise self.error("the KNN vector must be a $parameter passed with PARAMS")
        blob = self.param(vec_token)
        ef = None
        score = b"__" + fieldname.encode() + b"_score"
        while self.peek() not in ("]", ""):
            opt = self.word().upper()
            if opt == "EF_RUNTIME":
                token = self.value(self.word())
                try:
                    ef = int(token)
                except ValueError:
                    raise self.error(f"EF_RUNTIME must be an integer, got '{token}'") from None
                if not 1 <= ef <= 4096:
                    raise SearchError("EF_RUNTIME must be between 1 and 4096")
            elif opt in ("AS", "YIELD_DISTANCE_AS"):
                score = self.word().encode()
            else:
                raise self.error(f"unknown KNN option '{opt}'")
        self.expect("]")
        if self.peek():
            raise self.error("unexpected text after the KNN clause")
        return KNNClause(k, fieldname.encode(), blob, ef, score)


def parse_query(text: bytes, params: Dict[bytes, bytes]) -> ParsedQuery:
    """Parse a DIALECT 2 query string; ``params`` are the PARAMS name -> value."""
    try:
        s = text.decode("utf-8")
    except UnicodeDecodeError:
        raise SearchError("the query string must be UTF-8 text (pass binary values with PARAMS)") from None
    return _Parser(s, params).parse()
