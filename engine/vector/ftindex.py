"""Search indexes over hashes: what FT.CREATE builds and FT.SEARCH reads.

An index watches the keys that match its PREFIXes. Whenever such a key is
written — HSET, HDEL, DEL, RENAME, expiry, eviction, FLUSHALL — the keyspace
calls :meth:`Catalog.key_changed` and the index re-reads that one hash:

* TAG fields go into an inverted index ``value -> {keys}`` (a tag filter is a
  dictionary lookup, not a scan);
* NUMERIC fields into ``key -> number`` (a range filter scans these numbers —
  Redis uses a range tree; at lab sizes a scan is simpler and as fast);
* VECTOR fields into a :class:`~engine.vector.flat.FlatIndex` or
  :class:`~engine.vector.hnsw.HNSWIndex`. A hash whose vector field is not
  exactly ``DIM × 4`` bytes of FLOAT32 is counted in ``hash_indexing_failures``
  and left out of that vector index, as the real module does.

Indexes are synchronous here: a write is searchable as soon as the command that
made it returns (ElastiCache backfills existing keys in the background after
FT.CREATE; this engine backfills at once).
"""
from __future__ import annotations

import weakref
from typing import Dict, List, Optional, Set

import numpy as np

from .flat import FlatIndex
from .hnsw import HNSWIndex
from .query import KNNClause, ParsedQuery
from .schema import FieldSpec, IndexSpec, SearchError


def decode_vector(blob: bytes, dim: int) -> np.ndarray:
    """FLOAT32 bytes (little-endian, as numpy's ``tobytes()`` writes them) -> vector."""
    if len(blob) != dim * 4:
        raise SearchError(f"vector blob is {len(blob)} bytes; the index expects DIM {dim} x 4 = "
                          f"{dim * 4} bytes of FLOAT32")
    return np.frombuffer(blob, dtype="<f4")


class SearchIndex:
    """One FT index: its spec and the structures built from the matching hashes."""

    def __init__(self, spec: IndexSpec, db_index: int = 0, seed: int = 0):
        self.spec = spec
        self.db_index = db_index
        self.seed = seed
        self.docs: Set[bytes] = set()
        self.tags: Dict[bytes, Dict[bytes, Set[bytes]]] = {}
        self.doc_tags: Dict[bytes, Dict[bytes, Set[bytes]]] = {}
        self.numbers: Dict[bytes, Dict[bytes, float]] = {}
        self.vectors: Dict[bytes, object] = {}
        self._blobs: Dict[bytes, Dict[bytes, bytes]] = {}   # what each vector index holds
        self.failures = 0
        for f in spec.fields:
            if f.kind == "TAG":
                self.tags[f.alias] = {}
                self.doc_tags[f.alias] = {}
            elif f.kind == "NUMERIC":
                self.numbers[f.alias] = {}
            else:
                v = f.vector
                if v.algorithm == "FLAT":
                    self.vectors[f.alias] = FlatIndex(v.dim, v.metric, initial_cap=v.initial_cap)
                else:
                    self.vectors[f.alias] = HNSWIndex(
                        v.dim, v.metric, M=v.m, ef_construction=v.ef_construction,
                        ef_runtime=v.ef_runtime, initial_cap=v.initial_cap, seed=seed)
                self._blobs[f.alias] = {}

    @property
    def name(self) -> bytes:
        return self.spec.name

    # -- maintenance ---------------------------------------------------------
    def update(self, key: bytes, fields: Optional[dict]) -> None:
        """Re-index ``key`` from its hash ``fields`` (None: the key is gone)."""
        if fields is None:
            self.remove(key)
            return
        self.docs.add(key)
        for f in self.spec.fields:
            raw = fields.get(f.name)
            if f.kind == "TAG":
                self._set_tags(f, key, raw)
            elif f.kind == "NUMERIC":
                self._set_number(f, key, raw)
            else:
                self._set_vector(f, key, raw)

    def _set_tags(self, f: FieldSpec, key: bytes, raw: Optional[bytes]) -> None:
        new = set() if raw is None else split_tags(raw, f)
        old = self.doc_tags[f.alias].get(key, set())
        if new == old:
            return
        postings = self.tags[f.alias]
        for t in old - new:
            keys = postings.get(t)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del postings[t]
        for t in new - old:
            postings.setdefault(t, set()).add(key)
        if new:
            self.doc_tags[f.alias][key] = new
        else:
            self.doc_tags[f.alias].pop(key, None)

    def _set_number(self, f: FieldSpec, key: bytes, raw: Optional[bytes]) -> None:
        values = self.numbers[f.alias]
        try:
            values[key] = float(raw)
        except (TypeError, ValueError):
            if raw is not None:
                self.failures += 1
            values.pop(key, None)

    def _set_vector(self, f: FieldSpec, key: bytes, raw: Optional[bytes]) -> None:
        blobs = self._blobs[f.alias]
        if raw is not None and blobs.get(key) == raw:
            return   # unchanged: do not re-insert into the graph (e.g. HINCRBY hits)
        index = self.vectors[f.alias]
        if raw is None or len(raw) != f.vector.dim * 4:
            if raw is not None:
                self.failures += 1
            if blobs.pop(key, None) is not None:
                index.remove(key)
            return
        index.add(key, np.frombuffer(raw, dtype="<f4"))
        blobs[key] = bytes(raw)

    def remove(self, key: bytes) -> None:
        if key not in self.docs:
            return
        self.docs.discard(key)
        for f in self.spec.fields:
            if f.kind == "TAG":
                self._set_tags(f, key, None)
            elif f.kind == "NUMERIC":
                self.numbers[f.alias].pop(key, None)
            elif self._blobs[f.alias].pop(key, None) is not None:
                self.vectors[f.alias].remove(key)

    def clear(self) -> None:
        self.__init__(self.spec, self.db_index, self.seed)

    # -- querying ------------------------------------------------------------
    def field(self, alias: bytes) -> FieldSpec:
        f = self.spec.field(alias)
        if f is None:
            raise SearchError(f"Unknown field '{alias.decode('utf-8', 'replace')}' "
                              f"in index '{self.name.decode('utf-8', 'replace')}'")
        return f

    def matching(self, node) -> Set[bytes]:
        """The set of document keys a filter tree selects."""
        kind = node[0]
        if kind == "all":
            return set(self.docs)
        if kind == "tag":
            f = self.field(node[1])
            if f.kind != "TAG":
                raise SearchError(f"field '{node[1].decode()}' is {f.kind}, not TAG: use @field:[lo hi]")
            postings = self.tags[f.alias]
            out: Set[bytes] = set()
            for v in node[2]:
                t = v.encode() if f.case_sensitive else v.lower().encode()
                out |= postings.get(t, set())
            return out
        if kind == "num":
            _, alias, lo, lo_ex, hi, hi_ex = node
            f = self.field(alias)
            if f.kind != "NUMERIC":
                raise SearchError(f"field '{alias.decode()}' is {f.kind}, not NUMERIC: use @field:{{tag}}")
            return {k for k, x in self.numbers[f.alias].items()
                    if (x > lo if lo_ex else x >= lo) and (x < hi if hi_ex else x <= hi)}
        if kind == "and":
            parts = [self.matching(n) for n in node[1]]
            return set.intersection(*parts)
        if kind == "or":
            return set().union(*(self.matching(n) for n in node[1]))
        if kind == "not":
            return self.docs - self.matching(node[1])
        raise SearchError(f"unknown query node {kind}")  # pragma: no cover

    def knn(self, clause: KNNClause, allowed: Optional[Set[bytes]]) -> List[tuple]:
        """``(distance, key)`` of the k nearest documents, nearest first."""
        f = self.field(clause.field)
        if f.kind != "VECTOR":
            raise SearchError(f"KNN needs a VECTOR field; '{clause.field.decode()}' is {f.kind}")
        q = decode_vector(clause.vector, f.vector.dim)
        if not np.all(np.isfinite(q)):
            raise SearchError("the query vector contains NaN or infinity")
        index = self.vectors[f.alias]
        if allowed is not None and len(allowed) == len(self.docs):
            allowed = None   # the filter keeps everything
        if allowed is not None and isinstance(index, HNSWIndex) and len(allowed) <= 1000:
            # A selective filter: comparing with the few survivors exactly is
            # cheaper and better than walking a graph mostly filtered out
            # (valkey-search makes the same pre-filter / inline-filter choice).
            rows = [(k, index.vector(k)) for k in allowed if k in index]
            if not rows:
                return []
            flat = FlatIndex(f.vector.dim, "IP" if f.vector.metric == "COSINE" else f.vector.metric,
                             initial_cap=len(rows))
            for k, v in rows:
                flat.add(k, v)
            qq = q if f.vector.metric != "COSINE" else _unit(q)
            return flat.search(qq, clause.k)
        return index.search(q, clause.k, ef=clause.ef_runtime, allowed=allowed)

    # -- FT.INFO -------------------------------------------------------------
    def info(self) -> dict:
        attributes = []
        for f in self.spec.fields:
            a = {"identifier": f.name, "attribute": f.alias, "type": f.kind}
            if f.kind == "TAG":
                a.update(separator=f.separator, case_sensitive=int(f.case_sensitive))
            elif f.kind == "VECTOR":
                v = f.vector
                index = self.vectors[f.alias]
                a.update(algorithm=v.algorithm, data_type=v.type, dim=v.dim,
                         distance_metric=v.metric, initial_cap=v.initial_cap,
                         size=len(index), capacity=index.capacity,
                         memory_bytes=index.memory_bytes())
                if v.algorithm == "HNSW":
                    a.update(m=v.m, ef_construction=v.ef_construction, ef_runtime=v.ef_runtime)
            attributes.append(a)
        return {"index_name": self.name, "key_type": "HASH", "prefixes": list(self.spec.prefixes),
                "attributes": attributes, "num_docs": len(self.docs),
                "hash_indexing_failures": self.failures}


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def split_tags(raw: bytes, f: FieldSpec) -> Set[bytes]:
    """``"Red, Blue"`` -> {b"red", b"blue"}: split on the separator, trim
    spaces, lower-case unless CASESENSITIVE."""
    out = set()
    for part in raw.split(f.separator):
        part = part.strip()
        if part:
            out.add(part if f.case_sensitive else part.lower())
    return out


class Catalog:
    """The FT indexes of one node, and the keyspace hook that keeps them current."""

    def __init__(self, node):
        self.node = node
        self.indexes: Dict[bytes, SearchIndex] = {}

    def create(self, spec: IndexSpec, db) -> SearchIndex:
        if spec.name in self.indexes:
            raise SearchError("Index already exists")
        index = SearchIndex(spec, db.index, seed=self.node.seed)
        self.indexes[spec.name] = index
        db.search_hook = self.key_changed
        # Backfill: index the hashes already there (ElastiCache does this in
        # the background; here it is done before FT.CREATE returns).
        now = self.node.now
        for key, e in list(db.data.items()):
            if e.type == "hash" and spec.matches(key) and not (e.expire_at is not None and e.expire_at < now):
                index.update(key, e.value)
        return index

    def get(self, name: bytes) -> SearchIndex:
        index = self.indexes.get(name)
        if index is None:
            raise SearchError(f"{name.decode('utf-8', 'replace')}: no such index")
        return index

    def drop(self, name: bytes) -> SearchIndex:
        index = self.get(name)
        del self.indexes[name]
        if not any(i.db_index == index.db_index for i in self.indexes.values()):
            self.node.dbs[index.db_index].search_hook = None
        return index

    def key_changed(self, db, key: Optional[bytes]) -> None:
        """Called by the keyspace after ``key`` was stored, changed or deleted
        (``key`` None: the whole database was flushed)."""
        for index in self.indexes.values():
            if index.db_index != db.index:
                continue
            if key is None:
                index.clear()
            elif index.spec.matches(key):
                e = db.data.get(key)
                index.update(key, e.value if e is not None and e.type == "hash" else None)


_CATALOGS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def catalog(node) -> Catalog:
    """The node's index catalog (created on first use)."""
    c = _CATALOGS.get(node)
    if c is None:
        c = _CATALOGS[node] = Catalog(node)
    return c


def run_search(index: SearchIndex, parsed: ParsedQuery):
    """``(total, [(key, distance or None)…])`` in result order (before LIMIT)."""
    allowed = None if parsed.filter == ("all",) else index.matching(parsed.filter)
    if parsed.knn is None:
        keys = sorted(allowed if allowed is not None else index.docs)
        return len(keys), [(k, None) for k in keys]
    if parsed.knn.k == 0:
        return 0, []
    hits = index.knn(parsed.knn, allowed)
    return len(hits), [(k, d) for d, k in hits]
