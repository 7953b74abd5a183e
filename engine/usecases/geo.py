"""Nearby stores: geospatial indexes (GEOADD, GEOSEARCH).

A geo index is a sorted set whose scores are 52-bit geohashes: nearby points
have nearby scores, so "stores within 2 km" becomes a few score-range scans
over the neighbouring geohash boxes, then an exact distance check —
O(N + log M) for N points in the area searched, M in the index. TYPE shows
``zset``, and ZREM removes a store.
"""
from __future__ import annotations

from typing import List, Tuple

#: Made-up coffee shops around Seattle's downtown (longitude, latitude).
STORES = [
    ("pike-place", -122.3422, 47.6097),
    ("pioneer-square", -122.3340, 47.6015),
    ("capitol-hill", -122.3210, 47.6253),
    ("south-lake-union", -122.3365, 47.6270),
    ("belltown", -122.3470, 47.6150),
    ("queen-anne", -122.3570, 47.6370),
    ("fremont", -122.3500, 47.6510),
    ("ballard", -122.3840, 47.6680),
    ("u-district", -122.3130, 47.6610),
    ("west-seattle", -122.3870, 47.5630),
]


def load_stores(client, key: str = "stores", stores=STORES) -> int:
    """Index the stores; returns how many were added."""
    values = []
    for name, lon, lat in stores:
        values.extend((lon, lat, name))
    return client.geoadd(key, values)


def nearby(client, lon: float, lat: float, radius_km: float, key: str = "stores",
           count: int = 5) -> List[Tuple[str, float]]:
    """The ``count`` closest stores within ``radius_km``: [(name, km)], nearest first."""
    rows = client.geosearch(key, longitude=lon, latitude=lat, radius=radius_km, unit="km",
                            sort="ASC", count=count, withdist=True)
    return [(n.decode() if isinstance(n, bytes) else n, float(d)) for n, d in rows]
