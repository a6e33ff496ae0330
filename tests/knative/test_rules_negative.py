"""Each rule objects to a deliberately broken copy of the prod shop."""

from __future__ import annotations

from pathlib import Path

import pytest

from knative.checks import codeenv
from knative.checks import manifests as m

KSVC = "Service"


@pytest.fixture
def prod() -> list[m.Obj]:
    return m.render("prod")


def _ksvc(objects: list[m.Obj], name: str) -> m.Obj:
    return m.ksvcs(objects)[name]


def _container(service: m.Obj) -> m.Obj:
    container: m.Obj = service["spec"]["template"]["spec"]["containers"][0]
    return container


def _annotations(service: m.Obj) -> dict[str, object]:
    annotations: dict[str, object] = service["spec"]["template"]["metadata"]["annotations"]
    return annotations


def test_min_scale_above_max_scale(prod: list[m.Obj]) -> None:
    _annotations(_ksvc(prod, "cart"))["autoscaling.knative.dev/min-scale"] = "20"
    assert m.rule_scale_bounds(prod) == ["Service/cart: min-scale 20 > max-scale 10"]


def test_annotation_that_is_a_number(prod: list[m.Obj]) -> None:
    _annotations(_ksvc(prod, "user"))["autoscaling.knative.dev/max-scale"] = 5
    assert m.rule_annotations_are_strings(prod) == [
        "Service/user: template annotations autoscaling.knative.dev/max-scale is not a string"
    ]


@pytest.mark.parametrize("name", sorted(m.RESERVED_ENV))
def test_reserved_env_name(prod: list[m.Obj], name: str) -> None:
    _container(_ksvc(prod, "dispatch"))["env"].append({"name": name, "value": "x"})
    assert m.rule_no_reserved_env(prod) == [f"Service/dispatch: sets reserved env {name}"]


def test_trigger_to_a_missing_subscriber(prod: list[m.Obj]) -> None:
    objects, trigger = m.broken(prod, "Trigger", "cart-order-placed")
    trigger["spec"]["subscriber"]["ref"]["name"] = "carts"
    assert m.rule_references_exist(objects) == [
        "Trigger/cart-order-placed: subscriber Service/carts missing"
    ]


def test_sink_binding_to_a_missing_subject(prod: list[m.Obj]) -> None:
    objects, binding = m.broken(prod, "SinkBinding", "payment-orders")
    binding["spec"]["subject"]["name"] = "checkout"
    assert m.rule_references_exist(objects) == [
        "SinkBinding/payment-orders: subject Service/checkout missing"
    ]


def test_url_to_a_missing_service(prod: list[m.Obj]) -> None:
    config = next(o for o in prod if o["kind"] == "ConfigMap" and "CART_URL" in o["data"])
    config["data"]["CART_URL"] = "http://basket.roboshop.svc.cluster.local"
    problems = m.rule_references_exist(prod)
    assert problems and all("CART_URL points at basket." in p for p in problems)


def test_url_outside_the_cluster(prod: list[m.Obj]) -> None:
    env = _container(_ksvc(prod, "catalogue"))["env"]
    next(item for item in env if item["name"] == "MONGO_URL")["value"] = "mongodb://127.0.0.1"
    assert m.rule_references_exist(prod) == [
        "Service/catalogue: MONGO_URL='mongodb://127.0.0.1' is not a cluster address"
    ]


def test_service_selector_that_matches_no_pod(prod: list[m.Obj]) -> None:
    objects, service = m.broken(prod, "Service", "redis")
    service["spec"]["selector"] = {"app.kubernetes.io/name": "valkey"}
    assert m.rule_selectors_match(objects) == ["Service/redis: selector matches no pod template"]


def test_deployment_selector_that_misses_its_pods(prod: list[m.Obj]) -> None:
    objects, web = m.broken(prod, "Deployment", "web")
    web["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] = "nginx"
    problems = m.rule_selectors_match(objects)
    assert "Deployment/web: selector does not match its own pods" in problems


def test_secret_key_that_does_not_exist(prod: list[m.Obj]) -> None:
    env = _container(_ksvc(prod, "cart"))["env"]
    ref = next(item for item in env if item["name"] == "SESSION_SECRET")
    ref["valueFrom"]["secretKeyRef"]["key"] = "SESSION_KEY"
    assert m.rule_env_sources_exist(prod) == [
        "Service/cart: SESSION_SECRET from missing Secret roboshop-secrets/SESSION_KEY"
    ]


def test_config_map_that_does_not_exist(prod: list[m.Obj]) -> None:
    _container(_ksvc(prod, "ratings"))["envFrom"][0]["configMapRef"]["name"] = "settings"
    assert m.rule_env_sources_exist(prod) == ["Service/ratings: ConfigMap settings missing"]


def test_code_env_without_a_source(prod: list[m.Obj]) -> None:
    container = _container(_ksvc(prod, "catalogue"))
    container["env"] = [item for item in container["env"] if item["name"] != "MONGO_URL"]
    assert m.rule_code_env_has_source(prod) == [
        "Service/catalogue: its code reads MONGO_URL, which nothing sets"
    ]


def test_k_sink_needs_the_sink_binding(prod: list[m.Obj]) -> None:
    objects = [o for o in prod if o["kind"] != "SinkBinding"]
    assert m.rule_code_env_has_source(objects) == [
        "Service/deadletters: its code reads K_SINK, which nothing sets",
        "Service/payment: its code reads K_SINK, which nothing sets",
    ]


def test_data_namespace_set_in_the_cluster(prod: list[m.Obj]) -> None:
    _container(_ksvc(prod, "user"))["env"].append({"name": "DATA_NAMESPACE", "value": "t_"})
    assert m.rule_code_env_has_source(prod) == [
        "Service/user: DATA_NAMESPACE must stay unset in a cluster"
    ]


@pytest.mark.parametrize("image", ["roboshop/cart", "roboshop/cart:latest", "roboshop/cart:dev"])
def test_image_without_a_version(prod: list[m.Obj], image: str) -> None:
    _container(_ksvc(prod, "cart"))["image"] = image
    assert m.rule_pinned_images(prod) == [
        f"Service/cart: image {image!r} is not pinned to a version"
    ]


@pytest.mark.parametrize(
    ("field", "value", "missing"),
    [
        ("readOnlyRootFilesystem", False, "readOnlyRootFilesystem"),
        ("allowPrivilegeEscalation", True, "allowPrivilegeEscalation: false"),
        ("capabilities", {"drop": ["NET_RAW"]}, "capabilities drop ALL"),
        ("seccompProfile", {"type": "Unconfined"}, "seccompProfile RuntimeDefault"),
        ("runAsNonRoot", False, "runAsNonRoot"),
    ],
)
def test_security_context_gap(prod: list[m.Obj], field: str, value: object, missing: str) -> None:
    _container(_ksvc(prod, "shipping"))["securityContext"][field] = value
    assert m.rule_hardened_workloads(prod) == [
        f"Service/shipping container shipping: security context lacks {missing}"
    ]


def test_missing_probe_and_limits(prod: list[m.Obj]) -> None:
    objects, mysql = m.broken(prod, "StatefulSet", "mysql")
    container = mysql["spec"]["template"]["spec"]["containers"][0]
    del container["livenessProbe"]
    del container["resources"]["limits"]["memory"]
    assert m.rule_hardened_workloads(objects) == [
        "StatefulSet/mysql container mysql: no livenessProbe",
        "StatefulSet/mysql container mysql: no memory limits",
    ]


def test_concurrency_that_differs_from_the_threads(prod: list[m.Obj]) -> None:
    _ksvc(prod, "payment")["spec"]["template"]["spec"]["containerConcurrency"] = 10
    assert m.rule_knative_functions(prod) == [
        "Service/payment: containerConcurrency is not WORKERS x THREADS"
    ]


@pytest.mark.parametrize("shutdown", ["30", "45", None])
def test_shutdown_that_outlasts_the_grace_period(prod: list[m.Obj], shutdown: str | None) -> None:
    container = _ksvc(prod, "cart")["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [item for item in container["env"] if item["name"] != "SHUTDOWN_SECONDS"]
    if shutdown is not None:
        container["env"].append({"name": "SHUTDOWN_SECONDS", "value": shutdown})
    assert m.rule_knative_functions(prod) == [
        "Service/cart: SHUTDOWN_SECONDS is not under timeoutSeconds"
    ]


def test_function_reachable_from_outside(prod: list[m.Obj]) -> None:
    del _ksvc(prod, "user")["metadata"]["labels"]["networking.knative.dev/visibility"]
    assert m.rule_knative_functions(prod) == ["Service/user: not cluster-local"]


def test_schema_rejects_an_unknown_field(prod: list[m.Obj]) -> None:
    service = _ksvc(prod, "cart")
    service["spec"]["template"]["spec"]["containerConcurency"] = 4
    assert any("containerConcurency" in p for p in m.schema_problems(service))
    _, trigger = m.broken(prod, "Trigger", "user-order-placed")
    trigger["spec"]["delivery"]["retry"] = "five"
    assert m.schema_problems(trigger)
    _, quota = m.broken(prod, "ResourceQuota", "roboshop")
    quota["spec"]["hardd"] = {}
    assert m.schema_problems(quota)


def test_env_scan_follows_kit_calls(tmp_path: Path) -> None:
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "__init__.py").write_text("from kit.conf import env\n")
    (tmp_path / "kit" / "conf.py").write_text(
        "import os\n"
        "def env(name, default):\n    return os.environ.get(name) or default\n"
        "def url():\n    return env('STORE_URL', 'http://127.0.0.1:1')\n"
        "def unused():\n    return env('NEVER_URL', '')\n"
    )
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "main.py").write_text(
        "from kit import conf, env\nA = conf.url()\nB = env('KNOB', '3')\nC = env('OFF', '')\n"
        "from fn.settings import FnSettings\nD = FnSettings.current().fn_token\n"
    )
    (tmp_path / "fn" / "settings.py").write_text(
        "from kit.settings import Settings\n"
        "class FnSettings(Settings):\n    fn_token: str\n    fn_limit: int = 3\n"
    )
    (tmp_path / "kit" / "settings.py").write_text(
        "class Settings:\n    pass\nclass Unused(Settings):\n    never_read: str\n"
    )
    reads = codeenv.Reach(codeenv.load_modules(tmp_path)).needs("fn")
    assert {r.name for r in reads} == {"STORE_URL", "KNOB", "OFF", "FN_TOKEN", "FN_LIMIT"}
    assert {r.name for r in reads if r.required} == {"STORE_URL", "FN_TOKEN"}


def test_a_secret_on_a_command_line(prod: list[m.Obj]) -> None:
    objects, redis = m.broken(prod, "StatefulSet", "redis")
    redis["spec"]["template"]["spec"]["containers"][0]["args"] = [
        "--requirepass",
        "$(REDIS_PASSWORD)",
    ]
    assert m.rule_no_secret_on_command_line(objects) == [
        "StatefulSet/redis container redis: REDIS_PASSWORD on its command line"
    ]


def test_rabbitmq_topology_that_names_what_is_not_there(prod: list[m.Obj]) -> None:
    objects, config = m.broken(prod, "RabbitmqBrokerConfig", "roboshop-broker-config")
    config["spec"]["rabbitmqClusterReference"]["connectionSecret"]["name"] = "rabbit"
    config["spec"]["vhost"] = "/"
    permission = m.find(objects, "Permission", "roboshop-broker")
    permission["spec"]["userReference"]["name"] = "admin"
    assert m.rule_references_exist(objects) == [
        "RabbitmqBrokerConfig/roboshop-broker-config: Secret rabbit missing",
        "RabbitmqBrokerConfig/roboshop-broker-config: no Vhost named /",
        "Permission/roboshop-broker: no User admin",
    ]


def test_a_connection_secret_without_its_keys(prod: list[m.Obj]) -> None:
    dev = m.render("dev")
    secret = m.find(dev, "Secret", "broker-rabbitmq")
    del secret["data"]["uri"]
    assert m.rule_references_exist(dev) == [
        "RabbitmqBrokerConfig/roboshop-broker-config: Secret broker-rabbitmq lacks uri"
    ]


def test_an_image_of_ours_without_a_registry(prod: list[m.Obj]) -> None:
    _container(_ksvc(prod, "cart"))["image"] = "roboshop/cart:0.1.0"
    assert m.rule_our_images_name_a_registry(prod) == [
        "Service/cart: image 'roboshop/cart:0.1.0' names no registry (Docker Hub's would be pulled)"
    ]
