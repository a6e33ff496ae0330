"""web/openapi.json, what the /docs/ page reads, is web/openapi.yaml as it stands."""

from __future__ import annotations

import json

import yaml

from scripts.docs import openapi_json


def test_the_committed_json_is_what_the_generator_writes() -> None:
    assert openapi_json.PAGE.read_text(encoding="utf-8") == openapi_json.page(), (
        "web/openapi.yaml changed: run `python -m scripts.docs.openapi_json` and commit"
    )


def test_the_json_holds_the_yaml_value_for_value() -> None:
    spec = yaml.safe_load(openapi_json.SOURCE.read_text(encoding="utf-8"))
    assert json.loads(openapi_json.PAGE.read_text(encoding="utf-8")) == spec
    assert spec["paths"], "an empty description would pass the first test too"
