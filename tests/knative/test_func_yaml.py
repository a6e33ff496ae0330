"""Every function folder has a func.yaml that the pinned Knative func schema accepts, and that
says what the manifests say: what `func describe` shows must be what the cluster runs."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from kit import LOCAL_PORTS
from knative.checks import codeenv, schemas
from knative.checks import manifests as m
from tests.support.paths import ROOT

FUNCTIONS = sorted(p.parent for p in (ROOT / "functions").glob("*/main.py"))


def descriptor(folder: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((folder / "func.yaml").read_text()))


@cache
def base() -> list[m.Obj]:
    """The base manifests: what every overlay starts from (func.yaml knows no overlay)."""
    done = subprocess.run(
        ["kubectl", "kustomize", str(m.KNATIVE / "base")],
        capture_output=True,
        text=True,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def expected_deploy(name: str) -> dict[str, Any]:
    """func.yaml's deploy section as the base Knative Service and Triggers describe it."""
    service = m.ksvcs(base())[name]
    template = service["spec"]["template"]
    notes, spec = template["metadata"]["annotations"], template["spec"]
    container = spec["containers"][0]
    labels = service["metadata"]["labels"]
    deploy: dict[str, Any] = {
        "namespace": service["metadata"]["namespace"],
        "deployer": "knative",
        "labels": [
            {"key": key, "value": labels[key]}
            for key in (
                "app.kubernetes.io/name",
                "app.kubernetes.io/component",
                "networking.knative.dev/visibility",
            )
        ],
        "options": {
            "scale": {
                "min": int(notes[m.SCALE + "min-scale"]),
                "max": int(notes[m.SCALE + "max-scale"]),
                "metric": notes[m.SCALE + "metric"],
                "target": float(notes[m.SCALE + "target"]),
                "utilization": float(notes[m.SCALE + "target-utilization-percentage"]),
            },
            "resources": {
                "requests": container["resources"]["requests"],
                "limits": {
                    **container["resources"]["limits"],
                    "concurrency": spec["containerConcurrency"],
                },
            },
        },
        "serviceAccountName": spec["serviceAccountName"],
        "healthEndpoints": {
            "liveness": container["livenessProbe"]["httpGet"]["path"],
            "readiness": container["readinessProbe"]["httpGet"]["path"],
        },
    }
    subscriptions = [
        {"source": t["spec"]["broker"], "filters": t["spec"]["filter"]["attributes"]}
        for t in base()
        if t["kind"] == "Trigger" and t["spec"]["subscriber"]["ref"]["name"] == name
    ]
    if subscriptions:
        deploy["subscriptions"] = subscriptions
    return deploy


def test_every_function_folder_is_known_to_the_stack() -> None:
    assert {p.name for p in FUNCTIONS} == set(LOCAL_PORTS)


@pytest.mark.parametrize("folder", FUNCTIONS, ids=lambda p: p.name)
def test_func_yaml_is_valid(folder: Path) -> None:
    validator = jsonschema.Draft4Validator(schemas.func_schema())
    spec = descriptor(folder)
    errors = [e.message for e in validator.iter_errors(spec)]
    assert errors == []
    assert spec["name"] == folder.name
    assert spec["invoke"] in ("http", "cloudevent")


@pytest.mark.parametrize("folder", FUNCTIONS, ids=lambda p: p.name)
def test_func_yaml_says_what_the_manifests_say(folder: Path) -> None:
    spec = descriptor(folder)
    service = m.ksvcs(base())[folder.name]
    assert spec["namespace"] == service["metadata"]["namespace"]
    assert spec["image"] == service["spec"]["template"]["spec"]["containers"][0]["image"]
    assert spec["deploy"] == expected_deploy(folder.name)


@pytest.mark.parametrize("folder", FUNCTIONS, ids=lambda p: p.name)
def test_run_envs_are_what_the_code_reads(folder: Path) -> None:
    """`make run` starts the function with them: each one the code needs, none it doesn't."""
    names = {item["name"] for item in descriptor(folder)["run"]["envs"]}
    assert codeenv.required_env(folder.name) - {m.TEST_ONLY_ENV} <= names
    assert names <= codeenv.read_env(folder.name)


def test_a_descriptor_that_drifted_from_the_manifests_is_caught() -> None:
    drifted = expected_deploy("dispatch")
    drifted["options"]["scale"]["max"] = 5
    assert drifted != descriptor(ROOT / "functions" / "dispatch")["deploy"]
    validator = jsonschema.Draft4Validator(schemas.func_schema())
    assert not validator.is_valid({"specVersion": "0.36.0", "name": "Bad_Name"})
