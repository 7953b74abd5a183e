"""The ElastiCache API's failover, snapshots and backups, Global Datastore (issue #6).

:class:`ResilienceAPI` is a mixin of :class:`~engine.service.elasticache.ElastiCache`:
its public methods are boto3-named API calls (decorated with ``@operation``),
and it may extend the two hooks every mixin shares — call ``super()`` first:

``_check_group_params(self, params)``
    validate CreateReplicationGroup parameters (raise Refusal) before anything is built;
``_after_create_group(self, group, params)``
    attach state to a newly created ReplicationGroup.
"""
from __future__ import annotations

from .hooks import ServiceHooks


class ResilienceAPI(ServiceHooks):
    pass
