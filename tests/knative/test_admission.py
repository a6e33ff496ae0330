"""Every pod of the shop, operators' ones and queue-proxy included, is admitted, and the
namespace's quota holds the shop from min- to max-scale with a rollout under way."""

from __future__ import annotations

import pytest

from knative.checks import admission as a
from knative.checks import cluster as c
from knative.checks import manifests as m
from knative.checks.cluster import CPU, MEMORY, Container, Pod

MI = 2**20


@pytest.fixture(scope="module", params=m.OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[m.Obj]:
    return m.render(request.param)


def test_every_container_is_admitted_by_the_limit_range(rendered: list[m.Obj]) -> None:
    cluster = c.build(rendered)
    made = {pod.made_by for pod in cluster.shop_pods()}
    # Operator-made pods are in the model, not only ours.
    assert {"Broker/default", "RabbitmqCluster/rabbitmq", "Trigger/cart-order-placed"} <= made
    assert a.container_problems(cluster, rendered) == []


def test_the_quota_holds_the_shop_from_min_to_max_scale(rendered: list[m.Obj]) -> None:
    assert a.quota_problems(rendered) == []


def test_every_container_states_its_own_resources(rendered: list[m.Obj]) -> None:
    """The LimitRange's defaults are a safety net, not the budget: nothing relies on them."""
    unstated = [
        f"{pod.name} {container.name}"
        for pod in c.build(rendered).shop_pods()
        for container in (*pod.init_containers, *pod.containers)
        if {CPU, MEMORY} - set(container.requests) or {CPU, MEMORY} - set(container.limits)
    ]
    assert unstated == []


LIMITS = a.Limits(
    default={CPU: 200, MEMORY: 128 * MI},
    default_request={CPU: 25, MEMORY: 32 * MI},
    max={CPU: 2000, MEMORY: 2048 * MI},
    min={},
)


def test_admission_fills_requests_from_limits_then_from_the_defaults() -> None:
    only_limit, problems = a.admit(Container("x", {}, {CPU: 300}), LIMITS)
    assert problems == []
    assert only_limit.requests == {CPU: 300, MEMORY: 32 * MI}
    assert only_limit.limits == {CPU: 300, MEMORY: 128 * MI}
    queue = a.admit(c.queue_proxy({}), LIMITS)[0]
    assert queue.requests == {CPU: 25, MEMORY: 32 * MI}
    assert queue.limits == {CPU: 200, MEMORY: 128 * MI}


def test_a_container_above_the_maximum_is_refused() -> None:
    defaults = c.data_plane_container("dispatcher", {}, c.DISPATCHER_DEFAULTS)
    assert a.admit(defaults, LIMITS)[1] == ["cpu limit 4000m > max 2000m"]
    annotated = c.data_plane_container(
        "dispatcher", {"rabbitmq.eventing.knative.dev/memory-limit": "3Gi"}, c.DISPATCHER_DEFAULTS
    )
    # One annotation drops every default: the rest comes from the LimitRange.
    assert annotated.requests == {} and annotated.limits == {MEMORY: 3 * 1024 * MI}
    assert a.admit(annotated, LIMITS)[1] == ["memory limit 3072Mi > max 2048Mi"]


def test_a_pod_counts_its_containers_or_its_biggest_init_container() -> None:
    pod = Pod(
        "p",
        m.NAMESPACE,
        {},
        "10.0.0.1",
        containers=(Container("a", {CPU: 100}, {CPU: 100}), Container("b", {CPU: 100}, {CPU: 100})),
        init_containers=(Container("setup", {CPU: 500}, {CPU: 500}),),
    )
    usage = a.pod_usage(pod, LIMITS)
    assert usage["requests.cpu"] == 500
    assert usage["requests.memory"] == 64 * MI


def test_a_quota_below_or_far_above_the_budget_is_reported() -> None:
    objects = m.render("prod")
    quota = next(o for o in objects if o["kind"] == "ResourceQuota")
    quota["spec"]["hard"]["requests.cpu"] = "1"
    quota["spec"]["hard"]["pods"] = "1000"
    del quota["spec"]["hard"]["limits.memory"]
    problems = a.quota_problems(objects)
    assert any(p.startswith("requests.cpu: the shop needs") for p in problems)
    assert any(p.startswith("pods: the quota allows 1000, over") for p in problems)
    assert any(p.startswith("the quota does not limit limits.memory") for p in problems)


def test_a_cronjobs_pod_is_in_the_budget_and_needs_no_probes() -> None:
    objects = m.render("prod")
    job = next(o for o in objects if m.name_of(o) == "seed-users")
    nightly: m.Obj = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": m.NAMESPACE},
        "spec": {
            "schedule": "0 3 * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {"spec": {"template": job["spec"]["template"]}},
        },
    }
    before = a.budget(objects, at_max=True)
    after = a.budget([*objects, nightly], at_max=True)
    assert after["pods"] == before["pods"] + 1
    assert after["requests.memory"] == before["requests.memory"] + 128 * MI
    assert [p.name for p in c.build([nightly]).shop_pods()] == ["nightly-0"]
    assert m.rule_hardened_workloads([*objects, nightly]) == []
    overlapping = {**nightly, "spec": {**nightly["spec"], "concurrencyPolicy": "Allow"}}
    assert len(c.build([overlapping]).shop_pods()) == 2
