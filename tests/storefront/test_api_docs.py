"""The API reference at /docs/: the description nginx serves, rendered by our own page
from its JSON form (web/openapi.json, made from web/openapi.yaml)."""

from __future__ import annotations

import json
from typing import Any

import urllib3
import yaml

from scripts.stack.shop import Stack
from tests.contract.spec import SPEC_FILE, operations


def test_nginx_serves_the_description(stack: Stack) -> None:
    answer = urllib3.request("GET", f"{stack.nginx_url}/api/openapi.yaml", timeout=10)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/yaml")
    assert answer.data == SPEC_FILE.read_bytes()


def test_the_docs_page_shows_every_operation(page: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/docs/")
    page.wait_for_function("document.body.dataset.operations !== undefined")
    assert page.evaluate("document.body.dataset.operations") == str(len(operations()))
    for operation in operations().values():
        card = page.locator(f"article.operation:has(h3 code:text-is('{operation.path}'))")
        assert card.filter(has_text=operation.method).count() == 1, operation
    assert page.locator("#schema-Cart").is_visible()
    assert errors == []  # a CSP violation (an inline script, a CDN) would be one


def test_nginx_serves_the_json_the_page_reads_as_the_yaml_says(stack: Stack) -> None:
    answer = urllib3.request("GET", f"{stack.nginx_url}/api/openapi.json", timeout=10)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert json.loads(answer.data) == yaml.safe_load(SPEC_FILE.read_text())
