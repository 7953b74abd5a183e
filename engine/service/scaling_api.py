"""The ElastiCache API's node types, vertical/horizontal/auto scaling, serverless caches, metrics and cost (issue #9).

:class:`ScalingAPI` is a mixin of :class:`~engine.service.elasticache.ElastiCache`:
its public methods are boto3-named API calls, and it extends the two hooks
every mixin shares (calling ``super()`` first):

``_check_group_params(self, params)``
    validate CreateReplicationGroup parameters (raise Refusal) before anything is built;
``_after_create_group(self, group, params)``
    attach state to a newly created ReplicationGroup.

What it adds:

* ``ec.cloudwatch`` — a boto3-shaped CloudWatch (``get_metric_statistics``,
  ``put_metric_alarm``, ``describe_alarms``, ``describe_alarm_history``) fed
  every 60 virtual seconds from every group's and serverless cache's engine
  counters by ``ec.monitor`` (:mod:`engine.service.metrics`);
* ``modify_replication_group(CacheNodeType=..., ApplyImmediately=True)`` —
  online vertical scaling with its timeline (:meth:`scaling_timeline`);
* ``create_serverless_cache`` / ``describe_serverless_caches`` /
  ``modify_serverless_cache`` / ``delete_serverless_cache`` and
  ``serverless_cache(name)`` (the emulator object, with its metered
  ``execute``) — :mod:`engine.service.serverless`;
* ``ec.autoscaling`` — Application Auto Scaling for the groups
  (:mod:`engine.service.autoscaling`);
* ``_check_group_params``: r6gd node types and ``DataTieringEnabled=True`` go together;
* ``_after_topology_change(group, what)`` — called by the shard and replica
  API calls in :mod:`.elasticache`: horizontal scaling on the timeline;
* emulator extras (AWS has no such calls): ``scaling_timeline``,
  ``writes_interrupted``, ``record_scaling_event``, ``serverless_cache``.

Cost and sizing live in :mod:`.pricing` and :mod:`.simulate`; data tiering in
:mod:`.tiering`; the node-type table in :mod:`.node_types`.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from . import limits, node_types
from .errors import Refusal, operation
from .hooks import ServiceHooks

# -- vertical scaling: modelled durations (virtual clock), NOT AWS figures ------------------
#: Time to launch the nodes of the new type before they start syncing.
VERTICAL_PROVISION_SECONDS = 300
#: Full-sync speed of a new node from the old one (bytes of data per second).
SYNC_BYTES_PER_SECOND = 100_000_000
#: The write interruption at the switch. Source: fact sheet §9 — "under 1 s
#: blip" for replicated groups on Redis OSS 5.0.6+ (OLD:redis-cluster-vertical-scaling.md);
#: otherwise the docs only say "seconds" (seed 000), so 5 s is our round number.
BLIP_SECONDS_REPLICATED = 1.0
BLIP_SECONDS_OTHER = 5.0
#: Cleanup after the switch (old nodes deleted) before the group is available.
VERTICAL_CLEANUP_SECONDS = 60




class ScalingAPI(ServiceHooks):
    """Scaling, serverless, monitoring (mixed into ElastiCache)."""

    # -- monitoring ---------------------------------------------------------------------
    @property
    def monitor(self):
        """The :class:`~engine.service.metrics.Monitor` sampling every resource."""
        mon = self.__dict__.get("_monitor")
        if mon is None:
            from .metrics import Monitor
            mon = self.__dict__["_monitor"] = Monitor(self.clock)
        return mon

    @property
    def cloudwatch(self):
        """A boto3-shaped CloudWatch client over this account's metrics."""
        return self.monitor.cloudwatch

    @property
    def autoscaling(self):
        """A boto3-shaped Application Auto Scaling client for this service."""
        auto = self.__dict__.get("_autoscaling")
        if auto is None:
            from .autoscaling import ApplicationAutoScaling
            auto = self.__dict__["_autoscaling"] = ApplicationAutoScaling(self)
        return auto

    def _check_group_params(self, params: dict) -> None:
        """Data tiering: r6gd nodes need ``DataTieringEnabled=True``, and the
        flag needs r6gd nodes (API:CreateReplicationGroup; fact sheet §5)."""
        super()._check_group_params(params)
        node_type = str(params.get("CacheNodeType", ""))
        tiered = node_type.count(".") == 2 and node_type.split(".")[1] in limits.DATA_TIERING_FAMILIES
        flag = params.get("DataTieringEnabled")
        if tiered and flag is not True:
            raise Refusal("InvalidParameterCombination",
                          f"{node_type} is a data tiering node type: pass DataTieringEnabled=True.")
        if flag is True and not tiered:
            raise Refusal("InvalidParameterCombination",
                          "DataTieringEnabled=True needs a data tiering node type (cache.r6gd.*).")

    def _after_create_group(self, group, params: dict) -> None:
        super()._after_create_group(group, params)
        group.scaling_events = [(self.clock.now_ms(), "create",
                                 f"created: {len(group.shards)} shard(s) × "
                                 f"{1 + min(group.replicas_per_shard())} node(s) of {group.node_type}")]
        group._shape = (len(group.shards), min(group.replicas_per_shard()))
        self.monitor.watch_group(group)

    def _after_topology_change(self, group, what: str) -> None:
        """Called by the shard and replica API calls once the data plane has
        changed: records the horizontal scaling steps on the group's timeline.

        Resharding (fact sheet §9): new shards are created empty (or leaving
        shards drained), slots move key by key while the group keeps serving
        — clients meet ASK/MOVED redirections, not a write outage — then the
        group is ``modifying`` for ``limits.MODIFY_SECONDS`` (modelled).
        Replicas: a new replica takes a full copy of its primary (full sync)."""
        now = self.clock.now_ms()
        events = group.__dict__.setdefault("scaling_events", [])
        before = group.__dict__.get("_shape", (None, None))
        after = (len(group.shards), min(group.replicas_per_shard()))
        group._shape = after
        done = now + limits.MODIFY_SECONDS * 1000
        if what == "shards":
            verb = "scale-out" if before[0] is None or after[0] > before[0] else "scale-in"
            events += [(now, f"horizontal:{verb}", f"shards {before[0]} → {after[0]}: slots "
                                                   "migrate key by key (clients see ASK/MOVED, "
                                                   "no write outage)"),
                       (done, "horizontal:done", f"{after[0]} shard(s); group available")]
        else:
            verb = "add-replicas" if before[1] is None or after[1] > before[1] else "remove-replicas"
            detail = (f"replicas per shard {before[1]} → {after[1]}"
                      + (": new replicas full-sync from their primary" if verb == "add-replicas" else ""))
            events += [(now, f"horizontal:{verb}", detail),
                       (done, "horizontal:done", f"{after[1]} replica(s) per shard; group available")]

    def scaling_timeline(self, ReplicationGroupId: str) -> List[dict]:
        """Emulator extra: the group's scaling events ``[{"at": datetime,
        "at_ms", "kind", "detail"}]`` (vertical, horizontal, auto scaling)."""
        from .metrics import _dt
        group = self._group_or_raise(ReplicationGroupId)
        return [{"at": _dt(at), "at_ms": at, "kind": kind, "detail": detail}
                for at, kind, detail in sorted(getattr(group, "scaling_events", []),
                                               key=lambda e: e[0])]

    def record_scaling_event(self, ReplicationGroupId: str, kind: str, detail: str) -> None:
        group = self._group_or_raise(ReplicationGroupId)
        group.__dict__.setdefault("scaling_events", []).append((self.clock.now_ms(), kind, detail))

    def writes_interrupted(self, ReplicationGroupId: str, at_ms: Optional[int] = None) -> bool:
        """Emulator extra: is ``at_ms`` (default now) inside a vertical
        scaling switch, when writes to the group fail for a moment?"""
        group = self._group_or_raise(ReplicationGroupId)
        at = self.clock.now_ms() if at_ms is None else at_ms
        return any(lo <= at < hi for lo, hi in getattr(group, "write_blips", []))

    # -- vertical scaling -------------------------------------------------------------------
    @operation("ModifyReplicationGroup")
    def modify_replication_group(self, *, ReplicationGroupId, ApplyImmediately=False,
                                 CacheNodeType=None, **params) -> dict:
        """Change a group's node type online (vertical scaling).

        What ElastiCache does, and what the timeline records (fact sheet §9;
        seed 000 "Scaling and Availability"): new nodes of the new type are
        created, they sync the data from the current nodes, then the DNS
        names are switched to them — writes pause for a moment (under a
        second on replicated Redis OSS 5.0.6+ groups) — and the old nodes go.
        Data tiering (r6gd) ↔ non-tiering changes are refused (the docs do
        not allow them). Other ModifyReplicationGroup parameters are not
        emulated here."""
        if params:
            raise TypeError("modify_replication_group emulates CacheNodeType changes only; "
                            f"not emulated: {', '.join(sorted(params))}")
        group = self._group(ReplicationGroupId)
        if CacheNodeType is None:
            raise Refusal("InvalidParameterValue", "Give CacheNodeType to scale vertically.")
        from .replication_group import check_bool, check_node_type, is_data_tiering
        check_bool("ApplyImmediately", ApplyImmediately)
        new_type = check_node_type(CacheNodeType)
        if new_type == group.node_type:
            raise Refusal("InvalidParameterCombination",
                          f"Replication group {group.name} already uses {new_type}.")
        if is_data_tiering(new_type) != is_data_tiering(group.node_type):
            raise Refusal("InvalidParameterCombination",
                          "Scaling between a data tiering node type (r6gd) and a non-tiering "
                          "one is not supported: create a new cluster from a backup instead.")
        if not ApplyImmediately:
            raise Refusal("InvalidParameterValue",
                          "ApplyImmediately=False (the next maintenance window) is not emulated: "
                          "there are no maintenance windows here. Pass ApplyImmediately=True.")
        group.require_available("scaling")
        data_bytes = max(s.primary.dataset_bytes() for s in group.shards)
        data_bytes *= self.monitor.memory_scale
        new_row = node_types.node_type(new_type)
        if data_bytes > new_row.usable_memory_bytes():
            raise Refusal("InvalidParameterCombination",
                          f"{new_type} holds {new_row.usable_memory_bytes() / 2**30:.2f} GiB of "
                          f"data after reserved memory; a shard holds {data_bytes / 2**30:.2f} GiB.")
        now = self.clock.now_ms()
        sync = data_bytes / SYNC_BYTES_PER_SECOND
        replicated = min(group.replicas_per_shard()) > 0
        old_enough = group.engine == "valkey" or limits.version_tuple(group.engine_version) >= (5, 0, 6)
        blip = BLIP_SECONDS_REPLICATED if replicated and old_enough else BLIP_SECONDS_OTHER
        t_sync = now + VERTICAL_PROVISION_SECONDS * 1000
        t_switch = t_sync + int(sync * 1000)
        t_back = t_switch + int(blip * 1000)
        t_done = t_back + VERTICAL_CLEANUP_SECONDS * 1000
        old_type = group.node_type
        events = group.__dict__.setdefault("scaling_events", [])
        events += [
            (now, "vertical:start", f"{old_type} → {new_type}: launching "
                                    f"{group.node_count()} new node(s)"),
            (t_sync, "vertical:sync", f"new nodes sync {data_bytes / 1e6:.1f} MB per shard "
                                      f"({sync:.1f} s at {SYNC_BYTES_PER_SECOND / 1e6:.0f} MB/s)"),
            (t_switch, "vertical:switch", f"DNS switched to the {new_type} nodes: writes "
                                          f"interrupted for {blip:g} s"),
            (t_back, "vertical:writes-resume", "writes accepted again"),
            (t_done, "vertical:done", f"old {old_type} nodes deleted; group available"),
        ]
        group.__dict__.setdefault("write_blips", []).append((t_switch, t_back))
        group.pending_node_type = new_type
        group.schedule("modifying", (t_done - now) / 1000)

        def switch(old_ms, new_ms, group=group, clock=self.clock):
            if new_ms >= t_switch:
                group.node_type = new_type
                group.pending_node_type = None
                clock.remove_ticker(switch)
        self.clock.on_advance(switch)
        out = group.describe()
        out.setdefault("PendingModifiedValues", {})
        if isinstance(out["PendingModifiedValues"], dict):
            out["PendingModifiedValues"]["CacheNodeType"] = new_type
        return {"ReplicationGroup": out}

    # -- serverless caches --------------------------------------------------------------------
    def _serverless_table(self) -> Dict[str, object]:
        table = self.__dict__.setdefault("_serverless_caches", {})
        for name in [n for n, c in table.items() if c.gone]:
            del table[name]
        return table

    def _serverless(self, name):
        cache = self._serverless_table().get(str(name).lower())
        if cache is None:
            raise Refusal("ServerlessCacheNotFoundFault", f"Serverless cache {name} not found.")
        return cache

    @operation("CreateServerlessCache")
    def create_serverless_cache(self, *, ServerlessCacheName, Engine, Description="",
                                CacheUsageLimits=None, MajorEngineVersion=None,
                                SecurityGroupIds=None, SubnetIds=None, Tags=None,
                                KmsKeyId=None, UserGroupId=None, SnapshotRetentionLimit=None,
                                DailySnapshotTime=None, SnapshotArnsToRestore=None,
                                memory_scale: float = 1.0) -> dict:
        """Create a serverless cache (``creating`` for 60 virtual seconds).
        ``memory_scale`` (emulator extra): each stored byte stands for that many."""
        from .serverless import SERVERLESS_CACHES_PER_REGION, ServerlessCache, plan
        settings = plan({"ServerlessCacheName": ServerlessCacheName, "Engine": Engine,
                         "Description": Description, "CacheUsageLimits": CacheUsageLimits})
        table = self._serverless_table()
        if settings["name"] in table:
            raise Refusal("ServerlessCacheAlreadyExistsFault",
                          f"Serverless cache {settings['name']} already exists.")
        if len(table) >= SERVERLESS_CACHES_PER_REGION:
            raise Refusal("ServerlessCacheQuotaForCustomerExceededFault",
                          f"The quota is {SERVERLESS_CACHES_PER_REGION} serverless caches per Region.")
        cache = ServerlessCache(**settings, clock=self.clock, seed=self.rng.randrange(2**31),
                                namer=self.namer, memory_scale=memory_scale)
        table[cache.name] = cache
        self._watch_serverless(cache)
        return {"ServerlessCache": cache.describe()}

    def _watch_serverless(self, cache) -> None:
        mon = self.monitor
        dims = {"clusterId": cache.name}

        def nodes():
            shard = cache.cluster.shards[0]
            return [(n, {"clusterId": cache.name, "node": n.name}, "primary" if n is shard.primary
                     else "replica", "serverless", shard) for n in shard.nodes]
        mon.watch_nodes(cache.name, nodes)

        def extra(n):
            ecpus, throttled = cache.take_period()
            out = [("ElastiCacheProcessingUnits", dims, ecpus / n),
                   ("ThrottledCmds", dims, throttled / n),
                   ("BytesUsedForCache", dims, cache.data_gb() * 1e9)]
            shard = cache.cluster.shards[0]
            hits = sum(x.stats.keyspace_hits for x in shard.nodes)
            misses = sum(x.stats.keyspace_misses for x in shard.nodes)
            last = cache.__dict__.setdefault("_hm", [0, 0])
            dh, dm = (hits - last[0]) * cache.request_scale / n, (misses - last[1]) * cache.request_scale / n
            cache._hm = [hits, misses]
            out += [("CacheHits", dims, dh), ("CacheMisses", dims, dm),
                    ("CacheHitRate", dims, dh / (dh + dm) * 100 if dh + dm else 0.0)]
            return out
        mon.extra[cache.name] = extra

    @operation("DescribeServerlessCaches")
    def describe_serverless_caches(self, *, ServerlessCacheName=None, MaxResults=None,
                                   NextToken=None) -> dict:
        if ServerlessCacheName is not None:
            return {"ServerlessCaches": [self._serverless(ServerlessCacheName).describe()]}
        return {"ServerlessCaches": [c.describe() for c in self._serverless_table().values()]}

    @operation("ModifyServerlessCache")
    def modify_serverless_cache(self, *, ServerlessCacheName, CacheUsageLimits=None,
                                Description=None) -> dict:
        """Change the maximums / minimums (the cache re-reads them at once)."""
        from .serverless import _limits_from, MAX_ECPU_PER_SECOND
        cache = self._serverless(ServerlessCacheName)
        cache.require_available("modifying")
        if CacheUsageLimits is not None:
            cache.limits = _limits_from(CacheUsageLimits)
            cache.capacity.minimum = float(cache.limits["ecpu_min"] or 0)
            cache.capacity.maximum = float(cache.limits["ecpu_max"] or MAX_ECPU_PER_SECOND)
            cache.capacity.current = min(cache.capacity.maximum,
                                         max(cache.capacity.minimum, cache.capacity.current))
        if Description is not None:
            cache.description = str(Description)
        return {"ServerlessCache": cache.describe()}

    @operation("DeleteServerlessCache")
    def delete_serverless_cache(self, *, ServerlessCacheName, FinalSnapshotName=None) -> dict:
        cache = self._serverless(ServerlessCacheName)
        cache.require_available("deletion")
        cache.schedule("deleting", limits.DELETE_SECONDS, then=None)
        self.monitor.unwatch(cache.name)
        return {"ServerlessCache": cache.describe()}

    def serverless_cache(self, ServerlessCacheName: str):
        """The emulator object behind a serverless cache (AWS has no such call):
        ``.execute(*argv, read_only=False)`` runs one metered command."""
        try:
            cache = self._serverless(ServerlessCacheName)
        except Refusal as exc:
            raise ValueError(exc.message) from None
        if cache.status == "creating":
            self.clock.advance_ms(max(0, cache.ready_at_ms() - self.clock.now_ms()))
        return cache
