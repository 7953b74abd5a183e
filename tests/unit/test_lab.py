"""open_lab(): one way to connect, three backends."""
import pytest

import engine


def test_default_is_the_embedded_engine(monkeypatch):
    monkeypatch.delenv("LAB_REDIS_URL", raising=False)
    monkeypatch.delenv("LAB_BACKEND", raising=False)
    lab = engine.open_lab()
    assert lab.backend == "engine" and lab.is_embedded
    lab.client.set("k", "v", ex=5)
    lab.advance(5.001)
    assert lab.client.get("k") is None
    assert "embedded" in lab.describe()


def test_fakeredis_backend(monkeypatch):
    monkeypatch.setenv("LAB_BACKEND", "fakeredis")
    monkeypatch.delenv("LAB_REDIS_URL", raising=False)
    lab = engine.open_lab()
    assert lab.backend == "fakeredis" and not lab.is_embedded
    lab.client.set("k", "v")
    assert lab.client_for(decode_responses=True).get("k") == "v"


def test_unknown_backend_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LAB_BACKEND", "memcache")
    monkeypatch.delenv("LAB_REDIS_URL", raising=False)
    with pytest.raises(ValueError, match="LAB_BACKEND must be one of"):
        engine.open_lab()


def test_bad_url_scheme_and_unreachable_server(free_port):
    with pytest.raises(ValueError, match="redis:// or rediss://"):
        engine.open_lab(url="http://example")
    port = free_port
    with pytest.raises(ConnectionError, match="could not reach redis://:\\*\\*\\*@127.0.0.1"):
        engine.open_lab(url=f"redis://:hunter2@127.0.0.1:{port}")


def test_real_server_backend_through_the_engine_server():
    """LAB_REDIS_URL works against anything speaking RESP — here the engine's
    own TCP server, with a password, as an ElastiCache endpoint would have."""
    node = engine.Node(engine.WallClock(), requirepass="pw")
    with engine.serve(node) as server:
        lab = engine.open_lab(url=f"redis://:pw@127.0.0.1:{server.port}")
        assert lab.backend == "redis"
        lab.client.set("k", "v")
        assert node.dbs[0].peek(b"k").value == b"v"
        assert "***" in lab.describe()
