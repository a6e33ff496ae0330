"""The components for other clusters, on top of an overlay: every object matches its schema
and every rule holds; the DNS ones let the shop's lookups through to their resolver and
nothing else (on the NetworkPolicy model), and the pull secret reaches every pod.
(prod+pull-secret is also one of m.OVERLAYS: every suite renders it.)"""

from __future__ import annotations

import pytest

from knative.checks import cluster as c
from knative.checks import flows
from knative.checks import manifests as m
from knative.checks.netpol import Flow, allowed

# Each DNS component, with the resolver the cluster's pods then use.
DNS = [("prod+node-local-dns", "node-local-dns"), ("dev+openshift-dns", "openshift-dns")]


@pytest.fixture(scope="module", params=DNS, ids=[overlay for overlay, _ in DNS])
def resolving(request: pytest.FixtureRequest) -> tuple[list[m.Obj], c.Cluster, str]:
    overlay, dns = request.param
    objects = m.render(overlay)
    return objects, c.build(objects), dns


def test_every_object_matches_its_schema(resolving: tuple[list[m.Obj], c.Cluster, str]) -> None:
    objects, _, _ = resolving
    assert [problem for obj in objects for problem in m.schema_problems(obj)] == []


@pytest.mark.parametrize("rule", sorted(m.RULES))
def test_every_manifest_rule_still_holds(
    resolving: tuple[list[m.Obj], c.Cluster, str], rule: str
) -> None:
    objects, _, _ = resolving
    assert m.RULES[rule](objects) == []


def test_every_flow_is_allowed_with_the_clusters_resolver(
    resolving: tuple[list[m.Obj], c.Cluster, str],
) -> None:
    objects, cluster, dns = resolving
    needed = flows.required(objects, cluster, dns)
    assert [str(f) for f in needed if not allowed(objects, cluster, f)] == []
    lookups = [f for f in needed if f.why == "DNS"]
    assert {(f.destination, f.port, f.protocol) for f in lookups} == {
        (dns, flows.DNS_PORTS[dns], "UDP"),
        (dns, flows.DNS_PORTS[dns], "TCP"),
    }


def test_no_flow_outside_the_matrix_is_opened(
    resolving: tuple[list[m.Obj], c.Cluster, str],
) -> None:
    objects, cluster, dns = resolving
    opened = [
        str(f) for f in flows.forbidden(objects, cluster, dns) if allowed(objects, cluster, f)
    ]
    assert opened == []


@pytest.mark.parametrize(("overlay", "dns"), DNS)
def test_without_the_component_the_lookups_are_blocked(overlay: str, dns: str) -> None:
    """What lets them through is the component: the overlay alone allows CoreDNS only."""
    objects = m.render(overlay.split("+")[0])
    cluster = c.build(objects)
    port = flows.DNS_PORTS[dns]
    for pod in ("web-0", "payment-00001-deployment-0", "rabbitmq-server-0"):
        assert not allowed(objects, cluster, Flow(pod, dns, port, "UDP")), pod
        assert allowed(objects, cluster, Flow(pod, flows.DNS, 53, "UDP")), pod


def test_the_pull_secret_reaches_every_pod_and_only_with_the_component() -> None:
    objects = m.render("prod+pull-secret")
    accounts = {m.name_of(o): o for o in objects if o["kind"] == "ServiceAccount"}
    for obj, _, spec in m.pod_specs(objects):
        account = accounts[spec["serviceAccountName"]]
        assert account.get("imagePullSecrets") == [{"name": "registry-credentials"}], m.label(obj)
    assert len(list(m.pod_specs(objects))) >= 15
    plain = [o for o in m.render("prod") if o["kind"] == "ServiceAccount"]
    assert plain and not [o for o in plain if "imagePullSecrets" in o]
