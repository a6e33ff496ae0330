"""How big knative/README.md says a kind node must be is what the model computes: the
platform's requests beside the dev overlay's up to its quota (docs/capacity.md shows each
part)."""

from __future__ import annotations

from knative.checks import admission as a
from knative.checks import manifests as m
from knative.checks import platform
from knative.checks.cluster import CPU, MEMORY

README = m.KNATIVE / "README.md"
GIB = 2**30


def sizing_paragraph() -> str:
    text = README.read_text()
    start = text.index("**How big.**")
    return " ".join(text[start : text.index("\n\n", start)].split())


def test_the_readme_states_the_models_node() -> None:
    size = a.node_size(m.render("dev"))
    paragraph = sizing_paragraph()
    cpus, memory = size.least()
    assert f"at least **{cpus} CPUs and {memory} GiB of memory**" in paragraph, paragraph
    assert f"{size.disk // GIB} GiB of disk" in paragraph


def test_the_node_holds_the_platform_and_the_shop_up_to_its_quota() -> None:
    size = a.node_size(m.render("dev"))
    cpus, memory = size.least()
    assert cpus * 1000 >= size.platform[CPU] + size.quota[CPU] > (cpus - 1) * 1000
    needed = size.platform[MEMORY] + size.quota[MEMORY] + platform.NODE_ITSELF
    assert memory * GIB >= needed > (memory - 1) * GIB
    # The quota bounds what the model says the shop asks for.
    assert size.at_rest[CPU] <= size.at_max[CPU] <= size.quota[CPU]
    assert size.at_rest[MEMORY] <= size.at_max[MEMORY] <= size.quota[MEMORY]


def test_the_platform_is_every_operator_the_kind_path_installs() -> None:
    namespaces = {item.namespace for item in platform.OPERATORS}
    assert namespaces == {
        "knative-serving",
        "kourier-system",
        "knative-eventing",
        "rabbitmq-system",
    }
    names = {item.name for item in (*platform.KIND_SYSTEM, *platform.OPERATORS)}
    assert {"activator", "rabbitmq-broker-controller", "messaging-topology-operator"} <= names
    assert {"kube-apiserver", "etcd", "coredns"} <= names
