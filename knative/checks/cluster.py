"""A model of the cluster an overlay is applied to, built from the rendered objects.

It holds every pod that will run in the shop's namespace: ours (Knative revisions with
their queue-proxy, Deployments, StatefulSets, Jobs) and those the operators make from
our custom resources (eventing-rabbitmq's broker ingress and trigger dispatchers, the
RabbitMQ cluster operator's nodes), plus the platform's pods that talk to them. Labels,
ports and default resources are the ones the upstream code gives them, at the versions
of the matrix in versions.yaml; each fact names where it comes from. Code is ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from knative.checks import manifests as m

CPU, MEMORY = "cpu", "memory"
Resources = dict[str, int]  # cpu in millicores, memory in bytes

# --- facts from upstream ---

# knative/serving knative-v1.22.1, pkg/networking/constants.go: the queue-proxy's ports.
QUEUE_HTTP, QUEUE_METRICS = 8012, 9090
# pkg/deployment/config.go: the only queue-proxy resource set by default is a 25m CPU
# request (the rest stays unset unless feature queueproxy.resource-defaults is enabled);
# pkg/apis/serving/register.go: these template annotations set them per revision.
QUEUE_CPU_REQUEST_DEFAULT = 25
QUEUE_ANNOTATIONS = {
    ("requests", CPU): "queue.sidecar.serving.knative.dev/cpu-resource-request",
    ("requests", MEMORY): "queue.sidecar.serving.knative.dev/memory-resource-request",
    ("limits", CPU): "queue.sidecar.serving.knative.dev/cpu-resource-limit",
    ("limits", MEMORY): "queue.sidecar.serving.knative.dev/memory-resource-limit",
}

# knative-extensions/eventing-rabbitmq knative-v1.22.1:
# pkg/reconciler/broker/resources/ingress.go and pkg/reconciler/trigger/resources/dispatcher.go
# (labels, container names, ports, and the resources used when none of the four
# annotations of pkg/utils/resource_requirements.go is set: setting one drops all defaults).
BROKER_LABEL, ROLE_LABEL = "eventing.knative.dev/broker", "eventing.knative.dev/brokerRole"
BROKER_CLASS = "RabbitMQBroker"
RESOURCE_ANNOTATIONS = {
    ("requests", CPU): "rabbitmq.eventing.knative.dev/cpu-request",
    ("limits", CPU): "rabbitmq.eventing.knative.dev/cpu-limit",
    ("requests", MEMORY): "rabbitmq.eventing.knative.dev/memory-request",
    ("limits", MEMORY): "rabbitmq.eventing.knative.dev/memory-limit",
}
PARALLELISM = "rabbitmq.eventing.knative.dev/parallelism"
INGRESS_DEFAULTS = {"requests": "50m/32Mi", "limits": "1000m/400Mi"}
DISPATCHER_DEFAULTS = {"requests": "50m/64Mi", "limits": "4000m/600Mi"}
INGRESS_PORT, DATA_PLANE_METRICS = 8080, 9090
# Each of those is a Deployment of its own (`<broker>-broker-ingress`; `<trigger>-dispatcher`,
# with `<trigger>-dlx-dispatcher` beside it when the Trigger has a deadLetterSink;
# `<broker>-dlq-dispatcher` when the Broker has one) with one replica (the dispatchers'
# `Replicas: &one`, the ingress's left to the API server's default of 1) and no strategy:
# Kubernetes' default rolling update. The reconcilers' reconcileDeployment writes the
# whole spec again whenever the template differs, as an upgrade's new images make it.
DATA_PLANE_REPLICAS = 1
DATA_PLANE_STRATEGY = None

# rabbitmq/cluster-operator v2.22.3: internal/metadata/label.go (pod labels),
# internal/resource/statefulset.go (ports, the setup init container's 20m/64Mi),
# api/v1beta1/rabbitmqcluster_types.go (default resources and replicas).
RABBITMQ_PORTS = {"epmd": 4369, "amqp": 5672, "management": 15672, "prometheus": 15692}
RABBITMQ_DIST = 25672
RABBITMQ_DEFAULT_RESOURCES = {"requests": "1000m/2Gi", "limits": "2000m/2Gi"}
RABBITMQ_SETUP = {"requests": "20m/64Mi", "limits": "20m/64Mi"}
# RabbitMQ 4.1 replaced the Kubernetes peer discovery: nodes join the -0 pod by name and
# no longer list endpoints through the Kubernetes API, which 3.7 to 4.0 did.
RABBITMQ_PEER_DISCOVERY_WITHOUT_API = (4, 1)

# The platform (Knative Serving with Kourier, Knative Eventing, the RabbitMQ operators),
# as their release manifests label their pods.
PLATFORM_NAMESPACES = (
    "kube-system",
    "knative-serving",
    "knative-eventing",
    "kourier-system",
    "rabbitmq-system",
    "openshift-dns",
    "default",
)
KOURIER_INTERNAL = 8081  # net-kourier config/300-gateway.yaml: kourier-internal -> 8081
API_SERVER_PORT = 6443


def quantity(text: str | int | float, resource: str) -> int:
    """A Kubernetes quantity as millicores (cpu) or bytes (memory)."""
    raw = str(text).strip()
    found = re.fullmatch(r"([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?", raw)
    if not found:
        raise ValueError(f"not a quantity: {raw!r}")
    number, suffix = float(found[1]), found[2] or ""
    if resource == CPU:
        return round(number if suffix == "m" else number * 1000)
    scale = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
    scale |= {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "m": 1}
    return round(number * scale[suffix] / (1000 if suffix == "m" else 1))


def _pair(text: str) -> Resources:
    cpu, memory = text.split("/")
    return {CPU: quantity(cpu, CPU), MEMORY: quantity(memory, MEMORY)}


@dataclass(frozen=True)
class Container:
    name: str
    requests: Resources = field(default_factory=dict)
    limits: Resources = field(default_factory=dict)


@dataclass(frozen=True)
class Pod:
    """A pod (or, with host_network, a process on a node; or, without namespace, an
    address outside the cluster), as NetworkPolicy and admission see it."""

    name: str
    namespace: str | None
    labels: Mapping[str, str]
    ip: str
    ports: Mapping[str, int] = field(default_factory=dict)
    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()
    host_network: bool = False
    made_by: str = ""  # which object (ours) or operator the pod comes from

    @property
    def is_pod(self) -> bool:
        return self.namespace is not None and not self.host_network


@dataclass
class Cluster:
    namespaces: dict[str, dict[str, str]]
    pods: list[Pod]

    def pod(self, name: str) -> Pod:
        found = [p for p in self.pods if p.name == name]
        assert len(found) == 1, f"{len(found)} pods named {name}"
        return found[0]

    def shop_pods(self) -> list[Pod]:
        return [p for p in self.pods if p.namespace == m.NAMESPACE]

    def made_by(self, what: str) -> list[Pod]:
        """The pods of one object (e.g. `Service/cart`, `Trigger/cart-order-placed`)."""
        return [p for p in self.pods if p.made_by == what]


class _Addresses:
    def __init__(self) -> None:
        self.next = 10

    def pod(self) -> str:
        self.next += 1
        return f"10.244.{self.next // 250}.{self.next % 250}"


def resources_of(spec: Mapping[str, object] | None) -> tuple[Resources, Resources]:
    spec = spec or {}
    parts = []
    for part in ("requests", "limits"):
        given = spec.get(part) or {}
        assert isinstance(given, Mapping)
        parts.append({r: quantity(v, r) for r, v in given.items() if r in (CPU, MEMORY)})
    return parts[0], parts[1]


def _container(spec: m.Obj) -> Container:
    requests, limits = resources_of(spec.get("resources"))
    return Container(spec.get("name", ""), requests, limits)


def _ports(containers: list[m.Obj]) -> dict[str, int]:
    return {
        port.get("name", str(port["containerPort"])): port["containerPort"]
        for container in containers
        for port in container.get("ports", [])
    }


def _annotated(annotations: Mapping[str, str], keys: Mapping[tuple[str, str], str]) -> Container:
    requests: Resources = {}
    limits: Resources = {}
    for (part, resource), key in keys.items():
        if key in annotations:
            (requests if part == "requests" else limits)[resource] = quantity(
                annotations[key], resource
            )
    return Container("", requests, limits)


def queue_proxy(template_annotations: Mapping[str, str]) -> Container:
    """The queue-proxy Knative adds beside a function's container."""
    given = _annotated(template_annotations, QUEUE_ANNOTATIONS)
    requests = {CPU: QUEUE_CPU_REQUEST_DEFAULT, **given.requests}
    return Container("queue-proxy", requests, given.limits)


def _revision_pods(obj: m.Obj, addresses: _Addresses, replicas: int) -> Iterator[Pod]:
    template = obj["spec"]["template"]
    meta, spec = template.get("metadata", {}), template["spec"]
    name = m.name_of(obj)
    # pkg/reconciler/revision/resources/meta.go: revision pods carry these besides the template's.
    labels = {
        **meta.get("labels", {}),
        "serving.knative.dev/service": name,
        "serving.knative.dev/revision": f"{name}-00001",
        "app": f"{name}-00001",
    }
    containers = (*map(_container, spec["containers"]), queue_proxy(meta.get("annotations", {})))
    ports = {"queue-port": QUEUE_HTTP, "http-autometric": QUEUE_METRICS}
    for index in range(replicas):
        yield Pod(
            f"{name}-00001-deployment-{index}",
            m.NAMESPACE,
            labels,
            addresses.pod(),
            ports,
            containers,
            tuple(map(_container, spec.get("initContainers", []))),
            made_by=m.label(obj),
        )


def revision_pod(obj: m.Obj) -> Pod:
    """One pod of a Knative Service's revision."""
    return next(_revision_pods(obj, _Addresses(), 1))


def _workload_pods(obj: m.Obj, addresses: _Addresses, replicas: int) -> Iterator[Pod]:
    template = m.pod_template(obj)
    assert template is not None
    spec = template["spec"]
    for index in range(replicas):
        yield Pod(
            f"{m.name_of(obj)}-{index}",
            m.NAMESPACE,
            template.get("metadata", {}).get("labels", {}),
            addresses.pod(),
            _ports(spec["containers"]),
            tuple(map(_container, spec["containers"])),
            tuple(map(_container, spec.get("initContainers", []))),
            made_by=m.label(obj),
        )


def rabbitmq_version(cluster: m.Obj) -> tuple[int, int]:
    image = str(cluster["spec"].get("image", ""))
    found = re.search(r":(\d+)\.(\d+)", image)
    assert found, f"{m.label(cluster)}: image {image!r} has no version"
    return int(found[1]), int(found[2])


def _rabbitmq_pods(obj: m.Obj, addresses: _Addresses) -> Iterator[Pod]:
    spec = obj["spec"]
    name = m.name_of(obj)
    labels = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": "rabbitmq",
        "app.kubernetes.io/part-of": "rabbitmq",
    }
    if "resources" in spec:
        requests, limits = resources_of(spec["resources"])
    else:
        requests, limits = (_pair(RABBITMQ_DEFAULT_RESOURCES[p]) for p in ("requests", "limits"))
    setup = Container(
        "setup-container", *(_pair(RABBITMQ_SETUP[p]) for p in ("requests", "limits"))
    )
    ports = {**RABBITMQ_PORTS, "cluster-rpc": RABBITMQ_DIST}
    for index in range(int(spec.get("replicas", 1))):
        yield Pod(
            f"{name}-server-{index}",
            m.NAMESPACE,
            labels,
            addresses.pod(),
            ports,
            (Container("rabbitmq", requests, limits),),
            (setup,),
            made_by=m.label(obj),
        )


def data_plane_container(
    name: str, annotations: Mapping[str, str], defaults: dict[str, str]
) -> Container:
    """eventing-rabbitmq's container: the annotated resources, or all of its defaults."""
    given = _annotated(annotations, RESOURCE_ANNOTATIONS)
    if not given.requests and not given.limits:
        return Container(name, _pair(defaults["requests"]), _pair(defaults["limits"]))
    return replace(given, name=name)


def _data_plane_pod(
    name: str, broker: str, role: str, container: Container, addresses: _Addresses, made_by: str
) -> Pod:
    labels = {BROKER_LABEL: broker, ROLE_LABEL: role}
    ports = {"http-metrics": DATA_PLANE_METRICS}
    if role == "ingress":
        ports["http"] = INGRESS_PORT
    return Pod(name, m.NAMESPACE, labels, addresses.pod(), ports, (container,), made_by=made_by)


def rabbitmq_brokers(objects: list[m.Obj]) -> dict[str, m.Obj]:
    return {
        m.name_of(o): o
        for o in objects
        if o.get("kind") == "Broker"
        and o["metadata"].get("annotations", {}).get("eventing.knative.dev/broker.class")
        == BROKER_CLASS
    }


def _broker_pods(objects: list[m.Obj], addresses: _Addresses) -> Iterator[Pod]:
    brokers = rabbitmq_brokers(objects)
    for name, broker in brokers.items():
        notes = broker["metadata"].get("annotations", {})
        ingress = data_plane_container("ingress", notes, INGRESS_DEFAULTS)
        yield _data_plane_pod(
            f"{name}-broker-ingress", name, "ingress", ingress, addresses, m.label(broker)
        )
        if (broker["spec"].get("delivery") or {}).get("deadLetterSink"):
            dlq = data_plane_container("dispatcher", notes, DISPATCHER_DEFAULTS)
            yield _data_plane_pod(
                f"{name}-dlq-dispatcher", name, "dispatcher", dlq, addresses, m.label(broker)
            )
    for trigger in (o for o in objects if o.get("kind") == "Trigger"):
        broker = trigger["spec"].get("broker", "default")
        if broker not in brokers:
            continue
        notes = trigger["metadata"].get("annotations", {})
        container = data_plane_container("dispatcher", notes, DISPATCHER_DEFAULTS)
        name = m.name_of(trigger)
        yield _data_plane_pod(
            f"{name}-dispatcher", broker, "dispatcher", container, addresses, m.label(trigger)
        )
        if (trigger["spec"].get("delivery") or {}).get("deadLetterSink"):
            yield _data_plane_pod(
                f"{name}-dlx-dispatcher",
                broker,
                "dispatcher",
                container,
                addresses,
                m.label(trigger),
            )


def _platform() -> list[Pod]:
    def at(name: str, namespace: str, labels: dict[str, str], ip: str, **ports: int) -> Pod:
        return Pod(name, namespace, labels, ip, ports, made_by="platform")

    return [
        at("coredns", "kube-system", {"k8s-app": "kube-dns"}, "10.244.0.2", dns=53),
        # Where pods resolve instead on clusters with NodeLocal DNSCache (a host-network
        # process on each node, at its default link-local address) or on OpenShift (the DNS
        # operator's DaemonSet: openshift/cluster-dns-operator, assets/dns/daemonset.yaml).
        Pod(
            "node-local-dns",
            "kube-system",
            {"k8s-app": "node-local-dns"},
            "169.254.20.10",
            {"dns": 53},
            host_network=True,
            made_by="platform",
        ),
        at(
            "openshift-dns",
            "openshift-dns",
            {"dns.operator.openshift.io/daemonset-dns": "default"},
            "10.244.0.10",
            dns=5353,
        ),
        Pod(
            "kube-apiserver",
            "kube-system",
            {"component": "kube-apiserver"},
            "172.18.0.2",
            {"https": API_SERVER_PORT},
            host_network=True,
            made_by="platform",
        ),
        at(
            "activator",
            "knative-serving",
            {"app": "activator", "role": "activator"},
            "10.244.0.3",
            http1=8012,
        ),
        at("autoscaler", "knative-serving", {"app": "autoscaler"}, "10.244.0.4"),
        at(
            "kourier-gateway",
            "kourier-system",
            {"app": "3scale-kourier-gateway"},
            "10.244.0.5",
            internal=KOURIER_INTERNAL,
        ),
        at(
            "rabbitmq-broker-controller",
            "knative-eventing",
            {"app": "rabbitmq-broker-controller"},
            "10.244.0.6",
        ),
        at(
            "rabbitmq-cluster-operator",
            "rabbitmq-system",
            {"app.kubernetes.io/name": "rabbitmq-cluster-operator"},
            "10.244.0.7",
        ),
        at(
            "messaging-topology-operator",
            "rabbitmq-system",
            {"app.kubernetes.io/name": "messaging-topology-operator"},
            "10.244.0.8",
        ),
        # Anyone else's pod, anywhere in the cluster.
        at("intruder", "default", {"run": "intruder"}, "10.244.0.9"),
        Pod("internet-client", None, {}, "203.0.113.10", made_by="outside"),
        Pod("payment-gateway", None, {}, "198.51.100.20", {"https": 443}, made_by="outside"),
    ]


def replicas(objects: list[m.Obj], obj: m.Obj, at_max: bool) -> int:
    """How many pods of a function or workload run, with functions at min- or max-scale."""
    if m.kind_of(obj) == m.KSVC:
        notes = obj["spec"]["template"]["metadata"].get("annotations", {})
        return int(notes.get(m.SCALE + ("max-scale" if at_max else "min-scale"), "0"))
    if obj["kind"] == "Deployment":
        for hpa in objects:
            target = (hpa.get("spec") or {}).get("scaleTargetRef", {})
            if hpa.get("kind") == "HorizontalPodAutoscaler" and target.get("name") == m.name_of(
                obj
            ):
                return int(hpa["spec"]["maxReplicas" if at_max else "minReplicas"])
    if obj["kind"] == "CronJob" and obj["spec"].get("concurrencyPolicy") not in (
        "Forbid",
        "Replace",
    ):
        return 2  # a run may still be going when the next one starts
    return int(obj["spec"].get("replicas", 1))


def build(objects: list[m.Obj], at_max: bool = True) -> Cluster:
    """The cluster once the overlay runs, with the functions at max-scale (or min-scale)."""
    addresses = _Addresses()
    pods = _platform()
    for obj in objects:
        if m.kind_of(obj) == m.KSVC:
            pods += _revision_pods(obj, addresses, replicas(objects, obj, at_max))
        elif obj.get("kind") in m.WORKLOADS or obj.get("kind") == "CronJob":
            pods += _workload_pods(obj, addresses, replicas(objects, obj, at_max))
        elif obj.get("kind") == "RabbitmqCluster":
            pods += _rabbitmq_pods(obj, addresses)
    pods += _broker_pods(objects, addresses)
    namespaces = {name: {"kubernetes.io/metadata.name": name} for name in PLATFORM_NAMESPACES}
    for obj in objects:
        if obj.get("kind") == "Namespace":
            namespaces[m.name_of(obj)] = {
                **obj["metadata"].get("labels", {}),
                "kubernetes.io/metadata.name": m.name_of(obj),
            }
    return Cluster(namespaces, pods)
