"""The CPU limit each function's process runs under in the cluster, read from an overlay.

What the kubelet turns into the container's CFS quota: the limit on the function's own
container as admitted (the LimitRange's default where it states none), not queue-proxy's,
which runs in a container of its own. The bench and the cold-checkout test give a local
process the same quota (scripts/stack/cgroup.py), so they follow the manifests.
"""

from __future__ import annotations

from knative.checks import admission, cluster
from knative.checks import manifests as m


def function_cpu_limits(objects: list[m.Obj]) -> dict[str, int | None]:
    """Each Knative Service's CPU limit in millicores (None: none, even after admission)."""
    limits = admission.limit_range(objects)
    found: dict[str, int | None] = {}
    for name, service in m.ksvcs(objects).items():
        spec = service["spec"]["template"]["spec"]["containers"][0]
        requests, given = cluster.resources_of(spec.get("resources"))
        admitted, _ = admission.admit(cluster.Container(name, requests, given), limits)
        found[name] = admitted.limits.get(cluster.CPU)
    return found


def rendered(overlay: str) -> dict[str, int | None]:
    """The CPU limits of the overlay (`dev`, `prod`) as `kubectl kustomize` renders it."""
    return function_cpu_limits(m.render(overlay))
