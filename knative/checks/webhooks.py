"""What the admission webhooks check and the CRD schemas can't express, at the matrix's versions.

knative/eventing (pkg/apis/duck/v1/delivery_types.go): retry >= 0, backoffPolicy
exponential or linear, backoffDelay and timeout ISO-8601 durations (timeout behind the
delivery-timeout feature, enabled by default since it went beta). knative/serving
(pkg/apis/serving/k8s_validation.go, pkg/apis/autoscaling): reserved mount paths and
container names, readiness probes with periodSeconds 0 (Knative's aggressive probing)
taking no failureThreshold or timeoutSeconds, containerConcurrency and timeoutSeconds
within the defaults' limits, autoscaling annotations in range. eventing-rabbitmq
(pkg/apis/eventing/v1alpha1): the parallelism annotation a whole number in 1..1000,
the resource annotations quantities with request <= limit, a Broker config of a
supported kind, and immutable specs: the Broker's (all of it), the RabbitmqBrokerConfig's,
the Trigger's filter (and, from knative/eventing, the Trigger's broker and the Broker class).
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from knative.checks import cluster as c
from knative.checks import manifests as m
from knative.checks import versions
from scripts.stack.broker.triggers import ManifestError, iso_seconds

BROKER_CLASS_KEY = "eventing.knative.dev/broker.class"
# knative/serving pkg/apis/serving/k8s_validation.go: Serving 1.13 freed /tmp, /var, /var/log.
RESERVED_PATHS = {"/", "/dev", "/dev/log"}
RESERVED_BEFORE_1_13 = {"/tmp", "/var", "/var/log"}
# config/core/configmaps/defaults.yaml
MAX_REVISION_TIMEOUT, CONTAINER_CONCURRENCY_MAX = 600, 1000
BROKER_CONFIGS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    ("eventing.knative.dev/v1alpha1", "RabbitmqBrokerConfig"),
}
RELEASED = Path(__file__).parent / "released.yaml"


def _delivery_problems(where: str, delivery: Mapping[str, Any]) -> list[str]:
    problems = []
    retry = delivery.get("retry")
    if retry is not None and (not isinstance(retry, int) or retry < 0):
        problems.append(f"{where}: retry {retry!r} is not a whole number >= 0")
    policy = delivery.get("backoffPolicy")
    if policy is not None and policy not in ("exponential", "linear"):
        problems.append(f"{where}: backoffPolicy {policy!r} is neither exponential nor linear")
    for key in ("backoffDelay", "timeout"):
        if key in delivery:
            try:
                seconds = iso_seconds(str(delivery[key]))
            except ManifestError:
                problems.append(f"{where}: {key} {delivery[key]!r} is not an ISO-8601 duration")
                continue
            if key == "timeout" and seconds == 0:
                problems.append(f"{where}: timeout is zero")
    if "retryAfterMax" in delivery:
        problems.append(f"{where}: retryAfterMax needs the alpha delivery-retryafter feature")
    dead = delivery.get("deadLetterSink")
    if dead is not None and not (dead.get("ref") or dead.get("uri")):
        problems.append(f"{where}: deadLetterSink has neither ref nor uri")
    return problems


def rule_delivery(objects: list[m.Obj]) -> list[str]:
    problems = []
    for obj in objects:
        if obj.get("kind") in ("Broker", "Trigger"):
            delivery = (obj.get("spec") or {}).get("delivery")
            if delivery:
                problems += _delivery_problems(f"{m.label(obj)} delivery", delivery)
    return problems


def reserved_paths() -> set[str]:
    if versions.minor("Knative Serving") < (1, 13):
        return RESERVED_PATHS | RESERVED_BEFORE_1_13
    return RESERVED_PATHS


def _probe_problems(where: str, probe: Mapping[str, Any] | None) -> list[str]:
    if probe is None:
        return []
    if not probe.get("periodSeconds"):
        given = [k for k in ("failureThreshold", "timeoutSeconds") if probe.get(k)]
        return [f"{where}: {k} is disallowed when periodSeconds is zero" for k in given]
    return []


def rule_serving(objects: list[m.Obj]) -> list[str]:
    problems = []
    paths = reserved_paths()
    for service in m.ksvcs(objects).values():
        template = service["spec"]["template"]
        spec, notes = template["spec"], template.get("metadata", {}).get("annotations", {})
        where = m.label(service)
        for container in spec["containers"]:
            if container.get("name") == "queue-proxy":
                problems.append(f"{where}: container name queue-proxy is reserved")
            for mount in container.get("volumeMounts", []):
                if posixpath.normpath(mount["mountPath"]) in paths:
                    problems.append(
                        f"{where}: mount path {mount['mountPath']} is reserved in Knative "
                        f"Serving {versions.matrix()['Knative Serving']}"
                    )
            problems += _probe_problems(f"{where} readinessProbe", container.get("readinessProbe"))
        concurrency = spec.get("containerConcurrency", 0)
        if not 0 <= concurrency <= CONTAINER_CONCURRENCY_MAX:
            problems.append(f"{where}: containerConcurrency {concurrency} out of 0..1000")
        if spec.get("timeoutSeconds", 0) > MAX_REVISION_TIMEOUT:
            problems.append(f"{where}: timeoutSeconds above max-revision-timeout-seconds (600)")
        problems += _autoscaling_problems(where, notes)
        for key in c.QUEUE_ANNOTATIONS.values():
            if key in notes:
                try:
                    c.quantity(notes[key], "cpu" if "cpu" in key else "memory")
                except ValueError:
                    problems.append(f"{where}: {key} {notes[key]!r} is not a quantity")
    return problems


def _autoscaling_problems(where: str, notes: Mapping[str, str]) -> list[str]:
    problems = []
    utilisation = notes.get(m.SCALE + "target-utilization-percentage")
    if utilisation is not None and not 1 <= float(utilisation) <= 100:
        problems.append(f"{where}: target-utilization-percentage {utilisation} out of 1..100")
    target = notes.get(m.SCALE + "target")
    if target is not None and float(target) < 0.01:
        problems.append(f"{where}: autoscaling target {target} below 0.01")
    metric = notes.get(m.SCALE + "metric")
    if metric is not None and metric not in ("concurrency", "rps"):
        problems.append(f"{where}: the default autoscaler (KPA) scales on concurrency or rps")
    return problems


def rule_aggressive_probing(objects: list[m.Obj]) -> list[str]:
    """A function's readiness probe keeps Knative's aggressive probing, which starts a
    cold pod's traffic as soon as it answers; a periodSeconds turns it into the kubelet's."""
    return [
        f"{m.label(service)}: readinessProbe sets periodSeconds, which slows every cold start"
        for service in m.ksvcs(objects).values()
        for container in service["spec"]["template"]["spec"]["containers"]
        if (container.get("readinessProbe") or {}).get("periodSeconds")
    ]


def _resource_annotation_problems(obj: m.Obj) -> list[str]:
    notes = obj["metadata"].get("annotations", {})
    given = {}
    problems = []
    for (part, resource), key in c.RESOURCE_ANNOTATIONS.items():
        if key in notes:
            try:
                given[(part, resource)] = c.quantity(notes[key], resource)
            except ValueError:
                problems.append(f"{m.label(obj)}: {key} {notes[key]!r} is not a quantity")
    for resource in ("cpu", "memory"):
        low, high = given.get(("requests", resource)), given.get(("limits", resource))
        if low is not None and high is not None and low > high:
            problems.append(f"{m.label(obj)}: {resource} request must be <= its limit")
    return problems


def _audience_problems(trigger: m.Obj) -> list[str]:
    """eventing-rabbitmq sends no OIDC token (its Triggers report the authentication-oidc
    feature "not yet supported for this Broker class"): an audience would promise a sender
    identity that never arrives."""
    spec = trigger["spec"]
    destinations = [
        spec.get("subscriber") or {},
        (spec.get("delivery") or {}).get("deadLetterSink") or {},
    ]
    if any(d.get("audience") for d in destinations):
        return [
            f"{m.label(trigger)}: an audience, but RabbitMQBroker dispatchers send no OIDC token"
        ]
    return []


def rule_rabbitmq_broker(objects: list[m.Obj]) -> list[str]:
    problems = []
    brokers = c.rabbitmq_brokers(objects)
    for broker in brokers.values():
        problems += _resource_annotation_problems(broker)
        config = broker["spec"].get("config") or {}
        if (config.get("apiVersion"), config.get("kind")) not in BROKER_CONFIGS:
            problems.append(
                f"{m.label(broker)}: config must be a RabbitmqCluster or a RabbitmqBrokerConfig"
            )
    for trigger in (o for o in objects if o.get("kind") == "Trigger"):
        if trigger["spec"].get("broker", "default") not in brokers:
            continue
        problems += _resource_annotation_problems(trigger)
        problems += _audience_problems(trigger)
        parallelism = trigger["metadata"].get("annotations", {}).get(c.PARALLELISM)
        if parallelism is not None and not (
            parallelism.isdigit() and 1 <= int(parallelism) <= 1000
        ):
            problems.append(f"{m.label(trigger)}: parallelism {parallelism!r} out of 1..1000")
    for config in (o for o in objects if o.get("kind") == "RabbitmqBrokerConfig"):
        reference = config["spec"].get("rabbitmqClusterReference") or {}
        if bool(reference.get("name")) == bool(reference.get("connectionSecret")):
            needs = "name or connectionSecret, not both"
            problems.append(f"{m.label(config)}: rabbitmqClusterReference needs {needs}")
    return problems


def immutable_fields(objects: list[m.Obj]) -> dict[str, Any]:
    """What the webhooks refuse to change once applied, by object."""
    fields: dict[str, Any] = {}
    for obj in objects:
        kind = obj.get("kind")
        if kind == "Broker":
            notes = obj["metadata"].get("annotations", {})
            fields[m.label(obj)] = {"class": notes.get(BROKER_CLASS_KEY), "spec": obj["spec"]}
        elif kind == "RabbitmqBrokerConfig":
            fields[m.label(obj)] = {"spec": obj["spec"]}
        elif kind == "Trigger":
            spec = obj["spec"]
            fields[m.label(obj)] = {"broker": spec.get("broker"), "filter": spec.get("filter")}
    return copy.deepcopy(fields)


def released() -> dict[str, Any]:
    data = yaml.safe_load(RELEASED.read_text())
    return dict(data["objects"])


def rule_immutable_since_release(objects: list[m.Obj]) -> list[str]:
    """An object the last release applied keeps what its webhook won't let change."""
    now = immutable_fields(objects)
    return [
        f"{name}: changes fields that are immutable once applied (the last release has "
        f"{before}, now {now[name]}); a new name, or an upgrade note that deletes it first"
        for name, before in released().items()
        if name in now and now[name] != before
    ]


RULES: dict[str, m.Rule] = {
    "delivery": rule_delivery,
    "serving": rule_serving,
    "aggressive_probing": rule_aggressive_probing,
    "rabbitmq_broker": rule_rabbitmq_broker,
    "immutable_since_release": rule_immutable_since_release,
}
