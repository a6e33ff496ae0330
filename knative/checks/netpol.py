"""NetworkPolicy as the Kubernetes API defines it, evaluated for one connection.

A pod is isolated for a direction once any policy of its namespace selects it for that
direction; a connection is allowed when the source's egress and the destination's
ingress both let it through (a side that is not isolated lets everything through).
Pods on the host network and addresses outside the cluster match only `ipBlock` peers;
pod addresses match `ipBlock` too, as Calico and Cilium do.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from knative.checks import manifests as m
from knative.checks.cluster import Cluster, Pod


@dataclass(frozen=True)
class Flow:
    source: str
    destination: str
    port: int
    protocol: str = "TCP"
    why: str = ""

    def __str__(self) -> str:
        return f"{self.source} -> {self.destination}:{self.port}/{self.protocol} ({self.why})"


def selects(selector: Mapping[str, object] | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector; an empty one selects everything."""
    selector = selector or {}
    match_labels = selector.get("matchLabels") or {}
    assert isinstance(match_labels, Mapping)
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    expressions = selector.get("matchExpressions") or []
    assert isinstance(expressions, list)
    for expression in expressions:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _in_block(block: Mapping[str, object], ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if address not in ipaddress.ip_network(str(block["cidr"])):
        return False
    excepted = block.get("except") or []
    assert isinstance(excepted, list)
    return not any(address in ipaddress.ip_network(str(cidr)) for cidr in excepted)


def _peer_matches(peer: m.Obj, policy_namespace: str, other: Pod, cluster: Cluster) -> bool:
    if "ipBlock" in peer:
        return _in_block(peer["ipBlock"], other.ip)
    if not other.is_pod:
        return False
    if "namespaceSelector" in peer:
        assert other.namespace is not None
        if not selects(peer["namespaceSelector"], cluster.namespaces[other.namespace]):
            return False
    elif other.namespace != policy_namespace:
        return False
    return "podSelector" not in peer or selects(peer["podSelector"], other.labels)


def _port_matches(rule_ports: list[m.Obj] | None, port: int, protocol: str, target: Pod) -> bool:
    if not rule_ports:
        return True
    for item in rule_ports:
        if item.get("protocol", "TCP") != protocol:
            continue
        given = item.get("port")
        if given is None:
            return True
        number = target.ports.get(given) if isinstance(given, str) else given
        if number is None:
            continue
        end = item.get("endPort")
        if number <= port <= (number if end is None else int(end)):
            return True
    return False


def _policies(objects: list[m.Obj], pod: Pod, direction: str) -> list[m.Obj]:
    return [
        policy
        for policy in objects
        if policy.get("kind") == "NetworkPolicy"
        and policy["metadata"].get("namespace", m.NAMESPACE) == pod.namespace
        and pod.is_pod
        and direction in policy["spec"].get("policyTypes", ["Ingress"])
        and selects(policy["spec"].get("podSelector"), pod.labels)
    ]


def _side_allows(
    objects: list[m.Obj], cluster: Cluster, pod: Pod, other: Pod, flow: Flow, direction: str
) -> bool:
    policies = _policies(objects, pod, direction)
    if not policies:
        return True
    rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    target = pod if direction == "Ingress" else other
    for policy in policies:
        namespace = policy["metadata"].get("namespace", m.NAMESPACE)
        for rule in policy["spec"].get(rules_key) or []:
            peers = rule.get(peers_key)
            if peers and not any(_peer_matches(p, namespace, other, cluster) for p in peers):
                continue
            if _port_matches(rule.get("ports"), flow.port, flow.protocol, target):
                return True
    return False


def allowed(objects: list[m.Obj], cluster: Cluster, flow: Flow) -> bool:
    source, destination = cluster.pod(flow.source), cluster.pod(flow.destination)
    return _side_allows(objects, cluster, source, destination, flow, "Egress") and _side_allows(
        objects, cluster, destination, source, flow, "Ingress"
    )
