"""Server commands: INFO, CONFIG, DBSIZE, FLUSHDB/FLUSHALL, SWAPDB, TIME, MEMORY.

INFO is the window learners look through most: ``keyspace_hits`` and
``keyspace_misses`` give the cache hit ratio, ``expired_keys`` and
``evicted_keys`` show keys leaving, ``used_memory`` against ``maxmemory``
shows pressure. On ElastiCache the same numbers reach CloudWatch as metrics
(CacheHits, CacheMisses, Evictions, BytesUsedForCache, …).
"""
from __future__ import annotations

import os
import platform

from .. import errors
from ..node import memory
from ..node.config import PARAMS, ConfigError
from ..version import REDIS_VERSION
from ..protocol.replies import OK, Map, ReplyError, SimpleString, Verbatim
from . import glob
from .args import parse_c_int, parse_int
from .registry import command, container

ALL_SHARDS_OK = "request_policy:all_shards response_policy:all_succeeded"


@command("dbsize", arity=1, flags="readonly fast", acl="keyspace", group="server",
         since="1.0.0", tips="request_policy:all_shards response_policy:agg_sum",
         complexity="O(1)")
def dbsize(s):
    """DBSIZE — Return the number of keys in the selected database

    The number of keys in the selected database (expired-but-not-yet- deleted keys
    included, as in Redis).
    """
    return len(s.db)


def _flush_mode(args, name):
    if len(args) > 1 or (args and args[0].upper() not in (b"ASYNC", b"SYNC")):
        raise ReplyError(errors.SYNTAX)


@command("flushdb", arity=-1, flags="write", acl="keyspace dangerous", group="server",
         since="1.0.0", tips=ALL_SHARDS_OK,
         complexity="O(N) where N is the number of keys in the selected database")
def flushdb(s, *mode):
    """FLUSHDB [ASYNC|SYNC] — Remove all keys from the current database

    Delete every key of the selected database.
    """
    _flush_mode(mode, "flushdb")
    s.db.flush()
    return OK


@command("flushall", arity=-1, flags="write", acl="keyspace dangerous", group="server",
         since="1.0.0", tips=ALL_SHARDS_OK,
         complexity="O(N) where N is the total number of keys in all databases")
def flushall(s, *mode):
    """FLUSHALL [ASYNC|SYNC] — Remove all keys from all databases

    Delete every key of every database.
    """
    _flush_mode(mode, "flushall")
    for db in s.node.dbs:
        db.flush()
    return OK


@command("swapdb", arity=3, flags="write fast", acl="keyspace dangerous", group="server",
         since="4.0.0", complexity="O(N) where N is the count of clients watching or "
                                   "blocking on keys from both databases.")
def swapdb(s, index1, index2):
    """SWAPDB index1 index2 — Swaps two Redis databases

    Exchange two databases' contents instantly; clients connected to one see the other's
    data.
    """
    a = parse_c_int(index1, "ERR invalid first DB index")
    b = parse_c_int(index2, "ERR invalid second DB index")
    dbs = s.node.dbs
    if not (0 <= a < len(dbs) and 0 <= b < len(dbs)):
        raise ReplyError(errors.DB_INDEX_OUT_OF_RANGE)
    if a != b:
        x, y = dbs[a], dbs[b]
        # A WATCHed key of either database changes if it exists on either
        # side of the swap (a key missing from both stays missing).
        for db in (x, y):
            for key in list(db.watchers):
                if key in x.data or key in y.data:
                    db.signal_modified(key)
        for field in ("data", "key_list", "volatile", "_expiry_heap", "used"):
            tmp = getattr(x, field)
            setattr(x, field, getattr(y, field))
            setattr(y, field, tmp)
        x.version += 1
        y.version += 1
        # Clients blocked on a key of either database (they stay with the
        # database number) may find data there now (scanDatabaseForReadyKeys).
        for db in (x, y):
            for key in list(db.blocking_keys):
                if key in db.data:
                    s.node.blocking.signal(db, key)
    return OK


@command("time", arity=1, flags="loading stale fast", group="server", since="2.6.0",
         tips="nondeterministic_output", complexity="O(1)")
def time_(s):
    """TIME — Return the current server time

    [unix seconds, microseconds] from the node's clock (virtual in simulations, so it
    only moves when the lab advances time).
    """
    us = s.node.clock.now_us()
    return [str(us // 1_000_000).encode(), str(us % 1_000_000).encode()]


# -- replication: ROLE and WAIT (the stream itself: engine/cluster/replication.py)

@command("role", arity=1, flags="noscript loading stale fast", acl="admin dangerous",
         group="server", since="2.8.12", complexity="O(1)")
def role(s):
    """ROLE — Return the role of the instance in the context of replication

    A primary: ``[master, offset, [[ip, port, offset] …]]`` (one entry per
    connected replica); a replica: ``[slave, primary ip, primary port, state,
    offset]`` where state is ``connected`` or ``connect`` (link down).
    """
    repl = s.node.replication
    if repl is None:
        return [b"master", 0, []]
    return repl.role_reply(s.node)


@command("wait", arity=3, flags="noscript", acl="connection", group="generic",
         since="3.0.0", tips="request_policy:all_shards response_policy:agg_min",
         complexity="O(1)")
def wait(s, numreplicas, timeout):
    """WAIT numreplicas timeout — Wait for the synchronous replication of all the write commands sent in the context of the current connection

    The number of replicas that acknowledged every write this connection made
    so far. WAIT does not make replication synchronous: a write acknowledged
    by N replicas survives a failover only if one of them is promoted. On a
    virtual clock the caller waits by moving time forward (until enough
    replicas applied the writes, or ``timeout`` ms passed; 0 waits as long as
    a delivery is in flight, and returns when none is).
    """
    repl = s.node.replication
    if repl is not None and s.node is not repl.primary:
        raise ReplyError(errors.WAIT_ON_REPLICA)
    wanted = parse_int(numreplicas)
    ms = parse_int(timeout, errors.TIMEOUT_NOT_INTEGER)
    if ms < 0:
        raise ReplyError(errors.TIMEOUT_NEGATIVE)
    if repl is None:
        return 0
    return repl.wait(s, wanted, ms)


# -- INFO -----------------------------------------------------------------------

def human_bytes(n: int) -> str:
    """Redis's bytesToHuman: 941.72K, 1.00M …"""
    for unit, size in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n}B"


# Every section lists the same fields, in the same order, as redis-server 7.0
# (tests/compat compares the field names). Fields about machinery the engine
# does not have — forks, AOF, replication links, Lua, defragmentation — keep
# their idle values, as on a fresh redis-server that never used them.

def _server(node):
    now_us = node.clock.now_us()
    up_s = (node.clock.monotonic_ms() - node.start_ms) // 1000
    return [
        ("redis_version", REDIS_VERSION), ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", 0), ("redis_build_id", "elasticache-lab"),
        ("redis_mode", "cluster" if node.cluster is not None else "standalone"),
        ("os", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("arch_bits", 64),
        ("monotonic_clock", "virtual" if not node.clock.is_wall else "POSIX clock_gettime"),
        ("multiplexing_api", "asyncio"), ("atomicvar_api", "python-gil"),
        ("gcc_version", "0.0.0"), ("process_id", os.getpid()),
        ("process_supervised", "no"), ("run_id", node.run_id), ("tcp_port", node.port),
        ("server_time_usec", now_us), ("uptime_in_seconds", up_s),
        ("uptime_in_days", up_s // 86400), ("hz", node.config["hz"]),
        ("configured_hz", node.config["hz"]),
        ("lru_clock", (now_us // 1_000_000) & ((1 << 24) - 1)),
        ("executable", "engine"), ("config_file", ""), ("io_threads_active", 0),
    ]


def _clients(node):
    return [
        ("connected_clients", len(node.sessions)), ("cluster_connections", 0),
        ("maxclients", node.config["maxclients"]),
        ("client_recent_max_input_buffer", 0), ("client_recent_max_output_buffer", 0),
        ("blocked_clients", len(node.blocking)), ("tracking_clients", 0),
        ("clients_in_timeout_table", node.blocking.with_timeout()),
    ]


def _total_system_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _memory(node):
    used = node.used_memory()
    node.peak_memory = max(getattr(node, "peak_memory", 0), used)
    peak = node.peak_memory
    dataset = node.dataset_bytes()
    maxmem = node.config["maxmemory"]
    system = _total_system_memory()
    # The engine models what Redis's allocator hands out (used_memory); there is
    # no separate RSS, so the RSS-side figures equal it and ratios are 1.
    return [
        ("used_memory", used), ("used_memory_human", human_bytes(used)),
        ("used_memory_rss", used), ("used_memory_rss_human", human_bytes(used)),
        ("used_memory_peak", peak), ("used_memory_peak_human", human_bytes(peak)),
        ("used_memory_peak_perc", f"{100 * used / max(1, peak):.2f}%"),
        ("used_memory_overhead", used - dataset),
        ("used_memory_startup", memory.BASELINE_USED_MEMORY),
        ("used_memory_dataset", dataset),
        ("used_memory_dataset_perc",
         f"{100 * dataset / max(1, used - memory.BASELINE_USED_MEMORY):.2f}%"),
        ("allocator_allocated", used), ("allocator_active", used),
        ("allocator_resident", used),
        ("total_system_memory", system), ("total_system_memory_human", human_bytes(system)),
        ("used_memory_lua", 32768), ("used_memory_vm_eval", 32768),
        ("used_memory_lua_human", "32.00K"), ("used_memory_scripts_eval", 0),
        ("number_of_cached_scripts", 0), ("number_of_functions", 0),
        ("number_of_libraries", 0), ("used_memory_vm_functions", 32768),
        ("used_memory_vm_total", 65536), ("used_memory_vm_total_human", "64.00K"),
        ("used_memory_functions", 0), ("used_memory_scripts", 0),
        ("used_memory_scripts_human", "0B"),
        ("maxmemory", maxmem), ("maxmemory_human", human_bytes(maxmem)),
        ("maxmemory_policy", node.config["maxmemory-policy"]),
        ("allocator_frag_ratio", "1.00"), ("allocator_frag_bytes", 0),
        ("allocator_rss_ratio", "1.00"), ("allocator_rss_bytes", 0),
        ("rss_overhead_ratio", "1.00"), ("rss_overhead_bytes", 0),
        ("mem_fragmentation_ratio", "1.00"), ("mem_fragmentation_bytes", 0),
        ("mem_not_counted_for_evict", 0), ("mem_replication_backlog", 0),
        ("mem_total_replication_buffers", 0), ("mem_clients_slaves", 0),
        ("mem_clients_normal", 0), ("mem_cluster_links", 0), ("mem_aof_buffer", 0),
        ("mem_allocator", "jemalloc-5.3.0 (modelled)"), ("active_defrag_running", 0),
        ("lazyfree_pending_objects", 0), ("lazyfreed_objects", 0),
    ]


def _persistence(node):
    return [
        ("loading", 0), ("async_loading", 0), ("current_cow_peak", 0),
        ("current_cow_size", 0), ("current_cow_size_age", 0), ("current_fork_perc", "0.00"),
        ("current_save_keys_processed", 0), ("current_save_keys_total", 0),
        ("rdb_changes_since_last_save", 0), ("rdb_bgsave_in_progress", 0),
        ("rdb_last_save_time", node.start_wall_ms // 1000), ("rdb_last_bgsave_status", "ok"),
        ("rdb_last_bgsave_time_sec", -1), ("rdb_current_bgsave_time_sec", -1),
        ("rdb_saves", 0), ("rdb_last_cow_size", 0), ("rdb_last_load_keys_expired", 0),
        ("rdb_last_load_keys_loaded", 0), ("aof_enabled", 0), ("aof_rewrite_in_progress", 0),
        ("aof_rewrite_scheduled", 0), ("aof_last_rewrite_time_sec", -1),
        ("aof_current_rewrite_time_sec", -1), ("aof_last_bgrewrite_status", "ok"),
        ("aof_rewrites", 0), ("aof_rewrites_consecutive_failures", 0),
        ("aof_last_write_status", "ok"), ("aof_last_cow_size", 0),
        ("module_fork_in_progress", 0), ("module_fork_last_cow_size", 0),
    ]


def _stats(node):
    st = node.stats
    return [
        ("total_connections_received", st.total_connections_received),
        ("total_commands_processed", st.total_commands_processed),
        ("instantaneous_ops_per_sec", 0),
        ("total_net_input_bytes", st.total_net_input_bytes),
        ("total_net_output_bytes", st.total_net_output_bytes),
        ("total_net_repl_input_bytes", 0), ("total_net_repl_output_bytes", 0),
        ("instantaneous_input_kbps", "0.00"), ("instantaneous_output_kbps", "0.00"),
        ("instantaneous_input_repl_kbps", "0.00"), ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", st.rejected_connections),
        ("sync_full", 0), ("sync_partial_ok", 0), ("sync_partial_err", 0),
        ("expired_keys", st.expired_keys),
        ("expired_stale_perc", f"{st.expired_stale_perc * 100:.2f}"),
        ("expired_time_cap_reached_count", 0), ("expire_cycle_cpu_milliseconds", 0),
        ("evicted_keys", st.evicted_keys), ("evicted_clients", 0),
        ("total_eviction_exceeded_time", st.total_eviction_exceeded_time),
        ("current_eviction_exceeded_time", 0),
        ("keyspace_hits", st.keyspace_hits), ("keyspace_misses", st.keyspace_misses),
        ("pubsub_channels", len(node.pubsub.channels)),
        ("pubsub_patterns", len(node.pubsub.patterns)),
        ("pubsubshard_channels", len(node.pubsub.shard_channels)),
        ("latest_fork_usec", 0), ("total_forks", 0), ("migrate_cached_sockets", 0),
        ("slave_expires_tracked_keys", 0), ("active_defrag_hits", 0),
        ("active_defrag_misses", 0), ("active_defrag_key_hits", 0),
        ("active_defrag_key_misses", 0), ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0), ("tracking_total_keys", 0),
        ("tracking_total_items", 0), ("tracking_total_prefixes", 0),
        ("unexpected_error_replies", st.unexpected_error_replies),
        ("total_error_replies", st.total_error_replies),
        ("dump_payload_sanitizations", 0),
        ("total_reads_processed", st.total_commands_processed),
        ("total_writes_processed", st.total_commands_processed),
        ("io_threaded_reads_processed", 0), ("io_threaded_writes_processed", 0),
        ("reply_buffer_shrinks", 0), ("reply_buffer_expands", 0),
    ]


def _replication(node):
    repl = node.replication   # engine/cluster/replication.py, when it has a link
    if repl is not None:
        return repl.info_fields(node)
    return [("role", "master"), ("connected_slaves", 0),
            ("master_failover_state", "no-failover"),
            ("master_replid", node.run_id), ("master_replid2", "0" * 40),
            ("master_repl_offset", 0), ("second_repl_offset", -1),
            ("repl_backlog_active", 0), ("repl_backlog_size", 1048576),
            ("repl_backlog_first_byte_offset", 0), ("repl_backlog_histlen", 0)]


def _cpu(node):
    """CPU seconds of the process hosting the engine (all of Python's threads)."""
    try:
        import resource
        usage = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        sys_s, user_s = usage.ru_stime, usage.ru_utime
        csys, cuser = children.ru_stime, children.ru_utime
    except (ImportError, OSError):
        sys_s = user_s = csys = cuser = 0.0
    return [("used_cpu_sys", f"{sys_s:.6f}"), ("used_cpu_user", f"{user_s:.6f}"),
            ("used_cpu_sys_children", f"{csys:.6f}"),
            ("used_cpu_user_children", f"{cuser:.6f}"),
            ("used_cpu_sys_main_thread", f"{sys_s:.6f}"),
            ("used_cpu_user_main_thread", f"{user_s:.6f}")]


def _commandstats(node):
    out = []
    for name in sorted(node.stats.commands):
        calls, usec, rejected, failed = node.stats.commands[name]
        if not (calls or rejected or failed):
            continue  # e.g. this very INFO, still running
        per = usec / calls if calls else 0.0
        out.append((f"cmdstat_{name}",
                    f"calls={calls},usec={usec},usec_per_call={per:.2f},"
                    f"rejected_calls={rejected},failed_calls={failed}"))
    return out


def _latencystats(node):
    """Per-command latency percentiles. Redis keeps an HDR histogram per
    command; the engine keeps only the total, so all three percentiles show
    the mean. Commands never executed (only rejected) have no line."""
    out = []
    for name in sorted(node.stats.commands):
        calls, usec = node.stats.commands[name][:2]
        if calls:
            mean = usec / calls
            out.append((f"latency_percentiles_usec_{name}",
                        f"p50={mean:.3f},p99={mean:.3f},p99.9={mean:.3f}"))
    return out


def _errorstats(node):
    return [(f"errorstat_{code}", f"count={n}") for code, n in sorted(node.stats.errors.items())]


def _keyspace(node):
    out = []
    now = node.now
    for db in node.dbs:
        if db.data:
            vol = db.volatile
            avg = 0
            if vol:
                avg = sum(max(0, db.data[k].expire_at - now) for k in vol) // len(vol)
            out.append((f"db{db.index}", f"keys={len(db.data)},expires={len(vol)},avg_ttl={avg}"))
    return out


def _cluster(node):
    return [("cluster_enabled", 0 if node.cluster is None else 1)]


SECTIONS = {
    "server": _server, "clients": _clients, "memory": _memory,
    "persistence": _persistence, "stats": _stats, "replication": _replication,
    "cpu": _cpu, "modules": lambda node: [], "commandstats": _commandstats,
    "errorstats": _errorstats, "latencystats": _latencystats, "cluster": _cluster,
    "keyspace": _keyspace,
}
TITLES = {"cpu": "CPU"}
DEFAULT_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication",
                    "cpu", "modules", "errorstats", "cluster", "keyspace")
ALL_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication",
                "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster",
                "keyspace")


def info_text(node, sections=()) -> str:
    """The INFO report for ``sections`` (the default set when none is given).
    Sections always come out in Redis's order, whatever order they were asked
    in; unknown names are ignored."""
    wanted = set()
    for raw in sections or (b"default",):
        name = raw.decode("utf-8", "replace").lower()
        if name == "default":
            wanted.update(DEFAULT_SECTIONS)
        elif name in ("all", "everything"):
            wanted.update(ALL_SECTIONS)
        elif name in SECTIONS:
            wanted.add(name)
    parts = []
    for name in ALL_SECTIONS:
        if name in wanted:
            lines = "".join(f"{k}:{v}\r\n" for k, v in SECTIONS[name](node))
            parts.append(f"# {TITLES.get(name, name.capitalize())}\r\n{lines}")
    return "\r\n".join(parts)


@command("info", arity=-1, flags="loading stale", acl="dangerous", group="server",
         since="1.0.0",
         tips="nondeterministic_output request_policy:all_shards response_policy:special",
         complexity="O(1)")
def info(s, *sections):
    """INFO [section ...] — Get information and statistics about the server

    Server state as ``field:value`` lines, by section.
    """
    return Verbatim(info_text(s.node, sections).encode())


# -- CONFIG ---------------------------------------------------------------------

container("config", group="server", since="2.0.0",
          summary="A container for server configuration commands")
_CONFIG = "admin noscript loading stale"


@command("config|get", arity=-3, flags=_CONFIG, group="server", since="2.0.0",
         complexity="O(N) when N is the number of configuration parameters provided")
def config_get(s, *patterns):
    """CONFIG GET parameter [parameter ...] — Get the values of configuration parameters

    Values of matching parameters (globs allowed).

    A plain name is answered under the spelling it was asked with (``CONFIG
    GET MAXMEMORY`` answers ``MAXMEMORY``), a glob under the parameters' own
    names; each name appears once.
    """
    out = {}
    seen = set()   # names already answered, compared case-insensitively
    config = s.node.config
    for raw in patterns:
        if not any(c in raw for c in b"[*?"):
            name = raw.decode("utf-8", "surrogateescape").lower()
            if name in PARAMS and name not in seen:
                seen.add(name)
                out[raw] = config.get(name)[name].encode()
            continue
        pattern = raw.lower()
        for name in PARAMS:
            if name not in seen and glob.match(pattern, name.encode()):
                seen.add(name)
                out[name.encode()] = config.get(name)[name].encode()
    return Map(out)


@command("config|set", arity=-4, flags=_CONFIG, group="server", since="2.0.0",
         tips="request_policy:all_nodes response_policy:all_succeeded",
         complexity="O(N) when N is the number of configuration parameters provided")
def config_set(s, *pairs):
    """CONFIG SET parameter value [parameter value ...] — Set configuration parameters to the given values

    Change settings at runtime. (ElastiCache blocks CONFIG SET: use a parameter group
    instead.)
    """
    if len(pairs) % 2:
        raise ReplyError(errors.SYNTAX)
    names = []
    for i in range(0, len(pairs), 2):
        name = pairs[i].decode("utf-8", "surrogateescape").lower()
        if name not in PARAMS:
            raise ReplyError("ERR Unknown option or number of arguments for CONFIG SET - '"
                             + pairs[i].decode("utf-8", "surrogateescape") + "'")
        if name in names:
            raise ReplyError(f"ERR CONFIG SET failed (possibly related to argument '{name}') "
                             "- duplicate parameter")
        names.append(name)
    config = s.node.config
    backup = {name: config[name] for name in names}
    try:  # all or nothing, like Redis 7
        for i, name in enumerate(names):
            config.set(name, pairs[2 * i + 1].decode("utf-8", "surrogateescape"))
    except ConfigError as exc:
        for name, value in backup.items():
            config._values[name] = value
        raise ReplyError(f"ERR CONFIG SET failed (possibly related to argument '{name}') "
                         f"- {exc}") from None
    s.node.apply_config()
    return OK


@command("config|resetstat", arity=2, flags=_CONFIG, group="server", since="2.0.0",
         complexity="O(1)")
def config_resetstat(s):
    """CONFIG RESETSTAT — Reset the stats returned by INFO

    Zero INFO's counters (hits, misses, commandstats…).

    Like Redis, the RESETSTAT call itself is then counted (calls=1 in INFO
    commandstats): the counter the dispatcher is about to increment is put
    back, zeroed, into the fresh table.
    """
    stats = s.node.stats
    mine = stats.commands.get("config|resetstat")
    stats.reset()
    if mine is not None:
        mine[:] = [0] * len(mine)
        stats.commands["config|resetstat"] = mine
    return OK


@command("config|rewrite", arity=2, flags=_CONFIG, group="server", since="2.8.0",
         complexity="O(1)")
def config_rewrite(s):
    """CONFIG REWRITE — Rewrite the configuration file with the in memory configuration

    Rewrite redis.conf; an in-memory engine has none.
    """
    raise ReplyError("ERR The server is running without a config file")


@command("config|help", arity=2, flags="loading stale", group="server", since="5.0.0",
         complexity="O(1)")
def config_help(s):
    """CONFIG HELP — Show helpful text about the different subcommands

    What the CONFIG subcommands do.
    """
    return [SimpleString(line.encode()) for line in (
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    )]


# -- MEMORY ---------------------------------------------------------------------

container("memory", group="server", since="4.0.0",
          summary="A container for memory diagnostics commands")


@command("memory|usage", arity=-3, flags="readonly", keys=(2, 2, 1), group="server",
         since="4.0.0", complexity="O(N) where N is the number of samples.")
def memory_usage(s, key, *options):
    """MEMORY USAGE key [SAMPLES count] — Estimate the memory usage of a key

    Bytes the key and its value take (see node/memory.py for how the engine counts
    them).
    """
    for i in range(0, len(options), 2):
        if options[i].upper() != b"SAMPLES" or i + 1 >= len(options):
            raise ReplyError(errors.SYNTAX)
        if parse_int(options[i + 1]) < 0:
            raise ReplyError(errors.SYNTAX)
    # Redis looks the key up in the dict directly: no expiry check, no
    # keyspace hit/miss counted.
    e = s.db.peek(key)
    return None if e is None else e.size


@command("memory|help", arity=2, flags="loading stale", group="server", since="4.0.0",
         complexity="O(1)")
def memory_help(s):
    """MEMORY HELP — Show helpful text about the different subcommands

    What the MEMORY subcommands do.
    """
    return [SimpleString(line.encode()) for line in (
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    )]
