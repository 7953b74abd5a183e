"""memcached semantics: slab classes, items with CAS, lazy expiry, the ketama ring.

``MemcachedNode`` is a memcached 1.6 server in Python (see :mod:`.node`);
``serve_memcached`` puts one on a TCP port for pymemcache or telnet;
:mod:`.slabs` shows where memory goes; :mod:`.ring` shows how clients spread
keys over servers.
"""
from .node import MemcachedError, MemcachedNode
from .ring import KetamaRing, ModuloRing, add_node_movement, moved_fraction
from .server import MemcachedServer, serve_memcached
from .slabs import SlabAllocator, compute_classes, item_total_size

__all__ = ["MemcachedNode", "MemcachedError", "serve_memcached", "MemcachedServer",
           "KetamaRing", "ModuloRing", "moved_fraction", "add_node_movement",
           "SlabAllocator", "compute_classes", "item_total_size"]

