"""What the platform's own pods request, outside the shop's namespace: Kubernetes' system
pods on a kind node, and the operators knative/README.md installs, at the versions of
versions.yaml. The scheduler places a pod by its requests, so these and the shop's
(admission.py) are what a node must hold. Each figure names the manifest it is read from.
"""

from __future__ import annotations

from dataclasses import dataclass

from knative.checks.cluster import CPU, MEMORY, Resources, quantity


@dataclass(frozen=True)
class Requests:
    namespace: str
    name: str
    replicas: int
    cpu: str
    memory: str
    source: str

    def total(self) -> Resources:
        return {
            CPU: quantity(self.cpu, CPU) * self.replicas,
            MEMORY: quantity(self.memory, MEMORY) * self.replicas,
        }


# kind reserves nothing for the node's own processes (kubelet, containerd, the image
# store's cache): half a GiB beside the pods is our margin for them, not a measurement.
NODE_ITSELF = 512 * 2**20


def _table(text: str) -> tuple[Requests, ...]:
    """Rows of namespace, name, replicas, cpu, memory, and the manifest they come from."""
    rows = [line.split(maxsplit=5) for line in text.strip().splitlines()]
    return tuple(
        Requests(ns, name, int(n), cpu, mem, source) for ns, name, n, cpu, mem, source in rows
    )


# A kind v0.30.0 node: kubeadm's static pods and CoreDNS (kubernetes/kubernetes
# cmd/kubeadm/app/phases/...), and kind's CNI.
KIND_SYSTEM = _table("""
kube-system  kube-apiserver           1  250m  0      kubeadm controlplane/manifests.go
kube-system  kube-controller-manager  1  200m  0      kubeadm controlplane/manifests.go
kube-system  kube-scheduler           1  100m  0      kubeadm controlplane/manifests.go
kube-system  etcd                     1  100m  100Mi  kubeadm etcd/local.go
kube-system  coredns                  2  100m  70Mi   kubeadm addons/dns/manifests.go
kube-system  kindnet                  1  100m  50Mi   kind pkg/build/nodeimage/const_cni.go
""")

# The operators, each as its release's manifest requests it (one replica unless it says
# more; the activator's and webhooks' HPAs start at one), at the matrix's tags: Knative's
# config/core/deployments/, net-kourier's config/, eventing-rabbitmq's config/broker/, the
# RabbitMQ operators' config/manager/. cert-manager's chart sets no resources.
OPERATORS = _table("""
knative-serving  activator                   1 300m 60Mi  serving activator.yaml
knative-serving  autoscaler                  1 100m 100Mi serving autoscaler.yaml
knative-serving  controller                  1 100m 100Mi serving controller.yaml
knative-serving  webhook                     1 100m 100Mi serving webhook.yaml
knative-serving  net-kourier-controller      1 200m 200Mi net-kourier 300-controller.yaml
kourier-system   3scale-kourier-gateway      1 200m 200Mi net-kourier 300-gateway.yaml
knative-eventing eventing-controller         1 100m 100Mi eventing controller.yaml
knative-eventing eventing-webhook            1 100m 50Mi  eventing webhook.yaml
knative-eventing job-sink                    1 125m 64Mi  eventing job-sink.yaml
knative-eventing rabbitmq-broker-controller  1 100m 100Mi eventing-rabbitmq 500-broker-controller
knative-eventing rabbitmq-broker-webhook     1 20m  20Mi  eventing-rabbitmq 500-webhook.yaml
rabbitmq-system  rabbitmq-cluster-operator   1 200m 500Mi cluster-operator manager.yaml
rabbitmq-system  messaging-topology-operator 1 300m 128Mi topology-operator manager.yaml
""")


def total(requests: tuple[Requests, ...]) -> Resources:
    found = {CPU: 0, MEMORY: 0}
    for item in requests:
        for resource, value in item.total().items():
            found[resource] += value
    return found
