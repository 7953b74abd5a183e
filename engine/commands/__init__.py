"""Command families. Importing this package fills the command table.

One module per family, as in redis-server's ``t_string.c``, ``db.c`` …:

* ``strings``      — SET, GET, INCR, APPEND, LCS, …
* ``keys``         — DEL, EXISTS, EXPIRE, TTL, SCAN, RENAME, OBJECT, …
* ``connection``   — PING, ECHO, SELECT, HELLO, AUTH, CLIENT, QUIT, RESET
* ``server``       — INFO, CONFIG, DBSIZE, FLUSHDB, TIME, MEMORY, …
* ``transactions`` — MULTI, EXEC, DISCARD, WATCH, UNWATCH
* ``introspection``— COMMAND (answered from the table itself)

Each command is a function ``handler(session, *args)`` registered with
:func:`registry.command`; see registry.py for the declaration format.
"""
from . import registry  # noqa: F401
from . import connection, introspection, keys, server, strings, transactions  # noqa: F401
from . import hashes  # noqa: F401
from . import sets  # noqa: F401
from . import zsets  # noqa: F401
from . import lists  # noqa: F401
from . import bitmaps  # noqa: F401
from . import hyperloglog  # noqa: F401
from . import geo  # noqa: F401
from . import streams  # noqa: F401
from . import pubsub  # noqa: F401
from . import scripting  # noqa: F401
from . import cluster  # noqa: F401
from . import acl  # noqa: F401
from . import search  # noqa: F401
from . import bloom  # noqa: F401
