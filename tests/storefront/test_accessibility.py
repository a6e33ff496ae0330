"""axe-core (web/package.json, pinned) on every kind of page at a laptop's and a phone's
width, failing on any serious or critical violation; and a normal journey with a quiet
console (issue 23, items 6 and 7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from scripts.stack.shop import Stack
from tests.storefront.conftest import WIDTHS, blocking_violations, console_errors
from tests.storefront.shopping import PAY, add, register, ship_to


def home(page: Any) -> None:
    page.goto("/")
    expect(page.locator(".card")).to_have_count(11)


def product(page: Any) -> None:
    page.goto("/#/product/STAN-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stan")


def cart(page: Any) -> None:
    add(page, "RMC")
    page.goto("/#/cart")
    expect(page.locator("table.cart tbody tr")).to_have_count(1)


def checkout(page: Any) -> None:
    add(page, "RMC")
    page.goto("/#/checkout")
    ship_to(page, "United Kingdom", "Lond", "London")


def declined(page: Any) -> None:
    add(page, "UHJ", 3)
    page.goto("/#/checkout")
    ship_to(page, "France", "Pari", "Paris")
    page.get_by_role("button", name=PAY).click()
    expect(page.locator("#pay-error")).to_be_visible()


def orders(page: Any) -> None:
    register(page)
    add(page, "RMC")
    page.goto("/#/checkout")
    ship_to(page, "United Kingdom", "Lond", "London")
    page.get_by_role("button", name=PAY).click()
    page.get_by_role("link", name="your orders").click()
    # Listed once its event reaches the history: on a busy machine, seconds after the pay.
    expect(page.locator(".order-card")).to_have_count(1, timeout=30_000)


def login(page: Any) -> None:
    page.goto("/#/login")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def docs(page: Any) -> None:
    page.goto("/docs/")
    page.locator("body[data-operations]").wait_for(state="attached")


PAGES: dict[str, Callable[[Any], None]] = {
    "home": home,
    "product": product,
    "cart": cart,
    "checkout": checkout,
    "declined payment": declined,
    "orders": orders,
    "login": login,
    "docs": docs,
}


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violation(
    page: Any, stack: Stack, axe_source: str, name: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    PAGES[name](page)
    assert blocking_violations(page, axe_source) == []


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_a_normal_journey_logs_no_console_error(page: Any, stack: Stack, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    errors = console_errors(page)
    page.goto("/")
    expect(page.locator(".card")).to_have_count(11)
    register(page)
    add(page, "STAN-1")
    page.goto("/#/cart")
    page.get_by_role("link", name="Checkout").click()
    ship_to(page, "Germany", "Muni", "Munich")
    page.get_by_role("button", name=PAY).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    page.get_by_role("link", name="your orders").click()
    expect(page.locator(".order-card .status")).to_have_text("dispatched", timeout=20_000)
    page.goto("/#/checkout")
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    page.goto("/#/cart")
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    assert errors == []
