"""A distributed lock, and why releasing it needs a token check.

Acquire: ``SET lock:<name> <token> NX PX <ttl>`` — set only if absent (NX), with
an expiry (PX) so a crashed holder cannot block everyone forever. The token is
unique per holder.

Release: delete the key *only if it still holds my token*. A plain DEL is
wrong: if the holder stalls (a GC pause, a slow call) past the TTL, the lock
expires, another client takes it, and the first one's DEL then removes the
*other* client's lock — now a third client can take it while the second still
thinks it holds it. The check and the delete must be atomic, so they run as a
Lua script: ``if GET == token then DEL``.

(On a single node this is safe within the TTL; a primary failover can still
lose a lock, because replication is asynchronous — the replication lab shows
why.)
"""
from __future__ import annotations

import itertools
from typing import List, Tuple

#: Compare-and-delete, atomically (no command can run between GET and DEL).
RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

_tokens = itertools.count(1)


class Lock:
    def __init__(self, client, name: str, ttl_ms: int = 10_000, owner: str = ""):
        if ttl_ms <= 0:
            raise ValueError("a lock needs a positive ttl_ms, or a crashed holder blocks forever")
        self.client, self.key, self.ttl_ms = client, f"lock:{name}", ttl_ms
        # Unique per holder; a real application would use secrets.token_hex().
        self.token = f"{owner or 'holder'}-{next(_tokens)}"
        self._release = client.register_script(RELEASE_LUA)

    def acquire(self) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def release(self) -> bool:
        """Safe release: True only if we still held the lock."""
        return self._release(keys=[self.key], args=[self.token]) == 1

    def unsafe_release(self) -> bool:
        """The bug: DEL without checking whose lock it is."""
        return self.client.delete(self.key) == 1

    def holder(self):
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


def stalled_holder(client, advance, *, safe: bool, ttl_ms: int = 1000
                   ) -> Tuple[List[str], int]:
    """A stalls past its TTL, B takes the lock, A then releases, C tries.

    Returns the story as lines and how many clients believed they held the
    lock at the end (more than 1 = mutual exclusion broken). ``advance(s)``
    lets time pass (``lab.advance``).
    """
    a, b, c = (Lock(client, "report", ttl_ms, owner) for owner in "ABC")
    story = [f"A acquires: {a.acquire()}"]
    advance(ttl_ms / 1000 * 1.5)
    story.append(f"A stalls for {ttl_ms * 1.5:.0f} ms; the lock expires (holder: {a.holder()})")
    b_got = b.acquire()
    story.append(f"B acquires: {b_got} (holder: {b.holder()})")
    released = a.release() if safe else a.unsafe_release()
    story.append(f"A wakes and releases {'safely' if safe else 'with DEL'}: deleted={released}")
    c_got = c.acquire()
    story.append(f"C acquires: {c_got} (holder: {c.holder()})")
    holders = int(b_got) + int(c_got)
    return story, holders
