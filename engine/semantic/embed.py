"""Text embeddings without the network: hashed TF-IDF + a fixed random projection.

A semantic cache needs a function ``text -> vector`` such that texts asking
the same thing land close together. Production systems call a neural model
(Amazon Titan, Cohere, a sentence-transformer); this kit must work offline on
a 2 GB Binder container, so the default is classic information retrieval:

1. **Features.** Lower-cased words (minus function words such as *how*,
   *do*, *my*), plus the character trigrams of each word
   (``"caching"`` -> ``" ca"``, ``"cac"``, …) so that *cache*/*caching*/*cached*
   share most features and a typo costs little.
2. **TF-IDF weights.** A feature that appears in few documents of the domain
   corpus (``encryption``, ``replica``) says more than one that appears
   everywhere (``how``, ``the``): weight = count × log-scaled rarity, learnt
   once from ``data/corpus.txt`` and ``data/faq.txt`` shipped with the package.
3. **Random projection.** Features are hashed into 32,768 buckets; each bucket
   has a fixed random direction in ``dim`` (128) dimensions, and a text is the
   weighted sum of its features' directions, normalised to length 1. Random
   directions in many dimensions are nearly orthogonal, so cosine similarity
   of the projections approximates the cosine of the TF-IDF vectors
   (Johnson–Lindenstrauss).

What it captures: shared (rare) words and word pieces. What it cannot:
synonyms and meaning — "cost" and "price" are unrelated to it, and "encrypt at
rest" vs "encrypt in transit" look alike because they share most words. A
neural embedding model captures paraphrase and meaning; plug one in with any
``callable(text) -> vector`` (see :class:`~engine.semantic.cache.SemanticCache`).

Deterministic: the hashing (CRC-32) and the projection (a seeded generator)
give the same vector for the same text on every machine.
"""
from __future__ import annotations

import math
import re
import zlib
from importlib import resources
from typing import Iterable, List, Optional

import numpy as np

BUCKETS = 1 << 15
DEFAULT_DIM = 128
_WORD = re.compile(r"[a-z0-9]+")
#: Function words carry the *form* of a question ("how do I … my …"), not its
#: topic; with a corpus this small their IDF is not low enough to silence them,
#: so they are dropped, as classic IR systems do.
STOPWORDS = frozenset("""
a an the and or but if of to in on at by for with from as is are was were be been being
do does did done doing i me my mine we our you your it its this that these those there
here what which who whom how when where why can could should would will shall may might
must have has had having am not no so than then too very just also about into out up
down over under again please any some all each more most other such own same s t
""".split())


def features(text: str) -> List[str]:
    """Content words and the character trigrams of each (marked with spaces)."""
    out = []
    for w in _WORD.findall(text.lower()):
        if w in STOPWORDS:
            continue
        out.append("w:" + w)
        padded = f" {w} "
        out.extend("c:" + padded[i:i + 3] for i in range(len(padded) - 2))
    return out


def _bucket(feature: str) -> int:
    return zlib.crc32(feature.encode()) % BUCKETS


def load_text(name: str) -> List[str]:
    """Non-empty lines of a data file shipped in engine/semantic/data, without
    comments (``# …``; ``## …`` lines are headers and are kept)."""
    raw = resources.files("engine.semantic").joinpath("data", name).read_text("utf-8")
    return [line.strip() for line in raw.splitlines()
            if line.strip() and (line.startswith("##") or not line.startswith("#"))]


def default_corpus() -> List[str]:
    lines = load_text("corpus.txt")
    lines += [line for line in load_text("faq.txt") if not line.startswith("##")]
    return lines


class TfidfEmbedder:
    """``embedder(text) -> np.ndarray`` (float32, unit length, ``dim`` values)."""

    def __init__(self, corpus: Optional[Iterable[str]] = None, dim: int = DEFAULT_DIM,
                 seed: int = 0, trigram_weight: float = 0.5):
        self.dim = dim
        self.trigram_weight = trigram_weight
        docs = list(default_corpus() if corpus is None else corpus)
        df = np.zeros(BUCKETS, dtype=np.float64)
        for doc in docs:
            for b in {_bucket(f) for f in features(doc)}:
                df[b] += 1
        n = len(docs)
        # Smoothed IDF (as scikit-learn's): never zero, highest for unseen features.
        self.idf = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
        rng = np.random.default_rng(seed)
        self.projection = rng.standard_normal((BUCKETS, dim), dtype=np.float32)
        self.projection /= np.float32(math.sqrt(dim))

    def weights(self, text: str) -> dict:
        """bucket -> TF-IDF weight of one text (before projection)."""
        w: dict = {}
        for f in features(text):
            b = _bucket(f)
            w[b] = w.get(b, 0.0) + (1.0 if f.startswith("w:") else self.trigram_weight)
        return {b: tf * float(self.idf[b]) for b, tf in w.items()}

    def __call__(self, text: str) -> np.ndarray:
        w = self.weights(text)
        if not w:
            return np.zeros(self.dim, dtype=np.float32)
        buckets = np.fromiter(w.keys(), dtype=np.int64, count=len(w))
        values = np.fromiter(w.values(), dtype=np.float32, count=len(w))
        v = values @ self.projection[buckets]
        norm = float(np.linalg.norm(v))
        return (v / norm).astype(np.float32) if norm > 0 else v.astype(np.float32)


_DEFAULT: Optional[TfidfEmbedder] = None


def default_embedder() -> TfidfEmbedder:
    """The shared default embedder (built once: ~16 MB of projection)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = TfidfEmbedder()
    return _DEFAULT


def cosine_distance(a, b) -> float:
    """1 - cos(a, b), the COSINE distance vector search reports."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 1.0
    return float(1.0 - a @ b / (na * nb))
