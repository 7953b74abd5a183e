"""The ketama ring against the facts file: keys moved when a node is added."""
from __future__ import annotations

import hashlib

import pytest

from engine.memcached.ring import (KetamaRing, ModuloRing, add_node_movement, ketama_hash,
                                   moved_fraction, sample_keys, server_names)

#: ../shared/reference/engine-facts.md (Memcached): 100k keys, one node added.
FACTS = {3: {"modulo": 0.75, "ketama": 0.22}, 9: {"modulo": 0.90, "ketama": 0.11}}


@pytest.fixture(scope="module")
def keys():
    return sample_keys(100_000)


@pytest.mark.parametrize("n", [3, 9])
def test_moved_fraction_matches_the_facts(keys, n):
    moved = add_node_movement(n, keys)
    assert moved["modulo"] == pytest.approx(FACTS[n]["modulo"], abs=0.01)
    assert moved["ketama"] == pytest.approx(FACTS[n]["ketama"], abs=0.015)


def test_ketama_moves_keys_only_to_the_new_server(keys):
    names = server_names(4)
    before, after = KetamaRing(names[:3]), KetamaRing(names)
    for k in keys[:20000]:
        old, new = before.server_for(k), after.server_for(k)
        assert new == old or new == names[3]


def test_ring_shape():
    ring = KetamaRing(["10.0.0.1:11211"])
    points = ring.points()
    assert len(points) == 160 and points == sorted(points)
    digest = hashlib.md5(b"10.0.0.1:11211-0").digest()
    assert int.from_bytes(digest[:4], "little") in [p for p, _ in points]
    assert ketama_hash("foo") == int.from_bytes(hashlib.md5(b"foo").digest()[:4], "little")
    ring.add("10.0.0.2:11211")
    assert sum(ring.share().values()) == pytest.approx(1.0)
    ring.remove("10.0.0.1:11211")
    assert ring.server_for("anything") == "10.0.0.2:11211"
    with pytest.raises(LookupError):
        KetamaRing().server_for("k")


def test_removing_a_node_moves_only_its_keys(keys):
    names = server_names(5)
    full, less = KetamaRing(names), KetamaRing(names[:2] + names[3:])
    for k in keys[:20000]:
        if full.server_for(k) != names[2]:
            assert less.server_for(k) == full.server_for(k)
    assert moved_fraction(ModuloRing(names), ModuloRing(names[:4]), keys[:10000]) > 0.7
