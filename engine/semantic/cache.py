"""A semantic cache for LLM answers, on vector search through redis-py's ``ft()``.

An exact cache (``GET sha(prompt)``) only helps when a prompt repeats
byte for byte. Users rephrase: "How do I reset my password?" / "I forgot my
password, how can I reset it?". A *semantic* cache stores each answered
prompt with its embedding and, for a new prompt, asks vector search for the
nearest stored prompt: if it is within a distance **threshold**, the stored
answer is served and the LLM call is skipped.

The threshold is the whole trade-off:

* tight (small distance): only near-identical prompts hit — few hits, few
  wrong answers;
* loose: more hits, more money saved, and more answers served for a question
  that was *not* the one asked ("encryption at rest" answered for "encryption
  in transit").

Each entry is a hash ``<prefix><n>`` with the prompt, the response, the
embedding (FLOAT32 bytes), a ``scope`` TAG (so one tenant/model/language never
gets another's answer — a metadata pre-filter in the KNN query) and a TTL, so
stale answers age out. Works unchanged against the engine, a real Valkey with
the search module, or ElastiCache (``engine.lab.connect()`` picks).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from redis.commands.search.field import NumericField, TagField, VectorField
from redis.commands.search.index_definition import IndexDefinition, IndexType
from redis.commands.search.query import Query

from .embed import default_embedder

Embedder = Callable[[str], "np.ndarray"]


@dataclass
class CacheHit:
    key: str
    prompt: str
    response: str
    distance: float
    intent: str = ""


@dataclass
class CacheStats:
    lookups: int = 0
    hits: int = 0
    stores: int = 0
    wrong: int = 0          # hits whose stored intent differed from the caller's (when told)
    skipped: int = 0        # lookups a Bloom filter guard answered "cannot hit"

    @property
    def misses(self) -> int:
        return self.lookups - self.hits

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.lookups if self.lookups else 0.0

    @property
    def wrong_ratio(self) -> float:
        """Wrong answers per lookup."""
        return self.wrong / self.lookups if self.lookups else 0.0


def _escape_tag(value: str) -> str:
    """Tag values are literal text inside ``{…}``: escape the query punctuation."""
    return "".join("\\" + c if not (c.isalnum() or c == "_") else c for c in value)


class SemanticCache:
    """``lookup(prompt)`` → :class:`CacheHit` or None; ``store(prompt, response)``.

    ``client``   a redis-py client (``engine.connect()``, or a real server's)
    ``embed``    any ``callable(text) -> vector``; default: the offline TF-IDF embedder
    ``threshold`` the largest COSINE distance (1 - cosine similarity) that counts as a hit
    ``ttl``      seconds a stored answer lives (None: forever)
    ``algorithm`` "HNSW" or "FLAT" for the index
    """

    def __init__(self, client, *, embed: Optional[Embedder] = None, threshold: float = 0.2,
                 ttl: Optional[int] = 3600, name: str = "llmcache", algorithm: str = "HNSW",
                 guard=None):
        if not 0 <= threshold <= 2:
            raise ValueError("threshold is a COSINE distance: between 0 (identical) and 2 (opposite)")
        self.client = client
        self.embed = embed if embed is not None else default_embedder()
        probe = np.asarray(self.embed("dimension probe"), dtype=np.float32).reshape(-1)
        if probe.ndim != 1 or probe.size == 0:
            raise ValueError("embed(text) must return a 1-D vector of numbers")
        self.dim = int(probe.size)
        self.threshold = threshold
        self.ttl = ttl
        self.name = name
        self.prefix = f"{name}:"
        self.stats = CacheStats()
        self.guard = guard
        self._ids = itertools.count(1)
        self.ft = client.ft(name)
        try:
            self.ft.info()
        except Exception:   # no such index yet: create it
            self.ft.create_index(
                [VectorField("vec", algorithm, {"TYPE": "FLOAT32", "DIM": self.dim,
                                                "DISTANCE_METRIC": "COSINE"}),
                 TagField("scope"), NumericField("hits")],
                definition=IndexDefinition(prefix=[self.prefix], index_type=IndexType.HASH))

    def vector(self, text: str) -> bytes:
        v = np.asarray(self.embed(text), dtype=np.float32).reshape(-1)
        if v.size != self.dim:
            raise ValueError(f"embed() returned {v.size} values, the index has DIM {self.dim}")
        return v.astype("<f4").tobytes()

    def nearest(self, prompt: str, scope: str = "default") -> Optional[CacheHit]:
        """The closest stored entry in ``scope`` whatever its distance (or None)."""
        q = (Query(f"(@scope:{{{_escape_tag(scope)}}})=>[KNN 1 @vec $v AS dist]")
             .return_fields("prompt", "response", "intent", "dist").dialect(2))
        res = self.ft.search(q, query_params={"v": self.vector(prompt)})
        docs = res["results"] if isinstance(res, dict) else res.docs
        if not docs:
            return None
        d = docs[0]
        if isinstance(d, dict):   # redis-py RESP3 native shape (protocol=3)
            a = d.get("extra_attributes", {})
            get = lambda k: _text(a.get(k, ""))   # noqa: E731
            key = _text(d["id"])
        else:
            get = lambda k: _text(getattr(d, k, ""))   # noqa: E731
            key = d.id
        return CacheHit(key, get("prompt"), get("response"), float(get("dist")), get("intent"))

    def lookup(self, prompt: str, scope: str = "default",
               expected_intent: Optional[str] = None) -> Optional[CacheHit]:
        """A stored answer for a prompt within ``threshold`` of this one, or None.
        ``expected_intent`` (simulations only) lets the cache count wrong answers."""
        self.stats.lookups += 1
        if self.guard is not None and not self.guard.may_contain(scope):
            self.stats.skipped += 1
            return None
        hit = self.nearest(prompt, scope)
        # (float32 rounding: identical texts can come back at ±1e-7, not 0)
        if hit is None or hit.distance > self.threshold + 1e-6:
            return None
        self.stats.hits += 1
        if expected_intent is not None and hit.intent != expected_intent:
            self.stats.wrong += 1
        self.client.hincrby(hit.key, "hits", 1)
        return hit

    def store(self, prompt: str, response: str, scope: str = "default", intent: str = "",
              ttl: Optional[int] = -1) -> str:
        """Cache ``response`` for ``prompt``; returns the key. ``ttl`` -1 = the cache's default."""
        key = f"{self.prefix}{next(self._ids)}"
        ttl = self.ttl if ttl == -1 else ttl
        pipe = self.client.pipeline(transaction=False)
        pipe.hset(key, mapping={"prompt": prompt, "response": response, "scope": scope,
                                "intent": intent, "hits": 0, "vec": self.vector(prompt)})
        if ttl:
            pipe.expire(key, ttl)
        pipe.execute()
        self.stats.stores += 1
        if self.guard is not None:
            self.guard.add(scope)
        return key

    def ask(self, prompt: str, llm: Callable[[str], str], scope: str = "default",
            intent: Optional[str] = None):
        """Cache-aside for an LLM: the cached answer if one is close enough,
        else call ``llm(prompt)``, store its answer and return it.
        Returns ``(response, hit or None)``."""
        hit = self.lookup(prompt, scope, expected_intent=intent)
        if hit is not None:
            return hit.response, hit
        response = llm(prompt)
        self.store(prompt, response, scope, intent or "")
        return response, None

    def size(self) -> int:
        info = self.ft.info()
        return int(info.get("num_docs", info.get(b"num_docs", 0)))

    def drop(self) -> None:
        """Delete the index and every cached entry."""
        self.client.execute_command("FT.DROPINDEX", self.name, "DD")


class BloomGuard:
    """A Bloom filter of the scopes that have cached entries (BF.* commands).

    A lookup for a scope the filter has never seen cannot hit: skip the
    embedding and the KNN query. A Bloom filter may say "maybe" for a scope it
    never saw (a false positive: the lookup then runs and misses) but never
    "no" for one it saw — so the guard never hides a real hit.
    """

    def __init__(self, client, key: str = "llmcache:scopes", capacity: int = 10000,
                 error_rate: float = 0.01):
        self.client = client
        self.key = key
        if not client.exists(key):
            client.execute_command("BF.RESERVE", key, error_rate, capacity)

    def add(self, scope: str) -> None:
        self.client.execute_command("BF.ADD", self.key, scope)

    def may_contain(self, scope: str) -> bool:
        return bool(self.client.execute_command("BF.EXISTS", self.key, scope))


def _text(v) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return "" if v is None else str(v)
