"""The 52-bit geohash Redis stores as a sorted-set score (geohash.c, geohash_helper.c).

A position (longitude, latitude) becomes one integer by *bisecting* each axis
26 times: longitude over [-180, 180], latitude over [-85.05112878, 85.05112878]
(the limits of Web-Mercator maps: the poles cannot be indexed). Each halving
gives one bit (0 = lower half, 1 = upper half). The 26 latitude bits and the 26
longitude bits are then *interleaved* (longitude on the odd bit positions,
latitude on the even ones), so that points close on the map usually get close
numbers, and a box of the grid is one contiguous range of scores. That is why
a geo index is just a sorted set: a radius query becomes a handful of
ZRANGEBYSCORE-style scans over the 9 grid boxes around the centre.

Decoding returns the *centre* of the tiny box (about 0.6 m wide) a point fell
into, which is why GEOPOS gives back slightly different coordinates than the
ones GEOADD received.

Every function below follows redis-server's C code operation for operation,
in IEEE doubles, so results are bit-identical (Python floats are C doubles and
``math`` calls the same libm).
"""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

LONG_MIN, LONG_MAX = -180.0, 180.0
LAT_MIN, LAT_MAX = -85.05112878, 85.05112878
STEP_MAX = 26                       # bits per axis: 52-bit scores
EARTH_RADIUS_IN_METERS = 6372797.560856
MERCATOR_MAX = 20037726.37
D_R = math.pi / 180.0               # degrees -> radians, as the C macro
_U64 = (1 << 64) - 1

#: A hash: (bits, step). step 0 with bits 0 marks a neighbour box that was
#: dropped from a search (GZERO in Redis).
Hash = Tuple[int, int]


# C's libm answers NaN (or ±inf) where Python's math raises: a radius of
# ``inf`` must give Redis's answer, not an exception.
def _sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else math.nan


def _cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else math.nan


def _asin(x: float) -> float:
    return math.asin(x) if -1.0 <= x <= 1.0 else math.nan


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan


def _div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def deg_rad(ang: float) -> float:
    return ang * D_R


def rad_deg(ang: float) -> float:
    return ang / D_R


# -- bit interleaving ---------------------------------------------------------------

def interleave64(xlo: int, ylo: int) -> int:
    """Spread the bits of two 32-bit numbers: x on the even positions, y on
    the odd ones ("Interleave bits by Binary Magic Numbers")."""
    B = (0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F,
         0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF)
    S = (1, 2, 4, 8, 16)
    x, y = xlo & 0xFFFFFFFF, ylo & 0xFFFFFFFF
    for i in (4, 3, 2, 1, 0):
        x = ((x | (x << S[i])) & B[i]) & _U64
        y = ((y | (y << S[i])) & B[i]) & _U64
    return (x | (y << 1)) & _U64


def deinterleave64(interleaved: int) -> int:
    """The inverse: even bits to the low 32 bits, odd bits to the high 32."""
    B = (0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F,
         0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF, 0x00000000FFFFFFFF)
    S = (0, 1, 2, 4, 8, 16)
    x = interleaved & _U64
    y = (interleaved >> 1) & _U64
    for i in range(6):
        x = (x | (x >> S[i])) & B[i]
        y = (y | (y >> S[i])) & B[i]
    return x | (y << 32)


# -- encode / decode ------------------------------------------------------------------

def encode(longitude: float, latitude: float, step: int = STEP_MAX,
           lat_range=(LAT_MIN, LAT_MAX), long_range=(LONG_MIN, LONG_MAX)) -> Optional[Hash]:
    """geohashEncode: the ``step``-bits-per-axis hash of a position, or None
    outside the indexable area."""
    if longitude > LONG_MAX or longitude < LONG_MIN or latitude > LAT_MAX or latitude < LAT_MIN:
        return None
    if not (lat_range[0] <= latitude <= lat_range[1]) or \
            not (long_range[0] <= longitude <= long_range[1]):
        return None
    lat_offset = (latitude - lat_range[0]) / (lat_range[1] - lat_range[0])
    long_offset = (longitude - long_range[0]) / (long_range[1] - long_range[0])
    lat_offset *= float(1 << step)
    long_offset *= float(1 << step)
    # C converts the doubles to uint32_t: truncation toward zero.
    return interleave64(int(lat_offset), int(long_offset)), step


def encode_wgs84(longitude: float, latitude: float, step: int = STEP_MAX) -> Optional[Hash]:
    return encode(longitude, latitude, step)


def align52(h: Hash) -> int:
    """The hash shifted to 52 bits: the sorted-set score of its box's first point."""
    bits, step = h
    return (bits << (52 - step * 2)) & _U64


def decode_area(h: Hash, lat_range=(LAT_MIN, LAT_MAX), long_range=(LONG_MIN, LONG_MAX)):
    """geohashDecode: the box (lon_min, lon_max, lat_min, lat_max) of a hash,
    or None for the 'zero' hash."""
    bits, step = h
    if bits == 0 and step == 0:
        return None
    sep = deinterleave64(bits)
    lat_scale = lat_range[1] - lat_range[0]
    long_scale = long_range[1] - long_range[0]
    ilato = sep & 0xFFFFFFFF
    ilono = (sep >> 32) & 0xFFFFFFFF
    div = float(1 << step)
    lat_min = lat_range[0] + (ilato * 1.0 / div) * lat_scale
    lat_max = lat_range[0] + ((ilato + 1) * 1.0 / div) * lat_scale
    lon_min = long_range[0] + (ilono * 1.0 / div) * long_scale
    lon_max = long_range[0] + ((ilono + 1) * 1.0 / div) * long_scale
    return lon_min, lon_max, lat_min, lat_max


def score_to_bits(score: float) -> int:
    """``(uint64_t)score`` as x86-64 code computes it (scores are doubles;
    a geo score is an integer below 2**52, anything else is garbage in)."""
    if math.isnan(score) or math.isinf(score):
        return 1 << 63
    if score >= 2.0**63:
        t = score - 2.0**63
        return 0 if t >= 2.0**63 else (int(t) ^ (1 << 63))
    t = int(score)   # truncation toward zero
    if t < -(2**63):
        return 1 << 63
    return t & _U64


def decode_score(score: float) -> Tuple[float, float]:
    """decodeGeohash: the (longitude, latitude) of a member's score: the
    centre of its box, clamped to the indexable area."""
    area = decode_area((score_to_bits(score), STEP_MAX))
    lon_min, lon_max, lat_min, lat_max = area
    x = (lon_min + lon_max) / 2
    x = min(max(x, LONG_MIN), LONG_MAX)
    y = (lat_min + lat_max) / 2
    y = min(max(y, LAT_MIN), LAT_MAX)
    return x, y


_ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


def standard_geohash(longitude: float, latitude: float) -> bytes:
    """The 11-character base-32 geohash string of GEOHASH. Redis indexes
    latitudes within ±85.05°, the standard within ±90°, so the position is
    re-encoded on the standard ranges; the 11th character covers bits Redis
    does not have and is always '0'."""
    bits, _ = encode(longitude, latitude, 26, lat_range=(-90.0, 90.0),
                     long_range=(-180.0, 180.0))
    out = bytearray()
    for i in range(11):
        idx = 0 if i == 10 else (bits >> (52 - (i + 1) * 5)) & 0x1F
        out.append(_ALPHABET[idx])
    return bytes(out)


# -- distances ----------------------------------------------------------------------------

def lat_distance(lat1d: float, lat2d: float) -> float:
    """Distance along a meridian (geohashGetLatDistance)."""
    return EARTH_RADIUS_IN_METERS * abs(deg_rad(lat2d) - deg_rad(lat1d))


def distance(lon1d: float, lat1d: float, lon2d: float, lat2d: float) -> float:
    """The haversine great-circle distance in metres, on Redis's sphere
    (radius 6372797.560856 m). Same longitude: the cheaper meridian formula,
    exactly as redis-server 7.0 takes that shortcut."""
    lon1r = deg_rad(lon1d)
    lon2r = deg_rad(lon2d)
    v = _sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return lat_distance(lat1d, lat2d)
    lat1r = deg_rad(lat1d)
    lat2r = deg_rad(lat2d)
    u = _sin((lat2r - lat1r) / 2)
    a = u * u + _cos(lat1r) * _cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS_IN_METERS * _asin(_sqrt(a))


def in_radius(x1, y1, x2, y2, radius) -> Optional[float]:
    """The distance if (x2, y2) is within ``radius`` metres of (x1, y1)."""
    d = distance(x1, y1, x2, y2)
    return None if d > radius else d


def in_rectangle(width_m, height_m, x1, y1, x2, y2) -> Optional[float]:
    """The distance to the centre if (x2, y2) lies in the width × height box
    centred on (x1, y1) (geohashGetDistanceIfInRectangle)."""
    if lat_distance(y2, y1) > height_m / 2:
        return None
    if distance(x2, y2, x1, y2) > width_m / 2:
        return None
    return distance(x1, y1, x2, y2)


# -- the 9-box search area ----------------------------------------------------------------

def estimate_steps(range_meters: float, lat: float) -> int:
    """geohashEstimateStepsByRadius: how coarse a grid makes the search
    radius fit in the 3×3 boxes around the centre."""
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return max(1, min(26, step))


def bounding_box(lon: float, lat: float, width_m: float, height_m: float):
    """geohashBoundingBox: (min_lon, min_lat, max_lon, max_lat) around the
    centre, for half-extents ``width_m`` and ``height_m`` (already in metres).
    Longitude degrees shrink towards the poles, so the box is widened on its
    pole-ward edge."""
    lat_delta = rad_deg(height_m / EARTH_RADIUS_IN_METERS)
    long_delta_top = rad_deg(_div(width_m / EARTH_RADIUS_IN_METERS, _cos(deg_rad(lat + lat_delta))))
    long_delta_bottom = rad_deg(_div(width_m / EARTH_RADIUS_IN_METERS,
                                     _cos(deg_rad(lat - lat_delta))))
    southern = lat < 0
    min_lon = lon - long_delta_bottom if southern else lon - long_delta_top
    max_lon = lon + long_delta_bottom if southern else lon + long_delta_top
    return min_lon, lat - lat_delta, max_lon, lat + lat_delta


def _move_x(h: Hash, d: int) -> Hash:
    bits, step = h
    if d == 0:
        return h
    x = bits & 0xAAAAAAAAAAAAAAAA
    y = bits & 0x5555555555555555
    zz = 0x5555555555555555 >> (64 - step * 2)
    if d > 0:
        x = (x + (zz + 1)) & _U64
    else:
        x = x | zz
        x = (x - (zz + 1)) & _U64
    x &= (0xAAAAAAAAAAAAAAAA >> (64 - step * 2))
    return x | y, step


def _move_y(h: Hash, d: int) -> Hash:
    bits, step = h
    if d == 0:
        return h
    x = bits & 0xAAAAAAAAAAAAAAAA
    y = bits & 0x5555555555555555
    zz = 0xAAAAAAAAAAAAAAAA >> (64 - step * 2)
    if d > 0:
        y = (y + (zz + 1)) & _U64
    else:
        y = y | zz
        y = (y - (zz + 1)) & _U64
    y &= (0x5555555555555555 >> (64 - step * 2))
    return x | y, step


#: The order Redis visits the boxes in (membersOfAllNeighbors).
NEIGHBOUR_ORDER = ("north", "south", "east", "west", "north_east", "north_west",
                   "south_east", "south_west")
_MOVES = {"east": (1, 0), "west": (-1, 0), "south": (0, -1), "north": (0, 1),
          "north_west": (-1, 1), "north_east": (1, 1), "south_east": (1, -1),
          "south_west": (-1, -1)}


def neighbours(h: Hash) -> dict:
    return {name: _move_y(_move_x(h, dx), dy) for name, (dx, dy) in _MOVES.items()}


def search_boxes(lon: float, lat: float, radius_m: float, width_m: float, height_m: float,
                 circular: bool) -> List[Hash]:
    """geohashCalculateAreasByShapeWGS84: the centre box and its 8 neighbours
    (in Redis's visiting order) whose score ranges can hold a match; boxes
    that cannot are zeroed, i.e. (0, 0). ``width_m``/``height_m`` are the
    half-extents in metres and ``radius_m`` the radius (or the half-diagonal
    of a box search)."""
    min_lon, min_lat, max_lon, max_lat = bounding_box(lon, lat, width_m, height_m)
    steps = estimate_steps(radius_m, lat)
    h = encode(lon, lat, steps)
    nb = neighbours(h)
    area = decode_area(h)
    north, south = decode_area(nb["north"]), decode_area(nb["south"])
    east, west = decode_area(nb["east"]), decode_area(nb["west"])
    decrease = (north[3] < max_lat or south[2] > min_lat
                or east[1] < max_lon or west[0] > min_lon)
    if steps > 1 and decrease:
        steps -= 1
        h = encode(lon, lat, steps)
        nb = neighbours(h)
        area = decode_area(h)
    if steps >= 2:
        zero = (0, 0)
        a_lon_min, a_lon_max, a_lat_min, a_lat_max = area
        if a_lat_min < min_lat:
            nb["south"] = nb["south_west"] = nb["south_east"] = zero
        if a_lat_max > max_lat:
            nb["north"] = nb["north_east"] = nb["north_west"] = zero
        if a_lon_min < min_lon:
            nb["west"] = nb["south_west"] = nb["north_west"] = zero
        if a_lon_max > max_lon:
            nb["east"] = nb["south_east"] = nb["north_east"] = zero
    return [h] + [nb[name] for name in NEIGHBOUR_ORDER]


def box_scores(h: Hash) -> Tuple[int, int]:
    """scoresOfGeoHashBox: the score range [min, max) of every point in box ``h``."""
    bits, step = h
    return align52(h), align52((bits + 1, step))
