"""Memcached clusters: ring vs modulo remapping, Auto Discovery, real clients over TCP."""
from __future__ import annotations

import socket

import pytest

from engine.memcached.cluster import (AutoDiscoveryClient, MemcachedCluster, NodeAddress,
                                      RingClient, TextConnection, parse_config_reply,
                                      remap_table)
from engine.memcached.ring import add_node_movement, sample_keys


# ---------------------------------------------------------------------------
# Remapping against theory
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def table():
    return remap_table(range(2, 21), nkeys=20_000)


def test_modulo_moves_about_n_over_n_plus_1(table):
    # h % n == h % (n+1) only for a 1/(n+1) share of hashes: n/(n+1) move.
    for row in table:
        n = row["nodes_before"]
        assert row["modulo"] == pytest.approx(n / (n + 1), abs=0.02), row


def test_ketama_moves_about_1_over_n_plus_1(table):
    # The new node takes over the arcs before its 160 points: ~1/(n+1) of the circle.
    for row in table:
        n = row["nodes_before"]
        assert row["ketama"] == pytest.approx(1 / (n + 1), abs=0.06), row
        assert row["ketama"] < row["modulo"] / 1.9


def test_ketama_remapping_shrinks_as_the_cluster_grows(table):
    first, last = table[0]["ketama"], table[-1]["ketama"]
    assert first > 0.2 and last < 0.08


def test_remap_table_agrees_with_the_rings_own_lookup():
    # Two paths: remap_table places hashes on the ring's points by bisection;
    # ring.add_node_movement asks KetamaRing.server_for key by key.
    keys = sample_keys(5000)
    for n in (3, 9):
        row = remap_table([n], keys=keys)[0]
        moved = add_node_movement(n, keys)
        assert row["ketama"] == moved["ketama"]
        assert row["modulo"] == moved["modulo"]


# ---------------------------------------------------------------------------
# config get cluster: the format
# ---------------------------------------------------------------------------

def expected_reply(version, addresses):
    """The documented format, written out independently of the code under test."""
    line = " ".join(f"{a.host}|{a.ip}|{a.port}" for a in addresses)
    block = f"{version}\n{line}\n".encode()
    return b"CONFIG cluster 0 " + str(len(block)).encode() + b"\r\n" + block + b"\r\nEND\r\n"


def test_every_node_answers_config_get_cluster_in_the_documented_format():
    c = MemcachedCluster(3, name="sessions", seed=4)
    want = expected_reply(1, c.addresses())
    for node in c.nodes:
        assert node.execute(b"config get cluster\r\n") == want
    hosts = [a.host for a in c.addresses()]
    assert hosts[0].startswith("sessions.") and ".0001.use1.cache.amazonaws.com" in hosts[0]
    assert c.configuration_endpoint.startswith("sessions.")
    assert ".cfg.use1.cache.amazonaws.com" in c.configuration_endpoint


def test_adding_and_removing_nodes_bumps_the_version():
    c = MemcachedCluster(2, seed=1)
    c.add_node()
    assert parse_config_reply(c.nodes[0].execute(b"config get cluster\r\n"))[0] == 2
    removed = c.remove_node("0001")
    version, nodes = parse_config_reply(c.nodes[0].execute(b"config get cluster\r\n"))
    assert version == 3 and len(nodes) == 2
    assert removed.address not in nodes
    # A removed node is a plain memcached again.
    assert removed.node.execute(b"config get cluster\r\n") == b"ERROR\r\n"


def test_other_config_forms_are_unknown_commands():
    node = MemcachedCluster(1).nodes[0]
    for line in (b"config\r\n", b"config get\r\n", b"config get other\r\n",
                 b"config set cluster\r\n", b"config get cluster x\r\n"):
        assert node.execute(line) == b"ERROR\r\n", line


def test_standalone_engine_node_answers_like_real_memcached(mc_pair):
    # A plain memcached 1.6 has no 'config' command: both must say ERROR.
    assert mc_pair.assert_same(b"config get cluster\r\n") == b"ERROR\r\n"


def test_parser_reads_the_user_guide_example_with_its_true_length():
    line = (b"myCluster.pc4ldq.0001.use1.cache.amazonaws.com|10.82.235.120|11211 "
            b"myCluster.pc4ldq.0002.use1.cache.amazonaws.com|10.80.249.27|11211")
    block = b"12\n" + line + b"\n"
    assert len(block) == 136
    version, nodes = parse_config_reply(b"CONFIG cluster 0 136\r\n" + block + b"\r\nEND\r\n")
    assert version == 12
    assert nodes[1] == NodeAddress("myCluster.pc4ldq.0002.use1.cache.amazonaws.com",
                                   "10.80.249.27", 11211)


@pytest.mark.parametrize("bad", [
    b"ERROR\r\n",
    b"CONFIG cluster 0 5\r\n1\nab\n\r\nEND\r\n",          # wrong length
    b"CONFIG cluster 1 4\r\n1\nx\n\r\nEND\r\n",            # flags not 0
    b"CONFIG cluster 0 8\r\n1\na|b|c\n\r\nEND\r\n",        # port not a number
    b"CONFIG cluster 0 6\r\n1\na|b\n\r\nEND\r\n",          # two fields
    b"CONFIG cluster 0 3\r\n1\n\n\r\nEN",                  # truncated
])
def test_parser_refuses_malformed_replies(bad):
    with pytest.raises(ValueError):
        parse_config_reply(bad)


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------

def test_ring_client_spreads_keys_and_reads_them_back():
    c = MemcachedCluster(4, seed=2)
    client = c.client("ketama")
    for i in range(2000):
        assert client.set(f"user:{i}", f"v{i}")
    counts = c.key_counts()
    assert sum(counts.values()) == 2000
    assert min(counts.values()) > 2000 / 4 * 0.5, counts
    assert client.get("user:7") == b"v7"
    found = client.get_many([f"user:{i}" for i in range(100)] + ["missing"])
    assert len(found) == 100 and found[b"user:99"] == b"v99"
    assert client.delete("user:7") and client.get("user:7") is None


def test_discovery_client_refreshes_only_on_a_new_version():
    c = MemcachedCluster(3, seed=3)
    client = c.discovery_client()
    assert client.version == 1 and len(client.servers) == 3
    assert client.refresh() is False
    c.add_node()
    assert client.refresh() is True
    assert client.version == 2 and len(client.servers) == 4


@pytest.mark.parametrize("hashing,low,high", [("ketama", 0.12, 0.40), ("modulo", 0.6, 0.9)])
def test_adding_a_node_loses_the_keys_that_moved(hashing, low, high):
    c = MemcachedCluster(3, seed=5)
    client = c.discovery_client(hashing)
    keys = [f"k{i}" for i in range(3000)]
    for k in keys:
        client.set(k, "x")
    c.add_node()
    client.refresh()
    misses = sum(client.get(k) is None for k in keys) / len(keys)
    # 3 -> 4 nodes: ketama ~1/4, modulo ~3/4 of the keys now map to a node that lacks them.
    assert low < misses < high


def test_remove_the_last_node_is_refused():
    c = MemcachedCluster(1)
    with pytest.raises(ValueError):
        c.remove_node()


def test_ring_client_rejects_unknown_hashing():
    with pytest.raises(ValueError):
        RingClient({}, "crc32")


# ---------------------------------------------------------------------------
# Over TCP
# ---------------------------------------------------------------------------

def raw_config(host, port) -> bytes:
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"config get cluster\r\n")
        data = b""
        while not data.endswith(b"END\r\n"):
            chunk = s.recv(65536)
            assert chunk, "connection closed before END"
            data += chunk
        return data


def test_config_over_tcp_lists_the_real_ports_and_follows_changes():
    c = MemcachedCluster(3, name="web", seed=6)
    with c.serve() as served:
        host, port = served.configuration_endpoint
        ports = served.ports()
        reply = raw_config(host, port)
        assert reply == expected_reply(1, [NodeAddress(m.host, "127.0.0.1", ports[m.node_id])
                                           for m in c.members])
        c.add_node()
        version, nodes = parse_config_reply(raw_config(host, port))
        assert version == 2 and len(nodes) == 4
        assert {n.port for n in nodes} == set(served.ports().values())
    # Closing gives the nodes their emulated addresses back.
    assert all(a.port == 11211 and a.ip.startswith("10.0.") for a in c.addresses())


def test_auto_discovery_client_over_tcp():
    c = MemcachedCluster(2, seed=7)
    with c.serve() as served:
        client = AutoDiscoveryClient.over_tcp(*served.configuration_endpoint)
        try:
            for i in range(300):
                assert client.set(f"s:{i}", f"{i}")
            assert sum(c.key_counts().values()) == 300
            assert client.get_many(["s:1", "s:2"]) == {b"s:1": b"1", b"s:2": b"2"}
            c.add_node()
            assert client.refresh() and len(client.servers) == 3
            stayed = sum(client.get(f"s:{i}") == str(i).encode() for i in range(300))
            assert 150 < stayed < 300        # ketama: roughly 2/3 stay put
        finally:
            client.close()


def test_pymemcache_hash_client_over_discovered_nodes():
    pytest.importorskip("pymemcache")
    from pymemcache.client.hash import HashClient
    c = MemcachedCluster(3, seed=8)
    with c.serve() as served:
        conn = TextConnection(*served.configuration_endpoint)
        version, nodes = parse_config_reply(conn.config_get_cluster())
        conn.close()
        client = HashClient([(n.ip, n.port) for n in nodes], connect_timeout=5, timeout=5)
        try:
            for i in range(200):
                assert client.set(f"p{i}", f"value-{i}".encode())
            assert client.get("p42") == b"value-42"
            assert client.get_many(["p1", "p2", "nope"]) == {"p1": b"value-1", "p2": b"value-2"}
            counts = c.key_counts()
            assert sum(counts.values()) == 200
            assert sum(1 for v in counts.values() if v) >= 2
        finally:
            client.close()
