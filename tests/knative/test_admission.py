"""Every pod of the shop, operators' ones and queue-proxy included, is admitted, and the
namespace's quota holds the shop from min- to max-scale with a release (every function at
once, each new revision beside the old) and an eventing-rabbitmq upgrade (each of its
Deployments surging) under way; a quota one step below that is refused."""

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


def test_the_bases_own_quota_holds_the_base() -> None:
    assert a.quota_problems(m.render("base")) == []


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
    before = a.budget(objects, at_max=True).total()
    after = a.budget([*objects, nightly], at_max=True).total()
    assert after["pods"] == before["pods"] + 1
    assert after["requests.memory"] == before["requests.memory"] + 128 * MI
    assert [p.name for p in c.build([nightly]).shop_pods()] == ["nightly-0"]
    assert m.rule_hardened_workloads([*objects, nightly]) == []
    overlapping = {**nightly, "spec": {**nightly["spec"], "concurrencyPolicy": "Allow"}}
    assert len(c.build([overlapping]).shop_pods()) == 2


KEYS = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods")


def scale(obj: m.Obj, bound: str) -> int:
    return int(obj["spec"]["template"]["metadata"]["annotations"][m.SCALE + bound])


def test_a_release_starts_every_functions_new_revision_at_once() -> None:
    objects = m.render("prod")
    services = m.ksvcs(objects).values()
    # At max-scale the traffic the old revision carried moves whole to the new one.
    at_max = a.budget(objects, at_max=True).new_revisions
    assert at_max["pods"] == sum(scale(s, "max-scale") for s in services)
    # At rest each starts at its initial scale: 1, or its min-scale where that is more.
    at_min = a.budget(objects, at_max=False).new_revisions
    assert at_min["pods"] == sum(max(1, scale(s, "min-scale")) for s in services) == 8
    limits = a.limit_range(objects)
    requests = [a.pod_usage(c.revision_pod(s), limits)["requests.cpu"] for s in services]
    counts = [scale(s, "max-scale") for s in services]
    assert at_max["requests.cpu"] == sum(n * r for n, r in zip(counts, requests, strict=True))


def test_a_revisions_initial_scale_annotation_is_its_first_size() -> None:
    objects = m.render("prod")
    before = a.budget(objects, at_max=False).new_revisions["pods"]
    notes = m.ksvcs(objects)["catalogue"]["spec"]["template"]["metadata"]["annotations"]
    notes[a.INITIAL_SCALE_ANNOTATION] = "3"
    assert a.budget(objects, at_max=False).new_revisions["pods"] == before + 2


def test_an_eventing_rabbitmq_upgrade_surges_each_of_its_deployments() -> None:
    objects = m.render("prod")
    triggers = [o for o in objects if o.get("kind") == "Trigger"]
    assert all(t["spec"]["delivery"].get("deadLetterSink") for t in triggers)
    # The broker's ingress, and a dispatcher and a dead-letter dispatcher for each Trigger.
    assert a.budget(objects, at_max=True).data_plane["pods"] == 1 + 2 * len(triggers) == 21
    broker = next(o for o in objects if o.get("kind") == "Broker")
    broker["spec"]["delivery"]["deadLetterSink"] = {"ref": {"kind": "Service", "name": "x"}}
    # The Broker's own dead letters get a dispatcher of their own, which surges too.
    assert a.budget(objects, at_max=True).data_plane["pods"] == 22


def test_our_deployments_surge_by_their_strategy() -> None:
    objects = m.render("prod")
    web = next(o for o in objects if m.label(o) == "Deployment/web")
    assert a.budget(objects, at_max=True).surge["pods"] == 1  # maxSurge: 1
    web["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%"}}
    assert a.budget(objects, at_max=True).surge["pods"] == 3  # half of the HPA's 6


@pytest.mark.parametrize(
    ("strategy", "replicas", "surge"),
    [
        (None, 1, 1),  # Kubernetes' default: 25 %, rounded up
        (None, 6, 2),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2}}, 10, 2),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "10%"}}, 10, 1),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}, 8, 2),
        ({"type": "Recreate"}, 3, 0),
    ],
)
def test_max_surge_is_kubernetes_rounding(
    strategy: m.Obj | None, replicas: int, surge: int
) -> None:
    assert a.max_surge(strategy, replicas) == surge


def exactly(budget: dict[str, int]) -> dict[str, str]:
    """A quota's `hard` that is the budget itself, in quantities the API server reads."""
    return {
        key: f"{value}m" if key.endswith(".cpu") else str(value)
        for key, value in budget.items()
        if key in KEYS
    }


@pytest.mark.parametrize("key", KEYS)
def test_a_quota_one_step_below_the_budget_is_refused(key: str) -> None:
    objects = m.render("prod")
    need = a.budget(objects, at_max=True).total()
    hard = next(o for o in objects if o["kind"] == "ResourceQuota")["spec"]["hard"]
    hard |= exactly(need)
    assert a.quota_short(objects) == []
    hard[key] = str(need[key] - 1) + ("m" if key.endswith(".cpu") else "")
    (problem,) = a.quota_short(objects)
    assert problem.startswith(f"{key}: the shop needs")


def test_a_quota_for_one_function_at_a_time_is_refused() -> None:
    """The budget before every function's rollout came at once: the shop, the largest
    single function's new revision and the data plane's surge."""
    objects = m.render("prod")
    limits = a.limit_range(objects)
    parts = a.budget(objects, at_max=True)
    one: dict[str, int] = {}
    for service in m.ksvcs(objects).values():
        pods = scale(service, "max-scale")
        usage = a.pod_usage(c.revision_pod(service), limits)
        candidate = {"pods": pods, **{k: v * pods for k, v in usage.items()}}
        one = {k: max(one.get(k, 0), candidate[k]) for k in candidate}
    sized = {k: parts.running[k] + one[k] + parts.surge[k] + parts.data_plane[k] for k in KEYS}
    next(o for o in objects if o["kind"] == "ResourceQuota")["spec"]["hard"] |= exactly(sized)
    assert {p.split(":")[0] for p in a.quota_short(objects)} == set(KEYS)


@pytest.mark.parametrize("overlay", m.OVERLAY_FOLDERS)
def test_the_most_a_function_can_scale_to_is_the_quotas_edge(overlay: str) -> None:
    objects = m.render(overlay)
    most = a.most_scale(objects, "catalogue")
    assert most >= 2
    assert a.quota_short(a.with_max_scale(objects, "catalogue", most)) == []
    (short, *_) = a.quota_short(a.with_max_scale(objects, "catalogue", most + 1))
    assert "the shop needs" in short
