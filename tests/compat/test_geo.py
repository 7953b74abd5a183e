"""Geospatial commands, differential against redis-server 7.0: GEOADD GEOPOS
GEODIST GEOHASH GEOSEARCH GEOSEARCHSTORE GEORADIUS[BYMEMBER][_RO].

Coordinates, distances (4 decimals) and geohash strings must be identical to
the digit, and searches must return the same members in the same order — also
for ties in distance, which exercise Redis's (unstable) partial quicksort, and
near the poles and the antimeridian where the 3×3 box search is delicate.
"""
from __future__ import annotations

import random

import pytest

from differential import (REPORT, ListKey, S, assert_same_command_info, case,
                          run_case)

SICILY = "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"
TIES = "GEOADD t 10 10 a 10 10 b 10 10 c 10 10 d 11 11 e 10 10 f 10.0001 10 g 9.9999 10 h"

GEOADD_CASES = [
    case("geoadd", SICILY, "ZRANGE g 0 -1 WITHSCORES", "TYPE g", "OBJECT ENCODING g",
         "MEMORY USAGE g"),
    case("geoadd-options", SICILY, "GEOADD g NX 1 1 Palermo 2 2 new", "GEOADD g XX 3 3 Palermo "
         "4 4 other", "GEOADD g CH 3 3 Palermo 5 5 x", "GEOADD g CH XX 3 3 Palermo",
         "GEOADD g xx ch 6 6 Palermo", "ZRANGE g 0 -1 WITHSCORES"),
    case("geoadd-errors", "GEOADD g 200 100 x", "GEOADD g 20 100 x", "GEOADD g -180.1 0 x",
         "GEOADD g 0 85.06 x", "GEOADD g abc 1 x", "GEOADD g 1 abc x", "GEOADD g 1 2",
         "GEOADD g NX XX 1 2 a", "GEOADD g GT 1 2 a", "GEOADD g GT 1 2", "GEOADD g 1 2 a 3",
         "GEOADD g 1 2 a 300 0 b", "EXISTS g"),
    case("geoadd-limits", "GEOADD g 180 85.05112878 ne -180 -85.05112878 sw 0 0 o",
         "GEOPOS g ne sw o", "GEOHASH g ne sw o", "ZRANGE g 0 -1 WITHSCORES"),
    case("geoadd-number-forms", "GEOADD g 1e1 -2.5E1 a 0x10 0x1p3 b ' 1' 1 c", "GEOADD g inf 1 d",
         "GEOADD g 1e-400 1 d", "ZRANGE g 0 -1 WITHSCORES"),
    case("geoadd-wrongtype", ListKey("l"), "GEOADD l 1 1 a", "GEOADD l 500 1 a"),
    case("geoadd-arity", "GEOADD g 1 1", "GEOADD g"),
]

READ_CASES = [
    case("geopos", SICILY, "GEOPOS g Palermo Catania nope", "GEOPOS nokey a", "GEOPOS g",
         "GEOPOS nokey"),
    case("geodist-units", SICILY, "GEODIST g Palermo Catania", "GEODIST g Palermo Catania km",
         "GEODIST g Palermo Catania KM", "GEODIST g Palermo Catania mi",
         "GEODIST g Palermo Catania ft", "GEODIST g Palermo Catania m",
         "GEODIST g Palermo Palermo"),
    case("geodist-errors", SICILY, "GEODIST g Palermo Catania xx",
         "GEODIST g Palermo Catania km x", "GEODIST nokey a b", "GEODIST g Palermo nope",
         "GEODIST nokey a b parsec"),
    case("geodist-same-longitude", "GEOADD g 12 10 a 12 -60 b 12 80 c",
         "GEODIST g a b", "GEODIST g b c km", "GEODIST g a c mi"),
    case("geohash", SICILY, "GEOHASH g Palermo Catania nope", "GEOHASH nokey a", "GEOHASH g"),
    case("geo-on-plain-zset", "ZADD z 0 a 1 b -1 c 4503599627370495 d 1e20 e 0.5 f",
         "GEOPOS z a b c d e f", "GEOHASH z a b c d e f", "GEODIST z a d"),
    case("geo-read-wrongtype", ListKey("l"), "GEOPOS l a", "GEODIST l a b", "GEOHASH l a",
         "GEODIST l a b parsec"),
]

SEARCH_CASES = [
    case("geosearch-radius-options", SICILY,
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST WITHCOORD WITHHASH",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km DESC WITHDIST",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 5 DESC WITHHASH",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 124000 mi WITHDIST",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 100 ft"),
    case("geosearch-box", SICILY, "GEOSEARCH g FROMLONLAT 15 37 BYBOX 400 400 km WITHDIST",
         "GEOSEARCH g FROMMEMBER Palermo BYBOX 400 400 km WITHDIST ASC",
         "GEOSEARCH g FROMMEMBER Palermo BYBOX 160 10 km WITHDIST",
         "GEOSEARCH g FROMMEMBER Palermo BYBOX 10 160 km WITHDIST"),
    case("geosearch-errors", SICILY, "GEOSEARCH g FROMMEMBER nope BYBOX 400 400 km",
         "GEOSEARCH g FROMMEMBER Palermo FROMLONLAT 1 2 BYBOX 400 400 km",
         "GEOSEARCH g BYBOX 400 400 km WITHDIST ASC", "GEOSEARCH g FROMMEMBER Palermo WITHDIST ASC",
         "GEOSEARCH g FROMMEMBER Palermo BYRADIUS -1 km", "GEOSEARCH g FROMMEMBER Palermo BYRADIUS x km",
         "GEOSEARCH g FROMMEMBER Palermo BYBOX x 1 km", "GEOSEARCH g FROMMEMBER Palermo BYBOX 1 x km",
         "GEOSEARCH g FROMMEMBER Palermo BYBOX 1 -1 km",
         "GEOSEARCH g FROMMEMBER Palermo BYBOX 1 1 parsec",
         "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 1 km BYBOX 1 1 km",
         "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 1 km STOREDIST",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 0",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT x",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ANY",
         "GEOSEARCH g FROMLONLAT 15 97 BYRADIUS 200 km",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km FOO"),
    case("geosearch-missing-key", "GEOSEARCH nokey FROMMEMBER Palermo BYRADIUS 1 km",
         "GEOSEARCH nokey FROMLONLAT 1 1 BYRADIUS 1 km WITHDIST",
         "GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 km ANY"),
    case("geosearch-extreme-radii", SICILY,
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 20000 km WITHDIST",
         "GEOSEARCH g FROMLONLAT 0 0 BYRADIUS 0 km WITHDIST",
         "GEOSEARCH g FROMLONLAT 13.361389 38.115556 BYRADIUS 0 m WITHDIST",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 1e-400 km WITHDIST",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS inf km WITHDIST",
         "GEOSEARCH g FROMLONLAT 15 37 BYBOX inf 1 km WITHDIST",
         "GEOSEARCH g FROMLONLAT 0 85 BYBOX 40000 40000 km WITHDIST",
         "GEOSEARCH g FROMLONLAT 0 -85 BYRADIUS 40000 km WITHDIST"),
    case("geosearch-ties", TIES, "GEOSEARCH t FROMLONLAT 10.5 10.5 BYRADIUS 500 km ASC",
         "GEOSEARCH t FROMLONLAT 10.5 10.5 BYRADIUS 500 km DESC",
         "GEOSEARCH t FROMLONLAT 10.5 10.5 BYRADIUS 500 km DESC COUNT 3",
         "GEOSEARCH t FROMLONLAT 10.5 10.5 BYRADIUS 500 km ASC COUNT 5",
         "GEOSEARCH t FROMLONLAT 10.5 10.5 BYRADIUS 500 km ASC COUNT 7 WITHDIST",
         "GEOSEARCH t FROMLONLAT 10 10 BYRADIUS 500 km COUNT 2",
         "GEOSEARCH t FROMLONLAT 10 10 BYRADIUS 500 km"),
    case("geosearchstore", SICILY, "GEOSEARCHSTORE dst g FROMLONLAT 15 37 BYRADIUS 200 km",
         "ZRANGE dst 0 -1 WITHSCORES", "OBJECT ENCODING dst",
         "GEOSEARCHSTORE dst g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST",
         "ZRANGE dst 0 -1 WITHSCORES",
         "GEOSEARCHSTORE dst g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST COUNT 1 DESC",
         "ZRANGE dst 0 -1 WITHSCORES",
         "GEOSEARCHSTORE dst g FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST",
         "GEOSEARCHSTORE dst g FROMLONLAT 15 37 BYRADIUS 1 m", "EXISTS dst",
         "SET dst x", "GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYRADIUS 1 m", "EXISTS dst",
         "GEOSEARCHSTORE g g FROMMEMBER Palermo BYRADIUS 1 km", "ZRANGE g 0 -1"),
    case("georadius", SICILY, "GEORADIUS g 15 37 200 km WITHDIST WITHCOORD ASC",
         "GEORADIUS g 15 37 200 km STORE d2", "ZRANGE d2 0 -1 WITHSCORES",
         "GEORADIUS g 15 37 200 km STOREDIST d2", "ZRANGE d2 0 -1 WITHSCORES",
         "GEORADIUS g 15 37 200 km STORE d2 STOREDIST d3", "EXISTS d2 d3",
         "GEORADIUS g 15 37 200 km STORE d2 WITHDIST", "GEORADIUS g 15 37 200 km STORE",
         "GEORADIUS g 200 37 200 km", "GEORADIUS g 15 37 -1 km", "GEORADIUS nokey 15 37 1 km",
         "GEORADIUS nokey 15 37 1 km STORE d2", "EXISTS d2"),
    case("georadius-ro", SICILY, "GEORADIUS_RO g 15 37 200 km WITHDIST COUNT 1",
         "GEORADIUS_RO g 15 37 200 km STORE d2", "GEORADIUS_RO g 15 37 200 km STOREDIST d2"),
    case("georadiusbymember", SICILY, "GEORADIUSBYMEMBER g Palermo 200 km WITHDIST",
         "GEORADIUSBYMEMBER g nope 200 km WITHDIST", "GEORADIUSBYMEMBER nokey nope x y WITHDIST",
         "GEORADIUSBYMEMBER nokey nope x y STORE z", "GEORADIUSBYMEMBER g Palermo x km",
         "GEORADIUSBYMEMBER g Palermo 200 km STORE z", "ZRANGE z 0 -1 WITHSCORES",
         "GEORADIUSBYMEMBER_RO g Palermo 200 km WITHDIST COUNT 1 DESC",
         "GEORADIUSBYMEMBER_RO g Palermo 200 km STORE z"),
    case("geo-search-wrongtype", ListKey("l"), "GEOSEARCH l FROMLONLAT 1 1 BYRADIUS 1 km",
         "GEOSEARCH l FROMLONLAT 1 1 BYRADIUS x km", "GEORADIUS l 1 1 1 km",
         "GEOSEARCHSTORE d l FROMLONLAT 1 1 BYRADIUS 1 km", "SET s x",
         "GEOSEARCHSTORE s g2 FROMLONLAT 1 1 BYRADIUS 1 km", "GET s"),
    case("geo-getkeys", "COMMAND GETKEYS GEORADIUS k 1 2 3 m STORE d STOREDIST e",
         "COMMAND GETKEYS GEORADIUS k 1 2 3 m store d store f",
         "COMMAND GETKEYS GEORADIUS k 1 2 3 STORE d", "COMMAND GETKEYS GEORADIUS k 1 2 3 m x STORE",
         "COMMAND GETKEYS GEORADIUS k 1 2 3 m STORE d x",
         "COMMAND GETKEYS GEORADIUSBYMEMBER k 1 2 m STORE d",
         "COMMAND GETKEYS GEORADIUSBYMEMBER k 1 2 STORE d",
         "COMMAND GETKEYS GEOSEARCHSTORE d s FROMLONLAT 1 1 BYRADIUS 1 km",
         "COMMAND GETKEYS GEOSEARCH s FROMLONLAT 1 1 BYRADIUS 1 km"),
]

RESP3_CASES = [
    case("geo-resp3-bulk-distances", S("HELLO 3"), SICILY, "GEODIST g Palermo Catania",
         "GEODIST g Palermo nope", "GEODIST nokey a b", "GEOHASH g Palermo nope",
         "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST WITHHASH",
         "GEOPOS g nope", "GEOSEARCH nokey FROMLONLAT 15 37 BYRADIUS 200 km"),
]

ALL = GEOADD_CASES + READ_CASES + SEARCH_CASES + RESP3_CASES
GEO_COMMANDS = ("geoadd", "geopos", "geodist", "geohash", "geosearch", "geosearchstore",
                "georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro")


@pytest.mark.parametrize("steps", ALL)
def test_geo_case(pair, steps):
    run_case(pair, steps)


def test_geo_command_info(pair):
    assert_same_command_info(pair, *GEO_COMMANDS)


def _random_points(rng, n, lon=(-180.0, 180.0), lat=(-85.05112878, 85.05112878)):
    out = []
    for i in range(n):
        x, y = rng.uniform(*lon), rng.uniform(*lat)
        if i % 5 == 0:
            x = round(x, 1)           # shared longitudes: the meridian shortcut
        out += [repr(x), repr(y), f"p{i}"]
    return out


def test_geo_random_points_positions_hashes_distances(pair):
    """3,000 random points: every GEOPOS, GEOHASH and a GEODIST per point agree."""
    rng = random.Random(20240501)
    args = _random_points(rng, 3000)
    pair.assert_same("GEOADD", "g", *args)
    members = args[2::3]
    for i in range(0, len(members), 500):
        pair.assert_same("GEOPOS", "g", *members[i:i + 500])
        pair.assert_same("GEOHASH", "g", *members[i:i + 500])
    for i, m in enumerate(members):
        pair.assert_same("GEODIST", "g", m, members[(i * 7 + 3) % len(members)],
                         ("m", "km", "mi", "ft")[i % 4])


@pytest.mark.parametrize("region", ["world", "pole", "antimeridian", "city"])
def test_geo_random_searches(pair, region):
    """Random radius and box searches over dense point clouds (whole world,
    near a pole, across the antimeridian, one city): same members, same order,
    same distances."""
    rng = random.Random({"world": 1, "pole": 2, "antimeridian": 3, "city": 4}[region])
    bounds = {"world": ((-180, 180), (-85, 85)), "pole": ((-180, 180), (75, 85.05)),
              "antimeridian": ((170, 180), (-20, 20)), "city": ((2.2, 2.5), (48.8, 48.9))}[region]
    pair.assert_same("GEOADD", "g", *_random_points(rng, 800, *bounds))
    pair.assert_same("GEOADD", "g", *_random_points(rng, 300, (-180, -170), (-20, 20)))
    searches = 0
    for i in range(60):
        lon = rng.uniform(*bounds[0])
        lat = rng.uniform(*bounds[1])
        unit = rng.choice(["m", "km", "mi", "ft"])
        scale = {"m": 1000, "km": 1, "mi": 0.62, "ft": 3280}[unit]
        size = rng.choice([1, 10, 100, 1000, 5000]) * scale
        opts = rng.choice([[], ["ASC"], ["DESC"], ["COUNT", "5"], ["COUNT", "3", "ANY"],
                           ["COUNT", "7", "DESC"]])
        shape = ["BYRADIUS", repr(size), unit] if i % 2 else \
            ["BYBOX", repr(size), repr(size * rng.uniform(0.2, 3)), unit]
        pair.assert_same("GEOSEARCH", "g", "FROMLONLAT", repr(lon), repr(lat), *shape,
                         "WITHDIST", "WITHHASH", *opts)
        pair.assert_same("GEOSEARCH", "g", "FROMMEMBER", f"p{i}", *shape, *opts)
        searches += 2
    REPORT.setdefault("geo random searches", []).append(f"{region}: {searches} searches, 0 mismatches")


def test_geopos_resp3_same_doubles(pair):
    """RESP3 GEOPOS / WITHCOORD: the engine sends the same double values as
    redis-server (checked as numbers here; the text form differs, see below)."""
    pair.both("HELLO", "3")
    pair.assert_same("GEOADD", "g", "13.361389", "38.115556", "Palermo", "-0.1", "51.5", "London")
    for args in (("GEOPOS", "g", "Palermo", "London", "nope"),
                 ("GEOSEARCH", "g", "FROMLONLAT", "0", "50", "BYRADIUS", "5000", "km",
                  "WITHCOORD", "WITHDIST")):
        real, eng = pair.both(*args)
        assert real.kind == eng.kind == "*"
        assert _doubles(real) == _doubles(eng), (real.raw, eng.raw)


def _doubles(reply):
    if reply.kind == ",":
        return float(reply.raw[1:-2])
    if reply.kind in ("*", "~"):
        return [_doubles(c) for c in reply.value]
    return reply.raw


def test_geopos_resp3_text_form(pair):
    pair.both("HELLO", "3")
    pair.assert_same("GEOADD", "g", "13.361389", "38.115556", "Palermo")
    pair.assert_same("GEOPOS", "g", "Palermo")
