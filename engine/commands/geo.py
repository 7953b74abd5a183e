"""Geospatial commands (redis-server's geo.c): a geo index is a sorted set.

GEOADD turns each (longitude, latitude) into a 52-bit geohash (geohash.py) and
stores it as the member's *score* with ZADD — so TYPE says ``zset``, ZRANGE,
ZREM and ZCARD work on a geo key, and nothing new is stored. Because nearby
points get nearby scores, a search is a few score-range scans:

1. pick a grid coarse enough that the search circle (or box) fits in the 3×3
   grid boxes around the centre (``geohash.search_boxes``);
2. scan each box's score range in the sorted set, in Redis's order (centre,
   N, S, E, W, NE, NW, SE, SW), keeping the points really inside the shape
   (haversine distance on a sphere of radius 6372797.560856 m);
3. sort by distance if asked (COUNT without ANY implies ASC) and cut to COUNT.

Replies as redis-server 7.0 sends them: distances as text with 4 decimals
(bulk strings, even in RESP3), coordinates as "human" long doubles
(``%.17Lf`` without trailing zeros: ``13.36138933897018433``) — a bulk
string in RESP2 and a RESP3 double carrying the same digits
(``,13.36138933897018433``), the :class:`HumanDouble` reply type.
"""
from __future__ import annotations

import math
from typing import List, Optional

from .. import errors
from ..protocol.replies import HumanDouble, NullArray, ReplyError
from . import geohash as gh
from .args import parse_int
from .registry import command
from .zsets import ZSet, _read, _store, _zadd, parse_score

UNSUPPORTED_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
NOT_DECODABLE = "ERR could not decode requested zset member"
_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}


# -- argument helpers --------------------------------------------------------------

def _lon_lat(raw_lon: bytes, raw_lat: bytes):
    """extractLongLatOrReply: two floats inside the indexable area."""
    lon = parse_score(raw_lon)
    lat = parse_score(raw_lat)
    if lon < gh.LONG_MIN or lon > gh.LONG_MAX or lat < gh.LAT_MIN or lat > gh.LAT_MAX:
        raise ReplyError("ERR invalid longitude,latitude pair %f,%f" % (lon, lat))
    return lon, lat


def _unit(raw: bytes) -> float:
    """Metres per unit (m, km, ft, mi; any case)."""
    factor = _UNITS.get(raw.lower())
    if factor is None:
        raise ReplyError(UNSUPPORTED_UNIT)
    return factor


def _radius(raw: bytes, raw_unit: bytes):
    r = parse_score(raw, "ERR need numeric radius")
    if r < 0:
        raise ReplyError("ERR radius cannot be negative")
    return r, _unit(raw_unit)


def _box(raw_w: bytes, raw_h: bytes, raw_unit: bytes):
    w = parse_score(raw_w, "ERR need numeric width")
    h = parse_score(raw_h, "ERR need numeric height")
    if h < 0 or w < 0:
        raise ReplyError("ERR height or width cannot be negative")
    return w, h, _unit(raw_unit)


def fixed4(d: float) -> bytes:
    """Redis 7.0's fixedpoint_d2string(d, 4): the distance × 10⁴ rounded to
    the nearest integer (ties to even, as llrint does), printed with 4
    decimals. Not quite printf's "%.4f": it rounds the *product*."""
    if d == 0:
        return b"0.0000"
    v = round(d * 10000.0)
    sign = b"-" if v < 0 else b""
    v = abs(v)
    return sign + b"%d.%04d" % divmod(v, 10000)


def human_double(x: float) -> bytes:
    """addReplyHumanLongDouble's text: ``%.17Lf`` with trailing zeros cut."""
    if math.isinf(x):
        return b"inf" if x > 0 else b"-inf"
    text = b"%.17f" % x
    text = text.rstrip(b"0")
    if text.endswith(b"."):
        text = text[:-1]
    return b"0" if text == b"-0" else text


def _coord(s, x: float):
    # The same digits in both protocols: a bulk string in RESP2, a double in RESP3.
    return HumanDouble(human_double(x))


def _member_lon_lat(z: ZSet, member: bytes):
    score = z.scores.get(member)
    if score is None:
        return None
    return gh.decode_score(score)


# ==============================================================================
# GEOADD, GEOPOS, GEODIST, GEOHASH
# ==============================================================================

@command("geoadd", arity=-5, flags="write denyoom", acl="geo", keys=(1, 1, 1),
         group="geo", since="3.2.0",
         complexity="O(log(N)) for each item added, where N is the number of elements in "
                    "the sorted set.")
def geoadd(s, key, *args):
    """GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...] — Add one or more geospatial items in the geospatial index represented using a sorted set

    Each position becomes a 52-bit geohash score; the rest is ZADD (same
    NX/XX/CH meaning, same reply: how many members were added, or changed
    with CH).
    """
    i = 0
    nx = xx = False
    options = []
    while i < len(args):
        opt = args[i].lower()
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt != b"ch":
            break
        options.append(args[i])
        i += 1
    rest = args[i:]
    if len(rest) % 3 or (nx and xx):
        raise ReplyError(errors.SYNTAX)
    pairs = []
    for j in range(0, len(rest), 3):
        lon, lat = _lon_lat(rest[j], rest[j + 1])
        score = gh.align52(gh.encode_wgs84(lon, lat))
        pairs += [b"%d" % score, rest[j + 2]]
    return _zadd(s, key, options + pairs)


@command("geopos", arity=-2, flags="readonly", acl="geo", keys=(1, 1, 1),
         group="geo", since="3.2.0",
         complexity="O(N) where N is the number of members requested.")
def geopos(s, key, *members):
    """GEOPOS key [member ...] — Returns longitude and latitude of members of a geospatial index

    For each member, [longitude, latitude] (the centre of its geohash cell),
    or a null array if it is missing.
    """
    e = _read(s, key)
    out = []
    for m in members:
        pos = _member_lon_lat(e.value, m) if e is not None else None
        out.append(NullArray if pos is None else [_coord(s, pos[0]), _coord(s, pos[1])])
    return out


@command("geodist", arity=-4, flags="readonly", acl="geo", keys=(1, 1, 1),
         group="geo", since="3.2.0", complexity="O(log(N))")
def geodist(s, key, member1, member2, *unit):
    """GEODIST key member1 member2 [M|KM|FT|MI] — Returns the distance between two members of a geospatial index

    The great-circle distance with 4 decimals, or nil if a member is missing.
    """
    if len(unit) > 1:
        raise ReplyError(errors.SYNTAX)
    to_meter = _unit(unit[0]) if unit else 1.0
    e = _read(s, key)
    if e is None:
        return None
    a = _member_lon_lat(e.value, member1)
    b = _member_lon_lat(e.value, member2)
    if a is None or b is None:
        return None
    return fixed4(gh.distance(a[0], a[1], b[0], b[1]) / to_meter)


@command("geohash", arity=-2, flags="readonly", acl="geo", keys=(1, 1, 1),
         group="geo", since="3.2.0",
         complexity="O(log(N)) for each member requested, where N is the number of elements "
                    "in the sorted set.")
def geohash(s, key, *members):
    """GEOHASH key [member ...] — Returns members of a geospatial index as standard geohash strings

    The 11-character base-32 geohash of each member (nil if missing).
    """
    e = _read(s, key)
    out = []
    for m in members:
        pos = _member_lon_lat(e.value, m) if e is not None else None
        out.append(None if pos is None else gh.standard_geohash(pos[0], pos[1]))
    return out


# ==============================================================================
# Searching: GEOSEARCH, GEOSEARCHSTORE, GEORADIUS…
# ==============================================================================

class _Shape:
    """What to search: a centre and a circle or a box (Redis's GeoShape)."""

    __slots__ = ("lon", "lat", "circular", "radius", "width", "height", "conversion")

    def __init__(self):
        self.lon = self.lat = 0.0
        self.circular = True
        self.radius = self.width = self.height = 0.0
        self.conversion = 1.0

    def boxes(self):
        c = self.conversion
        if self.circular:
            half_w = half_h = c * self.radius
            radius_m = self.radius * c
        else:
            half_h = c * (self.height / 2)
            half_w = c * (self.width / 2)
            radius_m = math.sqrt((self.width / 2) * (self.width / 2)
                                 + (self.height / 2) * (self.height / 2)) * c
        return gh.search_boxes(self.lon, self.lat, radius_m, half_w, half_h, self.circular)

    def distance_if_inside(self, x: float, y: float) -> Optional[float]:
        c = self.conversion
        if self.circular:
            return gh.in_radius(self.lon, self.lat, x, y, self.radius * c)
        return gh.in_rectangle(self.width * c, self.height * c, self.lon, self.lat, x, y)


def _points_in_shape(z: ZSet, shape: _Shape, limit: int) -> List[list]:
    """membersOfAllNeighbors: scan the boxes' score ranges in Redis's order,
    keeping [distance, score, member, lon, lat] of the points inside the
    shape; ``limit`` > 0 stops early (ANY)."""
    found: List[list] = []
    last = None
    for box in shape.boxes():
        if box == (0, 0):
            continue
        # A huge radius makes neighbouring boxes coincide: skip a repeat of
        # the previous box, as Redis does.
        if last is not None and box == last:
            continue
        if found and limit and len(found) >= limit:
            break
        lo, hi = gh.box_scores(box)
        start, end = z.score_span(float(lo), False, float(hi), True)
        for score, member in z.order[start:end]:
            x, y = gh.decode_score(score)
            d = shape.distance_if_inside(x, y)
            if d is not None:
                found.append([d, score, member, x, y])
            if found and limit and len(found) >= limit:
                break
        last = box
    return found


def _pqsort(a: list, lo_rank: int, hi_rank: int, desc: bool) -> None:
    """Redis's pqsort (Bentley-McIlroy quicksort that only sorts the part of
    the array holding ranks lo_rank..hi_rank). Ported step by step because it
    is not stable: the order of equal distances must come out as Redis's."""
    def cmp(i, j):
        da, db = a[i][0], a[j][0]
        r = 1 if da > db else (0 if da == db else -1)
        return -r if desc else r

    def swap(i, j):
        a[i], a[j] = a[j], a[i]

    def vecswap(i, j, n):
        for k in range(n):
            swap(i + k, j + k)

    def med3(x, y, z):
        if cmp(x, y) < 0:
            return y if cmp(y, z) < 0 else (z if cmp(x, z) < 0 else x)
        return y if cmp(y, z) > 0 else (x if cmp(x, z) < 0 else z)

    def insertion(base, n):
        for pm in range(base + 1, base + n):
            pl = pm
            while pl > base and cmp(pl - 1, pl) > 0:
                swap(pl, pl - 1)
                pl -= 1

    def overlaps(base, n):
        return not (hi_rank < base or lo_rank >= base + n)

    def sort(base, n):
        while True:
            swap_cnt = False
            if n < 7:
                insertion(base, n)
                return
            pm = base + n // 2
            if n > 7:
                pl, pn = base, base + n - 1
                if n > 40:
                    d = n // 8
                    pl = med3(pl, pl + d, pl + 2 * d)
                    pm = med3(pm - d, pm, pm + d)
                    pn = med3(pn - 2 * d, pn - d, pn)
                pm = med3(pl, pm, pn)
            swap(base, pm)
            pa = pb = base + 1
            pc = pd = base + n - 1
            while True:
                while pb <= pc:
                    r = cmp(pb, base)
                    if r > 0:
                        break
                    if r == 0:
                        swap_cnt = True
                        swap(pa, pb)
                        pa += 1
                    pb += 1
                while pb <= pc:
                    r = cmp(pc, base)
                    if r < 0:
                        break
                    if r == 0:
                        swap_cnt = True
                        swap(pc, pd)
                        pd -= 1
                    pc -= 1
                if pb > pc:
                    break
                swap(pb, pc)
                swap_cnt = True
                pb += 1
                pc -= 1
            if not swap_cnt:
                insertion(base, n)
                return
            pn = base + n
            r = min(pa - base, pb - pa)
            vecswap(base, pb - r, r)
            r = min(pd - pc, pn - pd - 1)
            vecswap(pb, pn - r, r)
            r = pb - pa
            if r > 1 and overlaps(base, r):
                sort(base, r)
            r = pd - pc
            if r > 1:
                base, n = pn - r, r
                if overlaps(base, n):
                    continue
            return

    sort(0, len(a))


def _search(s, src, args, *, by_member: bool = False, coords: bool = False,
            geosearch: bool = False, store_dst=None, nostore: bool = False, name: str = ""):
    """georadiusGeneric: parse, look up, search, reply or store. ``args`` are
    the arguments after the fixed ones (options)."""
    e = _read(s, src)
    z = e.value if e is not None else None
    shape = _Shape()
    storekey = store_dst
    storedist = False
    if coords:
        shape.lon, shape.lat = _lon_lat(args[0], args[1])
        shape.radius, shape.conversion = _radius(args[2], args[3])
        args = args[4:]
    elif by_member:
        if z is not None:
            pos = _member_lon_lat(z, args[0])
            if pos is None:
                raise ReplyError(NOT_DECODABLE)
            shape.lon, shape.lat = pos
            shape.radius, shape.conversion = _radius(args[1], args[2])
        args = args[3:]
    withdist = withhash = withcoords = anyflag = False
    frommember = fromloc = byradius = bybox = False
    sort = None
    count = 0
    i, n = 0, len(args)
    while i < n:
        arg = args[i].lower()
        left = n - i - 1
        if arg == b"withdist":
            withdist = True
        elif arg == b"withhash":
            withhash = True
        elif arg == b"withcoord":
            withcoords = True
        elif arg == b"any":
            anyflag = True
        elif arg == b"asc":
            sort = "asc"
        elif arg == b"desc":
            sort = "desc"
        elif arg == b"count" and left >= 1:
            count = parse_int(args[i + 1])
            if count <= 0:
                raise ReplyError("ERR COUNT must be > 0")
            i += 1
        elif arg in (b"store", b"storedist") and left >= 1 and not nostore and not geosearch:
            storekey = args[i + 1]
            storedist = arg == b"storedist"
            i += 1
        elif arg == b"storedist" and geosearch and store_dst is not None:
            storedist = True
        elif arg == b"frommember" and left >= 1 and geosearch and not fromloc:
            if z is not None:
                pos = _member_lon_lat(z, args[i + 1])
                if pos is None:
                    raise ReplyError(NOT_DECODABLE)
                shape.lon, shape.lat = pos
            frommember = True
            i += 1
        elif arg == b"fromlonlat" and left >= 2 and geosearch and not frommember:
            shape.lon, shape.lat = _lon_lat(args[i + 1], args[i + 2])
            fromloc = True
            i += 2
        elif arg == b"byradius" and left >= 2 and geosearch and not bybox:
            shape.radius, shape.conversion = _radius(args[i + 1], args[i + 2])
            shape.circular = True
            byradius = True
            i += 2
        elif arg == b"bybox" and left >= 3 and geosearch and not byradius:
            shape.width, shape.height, shape.conversion = _box(args[i + 1], args[i + 2],
                                                               args[i + 3])
            shape.circular = False
            bybox = True
            i += 3
        else:
            raise ReplyError(errors.SYNTAX)
        i += 1
    if storekey is not None and (withdist or withhash or withcoords):
        what = "GEOSEARCHSTORE" if store_dst is not None else "STORE option in GEORADIUS"
        raise ReplyError(f"ERR {what} is not compatible with WITHDIST, WITHHASH and "
                         f"WITHCOORD options")
    if geosearch and not (frommember or fromloc):
        raise ReplyError(f"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified "
                         f"for {name}")
    if geosearch and not (byradius or bybox):
        raise ReplyError(f"ERR exactly one of BYRADIUS and BYBOX can be specified for {name}")
    if anyflag and not count:
        raise ReplyError("ERR the ANY argument requires COUNT argument")
    db = s.db
    if z is None:
        if storekey is not None:
            db.delete(storekey)
            return 0
        return []
    if count and sort is None and not anyflag:
        sort = "asc"
    found = _points_in_shape(z, shape, count if anyflag else 0)
    if not found and storekey is None:
        return []
    total = len(found)
    returned = total if (count == 0 or total < count) else count
    if sort is not None:
        if returned == total:
            # glibc's qsort is a stable merge sort here: ties keep scan order.
            found.sort(key=lambda p: p[0], reverse=(sort == "desc"))
        else:
            _pqsort(found, 0, returned - 1, sort == "desc")
    found = found[:returned]
    if storekey is None:
        out = []
        for d, score, member, x, y in found:
            d /= shape.conversion
            if not (withdist or withhash or withcoords):
                out.append(member)
                continue
            item = [member]
            if withdist:
                item.append(fixed4(d))
            if withhash:
                item.append(int(score))
            if withcoords:
                item.append([_coord(s, x), _coord(s, y)])
            out.append(item)
        return out
    pairs = sorted(((d / shape.conversion) if storedist else score, member)
                   for d, score, member, _x, _y in found)
    if not pairs:
        db.delete(storekey)
        return 0
    return _store(s, storekey, ZSet.build(pairs, s.node.config))


_SEARCH_DOC = ("O(N+log(M)) where N is the number of elements in the grid-aligned bounding box "
               "area around the shape provided as the filter and M is the number of items "
               "inside the shape")
_RADIUS_DOC = ("O(N+log(M)) where N is the number of elements inside the bounding box of the "
               "circular area delimited by center and radius and M is the number of items "
               "inside the index.")


def _store_keys(startfrom: int):
    """Key positions of GEORADIUS[BYMEMBER], as redis-server 7.0 finds them
    from its key specs: the source key, then the key after the first STORE
    and the first STOREDIST searched from argument ``startfrom`` on (the
    last argument is never searched)."""

    def getkeys(argv):
        keys = [1]
        for word in (b"store", b"storedist"):
            for i in range(startfrom, len(argv) - 1):
                if argv[i].lower() == word:
                    keys.append(i + 1)
                    break
        return keys

    return getkeys


@command("geosearch", arity=-7, flags="readonly", acl="geo", keys=(1, 1, 1),
         group="geo", since="6.2.0", complexity=_SEARCH_DOC)
def geosearch(s, key, *args):
    """GEOSEARCH key FROMMEMBER member|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h unit [ASC|DESC] [COUNT n [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH] — Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.

    Members inside a circle or a box around a member or a position.
    """
    return _search(s, key, args, geosearch=True, name="GEOSEARCH")


@command("geosearchstore", arity=-8, flags="write denyoom", acl="geo", keys=(1, 2, 1),
         group="geo", since="6.2.0", complexity=_SEARCH_DOC)
def geosearchstore(s, destination, source, *args):
    """GEOSEARCHSTORE destination source FROMMEMBER member|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h unit [ASC|DESC] [COUNT n [ANY]] [STOREDIST] — Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.

    Store GEOSEARCH's result as a sorted set (scores: geohashes, or with
    STOREDIST the distances); the number of members stored.
    """
    return _search(s, source, args, geosearch=True, store_dst=destination,
                   name="GEOSEARCHSTORE")


@command("georadius", arity=-6, flags="write denyoom", acl="geo", keys=(1, 1, 1),
         getkeys=_store_keys(6), group="geo", since="3.2.0", complexity=_RADIUS_DOC,
         doc_flags="deprecated")
def georadius(s, key, *args):
    """GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT n [ANY]] [ASC|DESC] [STORE key] [STOREDIST key] — Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point

    The pre-6.2 form of GEOSEARCH … FROMLONLAT … BYRADIUS (deprecated).
    """
    return _search(s, key, args, coords=True)


@command("georadius_ro", arity=-6, flags="readonly", acl="geo", keys=(1, 1, 1),
         group="geo", since="3.2.10", complexity=_RADIUS_DOC, doc_flags="deprecated")
def georadius_ro(s, key, *args):
    """GEORADIUS_RO key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT n [ANY]] [ASC|DESC] — A read-only variant for GEORADIUS

    GEORADIUS without STORE (deprecated).
    """
    return _search(s, key, args, coords=True, nostore=True)


@command("georadiusbymember", arity=-5, flags="write denyoom", acl="geo", keys=(1, 1, 1),
         getkeys=_store_keys(5), group="geo", since="3.2.0", complexity=_RADIUS_DOC,
         doc_flags="deprecated")
def georadiusbymember(s, key, *args):
    """GEORADIUSBYMEMBER key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT n [ANY]] [ASC|DESC] [STORE key] [STOREDIST key] — Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member

    The pre-6.2 form of GEOSEARCH … FROMMEMBER … BYRADIUS (deprecated).
    """
    return _search(s, key, args, by_member=True)


@command("georadiusbymember_ro", arity=-5, flags="readonly", acl="geo", keys=(1, 1, 1),
         group="geo", since="3.2.10", complexity=_RADIUS_DOC, doc_flags="deprecated")
def georadiusbymember_ro(s, key, *args):
    """GEORADIUSBYMEMBER_RO key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT n [ANY]] [ASC|DESC] — A read-only variant for GEORADIUSBYMEMBER

    GEORADIUSBYMEMBER without STORE (deprecated).
    """
    return _search(s, key, args, by_member=True, nostore=True)
