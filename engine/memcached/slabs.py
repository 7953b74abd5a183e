"""memcached's memory: slab classes, 1 MB pages, and one LRU per class.

memcached never calls ``malloc`` per item. It carves memory into **pages** of
1 MiB and hands each page to one **slab class**; a class cuts its pages into
equal **chunks**, and an item lives in the smallest chunk that fits it. The
chunk sizes grow geometrically (``-f``, default 1.25) from a minimum
(``-n``, default 48 bytes of data plus the 48-byte item header)::

    class 1: 96   class 2: 120   class 3: 152   class 4: 192 ... class 39: 524288

Sizes are rounded up to 8 bytes, and the last class is always half a page
(``slab_chunk_max``): bigger items are split into chunks of that class (and a
smaller one for the tail), with a small header item in a small class.

What this buys is speed and no fragmentation; what it costs is the lesson of
this module, **slab calcification**: a page, once given to a class, stays
there (unless the automover is on). Memory is "full" when no more pages can be
handed out, and from then on an item that needs a chunk in class *N* can only
be stored by evicting an item *of class N* — the least recently used one in
that class's own LRU — even if other classes hold gigabytes of stale data. A
workload whose value sizes drift (say, 100-byte sessions become 2 KB
sessions) evicts furiously in the new class while the old class sits on the
memory. ``stats slabs`` / ``stats items`` (and :meth:`SlabAllocator.table`)
show it: pages and used chunks per class, evictions per class.

Two rules copied from memcached 1.6 because they are observable:

* a class that has no page yet always gets its first page, even past the
  memory limit (so a new size class is never completely starved);
* the total (``total_malloced``) counts whole pages, used or not.

Simplifications, documented so nobody mistakes them for memcached's:

* memcached 1.6 keeps a *segmented* LRU per class (HOT, WARM, COLD, with a
  background thread moving items between them and a crawler reclaiming
  expired items). Here each class has **one** LRU list: new and fetched items
  go to the head, evictions take the tail. For a stream of writes that is the
  same order memcached evicts in; it differs in how strongly a fetch protects
  an item.
* the page mover (``slab_automove``, on by default in 1.6) is not modelled:
  pages never move by themselves (``slab_automove 0``), which is the classic
  calcification a lab wants to show. :meth:`SlabAllocator.reassign` moves a
  page by hand, like ``slabs reassign``.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Optional

#: sizeof(item) on a 64-bit build: the header in front of every item.
ITEM_HEADER = 48
#: The CAS unique stored with each item (memcached runs with CAS on by default).
CAS_SIZE = 8
#: Client flags take 4 bytes, but only when they are not 0.
FLAGS_SIZE = 4
#: sizeof(item_chunk): the header of each chunk of a large (chunked) item.
CHUNK_HEADER = 48
#: Chunk sizes are multiples of this.
CHUNK_ALIGN = 8
#: One slab page (``slab_page_size``).
PAGE_SIZE = 1024 * 1024
#: memcached's array of classes is this long; ids run from 1.
MAX_NUMBER_OF_SLAB_CLASSES = 64
#: How many items at an LRU tail are examined per eviction attempt.
LRU_TAIL_SEARCH = 5


def item_total_size(nkey: int, nbytes: int, flags: int = 0) -> int:
    """``ITEM_ntotal``: the bytes an item needs in a chunk.

    ``nbytes`` counts the value *with* its trailing ``\\r\\n`` (memcached stores
    them), the key is NUL-terminated, flags cost 4 bytes unless 0, CAS 8::

        >>> item_total_size(1, 5 + 2)      # key "a", value "hello"
        65
    """
    return ITEM_HEADER + CAS_SIZE + nkey + 1 + (FLAGS_SIZE if flags else 0) + nbytes


def compute_classes(growth_factor: float = 1.25, chunk_min: int = 48,
                    page_size: int = PAGE_SIZE, chunk_max: Optional[int] = None):
    """The slab class table as memcached's ``slabs_init`` builds it.

    Returns a list of ``(chunk_size, chunks_per_page)`` for classes 1..N.
    The size starts at header + ``chunk_min``, is rounded up to 8 bytes, and is
    multiplied by ``growth_factor`` (truncated to an integer, as in C) until it
    would pass ``chunk_max / growth_factor``; the last class is ``chunk_max``
    (half a page) itself.
    """
    if growth_factor <= 1.0:
        raise ValueError("growth_factor must be greater than 1 (memcached: -f)")
    if chunk_min < 1:
        raise ValueError("chunk_min must be at least 1 byte (memcached: -n)")
    if chunk_max is None:
        chunk_max = page_size // 2
    classes = []
    size = ITEM_HEADER + chunk_min
    i = 0
    while True:
        i += 1
        if i >= MAX_NUMBER_OF_SLAB_CLASSES - 1 or size >= chunk_max / growth_factor:
            break
        if size % CHUNK_ALIGN:
            size += CHUNK_ALIGN - size % CHUNK_ALIGN
        classes.append((size, page_size // size))
        size = int(size * growth_factor)
    classes.append((chunk_max, page_size // chunk_max))
    return classes


class SlabClass:
    """One slab class: its chunk size, its pages, its LRU and its counters.

    Everything here is plain data for labs: ``chunk_size``, ``chunks_per_page``,
    ``pages``, ``used_chunks``, ``free_chunks``, ``items`` (how many items
    this class's LRU holds), ``evicted`` and the other ``stats items`` /
    ``stats slabs`` counters.
    """

    def __init__(self, clsid: int, chunk_size: int, chunks_per_page: int):
        self.id = clsid
        self.chunk_size = chunk_size
        self.chunks_per_page = chunks_per_page
        self.pages = 0
        self.used_chunks = 0
        #: key -> Item, least recently used first (the eviction end).
        self.lru: "OrderedDict[bytes, object]" = OrderedDict()
        #: Sum of the items' ``item_total_size`` (``mem_requested``).
        self.requested = 0
        self.reset_stats()

    def reset_stats(self) -> None:
        # stats slabs (per-class command counters)
        self.get_hits = self.cmd_set = self.delete_hits = 0
        self.incr_hits = self.decr_hits = 0
        self.cas_hits = self.cas_badval = self.touch_hits = 0
        # stats items (per-class LRU counters)
        self.evicted = self.evicted_nonzero = self.evicted_time = 0
        self.evicted_unfetched = self.outofmemory = 0
        self.reclaimed = self.expired_unfetched = 0

    @property
    def total_chunks(self) -> int:
        return self.pages * self.chunks_per_page

    @property
    def free_chunks(self) -> int:
        return self.total_chunks - self.used_chunks

    @property
    def items(self) -> int:
        return len(self.lru)

    def as_dict(self) -> dict:
        return {
            "class": self.id, "chunk_size": self.chunk_size,
            "chunks_per_page": self.chunks_per_page, "pages": self.pages,
            "used_chunks": self.used_chunks, "free_chunks": self.free_chunks,
            "items": self.items, "mem_requested": self.requested,
            "evicted": self.evicted, "evicted_nonzero": self.evicted_nonzero,
            "evicted_unfetched": self.evicted_unfetched, "reclaimed": self.reclaimed,
            "outofmemory": self.outofmemory,
        }

    def __repr__(self) -> str:
        return (f"SlabClass({self.id}: chunk {self.chunk_size} B, {self.pages} pages, "
                f"{self.used_chunks}/{self.total_chunks} chunks used, {self.items} items, "
                f"{self.evicted} evicted)")


class SlabAllocator:
    """Pages and chunks for one node, within ``memory_limit`` bytes.

    The allocator only counts: it knows how many chunks of each class are in
    use and which pages exist, not where bytes live. :meth:`take_chunk` is
    memcached's ``slabs_alloc`` (a free chunk, else a new page if the limit
    allows); when it fails the node evicts from the class's LRU and tries again.
    """

    def __init__(self, memory_limit: int = 64 * 1024 * 1024, *, growth_factor: float = 1.25,
                 chunk_min: int = 48, item_size_max: int = 1024 * 1024,
                 page_size: int = PAGE_SIZE):
        chunk_max = page_size // 2
        if item_size_max < 1024:
            raise ValueError("item_size_max cannot be less than 1024 bytes (memcached: -I)")
        if item_size_max > 1024 * 1024 * 1024:
            raise ValueError("item_size_max cannot be larger than 1 GB (memcached: -I)")
        if chunk_max > item_size_max:
            raise ValueError(f"slab_chunk_max (bytes: {chunk_max}) cannot be larger than "
                             f"item_size_max ({item_size_max}): use at least 512 KB")
        if item_size_max > memory_limit // 2:
            raise ValueError("item_size_max cannot be higher than 1/2 of the memory limit")
        self.memory_limit = memory_limit
        self.growth_factor = growth_factor
        self.chunk_min = chunk_min
        self.item_size_max = item_size_max
        self.page_size = page_size
        self.chunk_max = chunk_max
        self.classes: List[SlabClass] = [
            SlabClass(i + 1, size, perslab)
            for i, (size, perslab) in enumerate(
                compute_classes(growth_factor, chunk_min, page_size, chunk_max))]
        self.largest = len(self.classes)
        self.malloced = 0
        self.limit_reached = False

    # -- sizes -----------------------------------------------------------------
    def cls(self, clsid: int) -> SlabClass:
        return self.classes[clsid - 1]

    def clsid(self, size: int) -> int:
        """``slabs_clsid``: the smallest class whose chunks hold ``size`` bytes.

        0 means "too large for this cache" (bigger than ``item_size_max``);
        sizes between the largest chunk and ``item_size_max`` map to the
        largest class (they will be stored in several chunks)."""
        if size <= 0 or size > self.item_size_max:
            return 0
        lo, hi = 0, self.largest - 1
        if size > self.classes[hi].chunk_size:
            return self.largest
        while lo < hi:
            mid = (lo + hi) // 2
            if self.classes[mid].chunk_size >= size:
                hi = mid
            else:
                lo = mid + 1
        return lo + 1

    def chunk_plan(self, nkey: int, nbytes: int, flags: int = 0) -> Optional[List[int]]:
        """The class of every chunk an item needs, first the one holding its header.

        A small item is one chunk. An item larger than the largest chunk
        (``slab_chunk_max``) is a header item in a small class plus data
        chunks of the largest class, the last one from whatever class fits the
        remainder — as memcached 1.6 stores large values. None: too large.
        """
        ntotal = item_total_size(nkey, nbytes, flags)
        clsid = self.clsid(ntotal)
        if clsid == 0:
            return None
        if ntotal <= self.chunk_max:
            return [clsid]
        header = ITEM_HEADER + CAS_SIZE + nkey + 1 + (FLAGS_SIZE if flags else 0) + CHUNK_HEADER
        plan = [self.clsid(header)]
        remaining = nbytes
        while remaining > 0:
            size = min(remaining + CHUNK_HEADER, self.chunk_max)
            plan.append(self.clsid(size))
            remaining -= size - CHUNK_HEADER
        return plan

    # -- chunks ------------------------------------------------------------------
    def take_chunk(self, clsid: int) -> bool:
        """Use one chunk of ``clsid``: a free one, or one of a new page.

        A new page is granted while the total stays within the memory limit,
        and always to a class that has no page yet (memcached does the same)."""
        c = self.classes[clsid - 1]
        if c.used_chunks < c.total_chunks:
            c.used_chunks += 1
            return True
        if self.memory_limit and self.malloced + self.page_size > self.memory_limit \
                and c.pages > 0:
            self.limit_reached = True
            return False
        c.pages += 1
        self.malloced += self.page_size
        c.used_chunks += 1
        return True

    def release_chunk(self, clsid: int) -> None:
        self.classes[clsid - 1].used_chunks -= 1

    def reassign(self, src: int, dst: int) -> bool:
        """Move one page from class ``src`` to class ``dst`` (``slabs reassign``).

        Only a page with no used chunk can move here (memcached would evict the
        page's items first); returns False when ``src`` has no spare page."""
        if src == dst:
            raise ValueError("src and dst class are identical")
        s, d = self.cls(src), self.cls(dst)
        if s.pages == 0 or s.free_chunks < s.chunks_per_page:
            return False
        s.pages -= 1
        d.pages += 1
        return True

    # -- observability ---------------------------------------------------------
    @property
    def active_classes(self) -> List[SlabClass]:
        """Classes that own at least one page (what ``stats slabs`` lists)."""
        return [c for c in self.classes if c.pages]

    def table(self, all_classes: bool = False) -> List[Dict]:
        """One dict per class (pages, chunks, items, evictions): plain data for labs."""
        return [c.as_dict() for c in self.classes if all_classes or c.pages or c.items]

    def __repr__(self) -> str:
        return (f"SlabAllocator({len(self.classes)} classes, "
                f"{self.malloced // self.page_size}/{self.memory_limit // self.page_size} pages)")
