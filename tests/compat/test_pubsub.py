"""Pub/sub, differential against redis-server 7.0, with several clients.

SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE and their UNSUBSCRIBE forms, PUBLISH /
SPUBLISH, PUBSUB introspection, RESP2's subscribed mode (only a few commands
allowed, PING's array reply) and RESP3 push frames, RESET, disconnects,
CLIENT LIST / INFO while subscribed. Every confirmation and every message is
compared byte for byte; scripts use the notation of multiclient.py
(``A<`` reads the next message for A on both servers).

Not compared where Redis's order is its hash table's: UNSUBSCRIBE /
SUNSUBSCRIBE without arguments over several channels, several patterns
matching one message, PUBSUB CHANNELS (compared sorted, ``sort``).
"""
from __future__ import annotations

import pytest

from differential import (assert_info_agrees, assert_same_command_info, client_fields,
                          info_map, sort)
from multiclient import Clients, client_flags

PUBSUB_COMMANDS = ("SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "PUBLISH",
                   "SSUBSCRIBE", "SUNSUBSCRIBE", "SPUBLISH", "PUBSUB")

SCRIPTS = {
    "subscribe-and-publish": [
        "A: SUBSCRIBE c1 c2 c1", "A<", "A<", "B: PUBLISH c1 hello", "A<",
        "B: PUBLISH c2 ''", "A<", "B: PUBLISH nobody x", "A?"],
    "binary-payload": [
        "A: SUBSCRIBE '\\x00ch'", ("B: PUBLISH '\\x00ch' '\\xff\\x00\\r\\n'", None), "A<"],
    "several-subscribers-in-order": [
        "A: SUBSCRIBE c", "C: SUBSCRIBE c", "B: PUBLISH c m", "A<", "C<",
        "B: PUBSUB NUMSUB c nope"],
    "patterns": [
        "A: PSUBSCRIBE h[ae]llo 'x\\*' h?", "A<", "A<", "B: PUBLISH hallo 1", "A<",
        "B: PUBLISH x* 2", "A<", "B: PUBLISH xy 3", "A?", "B: PUBSUB NUMPAT"],
    "channel-and-pattern-both-deliver": [
        "A: SUBSCRIBE news", "A: PSUBSCRIBE new?", "B: PUBLISH news n", "A<", "A<"],
    "unsubscribe-forms": [
        "A: SUBSCRIBE a b", "A<", "A: UNSUBSCRIBE a nope", "A<", "A: PSUBSCRIBE p*",
        "A: UNSUBSCRIBE", "A: PUNSUBSCRIBE", "A: UNSUBSCRIBE", "A: PUNSUBSCRIBE nope",
        "A: SUNSUBSCRIBE", "A: GET x"],
    "pattern-counts-with-channels": [
        "A: PSUBSCRIBE p* p*", "A<", "A: SUBSCRIBE c", "A: PUNSUBSCRIBE p*", "A: UNSUBSCRIBE c",
        "A: GET x"],
    "subscribed-mode-resp2": [
        "A: SUBSCRIBE c", "A: GET x", "A: PING", "A: PING hi", "A: PING a b", "A: SUBSCRIBE",
        "A: FOO", "A: MULTI", "A: EXEC", "A: CLIENT ID", "A: PUBLISH c self",
        "A: UNSUBSCRIBE", "A: GET x", "A: PING"],
    "shard-channels": [
        "A: SSUBSCRIBE s1 s2", "A<", "A: SUBSCRIBE c", "B: SPUBLISH s1 hi", "A<",
        "B: PUBLISH s1 not-shard", "B: SPUBLISH nobody x", "B: PUBSUB SHARDNUMSUB s1 s3",
        "A: SUNSUBSCRIBE s1", "A: UNSUBSCRIBE c", "A: GET x", "A: SUNSUBSCRIBE s2",
        "A: GET x"],
    "resp3-push-frames": [
        "A: HELLO 3", "A: SUBSCRIBE c", "A: GET x", "A: PING", "B: PUBLISH c m", "A<",
        "A: PUBLISH c self", "A<", "A: SSUBSCRIBE s", "B: SPUBLISH s hi", "A<",
        "A: PSUBSCRIBE c*", "B: PUBLISH c two", "A<", "A<", "A: UNSUBSCRIBE a b", "A<",
        "A: UNSUBSCRIBE", "A: PUNSUBSCRIBE", "A: SUNSUBSCRIBE", "A: UNSUBSCRIBE",
        "A: HELLO 2"],
    "resp3-to-resp2-while-subscribed": [
        "A: HELLO 3", "A: SUBSCRIBE c", "A: GET x", "A: HELLO 2", "A: GET x", "A: RESET",
        "A: GET x"],
    "reset-leaves-subscribed-mode": [
        "A: SUBSCRIBE c", "A: PSUBSCRIBE p*", "A: SSUBSCRIBE s", "A: RESET", "A: GET x",
        "B: PUBLISH c m", "B: PUBLISH pp m", "B: SPUBLISH s m", "A?", "B: PUBSUB NUMPAT"],
    "disconnected-subscriber": [
        "C: SUBSCRIBE c", "C: PSUBSCRIBE *", "C!", "B: PUBLISH c m", "B: PUBSUB NUMSUB c",
        "B: PUBSUB NUMPAT"],
    "subscribe-inside-multi": [
        "B: MULTI", "B: SSUBSCRIBE q", "B: SUNSUBSCRIBE q", "B: PSUBSCRIBE q*", "B: EXEC",
        "A: PUBLISH qq m", "B<", "B: PUNSUBSCRIBE"],
    "quit-while-subscribed": ["C: SUBSCRIBE c", "C: QUIT", "B: PUBSUB NUMSUB c"],
    "kill-pubsub-type": [
        "C: SUBSCRIBE c", "B: CLIENT KILL TYPE pubsub", "B: PUBSUB NUMSUB c",
        "B: CLIENT KILL TYPE pubsub"],
    "introspection": [
        "A: SUBSCRIBE news.1", "C: SUBSCRIBE news.2", "C: SSUBSCRIBE shard.1",
        ("B: PUBSUB CHANNELS", sort), "B: PUBSUB CHANNELS news.1", "B: PUBSUB CHANNELS x*",
        "B: PUBSUB CHANNELS a b", "B: PUBSUB NUMSUB", "B: PUBSUB NUMSUB news.1 news.2 x",
        "B: PUBSUB NUMPAT", "B: PUBSUB NUMPAT x", "B: PUBSUB SHARDCHANNELS",
        "B: PUBSUB SHARDCHANNELS s*", "B: PUBSUB SHARDCHANNELS a b", "B: PUBSUB SHARDNUMSUB",
        "B: PUBSUB SHARDNUMSUB shard.1", "B: PUBSUB HELP", "B: PUBSUB FOO", "B: PUBSUB",
        "B: PUBLISH x", "B: SPUBLISH x", "B: SUBSCRIBE"],
}


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_pubsub_scripts(pair, name):
    clients = Clients(pair, "ABC")
    clients.run(SCRIPTS[name], context=f"[{name}] ")
    assert_info_agrees(clients.side, ignore=("cmdstat_info", "cmdstat_client|list",
                                             "cmdstat_client|id"))


def test_pubsub_command_info(pair):
    """COMMAND INFO (arity, flags, key positions — SSUBSCRIBE / SPUBLISH name
    their shard channel where a key would be — and ACL categories)."""
    assert_same_command_info(pair, *PUBSUB_COMMANDS)
    for sub in ("CHANNELS", "NUMSUB", "NUMPAT", "SHARDCHANNELS", "SHARDNUMSUB", "HELP"):
        assert_same_command_info(pair, f"PUBSUB|{sub}")


def test_client_list_and_info_while_subscribed(pair):
    """flags=P and the sub/psub/ssub counts in CLIENT LIST; CLIENT LIST TYPE
    pubsub; INFO stats pubsub_channels / pubsub_patterns / pubsubshard_channels
    (patterns counted once however many clients use them)."""
    clients = Clients(pair, "ABC")
    clients.run(["A: SUBSCRIBE a b", "A<", "A: PSUBSCRIBE p*", "C: PSUBSCRIBE p*",
                 "C: SSUBSCRIBE s", "B: SUBSCRIBE a", ("B: CLIENT LIST TYPE pubsub", client_fields),
                 ("B: CLIENT LIST TYPE normal", client_fields)])
    for server, side in ((0, clients.side.real), (1, clients.side.engine)):
        flags = client_flags(side)
        for name in "ABC":
            assert flags[clients.ids[name][server]] == "P", (server, name)
        reply = side.call("CLIENT", "LIST", "ID", str(clients.ids["A"][server]),
                          str(clients.ids["C"][server]))
        counts = [tuple(f for f in line.split() if f.split("=")[0] in ("sub", "psub", "ssub"))
                  for line in reply.value.decode().splitlines()]
        assert counts == [("sub=2", "psub=1", "ssub=0"), ("sub=0", "psub=1", "ssub=1")]
    real, eng = clients.side.both("INFO", "stats")
    r, e = info_map(real), info_map(eng)
    for field in ("pubsub_channels", "pubsub_patterns", "pubsubshard_channels"):
        assert r[field] == e[field], (field, r[field], e[field])
    assert (r["pubsub_channels"], r["pubsub_patterns"], r["pubsubshard_channels"]) == \
        ("2", "1", "1")
