"""Publish/subscribe (redis-server's pubsub.c).

A client SUBSCRIBEs to channels (or PSUBSCRIBEs to glob patterns); PUBLISH
sends a message to every current subscriber of a channel and answers how
many received it. Nothing is stored: a subscriber that is not connected at
the moment of the PUBLISH never sees the message ("fire and forget"), which
is the main difference from streams (XADD/XREAD) and lists used as queues.

Sharded pub/sub (Redis 7): SSUBSCRIBE / SPUBLISH work on *shard channels*.
In a cluster a shard channel lives in the hash slot of its name, like a key,
so a message only travels inside one shard instead of to every node. On a
single node they behave like ordinary channels kept in a separate namespace.

What a subscriber receives — each as a separate reply:

* ``subscribe``/``psubscribe``/``ssubscribe`` confirmations: [kind, name, count];
* ``message``: [message, channel, payload];
* ``pmessage``: [pmessage, pattern, channel, payload];
* ``smessage``: [smessage, shardchannel, payload].

``count`` is how many channels + patterns the client is subscribed to (for
the shard kinds: how many shard channels). In RESP3 these are *push* frames
(``>``), out of band, so the connection can keep running other commands. In
RESP2 they are plain arrays, and a subscribed connection may only run
(P|S)(UN)SUBSCRIBE, PING, QUIT and RESET (node.py refuses the rest); PING
then answers [pong, message] so that it can be told apart from a message.

Messages reach a client through :meth:`Session.deliver`, the same path as
the late reply of a blocking command (see engine/node/blocking.py).

Differences from redis-server: with several matching patterns, messages
follow subscription order (Redis walks its pattern table in hash order), and
UNSUBSCRIBE / SUNSUBSCRIBE without arguments confirm channels in subscription
order (Redis: hash order). PUBSUB CHANNELS / SHARDCHANNELS list channels in
subscription order (Redis: hash order). A wrong argument count for PUBSUB
CHANNELS echoes the subcommand upper-cased.
"""
from __future__ import annotations

from ..protocol.replies import Push, ReplyError, SimpleString
from . import glob
from .registry import command, container

_SUB = "pubsub noscript loading stale"


class Replies(list):
    """Several complete replies sent back to back for one command (SUBSCRIBE
    a b c confirms each channel in its own reply). The transports send each
    element as a reply of its own. (Inside EXEC, where replies are nested,
    the protocol encoder sees it as one array: Redis would write the
    confirmations flat into the EXEC array. One channel gives one reply and
    matches Redis exactly.)"""

    __slots__ = ()


def _replies(out: list):
    return out[0] if len(out) == 1 else Replies(out)


class PubSubRegistry:
    """The node's subscriptions: name -> subscribed sessions (an ordered set,
    in subscription order)."""

    def __init__(self):
        self.channels: dict = {}
        self.patterns: dict = {}
        self.shard_channels: dict = {}

    def drop(self, s) -> None:
        """Forget every subscription of ``s`` (disconnect, RESET)."""
        for table, mine in ((self.channels, s.channels), (self.patterns, s.patterns),
                            (self.shard_channels, s.shard_channels)):
            for name in mine:
                _remove(table, name, s)
            mine.clear()
        s.pubsub = False


def _remove(table: dict, name: bytes, s) -> None:
    subs = table.get(name)
    if subs is not None:
        subs.pop(s, None)
        if not subs:
            del table[name]


def _registry(s) -> PubSubRegistry:
    return s.node.pubsub


def _count(s) -> int:
    """clientSubscriptionsCount: channels + patterns."""
    return len(s.channels) + len(s.patterns)


def _settle(s) -> None:
    """Leave subscribed mode once nothing at all is subscribed."""
    if not (s.channels or s.patterns or s.shard_channels):
        s.pubsub = False


# -- subscribing ----------------------------------------------------------------

@command("subscribe", arity=-2, flags=_SUB, acl="pubsub", group="pubsub",
         since="2.0.0", complexity="O(N) where N is the number of channels to subscribe to.")
def subscribe(s, *channels):
    """SUBSCRIBE channel [channel ...] — Listen for messages published to the given channels

    Subscribe to each channel; one [subscribe, channel, count] reply per channel.
    """
    table = _registry(s).channels
    out = []
    for ch in channels:
        if ch not in s.channels:
            s.channels[ch] = None
            table.setdefault(ch, {})[s] = None
        out.append(Push([b"subscribe", ch, _count(s)]))
    s.pubsub = True
    return _replies(out)


@command("psubscribe", arity=-2, flags=_SUB, acl="pubsub", group="pubsub",
         since="2.0.0", complexity="O(N) where N is the number of patterns the client is "
                                   "already subscribed to.")
def psubscribe(s, *patterns):
    """PSUBSCRIBE pattern [pattern ...] — Listen for messages published to channels matching the given patterns

    Subscribe to glob patterns (``news.*``, ``h[ae]llo``); a matching PUBLISH
    arrives as [pmessage, pattern, channel, message].
    """
    table = _registry(s).patterns
    out = []
    for pat in patterns:
        if pat not in s.patterns:
            s.patterns[pat] = None
            table.setdefault(pat, {})[s] = None
        out.append(Push([b"psubscribe", pat, _count(s)]))
    s.pubsub = True
    return _replies(out)


@command("ssubscribe", arity=-2, flags=_SUB, acl="pubsub", keys=(1, -1, 1), channels_not_keys=True,
         group="pubsub", since="7.0.0",
         complexity="O(N) where N is the number of shard channels to subscribe to.")
def ssubscribe(s, *channels):
    """SSUBSCRIBE shardchannel [shardchannel ...] — Listen for messages published to the given shard channels

    Subscribe to shard channels (cluster: they live in the slot of their
    name); the count in each reply is the number of shard channels.
    """
    if s.node._depth > 1:
        # Inside EXEC Redis refuses it (the client is flagged DENY_BLOCKING).
        raise ReplyError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
    table = _registry(s).shard_channels
    out = []
    for ch in channels:
        if ch not in s.shard_channels:
            s.shard_channels[ch] = None
            table.setdefault(ch, {})[s] = None
        out.append(Push([b"ssubscribe", ch, len(s.shard_channels)]))
    s.pubsub = True
    return _replies(out)


# -- unsubscribing --------------------------------------------------------------

def _unsubscribe(s, kind: bytes, mine: dict, table: dict, names, counter):
    if not names:
        names = list(mine)
        if not names:
            # Nothing to leave: one reply with a null name.
            return Push([kind, None, counter(s)])
    out = []
    for name in names:
        if name in mine:
            del mine[name]
            _remove(table, name, s)
        out.append(Push([kind, name, counter(s)]))
    _settle(s)
    return _replies(out)


def _shard_count(s) -> int:
    return len(s.shard_channels)


@command("unsubscribe", arity=-1, flags=_SUB, acl="pubsub", group="pubsub",
         since="2.0.0", complexity="O(N) where N is the number of clients already "
                                   "subscribed to a channel.")
def unsubscribe(s, *channels):
    """UNSUBSCRIBE [channel [channel ...]] — Stop listening for messages posted to the given channels

    Leave the channels (all of them without arguments); one reply per channel.
    """
    return _unsubscribe(s, b"unsubscribe", s.channels, _registry(s).channels,
                        channels, _count)


@command("punsubscribe", arity=-1, flags=_SUB, acl="pubsub", group="pubsub",
         since="2.0.0", complexity="O(N+M) where N is the number of patterns the client is "
                                   "already subscribed and M is the number of total patterns "
                                   "subscribed in the system (by any client).")
def punsubscribe(s, *patterns):
    """PUNSUBSCRIBE [pattern [pattern ...]] — Stop listening for messages posted to channels matching the given patterns

    Leave the patterns (all of them without arguments).
    """
    return _unsubscribe(s, b"punsubscribe", s.patterns, _registry(s).patterns,
                        patterns, _count)


@command("sunsubscribe", arity=-1, flags=_SUB, acl="pubsub", keys=(1, -1, 1), channels_not_keys=True,
         group="pubsub", since="7.0.0",
         complexity="O(N) where N is the number of clients already subscribed to a shard "
                    "channel.")
def sunsubscribe(s, *channels):
    """SUNSUBSCRIBE [shardchannel [shardchannel ...]] — Stop listening for messages posted to the given shard channels

    Leave the shard channels (all of them without arguments).
    """
    return _unsubscribe(s, b"sunsubscribe", s.shard_channels,
                        _registry(s).shard_channels, channels, _shard_count)


# -- publishing -----------------------------------------------------------------

@command("publish", arity=3, flags="pubsub loading stale fast", acl="pubsub",
         group="pubsub", since="2.0.0",
         complexity="O(N+M) where N is the number of clients subscribed to the receiving "
                    "channel and M is the total number of subscribed patterns (by any client).")
def publish(s, channel, message):
    """PUBLISH channel message — Post a message to a channel

    Send ``message`` to the channel's subscribers and to every pattern
    subscriber whose pattern matches; how many deliveries were made (a
    client subscribed both ways counts twice).
    """
    return publish_message(s.node, channel, message)


def publish_message(node, channel: bytes, message: bytes) -> int:
    """Deliver to channel subscribers first, then pattern subscribers
    (pubsubPublishMessage); the number of deliveries."""
    reg = node.pubsub
    receivers = 0
    subs = reg.channels.get(channel)
    if subs:
        for c in list(subs):
            c.deliver(Push([b"message", channel, message]))
            receivers += 1
    for pattern, subs in list(reg.patterns.items()):
        if not glob.match(pattern, channel):
            continue
        for c in list(subs):
            c.deliver(Push([b"pmessage", pattern, channel, message]))
            receivers += 1
    return receivers


@command("spublish", arity=3, flags="pubsub loading stale fast", acl="pubsub",
         keys=(1, 1, 1), channels_not_keys=True, group="pubsub", since="7.0.0",
         complexity="O(N) where N is the number of clients subscribed to the receiving "
                    "shard channel.")
def spublish(s, channel, message):
    """SPUBLISH shardchannel message — Post a message to a shard channel

    Send ``message`` to the shard channel's subscribers; how many received it.
    """
    subs = _registry(s).shard_channels.get(channel)
    if not subs:
        return 0
    for c in list(subs):
        c.deliver(Push([b"smessage", channel, message]))
    return len(subs)


# -- PUBSUB introspection ---------------------------------------------------------

container("pubsub", group="pubsub", since="2.8.0",
          summary="A container for Pub/Sub commands")
_INTRO = "pubsub loading stale"


def _matching(table: dict, args, sub: str) -> list:
    if len(args) > 1:
        raise ReplyError(f"ERR unknown subcommand or wrong number of arguments for "
                         f"'{sub}'. Try PUBSUB HELP.")
    pattern = args[0] if args else None
    return [name for name in table if pattern is None or glob.match(pattern, name)]


@command("pubsub|channels", arity=-2, flags=_INTRO, acl="pubsub", group="pubsub",
         since="2.8.0", complexity="O(N) where N is the number of active channels, and "
                                   "assuming constant time pattern matching (relatively "
                                   "short channels and patterns)")
def pubsub_channels(s, *args):
    """PUBSUB CHANNELS [pattern] — List active channels

    Channels with at least one subscriber (pattern subscriptions not
    counted), optionally only those matching a glob pattern.
    """
    return _matching(_registry(s).channels, args, "CHANNELS")


@command("pubsub|shardchannels", arity=-2, flags=_INTRO, acl="pubsub", group="pubsub",
         since="7.0.0", complexity="O(N) where N is the number of active shard channels, "
                                   "and assuming constant time pattern matching (relatively "
                                   "short shard channels).")
def pubsub_shardchannels(s, *args):
    """PUBSUB SHARDCHANNELS [pattern] — List active shard channels

    Shard channels with at least one subscriber, optionally matching a pattern.
    """
    return _matching(_registry(s).shard_channels, args, "SHARDCHANNELS")


def _numsub(table: dict, names) -> list:
    out = []
    for name in names:
        out.append(name)
        out.append(len(table.get(name, ())))
    return out


@command("pubsub|numsub", arity=-2, flags=_INTRO, acl="pubsub", group="pubsub",
         since="2.8.0", complexity="O(N) for the NUMSUB subcommand, where N is the number "
                                   "of requested channels")
def pubsub_numsub(s, *channels):
    """PUBSUB NUMSUB [channel [channel ...]] — Get the count of subscribers for channels

    channel, count, channel, count … (pattern subscribers not counted).
    """
    return _numsub(_registry(s).channels, channels)


@command("pubsub|shardnumsub", arity=-2, flags=_INTRO, acl="pubsub", group="pubsub",
         since="7.0.0", complexity="O(N) for the SHARDNUMSUB subcommand, where N is the "
                                   "number of requested shard channels")
def pubsub_shardnumsub(s, *channels):
    """PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]] — Get the count of subscribers for shard channels

    shardchannel, count, … for each one asked about.
    """
    return _numsub(_registry(s).shard_channels, channels)


@command("pubsub|numpat", arity=2, flags=_INTRO, acl="pubsub", group="pubsub",
         since="2.8.0", complexity="O(1)")
def pubsub_numpat(s):
    """PUBSUB NUMPAT — Get the count of unique patterns pattern subscriptions

    How many distinct patterns have at least one subscriber.
    """
    return len(_registry(s).patterns)


@command("pubsub|help", arity=2, flags="loading stale", group="pubsub", since="6.2.0",
         complexity="O(1)")
def pubsub_help(s):
    """PUBSUB HELP — Show helpful text about the different subcommands

    What the PUBSUB subcommands do.
    """
    return [SimpleString(line.encode()) for line in (
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    )]
