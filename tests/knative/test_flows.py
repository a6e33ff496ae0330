"""The rendered NetworkPolicies against the flow matrix, on a model of the real cluster."""

from __future__ import annotations

import pytest

from knative.checks import cluster as c
from knative.checks import flows
from knative.checks import manifests as m
from knative.checks.netpol import Flow, allowed


@pytest.fixture(scope="module", params=m.OVERLAYS)
def shop(request: pytest.FixtureRequest) -> tuple[list[m.Obj], c.Cluster]:
    objects = m.render(request.param)
    return objects, c.build(objects)


def test_every_flow_the_shop_needs_is_allowed(shop: tuple[list[m.Obj], c.Cluster]) -> None:
    objects, cluster = shop
    needed = flows.required(objects, cluster)
    blocked = [str(f) for f in needed if not allowed(objects, cluster, f)]
    assert blocked == []
    # The matrix covers what the issue found broken, so it can't quietly shrink.
    assert any(f.why == "posts reply events" for f in needed)
    assert any(f.why == "K_SINK: the broker" for f in needed)
    assert any(f.why == "delivers to a function" for f in needed)


def test_no_flow_outside_the_matrix_is_allowed(shop: tuple[list[m.Obj], c.Cluster]) -> None:
    objects, cluster = shop
    open_flows = [str(f) for f in flows.forbidden(objects, cluster) if allowed(objects, cluster, f)]
    assert open_flows == []


def test_functions_are_reached_only_through_the_knative_data_plane(
    shop: tuple[list[m.Obj], c.Cluster],
) -> None:
    """Event routes included: a dispatcher, nginx or anyone's pod can't bypass the ingress."""
    objects, cluster = shop
    user = cluster.made_by("Service/user")[0].name
    for source in ("intruder", "web-0", "user-order-placed-dispatcher", "default-broker-ingress"):
        for port in (c.QUEUE_HTTP, 8080):
            assert not allowed(objects, cluster, Flow(source, user, port)), (source, port)
    assert allowed(objects, cluster, Flow("user-order-placed-dispatcher", "kourier-gateway", 8081))
    assert not allowed(objects, cluster, Flow("rabbitmq-server-0", "kourier-gateway", 8081))


# ---- the evaluator itself ----


def _policy(name: str, spec: m.Obj) -> m.Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": m.NAMESPACE},
        "spec": spec,
    }


def _two_pods() -> c.Cluster:
    return c.Cluster(
        {m.NAMESPACE: {"kubernetes.io/metadata.name": m.NAMESPACE}, "other": {"team": "x"}},
        [
            c.Pod("a", m.NAMESPACE, {"app": "a"}, "10.244.0.10", {"web": 8080}),
            c.Pod("b", m.NAMESPACE, {"app": "b"}, "10.244.0.11", {"web": 8080}),
            c.Pod("x", "other", {"app": "a"}, "10.244.0.12"),
            c.Pod("node", "kube-system", {}, "172.18.0.2", host_network=True),
        ],
    )


def test_an_unselected_pod_is_open_and_a_selected_one_is_isolated() -> None:
    cluster = _two_pods()
    deny_b = [_policy("deny", {"podSelector": {"matchLabels": {"app": "b"}}})]
    assert allowed(deny_b, cluster, Flow("b", "a", 8080))
    assert not allowed(deny_b, cluster, Flow("a", "b", 8080))
    assert allowed([], cluster, Flow("a", "b", 8080))


def test_a_pod_selector_alone_means_the_policy_namespace_and_both_selectors_mean_both() -> None:
    cluster = _two_pods()
    same_namespace = {"podSelector": {"matchLabels": {"app": "a"}}}
    both = {
        "podSelector": {"matchLabels": {"app": "a"}},
        "namespaceSelector": {"matchLabels": {"team": "x"}},
    }
    for peer, from_a, from_x in ((same_namespace, True, False), (both, False, True)):
        policy = _policy(
            "p", {"podSelector": {"matchLabels": {"app": "b"}}, "ingress": [{"from": [peer]}]}
        )
        assert allowed([policy], cluster, Flow("a", "b", 8080)) is from_a
        assert allowed([policy], cluster, Flow("x", "b", 8080)) is from_x


def test_named_ports_ip_blocks_and_egress() -> None:
    cluster = _two_pods()
    ingress = _policy(
        "named",
        {
            "podSelector": {"matchLabels": {"app": "b"}},
            "ingress": [{"ports": [{"port": "web"}]}],
        },
    )
    assert allowed([ingress], cluster, Flow("a", "b", 8080))
    assert not allowed([ingress], cluster, Flow("a", "b", 9090))
    egress = _policy(
        "out",
        {
            "podSelector": {"matchLabels": {"app": "a"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["172.16.0.0/12"]}}]}],
        },
    )
    assert not allowed([egress], cluster, Flow("a", "node", 6443))
    assert allowed([egress], cluster, Flow("a", "b", 8080))  # pod addresses match ipBlock too
    by_selector = _policy(
        "sel",
        {
            "podSelector": {"matchLabels": {"app": "a"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {}}]}],
        },
    )
    assert not allowed([by_selector], cluster, Flow("a", "node", 6443))  # the host is no pod
    assert allowed([by_selector], cluster, Flow("a", "x", 80))
