"""Admission in the shop's namespace: the LimitRange for every container, the ResourceQuota
for the namespace's sum, as the API server applies them.

Before admission the API server's defaulting copies a container's limit to its missing
request; the LimitRanger then fills what is still missing from `defaultRequest` and
`default`, and refuses a container above `max` or below `min`. The quota counts each pod
as the larger of its containers' sum and its biggest init container. The budget is the
model's pods with the functions at min- and at max-scale, plus the rollouts that can run
at once: a release (every function's new revision beside the old one, our Deployments'
surge) and an eventing-rabbitmq upgrade (each of its Deployments' surge); see Budget.
The node a one-node cluster needs is that, up to the quota, beside the platform's own
pods (platform.py)."""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass

from knative.checks import cluster as c
from knative.checks import manifests as m
from knative.checks import platform
from knative.checks.cluster import CPU, MEMORY, Container, Pod, Resources

# knative/serving knative-v1.22.1, pkg/autoscaler/config/config.go: config-autoscaler's
# initial-scale is 1 (and 0 is refused unless allow-zero-initial-scale); a revision's own
# annotation overrides it, and pkg/reconciler/autoscaling/kpa/scaler.go raises the first
# target to min-scale where that is larger.
INITIAL_SCALE = 1
INITIAL_SCALE_ANNOTATION = m.SCALE + "initial-scale"
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


def _pods(pod: Pod, limits: Limits | None, count: int = 1) -> dict[str, int]:
    """What `count` pods like this one add to the quota's count."""
    usage = {"pods": count}
    _add(usage, pod_usage(pod, limits), count)
    return usage


def max_surge(strategy: m.Obj | None, replicas: int) -> int:
    """The pods a Deployment's rolling update runs above its replicas: maxSurge, 25 % when
    unset, a percentage rounded up (Kubernetes' RollingUpdateDeployment); none to Recreate."""
    strategy = strategy or {}
    if strategy.get("type") == "Recreate":
        return 0
    value = (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%")
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(replicas * int(value[:-1]) / 100)
    return int(value)


def initial_scale(obj: m.Obj) -> int:
    """The pods a function's new revision starts with: the larger of its initial scale
    and its min-scale (Knative's scale bounds)."""
    notes = obj["spec"]["template"]["metadata"].get("annotations", {})
    start = int(notes.get(INITIAL_SCALE_ANNOTATION, INITIAL_SCALE))
    return max(start, int(notes.get(m.SCALE + "min-scale", "0")))


@dataclass(frozen=True)
class Budget:
    """What the quota must hold, part by part, with the functions at min- or max-scale.

    - running: every pod, ours and the operators';
    - new_revisions: a release or a `roboshop-config` change (its name carries a hash, so
      every Service's template changes) gives every function a new revision at once. Its
      Deployment starts at its initial scale (knative/serving knative-v1.22.1,
      pkg/reconciler/revision/resources/deploy.go), raised to min-scale; the old revision
      serves until the new one is Ready, then the whole of the traffic moves (Knative's
      docs, "gradual rollout": 100 % at once unless rollout-duration is set), and the new
      one grows to the load the old one carried, up to max-scale, while the old one
      shrinks over the autoscaler's 60 s stable window and its pods count until their
      grace period ends. So at max-scale the new revision is counted at max-scale beside
      the old; at min-scale, at its initial scale;
    - surge: the same release rolls our Deployments (nginx), each by its maxSurge;
      StatefulSets replace one pod at a time and add none;
    - data_plane: an eventing-rabbitmq upgrade re-renders all its Deployments at once (the
      broker's ingress, each Trigger's dispatcher and dead-letter dispatcher), each one
      replica surging by Kubernetes' default 25 %, rounded up: one pod each. It is the
      platform's, on its own schedule, so it may come during a release.

    Not summed: a Knative Serving upgrade (a new queue-proxy image) rolls every revision's
    Deployment by 25 % of its pods, which a release's new revisions already exceed.
    """

    running: dict[str, int]
    new_revisions: dict[str, int]
    surge: dict[str, int]
    data_plane: dict[str, int]

    def parts(self) -> dict[str, dict[str, int]]:
        return {
            "running": self.running,
            "new_revisions": self.new_revisions,
            "surge": self.surge,
            "data_plane": self.data_plane,
        }

    def total(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for part in self.parts().values():
            _add(total, part)
        return total


def budget(objects: list[m.Obj], at_max: bool) -> Budget:
    """The namespace's compute and pod count at min- or max-scale, with a release and an
    eventing-rabbitmq upgrade under way at once."""
    cluster = c.build(objects, at_max=at_max)
    limits = limit_range(objects)
    running: dict[str, int] = {"pods": 0}
    data_plane: dict[str, int] = {"pods": 0}
    for pod in cluster.shop_pods():
        _add(running, _pods(pod, limits))
        if pod.labels.get(c.ROLE_LABEL):
            surge = max_surge(c.DATA_PLANE_STRATEGY, c.DATA_PLANE_REPLICAS)
            _add(data_plane, _pods(pod, limits, surge))
    revisions: dict[str, int] = {"pods": 0}
    ours: dict[str, int] = {"pods": 0}
    for obj in objects:
        if m.kind_of(obj) == m.KSVC:
            count = c.replicas(objects, obj, at_max) if at_max else initial_scale(obj)
            _add(revisions, _pods(c.revision_pod(obj), limits, count))
        elif obj.get("kind") == "Deployment":
            pods = cluster.made_by(m.label(obj))
            surge = max_surge(obj["spec"].get("strategy"), c.replicas(objects, obj, at_max))
            if pods and surge:
                _add(ours, _pods(pods[0], limits, surge))
    return Budget(running, revisions, ours, data_plane)


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


def _need(objects: list[m.Obj]) -> dict[str, int]:
    need = budget(objects, at_max=True).total()
    for key, value in budget(objects, at_max=False).total().items():
        need[key] = max(need.get(key, 0), value)
    return need | storage(objects)


def quota_short(objects: list[m.Obj]) -> list[str]:
    """Where the quota is below the budget, or does not limit what it counts: what the API
    server would refuse at the worst moment."""
    hard = quota(objects)
    if not hard:
        return ["no ResourceQuota"]
    problems = []
    for key, value in sorted(_need(objects).items()):
        if key not in hard:
            problems.append(
                f"the quota does not limit {key} (the shop needs {_readable(key, value)})"
            )
        elif hard[key] < value:
            allows = _readable(key, hard[key])
            problems.append(
                f"{key}: the shop needs {_readable(key, value)}, the quota allows {allows}"
            )
    return problems


def quota_problems(objects: list[m.Obj]) -> list[str]:
    """The quota against the budget: enough at max-scale, and not far above it."""
    problems = quota_short(objects)
    hard = quota(objects)
    for key, value in sorted(_need(objects).items()):
        if key in (*COMPUTE, "pods") and hard.get(key, 0) > value * HEADROOM:
            allows, needs = _readable(key, hard[key]), _readable(key, value)
            problems.append(
                f"{key}: the quota allows {allows}, over {HEADROOM}x the {needs} needed"
            )
    return problems


def with_max_scale(objects: list[m.Obj], name: str, most: int) -> list[m.Obj]:
    """A copy of the objects with one function's max-scale changed."""
    changed = copy.deepcopy(objects)
    notes = m.ksvcs(changed)[name]["spec"]["template"]["metadata"]["annotations"]
    notes[m.SCALE + "max-scale"] = str(most)
    return changed


def most_scale(objects: list[m.Obj], name: str) -> int:
    """The largest max-scale one function can have, every other at its own, that the
    quota still holds with a release and an upgrade under way (0: not even one pod)."""
    # Each pod more at max-scale is at least one more pod to count, so the quota's pods
    # bound the search.
    low, high = 0, quota(objects).get("pods", 0)
    while low < high:
        middle = (low + high + 1) // 2
        if quota_short(with_max_scale(objects, name, middle)):
            high = middle - 1
        else:
            low = middle
    return low


@dataclass(frozen=True)
class NodeSize:
    """What one node must hold for the scheduler to place every pod (requests: cpu in
    millicores, memory and disk in bytes): the system and the operators, and the shop at
    rest, at max-scale with a release and an upgrade under way, or up to its quota."""

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
        shop(budget(objects, at_max=False).total()),
        shop(budget(objects, at_max=True).total()),
        shop(hard),
        hard.get("requests.storage", storage(objects)["requests.storage"]),
    )
