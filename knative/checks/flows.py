"""The flows the shop needs and the ones it must never allow, derived from the rendered objects.

Required: what each pod's configuration says it connects to (peer and store addresses
in its environment, its SinkBinding, a Trigger's subscriber and dead-letter sink), what
the platform does to the functions (the Knative ingress, activator and autoscaler), what
the operators' pods do (dispatchers, broker ingress, RabbitMQ nodes and their operators),
DNS, and the public port of nginx. Forbidden: every other way into the shop's pods from
anyone else's pod, nginx or a data-plane pod reaching a function without the Knative
ingress, a pod reaching a store, RabbitMQ, the broker or the API server without needing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from knative.checks import cluster as c
from knative.checks import codeenv
from knative.checks import manifests as m
from knative.checks.cluster import Cluster, Pod
from knative.checks.netpol import Flow

GATEWAY, ACTIVATOR, AUTOSCALER, DNS = "kourier-gateway", "activator", "autoscaler", "coredns"
API_SERVER, INTRUDER, INTERNET = "kube-apiserver", "intruder", "internet-client"
DEFAULT_PORTS = {"http": 80, "https": 443, "mongodb": 27017, "redis": 6379, "amqp": 5672}
# Where the pods' lookups go, and the port NetworkPolicy sees them on: CoreDNS's pods, or,
# with their components, NodeLocal DNSCache on the node or OpenShift's DNS pods.
DNS_PORTS = {DNS: 53, "node-local-dns": 53, "openshift-dns": 5353}


def _first(cluster: Cluster, made_by: str) -> Pod | None:
    pods = cluster.made_by(made_by)
    return pods[0] if pods else None


def _service(objects: list[m.Obj], name: str) -> m.Obj | None:
    for obj in objects:
        if m.kind_of(obj) == ("v1", "Service") and m.name_of(obj) == name:
            return obj
    return None


def _service_target(cluster: Cluster, service: m.Obj, port: int | None) -> tuple[Pod, int] | None:
    """The first pod behind a core Service, and the container port a client reaches."""
    selector = service["spec"].get("selector") or {}
    backends = [
        p
        for p in cluster.shop_pods()
        if selector and all(p.labels.get(k) == v for k, v in selector.items())
    ]
    if not backends:
        return None
    ports = service["spec"].get("ports", [])
    chosen = next((p for p in ports if port is None or p["port"] == port), None)
    if chosen is None:
        return None
    target = chosen.get("targetPort", chosen["port"])
    number = backends[0].ports.get(target) if isinstance(target, str) else target
    return (backends[0], int(number)) if number else None


def _address(value: str) -> tuple[str, int | None] | None:
    """(service name, port) of an in-namespace address in an environment value."""
    if "://" in value:
        parts = urlsplit(value)
        host, port = parts.hostname or "", parts.port or DEFAULT_PORTS.get(parts.scheme)
    else:
        host, port = value, None
    if not host.endswith("." + m.DOMAIN):
        return None
    return host.removesuffix("." + m.DOMAIN), port


def _env_flows(objects: list[m.Obj], cluster: Cluster) -> Iterator[Flow]:
    """Every peer, store and upstream address in a pod's environment."""
    ksvcs = m.ksvcs(objects)
    for obj, _, spec in m.pod_specs(objects):
        source = _first(cluster, m.label(obj))
        if source is None:
            continue
        # A function connects to what its code reads, not to all the shared config holds.
        reads = codeenv.read_env(m.name_of(obj)) if m.kind_of(obj) == m.KSVC else None
        for container in m.containers(spec):
            env = m.env_sources(objects, container)
            for name, value in env.items():
                if not value or (reads is not None and name not in reads):
                    continue
                found = _address(value)
                if found is None:
                    continue
                host, port = found
                if name.endswith("_HOST") and port is None:
                    port_value = env.get(name.removesuffix("_HOST") + "_PORT")
                    port = int(port_value) if port_value else None
                if host in ksvcs:
                    yield Flow(source.name, GATEWAY, c.KOURIER_INTERNAL, why=f"{name}: {host}")
                    continue
                service = _service(objects, host)
                target = service and _service_target(cluster, service, port)
                if target:
                    yield Flow(source.name, target[0].name, target[1], why=f"{name}: {host}")


def _ingress_pod(cluster: Cluster, broker: str) -> Pod:
    return cluster.pod(f"{broker}-broker-ingress")


def _broker_flows(objects: list[m.Obj], cluster: Cluster) -> Iterator[Flow]:
    ksvcs = m.ksvcs(objects)
    rabbit = next((p for p in cluster.shop_pods() if p.name.endswith("-server-0")), None)
    for binding in (o for o in objects if o.get("kind") == "SinkBinding"):
        sink = binding["spec"]["sink"].get("ref", {})
        subject = _first(cluster, f"Service/{binding['spec']['subject']['name']}")
        if sink.get("kind") == "Broker" and subject is not None:
            ingress = _ingress_pod(cluster, sink["name"])
            yield Flow(subject.name, ingress.name, c.INGRESS_PORT, why="K_SINK: the broker")
    for broker in c.rabbitmq_brokers(objects):
        if rabbit is not None:
            ingress = _ingress_pod(cluster, broker)
            yield Flow(ingress.name, rabbit.name, 5672, why="publishes events")
    for trigger in (o for o in objects if o.get("kind") == "Trigger"):
        name, spec = m.name_of(trigger), trigger["spec"]
        broker = spec.get("broker", "default")
        if broker not in c.rabbitmq_brokers(objects):
            continue
        ingress = _ingress_pod(cluster, broker)
        sinks = [(f"{name}-dispatcher", spec["subscriber"])]
        dead = (spec.get("delivery") or {}).get("deadLetterSink")
        if dead:
            sinks.append((f"{name}-dlx-dispatcher", dead))
        for dispatcher, destination in sinks:
            if rabbit is not None:
                yield Flow(dispatcher, rabbit.name, 5672, why="consumes its queue")
            yield Flow(dispatcher, ingress.name, c.INGRESS_PORT, why="posts reply events")
            if destination.get("ref", {}).get("name") in ksvcs:
                yield Flow(dispatcher, GATEWAY, c.KOURIER_INTERNAL, why="delivers to a function")


def _rabbitmq_flows(objects: list[m.Obj], cluster: Cluster) -> Iterator[Flow]:
    for obj in (o for o in objects if o.get("kind") == "RabbitmqCluster"):
        nodes = cluster.made_by(m.label(obj))
        yield Flow("messaging-topology-operator", nodes[0].name, 15672, why="declares topology")
        for node in nodes[1:]:
            yield Flow(node.name, nodes[0].name, c.RABBITMQ_PORTS["epmd"], why="joins the cluster")
            yield Flow(node.name, nodes[0].name, c.RABBITMQ_DIST, why="Erlang distribution")
            yield Flow(nodes[0].name, node.name, c.RABBITMQ_DIST, why="Erlang distribution")
        if c.rabbitmq_version(obj) < c.RABBITMQ_PEER_DISCOVERY_WITHOUT_API:
            for node in nodes:
                yield Flow(node.name, API_SERVER, c.API_SERVER_PORT, why="peer discovery (< 4.1)")


def _function_pods(objects: list[m.Obj], cluster: Cluster) -> list[Pod]:
    return [p for p in (_first(cluster, m.label(o)) for o in m.ksvcs(objects).values()) if p]


def required(objects: list[m.Obj], cluster: Cluster, dns: str = DNS) -> list[Flow]:
    """What the shop needs, on a cluster whose pods resolve through `dns` (DNS_PORTS)."""
    flows: list[Flow] = []
    for pod in _function_pods(objects, cluster):
        flows.append(Flow(GATEWAY, pod.name, c.QUEUE_HTTP, why="the Knative ingress routes"))
        flows.append(Flow(ACTIVATOR, pod.name, c.QUEUE_HTTP, why="buffers a cold start"))
        flows.append(Flow(AUTOSCALER, pod.name, c.QUEUE_METRICS, why="scrapes queue-proxy"))
    web = _service(objects, "web")
    if web is not None:
        target = _service_target(cluster, web, None)
        if target:
            flows.append(Flow(INTERNET, target[0].name, target[1], why="the storefront"))
    flows += _env_flows(objects, cluster)
    flows += _broker_flows(objects, cluster)
    flows += _rabbitmq_flows(objects, cluster)
    payment = _first(cluster, "Service/payment")
    if payment is not None:
        flows.append(Flow(payment.name, "payment-gateway", 443, why="an outside gateway"))
    for pod in _representatives(cluster):
        for protocol in ("UDP", "TCP"):
            flows.append(Flow(pod.name, dns, DNS_PORTS[dns], protocol, why="DNS"))
    return list(dict.fromkeys(flows))


def _representatives(cluster: Cluster) -> list[Pod]:
    """One pod of each object that makes pods in the shop's namespace."""
    seen: dict[str, Pod] = {}
    for pod in cluster.shop_pods():
        key = pod.made_by if not pod.labels.get(c.ROLE_LABEL) else pod.name
        seen.setdefault(key, pod)
    return list(seen.values())


def _ports_of(pod: Pod) -> list[int]:
    return sorted(set(pod.ports.values()) | ({8080} if "queue-port" in pod.ports else set()))


def forbidden(objects: list[m.Obj], cluster: Cluster, dns: str = DNS) -> list[Flow]:
    need = {(f.source, f.destination, f.port) for f in required(objects, cluster, dns)}
    pods = _representatives(cluster)
    functions = {p.name for p in _function_pods(objects, cluster)}
    stores_and_queues = [p for p in pods if p.ports.keys() & {"mongodb", "redis", "mysql", "amqp"}]
    flows: list[Flow] = []
    for pod in pods:
        for port in _ports_of(pod):
            if (INTERNET, pod.name, port) not in need:
                flows.append(Flow(INTRUDER, pod.name, port, why="anyone else's pod"))
    for pod in pods:
        for target in [*stores_and_queues, *(p for p in pods if p.name in functions)]:
            for port in _ports_of(target) if target.name in functions else target.ports.values():
                if pod is not target and (pod.name, target.name, port) not in need:
                    flows.append(Flow(pod.name, target.name, port, why="not its store or peer"))
        for name in (INTRUDER, "payment-gateway"):  # a resolver of anyone's choosing
            for port in sorted(set(DNS_PORTS.values())):
                flows.append(Flow(pod.name, name, port, "UDP", why="DNS to the resolver only"))
        for name, port, why in (
            (GATEWAY, c.KOURIER_INTERNAL, "needs no function"),
            (API_SERVER, c.API_SERVER_PORT, "needs no Kubernetes API"),
            ("payment-gateway", 443, "needs no outside service"),
        ):
            if (pod.name, name, port) not in need:
                flows.append(Flow(pod.name, name, port, why=why))
        for ingress in (p for p in pods if p.labels.get(c.ROLE_LABEL) == "ingress"):
            if pod is not ingress and (pod.name, ingress.name, c.INGRESS_PORT) not in need:
                flows.append(Flow(pod.name, ingress.name, c.INGRESS_PORT, why="sends no event"))
    return list(dict.fromkeys(flows))
