"""The monitoring component on top of each overlay: every object matches its pinned schema
and every manifest rule still holds; the PodMonitors find the functions, the monitoring
namespace may scrape them and they may reach the collector; the cluster's rules are the
local ones; the dashboard is provisioned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from knative.checks import manifests as m

COMPONENT = m.KNATIVE / "components" / "monitoring"
RULES = COMPONENT / "prometheus" / "rules.yml"


@pytest.fixture(scope="module", params=[f"{o}+monitoring" for o in m.OVERLAY_FOLDERS])
def monitored(request: pytest.FixtureRequest) -> list[m.Obj]:
    return m.render(str(request.param))


def of_kind(objects: list[m.Obj], kind: str) -> list[m.Obj]:
    return [obj for obj in objects if obj["kind"] == kind]


def test_every_object_matches_its_schema(monitored: list[m.Obj]) -> None:
    assert of_kind(monitored, "PodMonitor") and of_kind(monitored, "PrometheusRule")
    problems = [problem for obj in monitored for problem in m.schema_problems(obj)]
    assert problems == []


@pytest.mark.parametrize("rule", sorted(m.RULES))
def test_every_manifest_rule_still_holds(monitored: list[m.Obj], rule: str) -> None:
    assert m.RULES[rule](monitored) == []


def test_the_pod_monitors_select_every_function(monitored: list[m.Obj]) -> None:
    (functions,) = [p for p in of_kind(monitored, "PodMonitor") if "functions" in m.name_of(p)]
    wanted = functions["spec"]["selector"]["matchLabels"]
    for name, service in m.ksvcs(monitored).items():
        labels = service["spec"]["template"]["metadata"]["labels"]
        assert wanted.items() <= labels.items(), name
    ports = {endpoint["port"] for endpoint in functions["spec"]["podMetricsEndpoints"]}
    # Knative names the user container's port user-port and queue-proxy's metrics port
    # http-usermetric in every revision pod.
    assert ports == {"user-port", "http-usermetric"}


def test_the_monitoring_namespace_may_scrape_and_the_functions_may_export(
    monitored: list[m.Obj],
) -> None:
    policies = {m.name_of(p): p["spec"] for p in of_kind(monitored, "NetworkPolicy")}
    scrape = policies["functions-from-monitoring"]["ingress"][0]
    assert scrape["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "monitoring"
    }
    assert {port["port"] for port in scrape["ports"]} == {8080, 9091}
    export = policies["functions-to-collector"]["egress"][0]
    assert [port["port"] for port in export["ports"]] == [4318]


def test_every_function_gets_the_collector_endpoint(monitored: list[m.Obj]) -> None:
    configs = [
        c for c in of_kind(monitored, "ConfigMap") if m.name_of(c).startswith("roboshop-config")
    ]
    (config,) = configs
    assert config["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"].endswith(":4318")
    for name, service in m.ksvcs(monitored).items():
        sources = service["spec"]["template"]["spec"]["containers"][0].get("envFrom", [])
        assert {"configMapRef": {"name": m.name_of(config)}} in sources, name


def test_the_clusters_rules_are_the_local_ones(monitored: list[m.Obj]) -> None:
    (rules,) = of_kind(monitored, "PrometheusRule")
    assert rules["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]


def test_the_dashboard_is_provisioned_for_grafana(monitored: list[m.Obj]) -> None:
    (board,) = [c for c in of_kind(monitored, "ConfigMap") if "dashboard" in m.name_of(c)]
    assert board["metadata"]["labels"]["grafana_dashboard"] == "1"
    (text,) = board["data"].values()
    assert json.loads(text) == json.loads((COMPONENT / "grafana" / "roboshop.json").read_text())


def test_the_component_is_not_part_of_the_overlays() -> None:
    for overlay in m.OVERLAY_FOLDERS:
        text = Path(m.KNATIVE / "overlays" / overlay / "kustomization.yaml").read_text()
        assert "components/monitoring" not in text
