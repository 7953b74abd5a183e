"""The ElastiCache API's RBAC users and user groups, AUTH tokens, encryption, network isolation (issue #7).

:class:`SecurityAPI` is a mixin of :class:`~engine.service.elasticache.ElastiCache`:
its public methods are boto3-named API calls (decorated with ``@operation``),
and it may extend the two hooks every mixin shares — call ``super()`` first:

``_check_group_params(self, params)``
    validate CreateReplicationGroup parameters (raise Refusal) before anything is built;
``_after_create_group(self, group, params)``
    attach state to a newly created ReplicationGroup.
"""
from __future__ import annotations

from .hooks import ServiceHooks


class SecurityAPI(ServiceHooks):
    pass
