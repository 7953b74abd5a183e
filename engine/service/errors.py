"""Errors shaped like botocore's ``ClientError``.

boto3 raises ``botocore.exceptions.ClientError`` for every refusal, and code
that handles them looks at ``err.response["Error"]["Code"]``. The emulator
raises :class:`ClientError` with the same attributes and the same message
format, so the same ``except`` blocks work against both:

>>> try:                                                     # doctest: +SKIP
...     ec.describe_replication_groups(ReplicationGroupId="nope")
... except ClientError as err:
...     err.response["Error"]["Code"]
'ReplicationGroupNotFoundFault'

The codes are the wire codes of the ElastiCache API (the ``error.code`` of
each fault shape in the service model, which is what botocore puts in
``Error.Code``): a fault with no explicit code uses its shape name, hence
``ReplicationGroupNotFoundFault`` next to ``CacheClusterNotFound``. botocore
itself is not needed (and not a dependency of the lab).
"""
from __future__ import annotations

import functools
from typing import Callable, Dict

#: code → HTTP status, from the ElastiCache service model (2015-02-02).
ERROR_CODES: Dict[str, int] = {
    "InvalidParameterValue": 400,
    "InvalidParameterCombination": 400,
    "MissingParameter": 400,
    "ReplicationGroupAlreadyExists": 400,
    "ReplicationGroupNotFoundFault": 404,
    "InvalidReplicationGroupState": 400,
    "NodeGroupsPerReplicationGroupQuotaExceeded": 400,
    "NodeQuotaForClusterExceeded": 400,
    "NodeQuotaForCustomerExceeded": 400,
    "NodeGroupNotFoundFault": 404,
    "NoOperationFault": 400,
    "CacheClusterAlreadyExists": 400,
    "CacheClusterNotFound": 404,
    "InvalidCacheClusterState": 400,
}


class ClientError(Exception):
    """A refused request. ``response`` and ``operation_name`` as botocore's.

    ``str(err)`` reads like botocore's: ``An error occurred (Code) when
    calling the Operation operation: message``."""

    def __init__(self, code: str, message: str, operation_name: str):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown ElastiCache error code {code!r}")
        self.response = {
            "Error": {"Type": "Sender", "Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": ERROR_CODES[code]},
        }
        self.operation_name = operation_name
        super().__init__(f"An error occurred ({code}) when calling the {operation_name} "
                         f"operation: {message}")

    @property
    def code(self) -> str:
        return self.response["Error"]["Code"]

    @property
    def message(self) -> str:
        return self.response["Error"]["Message"]


class Refusal(Exception):
    """Raised inside the service with just (code, message); the public method
    that received the request turns it into a :class:`ClientError` naming
    its operation."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message)
        self.code, self.message = code, message


def operation(name: str):
    """Turn the :class:`Refusal` raised inside an API method into a
    :class:`ClientError` naming the operation, as botocore reports it."""
    def wrap(method: Callable) -> Callable:
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if args:
                raise TypeError(f"{method.__name__}() takes keyword arguments only, as boto3 "
                                f"does (e.g. {method.__name__}(ReplicationGroupId='shop'))")
            try:
                return method(self, **kwargs)
            except Refusal as refusal:
                raise ClientError(refusal.code, refusal.message, name) from None
        call.operation_name = name
        return call
    return wrap
