"""Every overlay renders, every object matches its schema, every rule accepts it."""

from __future__ import annotations

import re

import pytest

from knative.checks import manifests as m
from tests.jobs.backup.test_cluster import restore_objects


@pytest.fixture(scope="module", params=m.OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[m.Obj]:
    return m.render(request.param)


def test_overlay_renders_a_complete_shop(rendered: list[m.Obj]) -> None:
    kinds = {obj["kind"] for obj in rendered}
    assert {
        "Namespace",
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
        "ConfigMap",
        "Deployment",
        "StatefulSet",
        "Job",
        "HorizontalPodAutoscaler",
        "RabbitmqCluster",
        "Broker",
        "Trigger",
        "SinkBinding",
        "RabbitmqBrokerConfig",
        "Vhost",
        "User",
        "Permission",
    } <= kinds
    assert set(m.ksvcs(rendered)) == {
        "catalogue",
        "cart",
        "user",
        "shipping",
        "ratings",
        "payment",
        "dispatch",
        "deadletters",
    }
    assert {obj["metadata"].get("namespace") for obj in rendered if obj["kind"] != "Namespace"} == {
        m.NAMESPACE
    }


def test_every_object_matches_its_schema(rendered: list[m.Obj]) -> None:
    problems = [problem for obj in rendered for problem in m.schema_problems(obj)]
    assert problems == []


@pytest.mark.parametrize("rule", sorted(m.RULES))
def test_rule_accepts_the_overlay(rendered: list[m.Obj], rule: str) -> None:
    assert m.RULES[rule](rendered) == []


def test_prod_keeps_the_checkout_path_and_the_dead_letter_sink_warm() -> None:
    services = m.ksvcs(m.render("prod"))
    for name, service in services.items():
        notes = service["spec"]["template"]["metadata"]["annotations"]
        expected = "1" if name in ("cart", "payment", "deadletters") else "0"
        assert notes["autoscaling.knative.dev/min-scale"] == expected, name


def test_dev_reaches_nginx_on_a_node_port_and_prod_on_a_load_balancer() -> None:
    assert m.find(m.render("dev"), "Service", "web")["spec"]["type"] == "NodePort"
    assert m.find(m.render("prod"), "Service", "web")["spec"]["type"] == "LoadBalancer"


def test_prod_renders_no_secret_and_the_examples_agree() -> None:
    assert [o for o in m.render("prod") if o["kind"] == "Secret"] == []
    expected = m.external_secrets(m.render("prod"))
    assert set(expected) == set(m.EXTERNAL_SECRETS)
    dev = [o for o in m.render("dev") if o["kind"] == "Secret"]
    assert len(dev) == len(expected)
    for name, keys in expected.items():
        # A generated Secret's name may carry kustomize's content hash.
        (secret,) = [o for o in dev if re.fullmatch(rf"{name}(-[a-z0-9]{{10}})?", m.name_of(o))]
        assert set(secret["data"]) == keys, name


def test_every_seed_module_has_a_job_and_every_job_a_module() -> None:
    from scripts.jobs.seed.__main__ import SEEDS

    jobs = [o for o in m.render("prod") if o["kind"] == "Job"]
    stores = sorted(job["spec"]["template"]["spec"]["containers"][0]["args"][0] for job in jobs)
    assert stores == sorted(SEEDS)


def test_dev_runs_images_built_on_the_node_and_prod_fails_closed_until_given_a_registry() -> None:
    """Prod names every image of ours under a registry that never resolves: an apply before
    the images are set fails to pull, it never pulls Docker Hub's `roboshop/*`."""
    dev = m.our_images(m.render("dev"))
    assert len({image for _, image in dev}) == 10  # eight functions, the seed and nginx
    assert [image for _, image in dev if not image.startswith(m.LOCAL_REGISTRIES)] == []
    for objects in (m.render("prod"), restore_objects()):
        ours = {image for _, image in m.our_images(objects)}
        assert ours and {m.registry_of(image) for image in ours} == {m.PLACEHOLDER_REGISTRY}
    prod = m.our_images(m.render("prod"))
    assert {image.split(":")[0].removeprefix("registry.invalid/") for _, image in prod} == {
        image.split(":")[0].removeprefix("dev.local/") for _, image in dev
    }


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("roboshop/cart:0.1.0", None),
        ("registry.invalid/roboshop/cart:0.1.0", "registry.invalid"),
        ("localhost/roboshop/cart:0.1.0", "localhost"),
        ("127.0.0.1:5000/roboshop/cart:0.1.0", "127.0.0.1:5000"),
        ("cart:0.1.0", None),
    ],
)
def test_the_registry_an_image_names_is_read_as_a_runtime_reads_it(
    image: str, registry: str | None
) -> None:
    assert m.registry_of(image) == registry
