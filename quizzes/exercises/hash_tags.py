"""Hash tags: keys a multi-key command can touch together in cluster mode.

In cluster mode enabled, MSET, MGET, MULTI/EXEC and Lua scripts may only touch keys in
one hash slot (or they fail with CROSSSLOT). Write ``user_keys(user_id)`` that returns
the three keys for one user's profile, cart and session — three different keys, each
containing the user id — that share a slot, using a hash tag (``{...}``). Different
users must still spread over the slots: a constant tag would put every user on one
shard.

Check it with ``quizzes.check("hash_tags", user_keys)``; ``quizzes.key_slot(key)``
computes a key's slot (CRC16 mod 16384, as Redis Cluster does).
"""
from .harness import Sandbox, expect
from .slots import key_slot


def _keys(box, fn, user_id):
    keys = box.call(fn, user_id)
    expect(isinstance(keys, (list, tuple)) and len(keys) == 3 and all(
        isinstance(k, str) for k in keys), f"expected a list of three key names, got {keys!r}")
    return list(keys)


def three_keys_for_the_user(fn):
    """returns three different keys that contain the user id"""
    box = Sandbox()
    keys = _keys(box, fn, 42)
    expect(len(set(keys)) == 3, f"the keys are not all different: {keys}")
    expect(all("42" in k for k in keys), f"every key should contain the user id 42: {keys}")


def keys_share_a_slot(fn):
    """the keys share one hash slot, so MSET works in cluster mode"""
    box = Sandbox()
    keys = _keys(box, fn, 42)
    slots = sorted({key_slot(k) for k in keys})
    expect(len(slots) == 1, f"the keys {keys} are in slots {slots}: put the same hash tag, "
           f"e.g. {{user:42}}, in each key")
    box.r.mset({k: "x" for k in keys})


def users_spread_over_slots(fn):
    """different users land in different slots"""
    box = Sandbox()
    slots = {key_slot(_keys(box, fn, user)[0]) for user in range(1, 201)}
    expect(len(slots) >= 100, f"200 users use only {len(slots)} slot(s): the hash tag must "
           f"contain the user id, or one shard takes every user")


def text_ids_work(fn):
    """works for text user ids"""
    box = Sandbox()
    keys = _keys(box, fn, "alice")
    expect(len({key_slot(k) for k in keys}) == 1 and all("alice" in k for k in keys),
           f"for user id 'alice' got {keys}")


PUBLIC = [three_keys_for_the_user, keys_share_a_slot]
HIDDEN = [users_spread_over_slots, text_ids_work]


def solution(user_id):
    return [f"user:{{{user_id}}}:profile", f"user:{{{user_id}}}:cart",
            f"user:{{{user_id}}}:session"]
