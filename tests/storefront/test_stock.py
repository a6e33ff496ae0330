"""The storefront shows the catalogue's stock: how few are left on a product, and the cart's
refusal of a line beyond the stock, with the units there are."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pymongo
import pytest
from playwright.sync_api import expect

from scripts.stack.shop import Stack
from tests.storefront.test_journeys import add_to_cart, cart_count

NAME = "Responsive Enforcer Droid"


@pytest.fixture
def restock(stack: Stack, mongo_url: str, namespace: str) -> Iterator[Callable[[int], None]]:
    """Sets RED's stock in the shop's catalogue; the seed's 5 again afterwards."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_url)
    products = client[f"{namespace}catalogue"]["products"]

    def to(instock: int) -> None:
        products.update_one({"sku": "RED"}, {"$set": {"instock": instock}})

    try:
        yield to
    finally:
        to(5)
        client.close()


def test_a_product_with_few_left_says_how_many(page: Any, restock: Callable[[int], None]) -> None:
    restock(3)
    page.goto("/#/product/RED")
    expect(page.locator(".details .stock")).to_have_text("Only 3 in stock")
    restock(40)
    page.reload()
    expect(page.locator(".details .stock")).to_have_text("In stock")


def test_an_add_beyond_the_stock_says_how_many_there_are(
    page: Any, restock: Callable[[int], None]
) -> None:
    restock(4)
    page.goto("/#/product/RED")
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    restock(1)  # sold while the shopper looked
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("alert")).to_have_text(f"Sorry, only 1 of {NAME} is in stock.")
    expect(page.locator(".details .stock")).to_have_text("Only 1 in stock")
    cart_count(page).to_have_text("0")
    add_to_cart(page, NAME, 1)
    cart_count(page).to_have_text("1")


def test_a_cart_quantity_beyond_the_stock_is_refused_and_kept(
    page: Any, restock: Callable[[int], None]
) -> None:
    restock(2)
    page.goto("/#/product/RED")
    add_to_cart(page, NAME, 2)
    page.goto("/#/cart")
    quantity = page.get_by_label(f"Quantity of {NAME}")
    quantity.fill("3")
    quantity.press("Tab")
    expect(page.get_by_role("alert")).to_have_text(f"Sorry, only 2 of {NAME} are in stock.")
    expect(quantity).to_have_value("2")
