"""The data-structure use cases of labs/03-data-structures, as small classes.

Each module is one use case from the ElastiCache material, written against the
plain redis-py API — so it runs the same on the embedded engine, fakeredis or a
real Redis/Valkey server (``engine.open_lab``) — and each docstring says why the
structure fits and what it costs:

``sessions``     session store (hash + TTL, sliding expiration) and a shopping cart
``leaderboard``  a game leaderboard on a sorted set
``ratelimit``    three rate limiters: fixed window, sliding log, token bucket (Lua)
``queues``       a reliable job queue (LMOVE) and a stream with a consumer group
``messaging``    pub/sub fan-out vs a stream that keeps messages
``locks``        a distributed lock (SET NX PX + a token-checked Lua release)
``counting``     unique visitors: HyperLogLog vs an exact set; daily actives in bitmaps
``geo``          nearby stores with GEOSEARCH

Time is always passed in (``now_ms``) or read from the server, never from
``time.time()`` inside the logic, so simulations are deterministic on the
virtual clock and still correct against a real server.
"""
