"""Serverless caches: one endpoint, a read port, ECPUs per request, GB-hours of storage.

With ElastiCache Serverless you do not choose nodes. You get **one endpoint**
(port 6379) backed by a proxy fleet, plus a **reader port 6380** whose
connections are READONLY (eventually consistent reads from AZ-local replicas).
Behind it the cache grows and shrinks by itself. You pay for two things
(fact sheet §4; DG:WhatIs.corecomponents):

* **ECPUs** (ElastiCache Processing Units): 1 ECPU per KB transferred — a GET
  of up to 1 KB is 1, a SET of 3.2 KB is 3.2; commands that need more vCPU are
  charged the higher of their vCPU multiple and their KB (HMGET at 3× vCPU:
  3.2 KB → 3.2, 2 KB → 3); a Memcached multiget of 3 items is 3.
* **data stored**, in GB-hours: sampled several times a minute, averaged per hour.

Fixed settings you cannot change: cluster mode on, ``maxmemory-policy
volatile-lru``, TLS-only clients, no parameter groups, no keyspace
notifications. Limits: 5,000 GiB and 15 M ECPU/s per cache; per slot 30 K
ECPU/s (90 K reading from replicas with READONLY); 4 KiB keys (DG:RedisConfiguration).
Optional *maximums* cap the bill: past the ECPU maximum requests are throttled,
past the storage maximum keys with a TTL are evicted, then writes fail with OOM.
*Minimums* pre-scale the cache (DG:Scaling).

How the emulator meters (our reading of the rules — the exact accounting is AWS's):

* bytes transferred = the request's arguments (not the command name) + the
  reply's payload (bulk strings, integers as text, no RESP framing);
* KB = bytes / 1024; ECPU = max(1, KB, vCPU multiple);
* vCPU multiple (**a model**: AWS publishes none per command) = the number of
  keys, fields or members the command reads or writes (MGET k1 k2 k3 = 3,
  HMGET h f1 f2 f3 = 3, a 10-element LRANGE reply = 10), 1 for single-element commands.

How to use it: ``ec.create_serverless_cache(ServerlessCacheName=..., Engine="valkey")``,
then ``cache = ec.serverless_cache(name)`` and either ``cache.execute("GET", "k")``
(``read_only=True`` for the reader port) or ``cache.client()`` /
``cache.client(read_only=True)`` — a real redis-py client whose every command
goes through :meth:`ServerlessCache.admit` (limits, ECPU budget per second and
per slot) and :meth:`ServerlessCache.meter`. :func:`maximum_alarms` gives the
alarms the docs suggest at 75 % of each maximum. Serverless **Memcached** is
billing only here (:func:`memcached_ecpus_for`): it has no emulated data plane.

Capacity (**a model** of the documented behaviour): the cache serves up to
``capacity`` ECPU/s; when a scaling step (``SCALE_STEP_SECONDS``) sees demand
above ``SCALE_UP_AT`` of capacity, capacity doubles (the docs: Valkey 8.0 goes
from 0 to 5 M requests/s in under 13 minutes, doubling every 2–3 minutes);
demand above capacity meanwhile is throttled. Capacity never goes below the
configured minimum nor above the maximum (or 15 M ECPU/s).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ..protocol.replies import ReplyError
from . import limits
from .errors import ERROR_CODES, Refusal
from .naming import check_identifier
from .resource import Resource

# ElastiCache's error codes for serverless caches (service model 2015-02-02),
# registered here so the botocore-shaped ClientError accepts them.
ERROR_CODES.update({
    "ServerlessCacheNotFoundFault": 404,
    "ServerlessCacheAlreadyExistsFault": 400,
    "ServerlessCacheQuotaForCustomerExceededFault": 400,
    "InvalidServerlessCacheStateFault": 400,
})

# -- limits: every one is in engine.service.limits, with its source -----------
SERVERLESS_CACHES_PER_REGION = limits.SERVERLESS_CACHES_PER_REGION
MAX_DATA_STORAGE_GB = limits.SERVERLESS_MAX_DATA_STORAGE_GB
MAX_ECPU_PER_SECOND = limits.SERVERLESS_MAX_ECPU_PER_SECOND
MAX_ECPU_PER_SLOT = limits.SERVERLESS_MAX_ECPU_PER_SLOT
MAX_ECPU_PER_SLOT_READONLY = limits.SERVERLESS_MAX_ECPU_PER_SLOT_READONLY
MAX_CLIENTS = limits.SERVERLESS_MAX_CLIENTS
MAX_KEY_BYTES = limits.SERVERLESS_MAX_KEY_BYTES
MAX_ARGUMENTS = limits.SERVERLESS_MAX_ARGUMENTS
PORT = limits.SERVERLESS_PORT
READER_PORT = limits.SERVERLESS_READER_PORT
#: Fixed settings. Source: DG:RedisConfiguration, DG:WhatIs.corecomponents.
FIXED_SETTINGS = {"cluster_mode": "enabled", "maxmemory_policy": "volatile-lru",
                  "transit_encryption": "required (TLS only)", "parameter_groups": "none",
                  "keyspace_notifications": "not supported"}
#: A CloudWatch alarm is suggested at 75 % of any maximum (DG:Scaling).
MAXIMUM_ALARM_FRACTION = 0.75
ENGINES = {"valkey": "8.0", "redis": "7.1", "memcached": "1.6"}

# -- the capacity model (ours: see the module docstring) ------------------------
SCALE_STEP_SECONDS = 150       # "doubling every 2–3 minutes"
SCALE_UP_AT = 0.8              # demand above 80 % of capacity → double
SCALE_DOWN_AT = 0.25           # demand below 25 % for a step → halve
INITIAL_ECPU_PER_SECOND = 5000.0
#: Storage samples per minute for GB-hours ("several times a minute").
STORAGE_SAMPLES_PER_MINUTE = 4
#: The error a throttled request gets from the emulator (our wording).
THROTTLED = "ERR ECPU limit exceeded: request throttled by the emulated serverless cache"

_MULTI_KEY = {"mget": 1, "del": 1, "unlink": 1, "exists": 1, "touch": 1}
_PAIRS = {"mset": 1, "msetnx": 1}
_FIELDS = {"hmget": 2, "hdel": 2, "sadd": 2, "srem": 2, "smismember": 2, "lpush": 2,
           "rpush": 2, "zrem": 2, "pfadd": 2}
_FIELD_PAIRS = {"hset": 2, "hmset": 2}


def _payload_bytes(reply) -> int:
    """Bytes of a reply's payload (strings, numbers as text; lists summed)."""
    if reply is None:
        return 0
    if isinstance(reply, (bytes, bytearray)):
        return len(reply)
    if isinstance(reply, str):
        return len(reply.encode())
    if isinstance(reply, bool):
        return 1
    if isinstance(reply, (int, float)):
        return len(str(reply))
    if isinstance(reply, dict):
        return sum(_payload_bytes(k) + _payload_bytes(v) for k, v in reply.items())
    if isinstance(reply, (list, tuple, set)):
        return sum(_payload_bytes(x) for x in reply)
    return len(str(reply))


def _elements(reply) -> int:
    if isinstance(reply, dict):
        return len(reply)
    if isinstance(reply, (list, tuple, set)):
        return len(reply)
    return 1


def vcpu_multiple(argv: Sequence[bytes], reply=None) -> int:
    """The model's vCPU multiple of one command (see the module docstring)."""
    if not argv:
        return 1
    name = (argv[0].decode() if isinstance(argv[0], bytes) else str(argv[0])).lower()
    n = len(argv)
    if name in _MULTI_KEY:
        return max(1, n - _MULTI_KEY[name])
    if name in _PAIRS:
        return max(1, (n - 1) // 2)
    if name in _FIELDS:
        return max(1, n - _FIELDS[name])
    if name in _FIELD_PAIRS:
        return max(1, (n - 2) // 2)
    return max(1, _elements(reply))


def memcached_ecpus_for(item_sizes: Sequence[int], key_bytes: int = 0) -> float:
    """ECPUs of one Memcached request touching items of ``item_sizes`` bytes:
    one per item, or one per KB if more (a multiget of 3 items = 3 ECPUs;
    fact sheet §4). ``key_bytes``: the keys' bytes sent.

    >>> memcached_ecpus_for([100, 100, 100])
    3.0
    """
    kb = (key_bytes + sum(item_sizes)) / 1024
    return float(max(1.0, kb, len(item_sizes)))


def ecpus_for(argv: Sequence[bytes], reply=None) -> float:
    """ECPUs for one request: max(1, KB transferred, vCPU multiple).

    >>> ecpus_for([b"GET", b"k"], b"x" * 1000)
    1.0
    >>> ecpus_for([b"SET", b"k", b"x" * 3581], b"OK")   # 1 + 3581 + 2 bytes = 3.5 KB
    3.5
    """
    sent = sum(len(a) if isinstance(a, (bytes, bytearray)) else len(str(a).encode())
               for a in list(argv)[1:])
    kb = (sent + _payload_bytes(reply)) / 1024
    return float(max(1.0, kb, vcpu_multiple(argv, reply)))


@dataclass
class Capacity:
    """ECPU/s the cache can serve now, scaling on demand (the model above)."""
    minimum: float = 0.0
    maximum: float = float(MAX_ECPU_PER_SECOND)
    current: float = INITIAL_ECPU_PER_SECOND
    #: (virtual ms, capacity) each time it changed
    changes: List[Tuple[int, float]] = field(default_factory=list)
    _step_demand: float = 0.0
    _step_seconds: float = 0.0

    def __post_init__(self):
        self.current = min(self.maximum, max(self.minimum, self.current))

    def serve(self, demand_per_s: float, seconds: float, now_ms: int) -> Tuple[float, float]:
        """Offer ``demand_per_s`` ECPU/s for ``seconds``: returns (served,
        throttled) ECPUs, and scales at the end of each step."""
        served_rate = min(demand_per_s, self.current)
        served = served_rate * seconds
        throttled = max(0.0, demand_per_s - self.current) * seconds
        self._step_demand += demand_per_s * seconds
        self._step_seconds += seconds
        if self._step_seconds >= SCALE_STEP_SECONDS:
            self._rescale(self._step_demand / self._step_seconds, now_ms)
            self._step_demand = self._step_seconds = 0.0
        return served, throttled

    def _rescale(self, demand: float, now_ms: int) -> None:
        new = self.current
        if demand > SCALE_UP_AT * self.current:
            # double as often as needed to cover the demand, one doubling per step
            new = self.current * 2
        elif demand < SCALE_DOWN_AT * self.current:
            new = self.current / 2
        new = min(self.maximum, max(self.minimum, INITIAL_ECPU_PER_SECOND if self.minimum == 0
                                    and new < INITIAL_ECPU_PER_SECOND else new))
        if new != self.current:
            self.current = new
            self.changes.append((now_ms, new))


def _limits_from(usage: Optional[dict]) -> dict:
    usage = usage or {}
    if not isinstance(usage, dict):
        raise Refusal("InvalidParameterValue", "CacheUsageLimits must be a dict like "
                      "{'DataStorage': {'Maximum': 10, 'Unit': 'GB'}, 'ECPUPerSecond': {'Maximum': 5000}}")
    storage = usage.get("DataStorage", {}) or {}
    ecpu = usage.get("ECPUPerSecond", {}) or {}
    if not isinstance(storage, dict) or not isinstance(ecpu, dict):
        raise Refusal("InvalidParameterValue", "CacheUsageLimits: DataStorage and ECPUPerSecond "
                      "are dicts with Maximum / Minimum (and Unit 'GB' for DataStorage)")
    if storage and storage.get("Unit", "GB") != "GB":
        raise Refusal("InvalidParameterValue", "DataStorage Unit must be 'GB'")
    out = {"storage_max": storage.get("Maximum"), "storage_min": storage.get("Minimum"),
           "ecpu_max": ecpu.get("Maximum"), "ecpu_min": ecpu.get("Minimum")}
    for key, value in out.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or value < 0):
            raise Refusal("InvalidParameterValue", f"CacheUsageLimits: {key} must be a number >= 0")
    if out["storage_max"] is not None and out["storage_max"] > MAX_DATA_STORAGE_GB:
        raise Refusal("InvalidParameterValue",
                      f"DataStorage Maximum is at most {MAX_DATA_STORAGE_GB} GB per cache")
    if out["ecpu_max"] is not None and out["ecpu_max"] > MAX_ECPU_PER_SECOND:
        raise Refusal("InvalidParameterValue",
                      f"ECPUPerSecond Maximum is at most {MAX_ECPU_PER_SECOND:,} per cache")
    for lo, hi in (("storage_min", "storage_max"), ("ecpu_min", "ecpu_max")):
        if out[lo] is not None and out[hi] is not None and out[lo] > out[hi]:
            raise Refusal("InvalidParameterCombination", f"{lo} is above {hi}")
    return out


class ServerlessCache(Resource):
    """One serverless cache: its settings, its data plane, its meters."""

    kind = "Serverless cache"
    invalid_state_code = "InvalidServerlessCacheStateFault"

    def __init__(self, *, name: str, engine: str, description: str, usage_limits: dict,
                 clock, seed: int, namer, memory_scale: float = 1.0):
        super().__init__(name, clock)
        from ..cluster import Cluster
        self.engine = engine
        self.description = description
        self.namer = namer
        self.limits = usage_limits
        self.memory_scale = memory_scale
        config = {"maxmemory_policy": "volatile-lru"}
        if usage_limits["storage_max"] is not None:
            # The storage maximum becomes the data plane's maxmemory (scaled
            # down like the lab's data): past it, volatile-lru evicts keys
            # with a TTL, then writes fail with OOM — as the docs describe.
            config["maxmemory"] = max(1, int(usage_limits["storage_max"] * 1e9 / memory_scale))
        # The proxy hides the shards; one shard with two replicas (3 AZs) is
        # enough to hold the data and serve the reader port.
        self.cluster = Cluster(1, 2, clock=clock, seed=seed, name=name, node_config=config,
                               cluster_mode=True)
        self.capacity = Capacity(minimum=float(usage_limits["ecpu_min"] or 0),
                                 maximum=float(usage_limits["ecpu_max"] or MAX_ECPU_PER_SECOND))
        #: ECPUs used and requests throttled, in total and for the current period.
        self.ecpus_total = 0.0
        self.throttled_total = 0
        self._period_ecpus = 0.0
        self._period_throttled = 0
        self._second = -1
        self._second_ecpus = 0.0
        self._slot_ecpus: Dict[int, float] = {}
        self._slot: Optional[int] = None
        #: (virtual ms, GB) storage samples; hourly averages are the bill.
        self.storage_samples: List[Tuple[int, float]] = []
        self.request_scale = 1.0
        self._sessions: Dict[Tuple[int, bool], object] = {}
        self.schedule("creating", 60)       # "created in under a minute" (seed 000)
        clock.on_advance(self._sample_storage)

    # -- the endpoint -------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return self.namer._dns(f"{self.name}-{self.namer.suffix}", "serverless")

    def describe(self) -> dict:
        usage = {}
        if self.limits["storage_max"] is not None or self.limits["storage_min"] is not None:
            usage["DataStorage"] = {k: v for k, v in (("Maximum", self.limits["storage_max"]),
                                                      ("Minimum", self.limits["storage_min"]))
                                    if v is not None}
            usage["DataStorage"]["Unit"] = "GB"
        if self.limits["ecpu_max"] is not None or self.limits["ecpu_min"] is not None:
            usage["ECPUPerSecond"] = {k: v for k, v in (("Maximum", self.limits["ecpu_max"]),
                                                        ("Minimum", self.limits["ecpu_min"]))
                                      if v is not None}
        return {
            "ServerlessCacheName": self.name, "Description": self.description,
            "CreateTime": self.create_time, "Status": self.status, "Engine": self.engine,
            "MajorEngineVersion": ENGINES[self.engine].split(".")[0],
            "FullEngineVersion": ENGINES[self.engine],
            "CacheUsageLimits": usage,
            "Endpoint": {"Address": self.endpoint, "Port": PORT},
            "ReaderEndpoint": {"Address": self.endpoint, "Port": READER_PORT},
            "ARN": self.namer.arn("serverlesscache", self.name),
            "SecurityGroupIds": [], "SubnetIds": [],
        }

    # -- metering ------------------------------------------------------------------
    def _node_for(self, argv, read_only: bool):
        from ..cluster.slots import key_slot
        shard = self.cluster.shards[0]
        if read_only and shard.replicas and len(argv) > 1:
            return shard.replicas[key_slot(argv[1]) % len(shard.replicas)]
        return shard.primary

    def execute(self, *args, read_only: bool = False, throttle: bool = True):
        """Run one command as the proxy would: route it, meter its ECPUs,
        throttle it when this second's ECPUs exceed capacity. Returns the
        reply (a ReplyError for errors, as the engine does).

        ``throttle=False`` meters without the per-second check: a simulation
        that runs a few representative requests per minute (``request_scale``)
        throttles with :meth:`Capacity.serve` per minute instead, and reports
        the result with :meth:`record_throttled`."""
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        refusal = self.admit(argv, read_only=read_only, throttle=throttle)
        if refusal is not None:
            return refusal
        node = self._node_for(argv, read_only)
        key = (id(node), read_only)
        session = self._sessions.get(key)
        if session is None or session.closed:
            session = node.open_session(kind="inproc")
            if read_only:
                node.execute(session, [b"READONLY"])
            self._sessions[key] = session
        reply = node.execute(session, argv)
        self.meter(argv, reply)
        return reply

    def admit(self, argv: List[bytes], *, read_only: bool = False,
              throttle: bool = True) -> Optional[ReplyError]:
        """The proxy's checks before a command runs: the request limits, then
        the ECPU budget of this second (the cache's, then the key's slot's).
        None to run it, or the error reply."""
        if self.engine == "memcached":
            return ReplyError("ERR serverless Memcached has no emulated data plane: its billing "
                              "is modelled (memcached_ecpus_for, GB-hours); run commands on a "
                              "Valkey or Redis OSS serverless cache")
        if len(argv) > 1 and len(argv[1]) > MAX_KEY_BYTES:
            return ReplyError(f"ERR key exceeds the {MAX_KEY_BYTES}-byte limit of serverless caches")
        if len(argv) - 1 > MAX_ARGUMENTS:
            return ReplyError(f"ERR more than {MAX_ARGUMENTS} arguments")
        second = self.clock.now_ms() // 1000
        if second != self._second:
            self._second, self._second_ecpus = second, 0.0
            self._slot_ecpus = {}
        self._slot = None
        if not throttle:
            return None
        if self._second_ecpus >= self.capacity.current:
            self.record_throttled(self.request_scale)
            return ReplyError(THROTTLED)
        if len(argv) > 1:
            from ..cluster.slots import key_slot
            slot = key_slot(argv[1])
            slot_limit = MAX_ECPU_PER_SLOT_READONLY if read_only else MAX_ECPU_PER_SLOT
            if self._slot_ecpus.get(slot, 0.0) >= slot_limit:
                # One slot is one shard's work: a hot key cannot use the whole
                # cache's capacity (30K ECPU/s per slot, 90K reading replicas).
                self.record_throttled(self.request_scale)
                return ReplyError(THROTTLED)
            self._slot = slot
        return None

    def meter(self, argv: List[bytes], reply) -> float:
        """Count the ECPUs of a command that ran (× ``request_scale``)."""
        ecpus = ecpus_for(argv, reply) * self.request_scale
        self._second_ecpus += ecpus
        if self._slot is not None:
            self._slot_ecpus[self._slot] = self._slot_ecpus.get(self._slot, 0.0) + ecpus
        self.ecpus_total += ecpus
        self._period_ecpus += ecpus
        return ecpus

    def client(self, *, read_only: bool = False, **redis_kwargs):
        """A real ``redis.Redis`` on the endpoint (port 6379) or, with
        ``read_only=True``, the reader port (6380: the connection says
        READONLY and reads from a replica). Every command goes through
        :meth:`admit` and :meth:`meter`, like :meth:`execute`. Serverless is
        cluster mode: keyed commands are routed by slot, and this one-shard
        emulation answers every slot itself."""
        if self.engine == "memcached":
            raise ValueError("serverless Memcached has no emulated data plane (only its "
                             "billing is modelled): create a 'valkey' or 'redis' cache")
        from .serverless_client import metered_client
        shard = self.cluster.shards[0]
        node = shard.replicas[0] if read_only and shard.replicas else shard.primary
        return metered_client(self, node, read_only, **redis_kwargs)

    def record_throttled(self, requests: float) -> None:
        """Count ``requests`` (real-equivalent) refused for lack of capacity."""
        self.throttled_total += requests
        self._period_throttled += requests

    def take_period(self) -> Tuple[float, int]:
        """ECPUs and throttled requests since the last call (the Monitor's sampler)."""
        out = (self._period_ecpus, self._period_throttled)
        self._period_ecpus, self._period_throttled = 0.0, 0
        return out

    # -- storage (GB-hours) ----------------------------------------------------------
    def data_gb(self) -> float:
        """Data stored now, in GB (the primary's dataset × memory_scale)."""
        return self.cluster.shards[0].primary.dataset_bytes() * self.memory_scale / 1e9

    def _sample_storage(self, old_ms: int, new_ms: int) -> None:
        step = 60_000 // STORAGE_SAMPLES_PER_MINUTE
        first = (old_ms // step + 1) * step
        if first > new_ms:
            return
        gb = self.data_gb()
        # The data did not change during the jump (no command ran), so every
        # sample in it reads the same size; keep at most one per step.
        count = min((new_ms - first) // step + 1, 24 * 60 * STORAGE_SAMPLES_PER_MINUTE)
        start = new_ms // step * step - (count - 1) * step
        self.storage_samples.extend((start + i * step, gb) for i in range(count))
        if len(self.storage_samples) > 200_000:
            del self.storage_samples[:100_000]

    def gb_hours(self) -> List[Tuple[int, float]]:
        """``[(hour start ms, average GB)]``: the storage samples averaged per hour."""
        hours: Dict[int, List[float]] = {}
        for at, gb in self.storage_samples:
            hours.setdefault(at // 3_600_000 * 3_600_000, []).append(gb)
        return [(h, sum(v) / len(v)) for h, v in sorted(hours.items())]


def maximum_alarms(cache: "ServerlessCache") -> List[dict]:
    """``put_metric_alarm`` arguments for the alarms the docs suggest on a
    cache with maximums: at 75 % of the ECPU/s maximum and of the storage
    maximum (DG:Scaling, fact sheet §4). Empty when no maximum is set."""
    dims = [{"Name": "clusterId", "Value": cache.name}]
    out = []
    if cache.limits["ecpu_max"]:
        out.append(dict(AlarmName=f"{cache.name}-ecpu-75pct", MetricName="ElastiCacheProcessingUnits",
                        Namespace="AWS/ElastiCache", Statistic="Sum", Dimensions=dims,
                        Period=60, EvaluationPeriods=1, ComparisonOperator="GreaterThanThreshold",
                        Threshold=MAXIMUM_ALARM_FRACTION * cache.limits["ecpu_max"] * 60))
    if cache.limits["storage_max"]:
        out.append(dict(AlarmName=f"{cache.name}-storage-75pct", MetricName="BytesUsedForCache",
                        Namespace="AWS/ElastiCache", Statistic="Maximum", Dimensions=dims,
                        Period=60, EvaluationPeriods=1, ComparisonOperator="GreaterThanThreshold",
                        Threshold=MAXIMUM_ALARM_FRACTION * cache.limits["storage_max"] * 1e9))
    return out


def plan(params: dict) -> dict:
    """Validate CreateServerlessCache parameters; returns the settings."""
    try:
        name = check_identifier(params["ServerlessCacheName"], limits.MAX_REPLICATION_GROUP_ID_LENGTH)
    except ValueError as exc:
        raise Refusal("InvalidParameterValue",
                      f"Invalid ServerlessCacheName {params['ServerlessCacheName']!r}: it {exc}.") from None
    engine = str(params.get("Engine") or "").lower()
    if engine not in ENGINES:
        raise Refusal("InvalidParameterValue",
                      f"Invalid Engine {params.get('Engine')!r}: use 'valkey', 'redis' or 'memcached'.")
    return {"name": name, "engine": engine, "description": str(params.get("Description", "")),
            "usage_limits": _limits_from(params.get("CacheUsageLimits"))}
