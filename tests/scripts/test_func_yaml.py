"""Every function folder has a func.yaml that the Knative func schema accepts."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from kit import LOCAL_PORTS
from tests.knative import schemas
from tests.support.paths import ROOT

FUNCTIONS = sorted(p.parent for p in (ROOT / "functions").glob("*/main.py"))


def test_every_function_folder_is_known_to_the_stack() -> None:
    assert {p.name for p in FUNCTIONS} <= set(LOCAL_PORTS)
    assert "catalogue" in {p.name for p in FUNCTIONS}


@pytest.mark.parametrize("folder", FUNCTIONS, ids=lambda p: p.name)
def test_func_yaml_is_valid(folder: Path) -> None:
    validator = jsonschema.Draft4Validator(schemas.func_schema())
    spec = yaml.safe_load((folder / "func.yaml").read_text())
    errors = [e.message for e in validator.iter_errors(spec)]
    assert errors == []
    assert spec["name"] == folder.name
    assert spec["invoke"] in ("http", "cloudevent")


def test_the_schema_rejects_a_broken_descriptor() -> None:
    validator = jsonschema.Draft4Validator(schemas.func_schema())
    assert not validator.is_valid({"specVersion": "0.36.0", "name": "Bad_Name"})
