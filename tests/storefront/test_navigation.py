"""Moving on before a page has its data: the late answer never covers the new page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.storefront.conftest import needs
from tests.storefront.stack import Stack


def test_a_late_answer_for_the_page_left_does_not_replace_the_page_shown(
    page: Any, stack: Stack
) -> None:
    needs("catalogue", "user")
    held: list[Any] = []
    page.route("**/api/catalogue/products", lambda route: held.append(route))
    page.goto("/#/")
    for _ in range(100):  # Playwright hands over routed requests while the page is waited on
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the product list was never asked for"
    page.goto("/#/login")
    expect(page.get_by_label("User name")).to_be_visible()
    held[0].continue_()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_role("heading", name="All robots")).to_have_count(0)
