"""A phone-width shop never scrolls sideways; a message survives the page it announces."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from scripts.stack.shop import Stack
from tests.storefront.shopper import register

PHONE = {"width": 375, "height": 800}
PHONE_WIDTHS = [320, 375]  # the narrowest phones in use, and the most common width
LONG_NAMES = ["EMM", "SHCE", "HPTD"]  # the longest robot names


def overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def add(page: Any, sku: str, qty: int = 1) -> None:
    page.goto(f"/#/product/{sku}")
    page.get_by_label("Quantity").fill(str(qty))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("alert")).to_contain_text("Added")


def test_price_and_stock_never_touch_on_a_phone(page: Any, stack: Stack) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page.locator(".card")).to_have_count(11)
    touching = page.evaluate(
        """[...document.querySelectorAll('.card-meta')].filter((meta) => {
            const [price, stock] = [...meta.children].map((node) => node.getBoundingClientRect());
            return stock.top < price.bottom - 1 && stock.left - price.right < 8;
        }).length"""
    )
    assert touching == 0


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_cart_and_checkout_fit_a_phone(page: Any, stack: Stack, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    for sku in LONG_NAMES:
        add(page, sku)
    add(page, "UHJ", 2)  # a five-figure subtotal
    page.goto("/#/cart")
    expect(page.locator("table.cart tbody tr")).to_have_count(4)
    # Laid out as a list of rows on a phone, it still reads as a table.
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(4)
    assert overflow(page) <= 0, f"the cart is {overflow(page)}px wider than the phone"
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Country").select_option(label="United Kingdom")
    page.get_by_label("City").press_sequentially("London", delay=40)
    expect(page.get_by_role("button", name=re.compile("^London"))).not_to_have_count(0)
    assert overflow(page) <= 0, f"the checkout is {overflow(page)}px wider than the phone"


def test_login_and_logout_messages_stay_on_the_next_page(page: Any, stack: Stack) -> None:
    name = register(page, "notice")
    expect(page.get_by_role("alert")).to_have_text(f"Welcome, {name}! Your cart came with you.")

    page.goto("/#/cart")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("alert")).to_have_text("You are logged out.")

    page.goto("/#/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(f"Welcome, {name}! Your cart came with you.")
