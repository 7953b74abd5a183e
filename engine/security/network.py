"""Network isolation: VPCs, subnets, security groups, and who can reach a node.

ElastiCache nodes live in a VPC, in the subnets of a *cache subnet group*,
and never have public addresses. Whether a client reaches a node on its port
is decided by the node's *security groups*: some inbound rule must allow TCP
to that port from the client's address (a CIDR range) or from a security
group the client belongs to (fact sheet §7: security groups allow 6379 from
the application; other VPCs need peering or a Transit Gateway; on-premises
needs VPN or Direct Connect).

:func:`reach` answers with a :class:`Verdict` that either allows the
connection or says exactly which rule is missing — which is what a learner
needs when ``redis-cli`` just hangs on a real cluster.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import List, Optional


@dataclass
class Vpc:
    id: str
    cidr: str
    #: VPC ids connected by peering / Transit Gateway (with routes).
    peers: List[str] = field(default_factory=list)

    def contains(self, ip: str) -> bool:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(self.cidr)


@dataclass
class Subnet:
    id: str
    vpc_id: str
    cidr: str
    az: str

    def host(self, n: int) -> str:
        """The n-th usable address (AWS reserves the first four)."""
        net = ipaddress.ip_network(self.cidr)
        return str(net.network_address + 4 + n)


@dataclass
class InboundRule:
    """Allow TCP ports [from_port, to_port] from a CIDR or a security group."""

    from_port: int
    to_port: int
    cidr: Optional[str] = None
    source_group: Optional[str] = None

    def allows(self, port: int, ip: str, groups) -> bool:
        if not self.from_port <= port <= self.to_port:
            return False
        if self.cidr is not None and ipaddress.ip_address(ip) in ipaddress.ip_network(self.cidr):
            return True
        return self.source_group is not None and self.source_group in groups

    def __str__(self) -> str:
        ports = str(self.from_port) if self.from_port == self.to_port else \
            f"{self.from_port}-{self.to_port}"
        return f"TCP {ports} from {self.cidr or self.source_group}"


@dataclass
class SecurityGroup:
    id: str
    vpc_id: str
    name: str = ""
    inbound: List[InboundRule] = field(default_factory=list)

    def authorize(self, port: int, *, cidr: Optional[str] = None,
                  source_group: Optional[str] = None, to_port: Optional[int] = None) -> InboundRule:
        """Add an inbound rule (EC2's AuthorizeSecurityGroupIngress)."""
        if (cidr is None) == (source_group is None):
            raise ValueError("give exactly one of cidr= or source_group=")
        if cidr is not None:
            ipaddress.ip_network(cidr)   # a clear ValueError for a bad CIDR
        rule = InboundRule(port, to_port if to_port is not None else port, cidr, source_group)
        self.inbound.append(rule)
        return rule


@dataclass
class Client:
    """Where a client runs: ``vpc_id=None`` means the public internet (or an
    on-premises network without VPN / Direct Connect)."""

    ip: str
    vpc_id: Optional[str] = None
    security_groups: List[str] = field(default_factory=list)
    name: str = "client"


@dataclass
class Endpoint:
    """A node's network identity."""

    ip: str
    port: int
    vpc_id: str
    security_groups: List[str]
    subnet_id: str = ""


@dataclass
class Verdict:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


class Network:
    """A small EC2 networking model (one account, one Region)."""

    def __init__(self):
        self.vpcs = {}
        self.subnets = {}
        self.groups = {}
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n:08x}"

    def create_vpc(self, cidr: str = "10.0.0.0/16") -> Vpc:
        ipaddress.ip_network(cidr)
        vpc = Vpc(self._id("vpc"), cidr)
        self.vpcs[vpc.id] = vpc
        return vpc

    def create_subnet(self, vpc: Vpc, cidr: str, az: str) -> Subnet:
        if not ipaddress.ip_network(cidr).subnet_of(ipaddress.ip_network(vpc.cidr)):
            raise ValueError(f"subnet {cidr} is not inside {vpc.id} ({vpc.cidr})")
        subnet = Subnet(self._id("subnet"), vpc.id, cidr, az)
        self.subnets[subnet.id] = subnet
        return subnet

    def create_security_group(self, vpc: Vpc, name: str) -> SecurityGroup:
        group = SecurityGroup(self._id("sg"), vpc.id, name)
        self.groups[group.id] = group
        return group

    def peer(self, a: Vpc, b: Vpc) -> None:
        """VPC peering (with routes both ways)."""
        a.peers.append(b.id)
        b.peers.append(a.id)


def reach(network: Network, client: Client, node: Endpoint) -> Verdict:
    """Can ``client`` open TCP to ``node``? If not, say exactly why."""
    if client.vpc_id is None:
        return Verdict(False, f"{node.ip} is a private address in {node.vpc_id}: ElastiCache "
                              "nodes have no public IP; connect from inside the VPC (or "
                              "through VPN / Direct Connect / a peered VPC)")
    if client.vpc_id != node.vpc_id:
        vpc = network.vpcs.get(client.vpc_id)
        if vpc is None or node.vpc_id not in vpc.peers:
            return Verdict(False, f"client is in {client.vpc_id}, the node in {node.vpc_id}: "
                                  "no route between the VPCs (add VPC peering or a Transit "
                                  "Gateway)")
    for sg_id in node.security_groups:
        group = network.groups[sg_id]
        for rule in group.inbound:
            if rule.allows(node.port, client.ip, client.security_groups):
                return Verdict(True, f"allowed by {sg_id} rule {rule}")
    wanted = (f"an inbound rule allowing TCP {node.port} from {client.ip}/32 (or a CIDR "
              "containing it)")
    if client.security_groups:
        wanted += f" or from security group {', '.join(client.security_groups)}"
    groups = ", ".join(node.security_groups) or "(none)"
    return Verdict(False, f"no inbound rule of the node's security groups [{groups}] allows "
                          f"TCP {node.port} from {client.ip}: add {wanted}")
