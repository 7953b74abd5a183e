"""Caching patterns over a real (SQLite) database, measured on simulated time.

Used by labs/02-caching-patterns.ipynb. Pure Python: importing this package
does not import plotly or ipywidgets (the figures live in ``engine.viz``).

``database``   :class:`CatalogDatabase` (SQLite products/users with a seeded
               :class:`LatencyModel`) and the :class:`Meter` that adds up
               simulated milliseconds
``caching``    the patterns, each a few lines against redis-py:
               :func:`cache_aside_get`, :class:`ReadThroughCache`,
               :func:`write_through`, :func:`write_around`,
               :func:`write_invalidate`, :class:`WriteBehindCache`,
               :func:`ttl_with_jitter`; :class:`MeteredCache` charges network time
``simulate``   :func:`make_workload` (Zipf keys, read/write mix) and
               :func:`run_pattern` (hit ratio, database load, p50/p99, stale
               reads per time window); :func:`run_sandbox` for the control panel
``stampede``   :func:`simulate_stampede` and its fixes: :func:`try_lock` /
               :func:`release_lock` (SET NX PX) and :func:`should_recompute_early`
               (XFetch)
``policies``   :func:`lru_approximation` (approximated vs exact LRU as
               maxmemory-samples grows) and :func:`compare_policies` (the eight
               maxmemory policies on one workload)
"""
from .database import CatalogDatabase, LatencyModel, Meter
from .caching import (MeteredCache, ReadThroughCache, WriteBehindCache, cache_aside_get,
                      ttl_with_jitter, write_around, write_invalidate, write_through)
from .simulate import (PATTERNS, RunResult, Window, Workload, make_workload, percentile,
                       run_pattern, run_sandbox)
from .stampede import (FIXES, StampedeResult, release_lock, should_recompute_early,
                       simulate_stampede, try_lock)
from .policies import (EVICTION_POLICIES, LruRun, PolicyResult, compare_policies, exact_lru,
                       lru_approximation)

__all__ = ["CatalogDatabase", "LatencyModel", "Meter", "MeteredCache", "ReadThroughCache",
           "WriteBehindCache", "cache_aside_get", "ttl_with_jitter", "write_around",
           "Window", "percentile",
           "write_invalidate", "write_through", "PATTERNS", "RunResult", "Workload",
           "make_workload", "run_pattern", "run_sandbox", "FIXES", "StampedeResult",
           "release_lock", "should_recompute_early", "simulate_stampede", "try_lock",
           "EVICTION_POLICIES", "LruRun", "PolicyResult", "compare_policies", "exact_lru",
           "lru_approximation"]
