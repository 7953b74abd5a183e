"""Server counters reported by INFO (``stats`` section) and INFO commandstats."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict


@dataclass
class Stats:
    total_connections_received: int = 0
    total_commands_processed: int = 0
    rejected_connections: int = 0
    expired_keys: int = 0
    expired_stale_perc: float = 0.0
    evicted_keys: int = 0
    total_eviction_exceeded_time: int = 0
    keyspace_hits: int = 0
    keyspace_misses: int = 0
    total_error_replies: int = 0
    unexpected_error_replies: int = 0
    total_net_input_bytes: int = 0
    total_net_output_bytes: int = 0
    #: per command: [calls, usec, rejected_calls, failed_calls]
    commands: Dict[str, list] = field(default_factory=dict)
    #: error code (ERR, WRONGTYPE, ...) -> count, for INFO errorstats
    errors: Dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        """CONFIG RESETSTAT: zero every counter."""
        fresh = Stats()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))
