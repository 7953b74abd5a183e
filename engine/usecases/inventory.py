"""Transactions: MULTI/EXEC is all-or-nothing *scheduling*, not rollback;
WATCH adds optimistic locking.

MULTI queues commands and EXEC runs them back to back — no other client's
command can run in between. But if one queued command fails at run time (INCR
on a non-number), the others still happen: Redis has no rollback.

To change a value based on what you read (check stock, then decrement), WATCH
the key first: if any other client modifies it before EXEC, EXEC does nothing
and the client retries. redis-py's ``client.transaction()`` runs that loop.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Reservation:
    ok: bool
    attempts: int      # 1 + how many times a concurrent change forced a retry


def reserve(client, item: str, quantity: int = 1) -> Reservation:
    """Take ``quantity`` units of ``item`` if enough are left — never oversells."""
    key = f"stock:{item}"
    attempts = 0

    def attempt(pipe) -> bool:
        nonlocal attempts
        attempts += 1
        stock = int(pipe.get(key) or 0)    # after WATCH, commands run at once
        if stock < quantity:
            return False
        pipe.multi()                       # from here on, commands are queued
        pipe.decrby(key, quantity)
        return True                        # EXEC follows; a WATCH conflict retries

    ok = client.transaction(attempt, key, value_from_callable=True)
    return Reservation(bool(ok), attempts)


def no_rollback_demo(client) -> list:
    """MULTI; SET a; INCR name (holds text); SET b; EXEC — the replies, errors included."""
    client.set("name", "bob")
    pipe = client.pipeline(transaction=True)
    pipe.set("a", 1)
    pipe.incr("name")
    pipe.set("b", 2)
    return pipe.execute(raise_on_error=False)
