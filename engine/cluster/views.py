"""What CLUSTER INFO / SLOTS / SHARDS / NODES answer, built from the topology.

The shapes (field names, order, types) are redis-server 7.0's; the values
describe the emulated cluster. tests/compat/test_cluster_real.py compares the
shapes with a real 6-node cluster.
"""
from __future__ import annotations

from typing import List

from ..protocol.replies import Map, ReplyError
from .slots import NUM_SLOTS


def _epoch(member) -> int:
    return member.shard.epoch


def info_text(member) -> str:
    cluster = member.cluster
    size = sum(1 for shard in cluster.shards if shard.slot_count)
    fields = [
        ("cluster_state", "ok" if cluster.state_ok else "fail"),
        ("cluster_slots_assigned", cluster._assigned),
        ("cluster_slots_ok", cluster._assigned),
        ("cluster_slots_pfail", 0),
        ("cluster_slots_fail", 0),
        ("cluster_known_nodes", len(cluster.nodes)),
        ("cluster_size", size),
        ("cluster_current_epoch", cluster.current_epoch),
        ("cluster_my_epoch", _epoch(member)),
        # No cluster bus is emulated: no message of any type was exchanged
        # (Redis lists per-type counters only when they are non-zero).
        ("cluster_stats_messages_sent", 0),
        ("cluster_stats_messages_received", 0),
        ("total_cluster_links_buffer_limit_exceeded", 0),
    ]
    return "".join(f"{k}:{v}\r\n" for k, v in fields)


def _node_entry(node) -> list:
    m = node.cluster
    return [m.host.encode(), node.port, m.id.encode(), Map()]


def slots_reply(member) -> list:
    out = []
    for shard in member.cluster.shards:
        for first, last in shard.slot_ranges:
            out.append([first, last, _node_entry(shard.primary),
                        *(_node_entry(r) for r in shard.replicas)])
    out.sort(key=lambda entry: entry[0])
    return out


def shards_reply(member) -> list:
    out = []
    for shard in member.cluster.shards:
        flat = []
        for first, last in shard.slot_ranges:
            flat += [first, last]
        nodes = []
        for node in shard.nodes:
            m = node.cluster
            nodes.append(Map([
                (b"id", m.id.encode()), (b"port", node.port), (b"ip", m.host.encode()),
                (b"endpoint", m.host.encode()),
                (b"role", b"master" if node is shard.primary else b"replica"),
                (b"replication-offset", shard.link.offset), (b"health", b"online"),
            ]))
        out.append(Map([(b"slots", flat), (b"nodes", nodes)]))
    return out


def node_line(viewer, node) -> str:
    """One CLUSTER NODES line for ``node`` as ``viewer`` (a member) sees it."""
    m = node.cluster
    shard = m.shard
    me = m is viewer
    role = "master" if node is shard.primary else "slave"
    flags = f"myself,{role}" if me else role
    primary = "-" if node is shard.primary else shard.primary.cluster.id
    bus = node.port + 10000 if node.port + 10000 <= 65535 else 0
    now = node.clock.now_ms()
    pong = now // 1000 * 1000 if me else now
    parts = [m.id, f"{m.host}:{node.port}@{bus}", flags, primary, "0", str(pong),
             str(shard.epoch), "connected"]
    if node is shard.primary:
        parts += [f"{a}-{b}" if a != b else str(a) for a, b in shard.slot_ranges]
        if me:
            parts += [f"[{slot}->-{dst.id}]" for slot, dst in sorted(m.migrating.items())]
            parts += [f"[{slot}-<-{src.id}]" for slot, src in sorted(m.importing.items())]
    return " ".join(parts)


def nodes_text(member) -> str:
    return "".join(node_line(member, node) + "\n" for node in member.cluster.nodes)


def replica_lines(member, raw_id: bytes) -> List[bytes]:
    other = member.cluster.member(raw_id.decode("utf-8", "replace"))
    if other is None:
        from .. import errors
        raise ReplyError(errors._text(b"ERR Unknown node " + errors._c_string(raw_id)))
    if not other.is_primary:
        raise ReplyError("ERR The specified node is not a master")
    return [node_line(member, r).encode() for r in other.shard.replicas]


__all__ = ["info_text", "slots_reply", "shards_reply", "nodes_text", "node_line",
           "replica_lines", "NUM_SLOTS"]
