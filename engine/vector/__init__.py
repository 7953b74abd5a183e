"""Vector search: the indexes and the FT.* search layer over hashes.

* :mod:`engine.vector.distance` — L2, IP and COSINE as Redis/Valkey define them
* :mod:`engine.vector.flat`     — FLAT: exact brute-force KNN on a numpy matrix
* :mod:`engine.vector.hnsw`     — HNSW: the layered proximity graph (approximate KNN)
* :mod:`engine.vector.schema`   — FT.CREATE's grammar (ElastiCache's syntax)
* :mod:`engine.vector.query`    — FT.SEARCH's query language (filters + KNN, DIALECT 2)
* :mod:`engine.vector.ftindex`  — search indexes kept current by a keyspace hook
* :mod:`engine.vector.compare`  — FLAT vs HNSW experiments (the lab and the benchmark)

The commands themselves are in engine/commands/search.py.
"""
