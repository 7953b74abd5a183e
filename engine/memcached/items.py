"""One memcached item, and memcached's clock arithmetic for expiry times.

An item is a key (at most 250 bytes), a value, 32 bits of client flags (opaque
to the server: clients use them to remember how they serialised the value),
an expiry time and a CAS unique — a 64-bit number the server gives every
version of every item, which ``gets`` shows and ``cas`` checks ("store this
only if nobody changed the item since I read it").

memcached keeps time as whole seconds since it started (``current_time``,
ticked once a second), and converts a client's ``exptime`` like this
(``realtime()`` in memcached.c)::

    0                    never expires
    negative             already expired (hidden at once)
    1 .. 2592000         seconds from now (2592000 s = 30 days)
    > 2592000            an absolute Unix time; one in the past means expired

The 30-day cut-off is why ``exptime=2592000`` means "in 30 days" but
``exptime=2592001`` means "1970-01-31" — expired on arrival.
"""
from __future__ import annotations

from typing import List, Optional

#: Relative exptimes up to this many seconds (30 days); beyond: absolute time.
REALTIME_MAXDELTA = 60 * 60 * 24 * 30
#: memcached's process_started is this many seconds before the real start, so
#: that relative times are never 0 ("never") at start-up.
ITEM_UPDATE_INTERVAL = 60
PROCESS_STARTED_OFFSET = ITEM_UPDATE_INTERVAL + 2


class Item:
    """A stored item. Times are memcached's relative seconds (see the node).

    ``value``    the data, without the ``\\r\\n`` the protocol adds
    ``flags``    client flags (0 .. 2**32-1)
    ``exptime``  expiry in server-relative seconds, 0 = never
    ``time``     last access in server-relative seconds (LRU age, flush_all)
    ``cas``      the CAS unique of this version
    ``clsid``    the slab class whose LRU holds the item
    ``chunks``   slab class of every chunk it occupies (header first)
    ``size``     bytes it accounts for (``ITEM_ntotal``)
    ``fetched``  read at least once since stored (for *_unfetched stats)
    """

    __slots__ = ("key", "value", "flags", "exptime", "time", "cas", "clsid", "chunks",
                 "size", "fetched", "linked")

    def __init__(self, key: bytes, value: bytes, flags: int, exptime: int, time: int,
                 clsid: int, chunks: List[int], size: int):
        self.key = key
        self.value = value
        self.flags = flags
        self.exptime = exptime
        self.time = time
        self.cas = 0
        self.clsid = clsid
        self.chunks = chunks
        self.size = size
        self.fetched = False
        self.linked = False

    @property
    def nbytes(self) -> int:
        """Value length as memcached counts it internally (with ``\\r\\n``)."""
        return len(self.value) + 2

    @property
    def chunked(self) -> bool:
        """Stored in several chunks (larger than the largest slab chunk)."""
        return len(self.chunks) > 1

    def __repr__(self) -> str:
        return (f"Item({self.key!r}, {len(self.value)} B, flags={self.flags}, "
                f"exptime={self.exptime}, cas={self.cas}, class={self.clsid})")


def exptime_to_positive(exptime: int) -> int:
    """``EXPTIME_TO_POSITIVE_TIME``: a negative exptime becomes an absolute
    time in 1970 (30 days + 1 s), i.e. long before the server started."""
    return REALTIME_MAXDELTA + 1 if exptime < 0 else exptime


def realtime(exptime: int, current_time: int, process_started: int) -> int:
    """memcached's ``realtime()``: a client exptime -> server-relative seconds.

    0 stays 0 (never). Up to 30 days: relative to now. Beyond: an absolute
    Unix time; one at or before the server's start becomes 1, a time that has
    certainly passed (memcached avoids 0, which would mean "never").
    """
    exptime = exptime_to_positive(exptime)
    if exptime == 0:
        return 0
    if exptime > REALTIME_MAXDELTA:
        if exptime <= process_started:
            return 1
        return exptime - process_started
    return exptime + current_time


def is_expired(item: Item, current_time: int) -> bool:
    return item.exptime != 0 and item.exptime <= current_time


def unix_expiry(item: Item, process_started: int) -> Optional[int]:
    """The item's expiry as a Unix time (None: never)."""
    return None if item.exptime == 0 else item.exptime + process_started
