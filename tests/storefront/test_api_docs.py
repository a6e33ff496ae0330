"""The API reference at /docs/: the description nginx serves, rendered by our own page
from its JSON form (web/openapi.json, made from web/openapi.yaml)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
import yaml
from playwright.sync_api import expect

from scripts.stack.shop import Stack
from tests.contract.spec import SPEC_FILE, operations
from tests.storefront.conftest import WIDTHS


def test_nginx_serves_the_description(stack: Stack) -> None:
    answer = urllib3.request("GET", f"{stack.nginx_url}/api/openapi.yaml", timeout=10)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/yaml")
    assert answer.data == SPEC_FILE.read_bytes()


def test_the_docs_page_shows_every_operation(page: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/docs/")
    page.locator("body[data-operations]").wait_for(state="attached")
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


def card(page: Any, method: str, path: str) -> Any:
    return page.locator(f"article.operation:has(h3 code:text-is('{path}'))").filter(
        has_text=method.upper()
    )


def test_inline_answer_bodies_show_every_field(page: Any) -> None:
    page.goto("/docs/")
    page.locator("body[data-operations]").wait_for(state="attached")
    pay = card(page, "post", "/api/payment/pay/{id}")
    expect(pay.locator("dl.answers table.fields code", has_text="orderid")).to_have_count(1)
    uniqueid = card(page, "get", "/api/user/uniqueid")
    expect(uniqueid.locator("dl.answers table.fields code", has_text="uuid")).to_have_count(1)
    assert "object" not in pay.locator("dl.answers dd").first.inner_text().split()


def test_every_operation_has_a_curl_line_and_links_are_shown(page: Any, stack: Stack) -> None:
    page.goto("/docs/")
    page.locator("body[data-operations]").wait_for(state="attached")
    expect(page.locator("pre.curl")).to_have_count(len(operations()))
    search = card(page, "get", "/api/catalogue/search/{text}").locator("pre.curl")
    expect(search).to_have_text(f"curl -i '{stack.nginx_url}/api/catalogue/search/robot'")
    cities = card(page, "get", "/api/shipping/cities/{code}")
    expect(cities.locator(".links")).to_contain_text("Quote → calc")
    expect(cities.locator(".links").get_by_role("link", name="calc")).to_have_attribute(
        "href", "#op-get--api-shipping-calc-uuid-"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_docs_page_fits_the_screen(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    page.goto("/docs/")
    page.locator("body[data-operations]").wait_for(state="attached")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the docs page is {overflow}px wider than a {width}px screen"
