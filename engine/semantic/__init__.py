"""Semantic caching: embeddings without the network and a cache for LLM answers.

* :mod:`engine.semantic.embed`    — the default offline embedding (hashed TF-IDF
  + random projection) and the plug-in point for any ``callable(text) -> vector``
* :mod:`engine.semantic.cache`    — :class:`SemanticCache`, built on the engine's
  (or a real server's) FT.* vector search through redis-py's ``ft()`` API
* :mod:`engine.semantic.simulate` — an LLM stand-in with seeded latency and cost,
  paraphrased traffic, and threshold sweeps for the lab
"""
