"""The eventing manifests are valid against the pinned upstream CRD schemas."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from kit import LOCAL_PORTS
from knative.checks import schemas
from scripts.stack.processes import ROOT

EVENTING = ROOT / "knative" / "base" / "eventing"


def documents() -> list[dict[str, Any]]:
    found = []
    for path in sorted(EVENTING.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return found


@pytest.fixture(scope="module")
def crds() -> dict[tuple[str, str], dict[str, Any]]:
    return schemas.crd_schemas()


def test_every_eventing_manifest_is_valid_against_its_crd(
    crds: dict[tuple[str, str], dict[str, Any]],
) -> None:
    kinds = []
    for document in documents():
        key = (document["apiVersion"], document["kind"])
        assert key in crds, f"no CRD for {key}"
        jsonschema.validate(document, crds[key])
        assert document["metadata"]["namespace"] == "roboshop"
        kinds.append(document["kind"])
    assert sorted(set(kinds)) == ["Broker", "RabbitmqBrokerConfig", "SinkBinding", "Trigger"]


def test_a_bad_manifest_is_caught_by_the_schemas(
    crds: dict[tuple[str, str], dict[str, Any]],
) -> None:
    trigger = next(d for d in documents() if d["kind"] == "Trigger")
    broken = {**trigger, "spec": {**trigger["spec"], "delivery": {"retry": "five"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, crds[("eventing.knative.dev/v1", "Trigger")])


def test_the_broker_is_rabbitmq_backed_and_payment_and_deadletters_get_its_address() -> None:
    by_kind = {d["kind"]: d for d in documents()}
    broker = by_kind["Broker"]
    bindings = {d["spec"]["subject"]["name"]: d for d in documents() if d["kind"] == "SinkBinding"}
    assert set(bindings) == {"payment", "deadletters"}
    assert broker["metadata"]["annotations"]["eventing.knative.dev/broker.class"] == (
        "RabbitMQBroker"
    )
    assert broker["spec"]["config"]["kind"] == "RabbitmqBrokerConfig"
    assert broker["spec"]["config"]["name"] == by_kind["RabbitmqBrokerConfig"]["metadata"]["name"]
    for name, binding in bindings.items():
        assert binding["spec"]["subject"] == {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "name": name,
        }
        assert binding["spec"]["sink"]["ref"]["name"] == broker["metadata"]["name"]


def test_triggers_deliver_to_function_services_with_a_dead_letter_sink() -> None:
    for trigger in (d for d in documents() if d["kind"] == "Trigger"):
        spec = trigger["spec"]
        assert spec["subscriber"]["ref"]["kind"] == "Service"
        assert spec["subscriber"]["ref"]["name"] in LOCAL_PORTS
        assert spec["subscriber"]["uri"].startswith("/events/")
        assert spec["delivery"]["backoffPolicy"] in ("exponential", "linear")
        # Never a consumer of its own dead letters: the sink of its own (deadletters).
        assert spec["delivery"]["deadLetterSink"]["ref"]["name"] == "deadletters"


def test_the_folder_renders_with_kustomize(tmp_path: Path) -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(EVENTING)], check=True, capture_output=True, text=True
    ).stdout
    kinds = sorted(d["kind"] for d in yaml.safe_load_all(rendered) if d)
    assert kinds == ["Broker", "RabbitmqBrokerConfig", *["SinkBinding"] * 2, *["Trigger"] * 10]
