"""The admission webhooks' checks the schemas can't express, and the version matrix they assume."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knative.checks import manifests as m
from knative.checks import schemas, versions, webhooks


@pytest.fixture(scope="module", params=m.OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[m.Obj]:
    return m.render(request.param)


@pytest.mark.parametrize("rule", sorted(webhooks.RULES))
def test_rule_accepts_the_overlay(rendered: list[m.Obj], rule: str) -> None:
    assert webhooks.RULES[rule](rendered) == []


def test_the_version_matrix_is_what_the_tests_use() -> None:
    matrix = versions.matrix()
    tags = {source.repository: source.tag for source in schemas.sources()}
    assert matrix["Knative Serving"] == tags["knative/serving"]
    assert matrix["Knative Eventing"] == tags["knative/eventing"]
    assert matrix["eventing-rabbitmq"] == tags["knative-extensions/eventing-rabbitmq"]
    assert matrix["RabbitMQ cluster operator"] == tags["rabbitmq/cluster-operator"]
    assert (
        matrix["RabbitMQ messaging topology operator"]
        == tags["rabbitmq/messaging-topology-operator"]
    )
    assert matrix["Knative func"] == tags["knative/func"]
    # knative.dev/pkg's minimum for the Knative 1.22 releases (version.go): Kubernetes 1.34.
    assert versions.minor("Kubernetes") >= (1, 34)
    kind = yaml.safe_load((m.KNATIVE / "kind-cluster.yaml").read_text())
    node = kind["nodes"][0]["image"]
    assert node.startswith(f"kindest/node:v{matrix['Kubernetes']}.") and "@sha256:" in node
    for overlay in m.OVERLAYS:
        (cluster,) = [o for o in m.render(overlay) if o["kind"] == "RabbitmqCluster"]
        assert cluster["spec"]["image"] == f"rabbitmq:{matrix['RabbitMQ']}-management"


def test_the_matrix_is_read_from_its_file(tmp_path: Path) -> None:
    rows = [{"component": name, "version": f"1.{i}"} for i, name in enumerate(versions.COMPONENTS)]
    path = tmp_path / "versions.yaml"
    path.write_text(yaml.safe_dump({"components": rows}))
    assert [c.version for c in versions.load(path)][2] == "1.2"
    rows = [row for row in rows if row["component"] != "RabbitMQ"]
    path.write_text(yaml.safe_dump({"components": rows}))
    with pytest.raises(AssertionError, match="no row for RabbitMQ"):
        versions.load(path)
    assert versions.numbers("knative-v1.22.1") == (1, 22, 1)


def _trigger(objects: list[m.Obj]) -> m.Obj:
    return next(o for o in objects if o["kind"] == "Trigger")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("backoffDelay", "0.2s", "is not an ISO-8601 duration"),
        ("backoffDelay", "PT", "is not an ISO-8601 duration"),
        ("backoffPolicy", "fibonacci", "is neither exponential nor linear"),
        ("retry", -1, "is not a whole number >= 0"),
        ("timeout", "PT0S", "timeout is zero"),
        ("retryAfterMax", "PT1M", "needs the alpha delivery-retryafter feature"),
    ],
)
def test_a_delivery_the_webhook_refuses(field: str, value: object, expected: str) -> None:
    objects = m.render("prod")
    _trigger(objects)["spec"]["delivery"][field] = value
    (problem,) = webhooks.rule_delivery(objects)
    assert expected in problem


def test_reserved_mount_paths_follow_the_serving_version(monkeypatch: pytest.MonkeyPatch) -> None:
    objects = m.render("prod")
    assert webhooks.rule_serving(objects) == []
    monkeypatch.setitem(versions.matrix(), "Knative Serving", "knative-v1.12.0")
    problems = webhooks.rule_serving(objects)
    assert problems and all("mount path /tmp is reserved" in p for p in problems)
    monkeypatch.setitem(versions.matrix(), "Knative Serving", "knative-v1.22.1")
    m.ksvcs(objects)["cart"]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0][
        "mountPath"
    ] = "/dev/"
    assert webhooks.rule_serving(objects) == [
        "Service/cart: mount path /dev/ is reserved in Knative Serving knative-v1.22.1"
    ]


def test_probing_and_autoscaling_the_webhook_refuses() -> None:
    objects = m.render("prod")
    service = m.ksvcs(objects)["user"]
    template = service["spec"]["template"]
    template["spec"]["containers"][0]["readinessProbe"]["failureThreshold"] = 3
    template["metadata"]["annotations"]["autoscaling.knative.dev/target-utilization-percentage"] = (
        "150"
    )
    template["spec"]["containerConcurrency"] = 2000
    assert webhooks.rule_serving(objects) == [
        "Service/user readinessProbe: failureThreshold is disallowed when periodSeconds is zero",
        "Service/user: containerConcurrency 2000 out of 0..1000",
        "Service/user: target-utilization-percentage 150 out of 1..100",
    ]
    template["spec"]["containers"][0]["readinessProbe"]["periodSeconds"] = 5
    assert webhooks.rule_aggressive_probing(objects) == [
        "Service/user: readinessProbe sets periodSeconds, which slows every cold start"
    ]


def test_rabbitmq_annotations_the_webhook_refuses() -> None:
    objects = m.render("prod")
    trigger = _trigger(objects)
    notes = trigger["metadata"]["annotations"]
    notes["rabbitmq.eventing.knative.dev/parallelism"] = "0"
    notes["rabbitmq.eventing.knative.dev/cpu-request"] = "2"
    notes["rabbitmq.eventing.knative.dev/cpu-limit"] = "1"
    trigger["spec"]["subscriber"]["audience"] = "user"
    name = m.label(trigger)
    assert webhooks.rule_rabbitmq_broker(objects) == [
        f"{name}: cpu request must be <= its limit",
        f"{name}: an audience, but RabbitMQBroker dispatchers send no OIDC token",
        f"{name}: parallelism '0' out of 1..1000",
    ]


def test_changing_an_immutable_field_of_the_last_release_is_caught() -> None:
    objects = m.render("prod")
    _trigger(objects)["spec"]["filter"]["attributes"]["type"] = "com.roboshop.order.changed"
    broker = next(o for o in objects if o["kind"] == "Broker")
    broker["spec"]["delivery"]["retry"] = 1
    problems = webhooks.rule_immutable_since_release(objects)
    assert [p.split(":")[0] for p in problems] == ["Broker/default", m.label(_trigger(objects))]
