"""engine.connect(): the real redis-py API on the in-process engine."""
import pytest
import redis

import engine


def test_two_clients_share_one_node():
    node = engine.Node()
    a, b = engine.connect(node), engine.connect(node, decode_responses=True)
    a.set("greeting", "hello")
    assert b.get("greeting") == "hello"
    assert a.client_id() != b.client_id()


@pytest.mark.parametrize("protocol", [2, 3])
def test_pipelines_and_transactions(protocol):
    r = engine.connect(protocol=protocol)
    with r.pipeline() as p:                    # MULTI/EXEC
        p.set("a", 1).incr("a").get("a")
        assert p.execute() == [True, 2, b"2"]
    with r.pipeline(transaction=False) as p:   # plain pipeline
        p.incr("a").incr("a")
        assert p.execute() == [3, 4]


def test_errors_map_to_redis_py_exceptions():
    r = engine.connect()
    r.set("s", "text")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.incr("s")
    with pytest.raises(redis.ResponseError, match="unknown command 'NOPE'"):
        r.execute_command("NOPE", "x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'get'"):
        r.execute_command("GET")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.set("k", "v", nx=True, xx=True) if False else r.execute_command("SET", "k", "v", "NX", "XX")


def test_errors_inside_a_transaction_do_not_stop_it():
    r = engine.connect()
    with r.pipeline() as p:
        p.set("s", "text").incr("s").set("t", 1)
        results = p.execute(raise_on_error=False)
    assert results[0] is True and isinstance(results[1], redis.ResponseError)
    assert r.get("t") == b"1"


def test_watch_detects_a_concurrent_change():
    node = engine.Node()
    r, other = engine.connect(node), engine.connect(node)
    r.set("balance", 100)
    with r.pipeline() as p:
        p.watch("balance")
        p.multi()
        p.decrby("balance", 30)
        other.set("balance", 0)            # someone else writes in between
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("balance") == b"0"


def test_transaction_helper_retries_until_it_succeeds():
    r = engine.connect()
    r.set("n", 1)
    def double(pipe):
        value = int(pipe.get("n"))
        pipe.multi()
        pipe.set("n", value * 2)
    r.transaction(double, "n")
    assert r.get("n") == b"2"


def test_resp3_types_arrive_as_python_types():
    r = engine.connect(protocol=3, decode_responses=True)
    r.set("k", "v")
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    info = r.execute_command("HELLO", "3")
    assert info["proto"] == 3 and info["server"] == "redis"


def test_decode_responses_and_binary_values():
    r = engine.connect()
    blob = bytes(range(256))
    r.set(b"\x00bin", blob)
    assert r.get(b"\x00bin") == blob
    d = engine.connect(r.node, decode_responses=True)
    r.set("word", "héllo")
    assert d.get("word") == "héllo"


def test_select_databases_are_separate():
    node = engine.Node()
    r0, r1 = engine.connect(node, db=0), engine.connect(node, db=1)
    r0.set("k", "zero")
    r1.set("k", "one")
    assert r0.get("k") == b"zero" and r1.get("k") == b"one"
    assert r0.swapdb(0, 1)
    assert r0.get("k") == b"one"


def test_requirepass_and_auth():
    node = engine.Node(requirepass="s3cret")
    with pytest.raises(redis.AuthenticationError):
        engine.connect(node).get("k")
    ok = engine.connect(node, password="s3cret")
    assert ok.set("k", "v")
    with pytest.raises(redis.AuthenticationError):
        engine.connect(node, password="wrong").get("k")


def test_client_kill_disconnects_the_victim():
    node = engine.Node()
    admin, victim = engine.connect(node), engine.connect(node, client_name="victim")
    victim.ping()
    victim_id = victim.client_id()
    assert admin.client_kill_filter(_id=victim_id) == 1
    names = [c["name"] for c in admin.client_list()]
    assert "victim" not in names
    # redis-py reconnects transparently on the next command, like with a server
    assert victim.ping() is True


def test_connect_rejects_non_nodes_with_advice():
    with pytest.raises(TypeError, match="redis.Redis"):
        engine.connect("localhost")


def test_bad_argument_types_are_redis_py_data_errors():
    r = engine.connect()
    with pytest.raises(redis.DataError):
        r.set("k", None)
