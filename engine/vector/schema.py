"""FT.CREATE's arguments, parsed into an index definition.

The grammar is ElastiCache's (Valkey vector search)::

    FT.CREATE <index> [ON HASH] [PREFIX <count> <prefix>...]
        SCHEMA (<field> [AS <alias>]
                 ( VECTOR HNSW|FLAT <attr_count> <attr> <value>...
                 | TAG [SEPARATOR <sep>] [CASESENSITIVE]
                 | NUMERIC ))+

Vector attributes: TYPE FLOAT32 (the only type), DIM 1–32768, DISTANCE_METRIC
L2|IP|COSINE — all three required — and INITIAL_CAP, plus for HNSW M (≤512),
EF_CONSTRUCTION and EF_RUNTIME (≤4096). Defaults are ElastiCache's: M 16,
EF_CONSTRUCTION 200, EF_RUNTIME 10, INITIAL_CAP 1024.

Where RediSearch differs, this follows ElastiCache: only HASH documents (JSON
is refused here, the engine has no JSON type), no TEXT fields, no FT.ALTER.
RediSearch-only options that redis-py's ``IndexDefinition`` always sends
(``SCORE 1.0``) and index options with no effect here (``LANGUAGE``,
``SKIPINITIALSCAN``, ``SORTABLE`` …) are accepted and ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .distance import METRICS
from .hnsw import DEFAULT_EF_CONSTRUCTION, DEFAULT_EF_RUNTIME, DEFAULT_M, MAX_EF, MAX_M

MAX_DIM = 32768
DEFAULT_INITIAL_CAP = 1024


class SearchError(ValueError):
    """Bad FT.* input; the command layer answers ``-ERR <message>``."""


@dataclass
class VectorSpec:
    algorithm: str          # "HNSW" or "FLAT"
    dim: int
    metric: str
    type: str = "FLOAT32"
    initial_cap: int = DEFAULT_INITIAL_CAP
    m: int = DEFAULT_M
    ef_construction: int = DEFAULT_EF_CONSTRUCTION
    ef_runtime: int = DEFAULT_EF_RUNTIME


@dataclass
class FieldSpec:
    name: bytes             # the hash field it reads
    alias: bytes            # the name queries use (@alias); = name without AS
    kind: str               # "VECTOR", "TAG" or "NUMERIC"
    separator: bytes = b","
    case_sensitive: bool = False
    vector: Optional[VectorSpec] = None


@dataclass
class IndexSpec:
    name: bytes
    prefixes: List[bytes] = field(default_factory=list)
    fields: List[FieldSpec] = field(default_factory=list)

    def field(self, alias: bytes) -> Optional[FieldSpec]:
        for f in self.fields:
            if f.alias == alias:
                return f
        return None

    def matches(self, key: bytes) -> bool:
        """Does this index cover ``key``? (No PREFIX: every hash.)"""
        return not self.prefixes or any(key.startswith(p) for p in self.prefixes)


def _int(raw: bytes, what: str, lo: int, hi: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SearchError(f"{what} must be an integer, got '{_s(raw)}'") from None
    if not lo <= value <= hi:
        raise SearchError(f"{what} must be between {lo} and {hi}, got {value}")
    return value


def _s(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


# Index-level options RediSearch accepts that change nothing here, with how
# many arguments follow each.
_IGNORED_INDEX_OPTIONS = {b"SCORE": 1, b"LANGUAGE": 1, b"LANGUAGE_FIELD": 1, b"SCORE_FIELD": 1,
                          b"PAYLOAD_FIELD": 1, b"MAXTEXTFIELDS": 0, b"NOOFFSETS": 0, b"NOHL": 0,
                          b"NOFIELDS": 0, b"NOFREQS": 0, b"SKIPINITIALSCAN": 0,
                          b"MINSTEMSIZE": 1, b"WITHOFFSETS": 0, b"NOSTOPWORDS": 0}


def parse_create(args: List[bytes]) -> IndexSpec:
    """``args`` = everything after FT.CREATE (index name first)."""
    if not args:
        raise SearchError("wrong number of arguments for 'FT.CREATE' command")
    spec = IndexSpec(name=args[0])
    i = 1
    n = len(args)
    while i < n and args[i].upper() != b"SCHEMA":
        opt = args[i].upper()
        if opt == b"ON":
            if i + 1 >= n:
                raise SearchError("ON needs a data type: HASH")
            kind = args[i + 1].upper()
            if kind == b"JSON":
                raise SearchError("ON JSON is not supported by this engine (no JSON type): use ON HASH")
            if kind != b"HASH":
                raise SearchError(f"unknown data type '{_s(args[i + 1])}': use ON HASH")
            i += 2
        elif opt == b"PREFIX":
            if i + 1 >= n:
                raise SearchError("PREFIX needs a count")
            count = _int(args[i + 1], "PREFIX count", 1, 1 << 20)
            if i + 2 + count > n:
                raise SearchError("PREFIX count is larger than the number of prefixes given")
            spec.prefixes = list(args[i + 2:i + 2 + count])
            if any(p.upper() == b"SCHEMA" for p in spec.prefixes):
                raise SearchError("PREFIX count is larger than the number of prefixes given")
            i += 2 + count
        elif opt == b"STOPWORDS":
            count = _int(args[i + 1], "STOPWORDS count", 0, 1 << 20) if i + 1 < n else 0
            i += 2 + count
        elif opt in _IGNORED_INDEX_OPTIONS:
            i += 1 + _IGNORED_INDEX_OPTIONS[opt]
        else:
            raise SearchError(f"unknown argument '{_s(args[i])}' in FT.CREATE")
    if i >= n:
        raise SearchError("FT.CREATE needs SCHEMA followed by at least one field")
    i += 1
    if i >= n:
        raise SearchError("SCHEMA needs at least one field")
    while i < n:
        f, i = _parse_field(args, i)
        if spec.field(f.alias) is not None:
            raise SearchError(f"duplicate field name '{_s(f.alias)}'")
        spec.fields.append(f)
    return spec


def _parse_field(args: List[bytes], i: int):
    n = len(args)
    name = args[i]
    alias = name
    i += 1
    if i + 1 < n and args[i].upper() == b"AS":
        alias = args[i + 1]
        i += 2
    if i >= n:
        raise SearchError(f"field '{_s(name)}' needs a type: VECTOR, TAG or NUMERIC")
    kind = args[i].upper()
    i += 1
    if kind == b"TAG":
        f = FieldSpec(name, alias, "TAG")
        while i < n:
            opt = args[i].upper()
            if opt == b"SEPARATOR" and i + 1 < n:
                if len(args[i + 1]) != 1:
                    raise SearchError("TAG SEPARATOR must be a single character")
                f.separator = args[i + 1]
                i += 2
            elif opt == b"CASESENSITIVE":
                f.case_sensitive = True
                i += 1
            elif opt in (b"SORTABLE", b"UNF", b"NOINDEX", b"WITHSUFFIXTRIE"):
                i += 1
            else:
                break
        return f, i
    if kind == b"NUMERIC":
        while i < n and args[i].upper() in (b"SORTABLE", b"UNF", b"NOINDEX"):
            i += 1
        return FieldSpec(name, alias, "NUMERIC"), i
    if kind == b"VECTOR":
        return _parse_vector(args, i, name, alias)
    if kind in (b"TEXT", b"GEO", b"GEOSHAPE"):
        raise SearchError(f"{kind.decode()} fields are not supported by this engine "
                          "(ElastiCache vector search indexes VECTOR, TAG and NUMERIC fields)")
    raise SearchError(f"unknown field type '{_s(args[i - 1])}' for field '{_s(name)}'")


def _parse_vector(args, i, name, alias):
    n = len(args)
    if i >= n or args[i].upper() not in (b"HNSW", b"FLAT"):
        raise SearchError("VECTOR needs an algorithm: HNSW or FLAT")
    algorithm = args[i].upper().decode()
    if i + 1 >= n:
        raise SearchError("VECTOR needs an attribute count")
    count = _int(args[i + 1], "VECTOR attribute count", 0, 64)
    if count % 2:
        raise SearchError("VECTOR attribute count must be even (name value pairs)")
    i += 2
    if i + count > n:
        raise SearchError("VECTOR attribute count is larger than the attributes given")
    attrs: Dict[bytes, bytes] = {}
    for j in range(i, i + count, 2):
        attrs[args[j].upper()] = args[j + 1]
    i += count
    for required in (b"TYPE", b"DIM", b"DISTANCE_METRIC"):
        if required not in attrs:
            raise SearchError(f"VECTOR field '{_s(name)}' needs {required.decode()}")
    if attrs[b"TYPE"].upper() != b"FLOAT32":
        raise SearchError(f"vector TYPE '{_s(attrs[b'TYPE'])}' is not supported: only FLOAT32")
    metric = attrs[b"DISTANCE_METRIC"].upper().decode("ascii", "replace")
    if metric not in METRICS:
        raise SearchError(f"DISTANCE_METRIC must be L2, IP or COSINE, got '{metric}'")
    v = VectorSpec(algorithm, _int(attrs[b"DIM"], "DIM", 1, MAX_DIM), metric)
    known = {b"TYPE", b"DIM", b"DISTANCE_METRIC", b"INITIAL_CAP"}
    if b"INITIAL_CAP" in attrs:
        v.initial_cap = _int(attrs[b"INITIAL_CAP"], "INITIAL_CAP", 1, 1 << 24)
    if algorithm == "HNSW":
        known |= {b"M", b"EF_CONSTRUCTION", b"EF_RUNTIME"}
        if b"M" in attrs:
            v.m = _int(attrs[b"M"], "M", 2, MAX_M)
        if b"EF_CONSTRUCTION" in attrs:
            v.ef_construction = _int(attrs[b"EF_CONSTRUCTION"], "EF_CONSTRUCTION", 1, MAX_EF)
        if b"EF_RUNTIME" in attrs:
            v.ef_runtime = _int(attrs[b"EF_RUNTIME"], "EF_RUNTIME", 1, MAX_EF)
    unknown = set(attrs) - known
    if unknown:
        raise SearchError(f"unknown {algorithm} vector attribute '{_s(sorted(unknown)[0])}'")
    return FieldSpec(name, alias, "VECTOR", vector=v), i
