"""Admission in the shop's namespace: the LimitRange for every container, the ResourceQuota
for the namespace's sum, as the API server applies them.

Before admission the API server's defaulting copies a container's limit to its missing
request; the LimitRanger then fills what is still missing from `defaultRequest` and
`default`, and refuses a container above `max` or below `min`. The quota counts each pod
as the larger of its containers' sum and its biggest init container. The budget is the
model's pods with the functions at min- and at max-scale, plus the largest one rollout
adds: a function's new revision beside the old one (as many pods again, or its
initial one), one surge pod of a Deployment (nginx, the broker's data plane). The node
a one-node cluster needs is that, up to the quota, beside the platform's own pods
(platform.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from knative.checks import cluster as c
from knative.checks import manifests as m
from knative.checks import platform
from knative.checks.cluster import CPU, MEMORY, Container, Pod, Resources

# Knative Serving's initial-scale (config-autoscaler) is 1: a new revision starts one pod.
INITIAL_SCALE = 1
# A quota more than this far above the budget no longer says what the shop needs.
HEADROOM = 1.5
COMPUTE = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


@dataclass(frozen=True)
class Limits:
    default: Resources
    default_request: Resources
    max: Resources
    min: Resources


def limit_range(objects: list[m.Obj]) -> Limits | None:
    for obj in objects:
        if obj.get("kind") != "LimitRange":
            continue
        for item in obj["spec"]["limits"]:
            if item.get("type") == "Container":
                parts = [
                    {
                        r: c.quantity(v, r)
                        for r, v in (item.get(k) or {}).items()
                        if r in (CPU, MEMORY)
                    }
                    for k in ("default", "defaultRequest", "max", "min")
                ]
                return Limits(*parts)
    return None


def admit(container: Container, limits: Limits | None) -> tuple[Container, list[str]]:
    """The container as admitted (defaults filled in), and why it would be refused."""
    requests = {**container.limits, **container.requests}
    limits_ = dict(container.limits)
    if limits is None:
        return Container(container.name, requests, limits_), []
    for resource in (CPU, MEMORY):
        if resource not in limits_ and resource in limits.default:
            limits_[resource] = limits.default[resource]
        if resource not in requests and resource in limits.default_request:
            requests[resource] = limits.default_request[resource]
    problems = []
    for resource in (CPU, MEMORY):
        ceiling = limits.max.get(resource)
        if ceiling is not None and limits_.get(resource, ceiling + 1) > ceiling:
            given = _show(resource, limits_.get(resource))
            problems.append(f"{resource} limit {given} > max {_show(resource, ceiling)}")
        floor = limits.min.get(resource)
        if floor is not None and requests.get(resource, 0) < floor:
            problems.append(f"{resource} request below min {_show(resource, floor)}")
        if resource in requests and resource in limits_ and requests[resource] > limits_[resource]:
            problems.append(f"{resource} request above its limit")
    return Container(container.name, requests, limits_), problems


def _show(resource: str, value: int | None) -> str:
    if value is None:
        return "unset"
    return f"{value}m" if resource == CPU else f"{value / 2**20:.0f}Mi"


def container_problems(cluster: c.Cluster, objects: list[m.Obj]) -> list[str]:
    """Every container of every pod in the namespace, operators' ones included."""
    limits = limit_range(objects)
    found = []
    seen = set()
    for pod in cluster.shop_pods():
        for container in (*pod.init_containers, *pod.containers):
            key = (re.sub(r"-\d+$", "", pod.name), container.name)
            _, problems = admit(container, limits)
            if problems and key not in seen:
                seen.add(key)
                found.append(
                    f"{pod.name} ({pod.made_by}) container {container.name}: {'; '.join(problems)}"
                )
    return found


def pod_usage(pod: Pod, limits: Limits | None) -> dict[str, int]:
    """What the quota counts for one pod."""
    usage = {}
    admitted = [admit(x, limits)[0] for x in pod.containers]
    init = [admit(x, limits)[0] for x in pod.init_containers]
    for part in ("requests", "limits"):
        for resource in (CPU, MEMORY):
            total = sum(getattr(x, part).get(resource, 0) for x in admitted)
            biggest = max((getattr(x, part).get(resource, 0) for x in init), default=0)
            usage[f"{part}.{resource}"] = max(total, biggest)
    return usage


def _add(total: dict[str, int], usage: dict[str, int], times: int = 1) -> None:
    for key, value in usage.items():
        total[key] = total.get(key, 0) + value * times


def _surge(
    objects: list[m.Obj], cluster: c.Cluster, at_max: bool, limits: Limits | None
) -> dict[str, int]:
    """Per resource, the most that any one rollout adds."""
    candidates: list[dict[str, int]] = []
    for obj in objects:
        pods = cluster.made_by(m.label(obj))
        if m.kind_of(obj) == m.KSVC:
            count = (
                c.replicas(objects, obj, at_max)
                if at_max
                else max(c.replicas(objects, obj, at_max), INITIAL_SCALE)
            )
            template = c.revision_pod(obj)
            extra: dict[str, int] = {"pods": count}
            _add(extra, pod_usage(template, limits), count)
            candidates.append(extra)
        elif obj.get("kind") == "Deployment" and pods:
            extra = {"pods": 1}
            _add(extra, pod_usage(pods[0], limits))
            candidates.append(extra)
    for pod in cluster.shop_pods():
        if pod.labels.get(c.ROLE_LABEL):
            extra = {"pods": 1}
            _add(extra, pod_usage(pod, limits))
            candidates.append(extra)
    keys = {key for candidate in candidates for key in candidate}
    return {key: max(candidate.get(key, 0) for candidate in candidates) for key in keys}


def budget(objects: list[m.Obj], at_max: bool) -> dict[str, int]:
    """The namespace's compute and pod count at min- or max-scale, with one rollout's surge."""
    cluster = c.build(objects, at_max=at_max)
    limits = limit_range(objects)
    total: dict[str, int] = {"pods": 0}
    for pod in cluster.shop_pods():
        total["pods"] += 1
        _add(total, pod_usage(pod, limits))
    _add(total, _surge(objects, cluster, at_max, limits))
    return total


def storage(objects: list[m.Obj]) -> dict[str, int]:
    """The claims the StatefulSets and the RabbitMQ operator make, and their size."""
    claims, size = 0, 0
    for obj in objects:
        if obj.get("kind") == "StatefulSet":
            for template in obj["spec"].get("volumeClaimTemplates", []):
                count = int(obj["spec"].get("replicas", 1))
                claims += count
                size += count * c.quantity(
                    template["spec"]["resources"]["requests"]["storage"], MEMORY
                )
        if obj.get("kind") == "RabbitmqCluster":
            count = int(obj["spec"].get("replicas", 1))
            claims += count
            size += count * c.quantity(
                obj["spec"].get("persistence", {}).get("storage", "10Gi"), MEMORY
            )
    return {"persistentvolumeclaims": claims, "requests.storage": size}


def quota(objects: list[m.Obj]) -> dict[str, int]:
    for obj in objects:
        if obj.get("kind") == "ResourceQuota":
            hard = obj["spec"]["hard"]
            return {
                key: c.quantity(value, CPU if key.endswith(".cpu") else MEMORY)
                for key, value in hard.items()
            }
    return {}


def _readable(key: str, value: int) -> str:
    if key.endswith(".cpu"):
        return f"{value / 1000:g}"
    if key.endswith((".memory", ".storage")):
        return f"{value / 2**30:.2f}Gi"
    return str(value)


def quota_problems(objects: list[m.Obj]) -> list[str]:
    """The quota against the budget: enough at max-scale, and not far above it."""
    hard = quota(objects)
    if not hard:
        return ["no ResourceQuota"]
    need = budget(objects, at_max=True)
    for key, value in budget(objects, at_max=False).items():
        need[key] = max(need.get(key, 0), value)
    need |= storage(objects)
    problems = []
    for key, value in sorted(need.items()):
        if key not in hard:
            problems.append(
                f"the quota does not limit {key} (the shop needs {_readable(key, value)})"
            )
        elif hard[key] < value:
            allows = _readable(key, hard[key])
            problems.append(
                f"{key}: the shop needs {_readable(key, value)}, the quota allows {allows}"
            )
        elif key in (*COMPUTE, "pods") and hard[key] > value * HEADROOM:
            allows, needs = _readable(key, hard[key]), _readable(key, value)
            problems.append(
                f"{key}: the quota allows {allows}, over {HEADROOM}x the {needs} needed"
            )
    return problems


@dataclass(frozen=True)
class NodeSize:
    """What one node must hold for the scheduler to place every pod (requests: cpu in
    millicores, memory and disk in bytes): the system and the operators, and the shop at
    rest, at max-scale with a rollout under way, or up to its quota."""

    platform: Resources
    at_rest: Resources
    at_max: Resources
    quota: Resources
    disk: int

    def least(self) -> tuple[int, int]:
        """Whole CPUs and GiB: the platform and the shop up to its quota, with the node's
        own processes beside them."""
        cpu = self.platform[CPU] + self.quota[CPU]
        memory = self.platform[MEMORY] + self.quota[MEMORY] + platform.NODE_ITSELF
        return math.ceil(cpu / 1000), math.ceil(memory / 2**30)


def node_size(objects: list[m.Obj]) -> NodeSize:
    system = platform.total((*platform.KIND_SYSTEM, *platform.OPERATORS))
    hard = quota(objects)

    def shop(usage: dict[str, int]) -> Resources:
        return {resource: usage.get(f"requests.{resource}", 0) for resource in (CPU, MEMORY)}

    return NodeSize(
        system,
        shop(budget(objects, at_max=False)),
        shop(budget(objects, at_max=True)),
        shop(hard),
        hard.get("requests.storage", storage(objects)["requests.storage"]),
    )
