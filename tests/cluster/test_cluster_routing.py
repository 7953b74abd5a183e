"""Which node serves a command: MOVED, ASK, CROSSSLOT, TRYAGAIN, CLUSTERDOWN.

The expected texts and rules are redis-server 7.0.15's, observed on a real
6-node cluster (3 masters of slots 0-5460, 5461-10922, 10923-16383, one
replica each — the layout the emulator also builds): e.g. on the first master
`GET foo` answers `MOVED 12182 <third master>`, `MSET a 1 b 2` answers
CROSSSLOT, an EXEC refused by the cluster check answers the redirection itself
(no EXECABORT). tests/compat/test_cluster_real.py compares live.
"""
import pytest

from engine.cluster import Cluster, key_slot
from engine.protocol.replies import ReplyError

CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"
TRYAGAIN = "TRYAGAIN Multiple keys request during rehashing of slot"


@pytest.fixture
def cluster():
    return Cluster(shards=3, replicas=1, seed=1)


class Conn:
    """A raw session on one node: replies as the node produced them."""

    def __init__(self, node):
        self.node = node
        self.session = node.open_session()

    def __call__(self, *args):
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        reply = self.node.execute(self.session, argv)
        return reply.message if isinstance(reply, ReplyError) else reply


def addr(node):
    return f"127.0.0.1:{node.port}"


def test_keys_of_other_shards_are_moved(cluster):
    first, _, third = cluster.shards
    c = Conn(first.primary)
    assert c("SET", "b", 1) == b"OK"                      # slot 3300: mine
    assert c("GET", "foo") == f"MOVED 12182 {addr(third.primary)}"
    assert c("SET", "foo", 1) == f"MOVED 12182 {addr(third.primary)}"
    assert Conn(third.primary)("SET", "foo", "x") == b"OK"


@pytest.mark.parametrize("args", [
    ("MSET", "a", 1, "b", 2),                     # keys (1, -1, 2): step
    ("MSET", "b", 1, "d"),                        # an odd tail still counts as a key
    ("DEL", "b", "d"),                            # (1, -1, 1): negative last
    ("LMPOP", 2, "b", "d", "LEFT"),               # getkeys: numkeys
    ("ZUNIONSTORE", "b", 2, "b", "d"),            # getkeys: destination + numkeys
    ("RPOPLPUSH", "b", "d"),                      # fixed (1, 2, 1)
])
def test_keys_in_different_slots_are_crossslot(cluster, args):
    assert Conn(cluster.shards[0].primary)(*args) == CROSSSLOT


def test_same_slot_through_hash_tags_is_served(cluster):
    owner = cluster.key_owner("{user}")
    c = Conn(owner.primary)
    assert c("MSET", "{user}:a", 1, "{user}:b", 2) == b"OK"
    assert c("MGET", "{user}:a", "{user}:b") == [b"1", b"2"]
    assert c("DEL", "{user}:a", "{user}:a") == 1          # the same key twice: one key


def test_commands_without_keys_run_anywhere(cluster):
    c = Conn(cluster.shards[1].replicas[0])
    assert c("PING") == b"PONG"
    assert c("DBSIZE") == 0
    assert c("ECHO", "hi") == b"hi"


def test_select_and_swapdb_are_refused(cluster):
    c = Conn(cluster.shards[0].primary)
    assert c("SELECT", 0) == b"OK"
    assert c("SELECT", 1) == "ERR SELECT is not allowed in cluster mode"
    assert c("SELECT", "x") == "ERR value is not an integer or out of range"
    assert c("SWAPDB", 0, 1) == "ERR SWAPDB is not allowed in cluster mode"


def test_moved_inside_multi_dooms_the_transaction(cluster):
    c = Conn(cluster.shards[0].primary)
    assert c("MULTI") == b"OK"
    assert c("SET", "b", 1) == b"QUEUED"
    assert c("SET", "foo", 1).startswith("MOVED 12182 ")
    assert c("EXEC") == "EXECABORT Transaction discarded because of previous errors."
    assert c("MULTI") == b"OK" and c("EXEC") == []


def test_transaction_across_local_slots_is_crossslot_at_exec(cluster):
    shard = cluster.shards[0]
    c = Conn(shard.primary)
    # b (3300) and {x}… keys in another local slot
    other = next(k for k in (f"k{i}" for i in range(1000))
                 if cluster.key_owner(k) is shard and key_slot(k) != 3300)
    assert c("MULTI") == b"OK"
    assert c("SET", "b", 1) == b"QUEUED"
    assert c("SET", other, 1) == b"QUEUED"
    assert c("EXEC") == CROSSSLOT                          # no EXECABORT wrapper
    assert c("GET", "b") is None                            # nothing ran
    assert c("EXEC") == "ERR EXEC without MULTI"           # the transaction is gone


def test_unassigned_slot_is_clusterdown(cluster):
    c = Conn(cluster.shards[0].primary)
    assert c("CLUSTER", "DELSLOTS", 3300) == b"OK"
    assert c("GET", "b") == "CLUSTERDOWN Hash slot not served"
    assert c("GET", "{a}x") == "CLUSTERDOWN The cluster is down"   # state is fail
    assert c("PING") == b"PONG"
    assert b"cluster_state:fail" in c("CLUSTER", "INFO")
    assert c("CLUSTER", "ADDSLOTS", 3300) == b"OK"
    assert c("GET", "b") is None
    assert b"cluster_state:ok" in c("CLUSTER", "INFO")


def test_ask_during_migration_and_asking(cluster):
    src, dst = cluster.shards[0], cluster.shards[1]
    s, d = Conn(src.primary), Conn(dst.primary)
    for key in ("{b}1", "{b}2"):
        assert s("SET", key, "v") == b"OK"
    dst_id = d("CLUSTER", "MYID").decode()
    src_id = s("CLUSTER", "MYID").decode()
    assert d("CLUSTER", "SETSLOT", 3300, "IMPORTING", src_id) == b"OK"
    assert s("CLUSTER", "SETSLOT", 3300, "MIGRATING", dst_id) == b"OK"
    assert s("MIGRATE", "127.0.0.1", dst.primary.port, "", 0, 1000, "KEYS", "{b}1") == b"OK"
    ask = f"ASK 3300 {addr(dst.primary)}"
    assert s("GET", "{b}1") == ask                    # gone from the source
    assert s("GET", "{b}2") == b"v"                   # still here
    assert s("SET", "{b}new", 1) == ask               # new keys go to the target
    assert s("MGET", "{b}1", "{b}2") == TRYAGAIN      # split between the two
    assert d("GET", "{b}1") == f"MOVED 3300 {addr(src.primary)}"   # no ASKING
    assert d("ASKING") == b"OK" and d("GET", "{b}1") == b"v"
    assert d("GET", "{b}1").startswith("MOVED")       # ASKING lasts one command
    assert d("ASKING") == b"OK" and d("MGET", "{b}1", "{b}2") == TRYAGAIN
    assert d("ASKING") == b"OK" and d("MULTI") == b"OK"
    assert d("GET", "{b}1") == b"QUEUED" and d("GET", "{b}3") == b"QUEUED"
    assert d("EXEC") == TRYAGAIN
    assert s("MIGRATE", "127.0.0.1", dst.primary.port, "{b}2", 0, 1000) == b"OK"
    assert s("MIGRATE", "127.0.0.1", dst.primary.port, "{b}2", 0, 1000) == b"NOKEY"
    assert s("CLUSTER", "COUNTKEYSINSLOT", 3300) == 0
    assert d("CLUSTER", "SETSLOT", 3300, "NODE", dst_id) == b"OK"
    assert s("GET", "{b}2") == f"MOVED 3300 {addr(dst.primary)}"
    assert d("GET", "{b}2") == b"v"
    assert cluster.slot_owner(3300) is dst


def test_setslot_and_slot_command_errors(cluster):
    first, second = cluster.shards[0], cluster.shards[1]
    c = Conn(first.primary)
    r = Conn(first.replicas[0])
    assert c("CLUSTER", "ADDSLOTS", 1) == "ERR Slot 1 is already busy"
    assert c("CLUSTER", "ADDSLOTS", 99999) == "ERR Invalid or out of range slot"
    assert c("CLUSTER", "ADDSLOTS", "x") == "ERR Invalid or out of range slot"
    assert c("CLUSTER", "DELSLOTS", 3300, 3300) == "ERR Slot 3300 specified multiple times"
    assert c("CLUSTER", "ADDSLOTSRANGE", 1, 0) == \
        "ERR start slot number 1 is greater than end slot number 0"
    assert c("CLUSTER", "ADDSLOTSRANGE", 1) == \
        "ERR wrong number of arguments for 'cluster|addslotsrange' command"
    assert c("CLUSTER", "SETSLOT", 1, "FOO") == \
        "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"
    assert c("CLUSTER", "SETSLOT", 1, "MIGRATING", "abc") == "ERR I don't know about node abc"
    second_id = Conn(second.primary)("CLUSTER", "MYID").decode()
    assert c("CLUSTER", "SETSLOT", 16000, "MIGRATING", second_id) == \
        "ERR I'm not the owner of hash slot 16000"
    my_id = c("CLUSTER", "MYID").decode()
    assert c("CLUSTER", "SETSLOT", 1, "IMPORTING", my_id) == \
        "ERR I'm already the owner of hash slot 1"
    assert c("CLUSTER", "SETSLOT", 1, "NODE", "abc") == "ERR Unknown node abc"
    replica_id = r("CLUSTER", "MYID").decode()
    assert c("CLUSTER", "SETSLOT", 1, "NODE", replica_id) == "ERR Target node is not a master"
    assert r("CLUSTER", "SETSLOT", 1, "STABLE") == "ERR Please use SETSLOT only with masters."
    assert c("SET", "b", 1) == b"OK"
    assert c("CLUSTER", "SETSLOT", 3300, "NODE", second_id) == (
        "ERR Can't assign hashslot 3300 to a different node while I still hold keys "
        "for this hash slot.")
    assert c("CLUSTER", "COUNTKEYSINSLOT", 99999) == "ERR Invalid slot"
    assert c("CLUSTER", "COUNTKEYSINSLOT", "x") == "ERR value is not an integer or out of range"
    assert c("CLUSTER", "GETKEYSINSLOT", 1, -1) == "ERR Invalid slot or number of keys"
    assert c("CLUSTER", "GETKEYSINSLOT", 3300, 10) == [b"b"]
    assert c("CLUSTER", "KEYSLOT") == "ERR wrong number of arguments for 'cluster|keyslot' command"
    assert c("CLUSTER", "FOO") == "ERR unknown subcommand 'FOO'. Try CLUSTER HELP."
    assert c("CLUSTER", "REPLICAS", replica_id) == "ERR The specified node is not a master"
    assert c("MIGRATE", "127.0.0.1", 1, "zz", 0, 1000, "KEYS", "a") == (
        "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")


def test_replicas_redirect_unless_readonly(cluster):
    shard = cluster.shards[0]
    Conn(shard.primary)("SET", "b", "v")
    r = Conn(shard.replicas[0])
    moved = f"MOVED 3300 {addr(shard.primary)}"
    assert r("GET", "b") == moved
    assert r("READONLY") == b"OK"
    assert r("GET", "b") == b"v"                    # replicated synchronously
    assert r("SET", "b", 2) == moved                # writes always go to the primary
    assert r("GET", "d").startswith("MOVED 11298 ")  # another shard's slot
    assert r("MULTI") == b"OK" and r("GET", "b") == b"QUEUED" and r("EXEC") == [b"v"]
    assert r("READWRITE") == b"OK"
    assert r("GET", "b") == moved
    # READONLY on a primary is accepted and changes nothing
    p = Conn(shard.primary)
    assert p("READONLY") == b"OK" and p("GET", "d").startswith("MOVED")


def test_replicas_follow_writes_and_random_commands(cluster):
    shard = cluster.key_owner("{s}")
    p = Conn(shard.primary)
    p("SADD", "{s}set", *range(20))
    p("SPOP", "{s}set", 5)
    p("RPUSH", "{s}list", "a", "b", "c")
    p("LPOP", "{s}list")
    p("SET", "{s}ttl", 1, "EX", 100)
    p("HSET", "{s}h", "f", "v")
    p("DEL", "{s}h")
    for replica in shard.replicas:
        r = Conn(replica)
        r("READONLY")
        assert sorted(r("SMEMBERS", "{s}set")) == sorted(p("SMEMBERS", "{s}set"))
        assert r("LRANGE", "{s}list", 0, -1) == [b"b", b"c"]
        assert r("PTTL", "{s}ttl") == p("PTTL", "{s}ttl")
        assert r("EXISTS", "{s}h") == 0
        # value bytes are shared between primary and replica
        assert replica.dbs[0].data[b"{s}ttl"].value is shard.primary.dbs[0].data[b"{s}ttl"].value


def test_plain_nodes_have_cluster_support_disabled():
    c = Cluster(shards=1, replicas=1, cluster_mode=False)
    node = c.shards[0].primary
    n = Conn(node)
    disabled = "ERR This instance has cluster support disabled"
    for args in (("CLUSTER", "INFO"), ("CLUSTER", "SLOTS"), ("CLUSTER", "KEYSLOT", "a"),
                 ("CLUSTER", "HELP"), ("CLUSTER", "MYID"), ("READONLY",), ("READWRITE",),
                 ("ASKING",)):
        assert n(*args) == disabled
    assert n("CLUSTER", "FOO") == "ERR unknown subcommand 'FOO'. Try CLUSTER HELP."
    assert n("CLUSTER") == "ERR wrong number of arguments for 'cluster' command"
    assert n("SELECT", 3) == b"OK" and n("SELECT", 0) == b"OK"
    assert n("MSET", "a", 1, "b", 2) == b"OK"
    assert b"cluster_enabled:0" in n("INFO", "cluster")
    # the replica still holds the data (cluster mode disabled: reads scale out)
    assert Conn(c.shards[0].replicas[0])("GET", "a") == b"1"
    assert c.slot_owner(3300) is c.shards[0]


def test_info_cluster_and_myid(cluster):
    c = Conn(cluster.shards[0].primary)
    assert b"cluster_enabled:1" in c("INFO", "cluster")
    myid = c("CLUSTER", "MYID")
    assert len(myid) == 40 and all(ch in b"0123456789abcdef" for ch in myid)
    again = Cluster(shards=3, replicas=1, seed=1)
    assert Conn(again.shards[0].primary)("CLUSTER", "MYID") == myid      # deterministic
    other = Cluster(shards=3, replicas=1, seed=2)
    assert Conn(other.shards[0].primary)("CLUSTER", "MYID") != myid
    ids = {n.cluster.id for n in cluster.nodes}
    assert len(ids) == 6
