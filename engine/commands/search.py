"""Vector search commands: FT.CREATE, FT.SEARCH, FT.INFO, FT.DROPINDEX, FT._LIST.

ElastiCache for Valkey (8.2+) ships vector search as a module; Redis Stack has
the older RediSearch. Both speak the same ``FT.*`` language; where they differ
this engine follows ElastiCache's documented syntax (see engine/vector/schema.py
and query.py for the grammars, and the differences).

A vector search in four commands::

    FT.CREATE idx ON HASH PREFIX 1 doc: SCHEMA
        genre TAG  year NUMERIC
        vec VECTOR HNSW 6 TYPE FLOAT32 DIM 128 DISTANCE_METRIC COSINE
    HSET doc:1 genre scifi year 1999 vec <512 bytes: 128 float32>
    FT.SEARCH idx "(@genre:{scifi} @year:[1990 2000])=>[KNN 5 @vec $q AS score]"
        PARAMS 2 q <512 bytes> RETURN 2 genre score DIALECT 2
    FT.DROPINDEX idx

Replies have RediSearch's shape, which redis-py's ``r.ft()`` parses:
RESP2 ``[total, key, [field, value…], key, […]…]``; RESP3 a map with
``total_results`` and ``results`` (each ``{id, extra_attributes, values}``).
The KNN score is the *distance* (smaller = closer) as a string.

The index itself (engine/vector/) is kept current by a hook in the keyspace:
every HSET/HDEL/DEL/RENAME/expiry/eviction/FLUSH of a matching key re-indexes
that key before the command returns.
"""
from __future__ import annotations

import numpy as np

from ..protocol.replies import OK, Map, ReplyError, SetReply
from ..vector.ftindex import catalog, run_search
from ..vector.query import parse_query
from ..vector.schema import SearchError, parse_create
from .registry import command


def _err(e: SearchError) -> ReplyError:
    return ReplyError("ERR " + str(e))


@command("ft.create", arity=-2, flags="write denyoom", group="search", since="1.0.0",
         complexity="O(N log N) for HNSW, O(N) for FLAT, N = the hashes backfilled")
def ft_create(s, *args):
    """FT.CREATE index [ON HASH] [PREFIX n prefix…] SCHEMA field [AS alias] VECTOR|TAG|NUMERIC … — Create a search index

    Declares which hashes to index (by key prefix) and which of their fields:
    VECTOR (HNSW or FLAT, FLOAT32, DIM, DISTANCE_METRIC), TAG, NUMERIC. Hashes
    already in the database are indexed at once; later writes follow.
    """
    try:
        spec = parse_create(list(args))
        catalog(s.node).create(spec, s.db)
    except SearchError as e:
        raise _err(e) from None
    return OK


def _parse_int_arg(raw: bytes, what: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SearchError(f"{what} must be an integer, got '{raw.decode('utf-8', 'replace')}'") from None
    if value < 0:
        raise SearchError(f"{what} must not be negative")
    return value


class _SearchArgs:
    def __init__(self):
        self.params = {}
        self.returns = None       # None: every field; [] (NOCONTENT): none
        self.nocontent = False
        self.offset, self.count = 0, 10
        self.sortby = None
        self.desc = False


def _parse_search_args(args) -> _SearchArgs:
    o = _SearchArgs()
    i, n = 0, len(args)

    while i < n:
        opt = args[i].upper()
        if opt == b"NOCONTENT":
            o.nocontent = True
            i += 1
        elif opt in (b"VERBATIM", b"NOSTOPWORDS", b"WITHSORTKEYS"):
            i += 1
        elif opt in (b"WITHSCORES", b"WITHPAYLOADS", b"INKEYS", b"INFIELDS", b"HIGHLIGHT",
                     b"SUMMARIZE", b"GEOFILTER", b"FILTER", b"EXPANDER", b"SCORER"):
            raise SearchError(f"{opt.decode()} is not supported by ElastiCache vector search "
                              "(nor by this engine)")
        elif opt == b"PARAMS":
            if i + 1 >= n:
                raise SearchError("PARAMS needs a count")
            count = _parse_int_arg(args[i + 1], "PARAMS count")
            if count % 2 or i + 2 + count > n:
                raise SearchError("PARAMS needs an even count of name value arguments")
            for j in range(i + 2, i + 2 + count, 2):
                o.params[args[j]] = args[j + 1]
            i += 2 + count
        elif opt == b"RETURN":
            if i + 1 >= n:
                raise SearchError("RETURN needs a count")
            count = _parse_int_arg(args[i + 1], "RETURN count")
            if i + 2 + count > n:
                raise SearchError("RETURN count is larger than the fields given")
            tokens = list(args[i + 2:i + 2 + count])
            o.returns = []
            j = 0
            while j < len(tokens):   # field [AS alias] … (the count includes AS and alias)
                if j + 2 < len(tokens) and tokens[j + 1].upper() == b"AS":
                    o.returns.append((tokens[j], tokens[j + 2]))
                    j += 3
                else:
                    o.returns.append((tokens[j], tokens[j]))
                    j += 1
            i += 2 + count
        elif opt == b"LIMIT":
            if i + 2 >= n:
                raise SearchError("LIMIT needs offset and count")
            o.offset = _parse_int_arg(args[i + 1], "LIMIT offset")
            o.count = _parse_int_arg(args[i + 2], "LIMIT count")
            i += 3
        elif opt == b"SORTBY":
            if i + 1 >= n:
                raise SearchError("SORTBY needs a field")
            o.sortby = args[i + 1]
            i += 2
            if i < n and args[i].upper() in (b"ASC", b"DESC"):
                o.desc = args[i].upper() == b"DESC"
                i += 1
        elif opt == b"TIMEOUT":
            if i + 1 >= n:
                raise SearchError("TIMEOUT needs milliseconds")
            _parse_int_arg(args[i + 1], "TIMEOUT")
            i += 2
        elif opt == b"DIALECT":
            if i + 1 >= n:
                raise SearchError("DIALECT needs a number")
            dialect = _parse_int_arg(args[i + 1], "DIALECT")
            if dialect not in (2, 3, 4):
                raise SearchError("only DIALECT 2 is supported (vector queries need it)")
            i += 2
        else:
            raise SearchError(f"unknown argument '{args[i].decode('utf-8', 'replace')}' in FT.SEARCH")
    return o


def _format_score(d: float) -> bytes:
    return str(np.float32(d)).encode()   # float32 precision, shortest form


def _live_hits(s, index, parsed):
    """Run the search; keys whose TTL has passed but that nobody has touched
    yet are expired now (as a read would) and the search runs again. A hit
    whose key is gone without the index hearing of it (SWAPDB moves whole
    databases) is dropped from the index the same way."""
    db = s.node.dbs[index.db_index]
    for _ in range(100):
        total, hits = run_search(index, parsed)
        now = s.node.now
        stale = []
        for k, _ in hits:
            e = db.data.get(k)
            if e is None or e.type != "hash" or (e.expire_at is not None and e.expire_at < now):
                stale.append((k, e))
        if not stale:
            return db, total, hits
        for k, e in stale:
            if e is not None and e.type == "hash":
                db.expire(k, e)
            else:
                index.remove(k)
    return db, total, hits


@command("ft.search", arity=-3, flags="readonly", group="search", since="1.0.0",
         complexity="O(log N) for HNSW KNN, O(N) for FLAT KNN and for filters")
def ft_search(s, index_name, query, *args):
    """FT.SEARCH index query [NOCONTENT] [RETURN n field [AS alias]…] [PARAMS n name value…] [LIMIT offset count] [SORTBY field] [DIALECT 2] — Search an index

    ``query`` is a filter (``*``, ``@tag:{a|b}``, ``@num:[lo hi]``, combined
    with spaces = AND, ``|`` = OR, ``-`` = NOT) optionally followed by
    ``=>[KNN k @vector $param [EF_RUNTIME n] [AS score]]``. Replies the number
    of results, then each key with its fields; KNN results come nearest first
    with their distance in the score field.
    """
    try:
        index = catalog(s.node).get(index_name)
        o = _parse_search_args(args)
        parsed = parse_query(query, o.params)
        db, total, hits = _live_hits(s, index, parsed)
        score_name = parsed.knn.score_name if parsed.knn else None
        if o.sortby is not None:
            if o.sortby == score_name:
                if o.desc:
                    hits = hits[::-1]
            else:
                f = index.field(o.sortby)
                if f.kind != "NUMERIC":
                    raise SearchError("SORTBY needs a NUMERIC field or the KNN score")
                values = index.numbers[f.alias]
                hits = sorted(hits, key=lambda h: (values.get(h[0], float("inf")), h[0]),
                              reverse=o.desc)
    except SearchError as e:
        raise _err(e) from None
    page = hits[o.offset:o.offset + o.count]
    docs = []
    for key, dist in page:
        e = db.data.get(key)
        h = e.value if e is not None and e.type == "hash" else {}
        fields = []
        if not o.nocontent:
            if o.returns is None:
                if dist is not None:
                    fields += [score_name, _format_score(dist)]
                for fname, value in h.items():
                    fields += [fname, value]
            else:
                for name, alias in o.returns:
                    if name == score_name and dist is not None:
                        fields += [alias, _format_score(dist)]
                        continue
                    spec = index.spec.field(name)
                    value = h.get(spec.name if spec is not None else name)
                    if value is not None:
                        fields += [alias, value]
        docs.append((key, fields))
    if s.protocol == 3:
        results = []
        for key, fields in docs:
            item = Map([(b"id", key)])
            if not o.nocontent:
                item[b"extra_attributes"] = Map(zip(fields[::2], fields[1::2]))
            item[b"values"] = []
            results.append(item)
        return Map([(b"attributes", []), (b"format", b"STRING"), (b"results", results),
                    (b"total_results", total), (b"warning", [])])
    reply = [total]
    for key, fields in docs:
        reply.append(key)
        if not o.nocontent:
            reply.append(fields)
    return reply


def _info_value(v):
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, list):
        return [_info_value(x) for x in v]
    if isinstance(v, dict):
        out = []
        for k, x in v.items():
            out += [k.encode(), _info_value(x)]
        return out
    return v


@command("ft.info", arity=2, flags="readonly", group="search", since="1.0.0", complexity="O(1)")
def ft_info(s, index_name):
    """FT.INFO index — Describe an index

    Its definition (key type, prefixes), each attribute (for vectors: algorithm,
    DIM, metric, M/EF, size and memory) and counts: ``num_docs``,
    ``hash_indexing_failures``.
    """
    try:
        info = catalog(s.node).get(index_name).info()
    except SearchError as e:
        raise _err(e) from None
    definition = [b"key_type", b"HASH", b"prefixes", list(info["prefixes"]), b"default_score", b"1"]
    pairs = [
        (b"index_name", info["index_name"]),
        (b"index_options", []),
        (b"index_definition", definition),
        (b"attributes", [_info_value(a) for a in info["attributes"]]),
        (b"num_docs", info["num_docs"]),
        (b"hash_indexing_failures", info["hash_indexing_failures"]),
        (b"indexing", 0),
        (b"percent_indexed", b"1"),
    ]
    if s.protocol == 3:
        return Map(pairs)
    out = []
    for k, v in pairs:
        out += [k, v]
    return out


@command("ft.dropindex", arity=-2, flags="write", group="search", since="1.0.0", complexity="O(1)")
def ft_dropindex(s, index_name, *options):
    """FT.DROPINDEX index [DD] — Delete an index

    The index goes; the hashes stay. ``DD`` (a RediSearch option ElastiCache
    does not list) also deletes the indexed hashes.
    """
    if len(options) > 1 or (options and options[0].upper() != b"DD"):
        raise ReplyError("ERR syntax error: FT.DROPINDEX index [DD]")
    try:
        index = catalog(s.node).drop(index_name)
    except SearchError as e:
        raise _err(e) from None
    if options:
        db = s.node.dbs[index.db_index]
        for key in sorted(index.docs):
            db.delete(key)
    return OK


@command("ft._list", arity=1, flags="readonly", group="search", since="1.0.0", complexity="O(N)")
def ft_list(s):
    """FT._LIST — The names of all indexes

    Every index on this node, in creation order.
    """
    names = list(catalog(s.node).indexes)
    return SetReply(names) if s.protocol == 3 else names
