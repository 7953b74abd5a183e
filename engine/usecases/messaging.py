"""Chat two ways: pub/sub (fire and forget) and a stream (kept).

PUBLISH hands a message to whoever is subscribed *at that moment* and keeps
nothing: a subscriber that joins later, or whose connection drops for a
second, never sees it. That is the right trade for live notifications (cheap,
O(subscribers) per message, no memory used) and the wrong one for anything
that must not be missed.

A stream (XADD) keeps every message until trimmed; each reader remembers the
last ID it saw and continues from there (XREAD), so a late joiner can read the
history and a reconnecting client loses nothing — at the cost of memory.
"""
from __future__ import annotations

from typing import List


class PubSubRoom:
    """A chat room on a pub/sub channel."""

    def __init__(self, client, room: str = "lobby"):
        self.client, self.channel = client, f"chat:{room}"

    def join(self, client) -> "PubSubMember":
        """A member listening on its own connection (``client``)."""
        return PubSubMember(client, self.channel)

    def say(self, who: str, text: str) -> int:
        """Publish; returns how many subscribers received it (0: it is gone)."""
        return self.client.publish(self.channel, f"{who}: {text}")


class PubSubMember:
    def __init__(self, client, channel: str):
        # Keep the client: when a redis.Redis that made its own connection pool
        # is garbage-collected, it disconnects the pool — the pubsub's too.
        self.client = client
        self.pubsub = client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel)
        # Consume the subscribe confirmation so receive() sees only messages.
        self.pubsub.get_message(timeout=0)

    def receive(self, wait: float = 0.1) -> List[str]:
        """Every message delivered so far. Over a network the last PUBLISH may
        still be on its way to this connection, so wait up to ``wait`` seconds
        for each next message before concluding nothing else is coming."""
        out = []
        while True:
            message = self.pubsub.get_message(timeout=wait)
            if message is None:
                return out
            if message.get("type") == "message":
                data = message["data"]
                out.append(data.decode() if isinstance(data, bytes) else data)

    def leave(self) -> None:
        self.pubsub.close()


class StreamRoom:
    """The same room on a stream: messages are kept and replayable."""

    def __init__(self, client, room: str = "lobby", maxlen: int = 1000):
        self.client, self.key, self.maxlen = client, f"chatlog:{room}", maxlen

    def say(self, who: str, text: str) -> str:
        entry_id = self.client.xadd(self.key, {"line": f"{who}: {text}"},
                                    maxlen=self.maxlen, approximate=True)
        return entry_id.decode() if isinstance(entry_id, bytes) else entry_id

    def history(self, after: str = "0") -> List[str]:
        """Every line after ``after`` (an entry ID; "0" = from the start)."""
        entries = self.client.xrange(self.key, min=f"({after}" if after != "0" else "-")
        lines = []
        for _id, fields in entries:
            line = fields.get("line", fields.get(b"line"))
            lines.append(line.decode() if isinstance(line, bytes) else line)
        return lines
