"""HNSW: Hierarchical Navigable Small World graphs (Malkov & Yashunin, 2016).

The idea in three steps:

1. **A graph where greedy walking works.** Each vector is a node linked to a
   few (``M``) of its near neighbours. To find the vectors closest to a query,
   start anywhere and keep moving to whichever neighbour is closer to the
   query. With well-chosen links this reaches the right region in few hops.
2. **A beam, not a single walker.** A purely greedy walk stops at a local
   minimum. The search keeps the ``ef`` best nodes seen so far and expands the
   closest unexpanded candidate until no candidate can improve that list.
   Bigger ``ef`` = more nodes compared = better recall, slower queries.
   ``EF_RUNTIME`` is that beam at query time, ``EF_CONSTRUCTION`` while
   inserting (a better beam finds better neighbours, so a better graph).
3. **Layers, like a skip list.** Every node lives on layer 0; a node also
   lives on layers 1..L with L drawn from an exponential distribution
   (``floor(-ln(U) / ln(M))``), so each layer up holds ~1/M of the one below.
   A search starts at the top — few, far-apart nodes: long jumps — and descends,
   using each layer's answer as the next one's starting point. Layer 0 allows
   ``2·M`` links per node, the others ``M``.

Neighbours are chosen with the paper's *heuristic* (its algorithm 4): a
candidate is linked only if it is closer to the new node than to any neighbour
already chosen — this keeps links pointing in diverse directions, which is
what keeps clustered data navigable.

Deletion marks a node deleted (a *tombstone*, as hnswlib and valkey-search do):
searches still walk through it — removing it would cut paths — but never
return it. Replacing a vector is delete + insert.

Determinism: levels come from a generator seeded at construction, so the same
inserts in the same order build the same graph.

Speed: this is pure Python plus numpy. Each expansion computes the distances to
all of a node's unvisited neighbours in one numpy call, and neighbour
selection uses one small distance matrix per insertion. It is ~100x slower
than the C++ in valkey-search — the *shape* of the FLAT vs HNSW trade-off is
what the lab shows, not absolute times.
"""
from __future__ import annotations

import heapq
import math
import random
from typing import Dict, Hashable, Iterable, List, Optional, Tuple

import numpy as np

from .distance import check_metric, prepare
from .flat import preallocated_rows

#: ElastiCache's documented defaults and limits (FT.CREATE).
DEFAULT_M = 16
DEFAULT_EF_CONSTRUCTION = 200
DEFAULT_EF_RUNTIME = 10
MAX_M = 512
MAX_EF = 4096


class HNSWIndex:
    """Approximate KNN over labelled vectors with a layered proximity graph."""

    algorithm = "HNSW"

    def __init__(self, dim: int, metric: str = "L2", *, M: int = DEFAULT_M,
                 ef_construction: int = DEFAULT_EF_CONSTRUCTION,
                 ef_runtime: int = DEFAULT_EF_RUNTIME, initial_cap: int = 1024, seed: int = 0):
        if dim < 1:
            raise ValueError("dim must be at least 1")
        if not 2 <= M <= MAX_M:
            raise ValueError(f"M must be between 2 and {MAX_M}")
        if not 1 <= ef_construction <= MAX_EF or not 1 <= ef_runtime <= MAX_EF:
            raise ValueError(f"ef values must be between 1 and {MAX_EF}")
        self.dim = dim
        self.metric = check_metric(metric)
        self.M = M
        self.M0 = 2 * M
        self.ef_construction = ef_construction
        self.ef_runtime = ef_runtime
        self._level_mult = 1.0 / math.log(M)
        self._rng = random.Random(seed)
        cap = preallocated_rows(initial_cap, dim)
        self._data = np.zeros((cap, dim), dtype=np.float32)
        self._visited = np.zeros(cap, dtype=np.uint32)
        self._visit_tag = 0
        #: links[node][layer] -> list of neighbour node ids
        self._links: List[List[List[int]]] = []
        self._labels: List[Hashable] = []
        self._deleted = np.zeros(cap, dtype=bool)
        self._sqnorm = np.zeros(cap, dtype=np.float32)   # |v|² per node (L2)
        self._l2 = self.metric == "L2"
        self._node_of: Dict[Hashable, int] = {}
        self._entry = -1
        self._max_level = -1
        self.distance_count = 0   # distances computed (search cost, for the lab)

    # -- size ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._node_of)

    def __contains__(self, label) -> bool:
        return label in self._node_of

    @property
    def capacity(self) -> int:
        return self._data.shape[0]

    @property
    def tombstones(self) -> int:
        return len(self._labels) - len(self._node_of)

    def _grow(self) -> None:
        cap = self._data.shape[0] * 2
        for name in ("_data", "_visited", "_deleted", "_sqnorm"):
            old = getattr(self, name)
            new = np.zeros((cap,) + old.shape[1:], dtype=old.dtype)
            new[:old.shape[0]] = old
            setattr(self, name, new)

    # -- distances -----------------------------------------------------------
    def _dist(self, q: np.ndarray, ids, qq: Optional[float] = None) -> np.ndarray:
        """Distances from prepared ``q`` to nodes ``ids``. L2 uses
        |a|² + |b|² - 2a·b with the stored |a|²: one matrix-vector product
        instead of a subtraction per dimension (float32 rounding can shift
        near-ties; final scores are recomputed exactly in :meth:`search`)."""
        self.distance_count += len(ids)
        dots = self._data[ids] @ q
        if self._l2:
            return self._sqnorm[ids] + (float(q @ q) if qq is None else qq) - 2.0 * dots
        return 1.0 - dots

    def _random_level(self) -> int:
        return int(-math.log(1.0 - self._rng.random()) * self._level_mult)

    # -- the beam search (the paper's SEARCH-LAYER) ---------------------------
    def _search_layer(self, q: np.ndarray, entry: List[Tuple[float, int]], ef: int,
                      layer: int, accept: Optional[np.ndarray] = None) -> List[Tuple[float, int]]:
        """The ``ef`` nodes closest to ``q`` reachable on ``layer`` from the
        ``entry`` (distance, node) pairs, as an unsorted list of (distance, node).
        Nodes for which ``accept`` is False (deleted, filtered out) are walked
        through but not returned."""
        self._visit_tag += 1
        tag = self._visit_tag
        visited = self._visited
        deleted = self._deleted
        candidates = list(entry)                 # min-heap on distance
        heapq.heapify(candidates)
        results: List[Tuple[float, int]] = []    # max-heap via negated distance
        for d, n in entry:
            visited[n] = tag
            if not deleted[n] and (accept is None or accept[n]):
                results.append((-d, n))
        heapq.heapify(results)
        while len(results) > ef:
            heapq.heappop(results)
        links = self._links
        qq = float(q @ q)
        while candidates:
            d, c = heapq.heappop(candidates)
            if len(results) >= ef and d > -results[0][0]:
                break   # the closest candidate is worse than the worst result
            nbrs = links[c][layer]
            if not nbrs:
                continue
            arr = np.asarray(nbrs, dtype=np.int64)
            arr = arr[visited[arr] != tag]
            if arr.size == 0:
                continue
            visited[arr] = tag
            ds = self._dist(q, arr, qq)
            if len(results) >= ef:
                keep = ds < -results[0][0]   # only these can enter the beam
                if not keep.any():
                    continue
                ds, arr = ds[keep], arr[keep]
            bound = -results[0][0] if len(results) >= ef else math.inf
            for dn, n in zip(ds.tolist(), arr.tolist()):
                if dn < bound or len(results) < ef:
                    heapq.heappush(candidates, (dn, n))
                    if not deleted[n] and (accept is None or accept[n]):
                        heapq.heappush(results, (-dn, n))
                        if len(results) > ef:
                            heapq.heappop(results)
                        if len(results) >= ef:
                            bound = -results[0][0]
        return [(-nd, n) for nd, n in results]

    def _greedy(self, q: np.ndarray, node: int, d: float, top: int, bottom: int) -> Tuple[float, int]:
        """Layers ``top`` down to ``bottom`` (exclusive) with a beam of 1: jump
        to the closest neighbour until none is closer — the express lanes."""
        for layer in range(top, bottom, -1):
            improved = True
            while improved:
                improved = False
                nbrs = self._links[node][layer]
                if not nbrs:
                    break
                arr = np.asarray(nbrs, dtype=np.int64)
                ds = self._dist(q, arr)
                i = int(np.argmin(ds))
                if ds[i] < d:
                    d, node, improved = float(ds[i]), int(arr[i]), True
        return d, node

    # -- neighbour selection (the paper's algorithm 4, "heuristic") -----------
    def _select(self, cands: List[Tuple[float, int]], m: int) -> List[int]:
        """Pick up to ``m`` of ``cands`` (distance to the new node, node):
        closest first, skipping a candidate that is closer to an already
        chosen neighbour than to the new node (that direction is covered)."""
        cands = sorted(cands)
        if len(cands) <= m:
            return [n for _, n in cands]
        d = np.fromiter((c[0] for c in cands), dtype=np.float32, count=len(cands))
        ids = np.fromiter((c[1] for c in cands), dtype=np.int64, count=len(cands))
        rows = self._data[ids]
        sq = self._sqnorm[ids]
        # closest[i]: distance from candidate i to the nearest neighbour chosen
        # so far. Candidate i is kept iff closest[i] >= d[i] when its turn comes;
        # updating ``closest`` with one matrix-vector product per *chosen*
        # neighbour avoids the full candidates x candidates matrix.
        if len(cands) <= 48:
            # Small lists (a neighbour's links + 1): one distance matrix, then
            # plain Python comparisons beat a numpy call per chosen neighbour.
            pair = ((sq[:, None] + sq[None, :] - 2.0 * (rows @ rows.T)) if self._l2
                    else (1.0 - rows @ rows.T)).tolist()
            dl = d.tolist()
            picked: List[int] = []
            for i in range(len(dl)):
                row, di = pair[i], dl[i]
                for j in picked:
                    if row[j] < di:
                        break
                else:
                    picked.append(i)
                    if len(picked) == m:
                        break
            return [int(ids[i]) for i in picked]
        closest = np.full(len(cands), np.inf, dtype=np.float32)
        chosen: List[int] = []
        start = 0
        while len(chosen) < m and start < len(cands):
            ok = np.flatnonzero(closest[start:] >= d[start:])
            if ok.size == 0:
                break
            c = start + int(ok[0])
            chosen.append(c)
            dots = rows @ rows[c]
            dc = (sq + sq[c] - 2.0 * dots) if self._l2 else (1.0 - dots)
            np.minimum(closest, dc, out=closest)
            start = c + 1
        return [int(ids[i]) for i in chosen]

    # -- writing -------------------------------------------------------------
    def add(self, label: Hashable, vector) -> None:
        """Insert ``vector`` under ``label`` (replacing any previous one)."""
        v = prepare(vector, self.metric).reshape(-1)
        if v.shape[0] != self.dim:
            raise ValueError(f"vector has {v.shape[0]} dimensions, index expects {self.dim}")
        if label in self._node_of:
            self.remove(label)
        node = len(self._labels)
        if node == self._data.shape[0]:
            self._grow()
        self._data[node] = v
        self._sqnorm[node] = float(v @ v)
        level = self._random_level()
        self._labels.append(label)
        self._links.append([[] for _ in range(level + 1)])
        self._node_of[label] = node
        if self._entry < 0:
            self._entry, self._max_level = node, level
            return
        entry = self._entry
        d = float(self._dist(v, np.array([entry]))[0])
        d, entry = self._greedy(v, entry, d, self._max_level, level)
        nearest = [(d, entry)]
        for layer in range(min(level, self._max_level), -1, -1):
            found = self._search_layer_all(v, nearest, self.ef_construction, layer)
            mmax = self.M0 if layer == 0 else self.M
            chosen = self._select(found, self.M)
            self._links[node][layer] = chosen
            for n in chosen:
                self._link_back(n, node, layer, mmax)
            nearest = found
        if level > self._max_level:
            self._entry, self._max_level = node, level

    def _search_layer_all(self, q, entry, ef, layer):
        """Construction searches see deleted nodes too: a tombstone is still a
        good stepping stone, and linking to it keeps the graph connected."""
        deleted, self._deleted = self._deleted, np.zeros_like(self._deleted)
        try:
            return self._search_layer(q, entry, ef, layer)
        finally:
            self._deleted = deleted

    def _link_back(self, n: int, new: int, layer: int, mmax: int) -> None:
        """Add the reverse edge n -> new; if n now has too many links, keep
        the best ``mmax`` by the same heuristic."""
        links = self._links[n][layer]
        if len(links) < mmax:
            links.append(new)
            return
        ids = np.asarray(links + [new], dtype=np.int64)
        ds = self._dist(self._data[n], ids)
        self._links[n][layer] = self._select(list(zip(ds.tolist(), ids.tolist())), mmax)

    def remove(self, label: Hashable) -> bool:
        """Tombstone the node of ``label`` (searches skip it from now on)."""
        node = self._node_of.pop(label, None)
        if node is None:
            return False
        self._deleted[node] = True
        return True

    def clear(self) -> None:
        self.__init__(self.dim, self.metric, M=self.M, ef_construction=self.ef_construction,
                      ef_runtime=self.ef_runtime, initial_cap=1024)

    # -- reading -------------------------------------------------------------
    def search(self, query, k: int, ef: Optional[int] = None,
               allowed: Optional[Iterable[Hashable]] = None) -> List[Tuple[float, Hashable]]:
        """The ``k`` (approximately) nearest labels as ``(distance, label)``,
        nearest first. ``ef`` overrides EF_RUNTIME for this query (never below k).
        ``allowed`` restricts results to those labels: the walk still crosses
        other nodes, only the result list is filtered."""
        if k <= 0 or not self._node_of:
            return []
        q = prepare(query, self.metric).reshape(-1)
        ef = max(ef or self.ef_runtime, k)
        accept = None
        if allowed is not None:
            accept = np.zeros(self._data.shape[0], dtype=bool)
            ids = [self._node_of[a] for a in allowed if a in self._node_of]
            if not ids:
                return []
            accept[ids] = True
        entry = self._entry
        d = float(self._dist(q, np.array([entry]))[0])
        d, entry = self._greedy(q, entry, d, self._max_level, 0)
        found = self._search_layer(q, [(d, entry)], ef, 0, accept)
        found.sort(key=lambda t: (t[0], str(self._labels[t[1]])))
        return [(float(d), self._labels[n]) for d, n in found[:k]]

    def vector(self, label) -> np.ndarray:
        return self._data[self._node_of[label]].copy()

    def layer_sizes(self) -> List[int]:
        """How many nodes live on each layer (layer 0 first) — the skip-list shape."""
        sizes = [0] * (self._max_level + 1)
        for links in self._links:
            for layer in range(len(links)):
                sizes[layer] += 1
        return sizes

    def memory_bytes(self) -> int:
        """Vectors (allocated capacity) plus 4-byte links, as a C implementation stores them."""
        links = sum(len(l) for node in self._links for l in node)
        return self._data.nbytes + 4 * links + 8 * len(self._labels)

    def info(self) -> dict:
        return {"algorithm": "HNSW", "dim": self.dim, "metric": self.metric, "size": len(self),
                "capacity": self.capacity, "M": self.M, "ef_construction": self.ef_construction,
                "ef_runtime": self.ef_runtime, "max_level": self._max_level,
                "tombstones": self.tombstones}
