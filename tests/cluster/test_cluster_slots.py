"""Hash slots: CRC16/XMODEM, hash tags, and the slot layout of a new cluster.

Expected numbers come from outside the code under test: the CRC16/XMODEM check
value of "123456789" (0x31C3, the published check value of the algorithm), the
Redis Cluster specification's hash-tag examples, and replies of a real
redis-server 7.0.15 cluster (CLUSTER KEYSLOT; the ranges `redis-cli --cluster
create` assigned to 3 masters).
"""
import pytest

from engine.cluster import NUM_SLOTS, crc16, key_slot
from engine.cluster.slots import even_split, ranges


def test_crc16_is_xmodem():
    assert crc16(b"123456789") == 0x31C3
    assert crc16(b"") == 0


@pytest.mark.parametrize("key, slot", [
    # CLUSTER KEYSLOT on redis-server 7.0.15
    (b"foo", 12182), (b"a", 15495), (b"b", 3300), (b"c", 7365), (b"d", 11298),
    (b"{a}16000", 15495), (b"{user1000}.following", 3443), (b"foo{}{bar}", 8363),
    (b"foo{{bar}}zap", 4015), (b"foo{bar}{zap}", 5061), (b"{}", 15257), (b"", 0),
    (b"zz", 14415),
])
def test_key_slot_matches_real_redis(key, slot):
    assert key_slot(key) == slot


def test_hash_tags_follow_the_specification():
    # Only the first {...} with something inside counts.
    assert key_slot("user:{42}:cart") == key_slot("user:{42}:profile") == key_slot("42")
    assert key_slot("foo{bar}{zap}") == key_slot("bar")
    assert key_slot("foo{{bar}}zap") == key_slot("{bar")
    assert key_slot("foo{}{bar}") == key_slot("foo{}{bar}".encode())
    assert key_slot("foo{}{bar}") != key_slot("bar")
    assert key_slot("no-close{tag") == crc16(b"no-close{tag") % NUM_SLOTS


def test_key_slot_accepts_str_and_bytes_only():
    assert key_slot("foo") == key_slot(b"foo") == key_slot(bytearray(b"foo"))
    with pytest.raises(TypeError):
        key_slot(42)


def test_new_cluster_layout_matches_redis_cli():
    # redis-cli --cluster create with 3 masters assigned exactly these.
    assert even_split(3) == [(0, 5460), (5461, 10922), (10923, 16383)]
    for n in (1, 2, 5, 7, 90, 500):
        split = even_split(n)
        assert split[0][0] == 0 and split[-1][1] == NUM_SLOTS - 1
        assert all(b[0] == a[1] + 1 for a, b in zip(split, split[1:]))
        sizes = [last - first + 1 for first, last in split]
        assert max(sizes) - min(sizes) <= 1
    with pytest.raises(ValueError):
        even_split(0)


def test_ranges_collapse_consecutive_slots():
    assert ranges([7, 0, 1, 2, 9, 8]) == [(0, 2), (7, 9)]
    assert ranges([]) == []
