"""Shoppers' journeys through the real storefront, nginx and functions, in Chromium."""

from __future__ import annotations

import re
from typing import Any

import pymongo
import pytest
from playwright.sync_api import expect

from scripts.stack.shop import Stack
from tests.storefront.shopper import register

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMES = "\N{MULTIPLICATION SIGN}"  # the shop writes "2 (times) Stan"
UNAVAILABLE = "The shop is unavailable right now"


def open_product(page: Any, name: str) -> None:
    page.get_by_role("link", name=name, exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def add_to_cart(page: Any, name: str, qty: int = 1) -> None:
    page.get_by_label("Quantity").fill(str(qty))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Added {qty} {TIMES} {name}")


def ship_to(page: Any, country: str, typed: str, city: str) -> None:
    page.get_by_label("Country").select_option(label=country)
    page.get_by_label("City").press_sequentially(typed, delay=40)
    page.get_by_role("button", name=re.compile(f"^{city}")).first.click()
    expect(page.locator("#ship-cost")).to_have_text(re.compile(r"€"))
    page.get_by_role("button", name="Confirm shipping").click()
    expect(page.get_by_role("button", name=re.compile(r"^Pay €"))).to_be_visible()


def cart_count(page: Any) -> Any:
    return expect(page.locator("#cart-count"))


def test_anonymous_shopper_buys_two_robots(page: Any, stack: Stack) -> None:
    page.goto("/")
    expect(page.get_by_role("list", name="Products").get_by_role("listitem")).to_have_count(11)

    page.get_by_role("navigation", name="Categories").get_by_role(
        "link", name="Artificial Intelligence"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Artificial Intelligence")
    expect(page.get_by_role("link", name="Watson")).to_be_visible()
    page.get_by_role("link", name="All robots").first.click()

    open_product(page, "Robotic Mining Cyborg")
    expect(page.get_by_role("img", name="Drawing of Robotic Mining Cyborg")).to_be_visible()
    expect(page.locator(".price.big")).to_have_text("€42.00")
    page.get_by_role("button", name="Rate 4 out of 5").click()
    expect(page.get_by_text("You rated it 4 out of 5")).to_be_visible()
    expect(page.locator("#rating-summary")).to_contain_text("out of 5 from")
    add_to_cart(page, "Robotic Mining Cyborg")

    page.get_by_label("Search robots").fill("mascot")
    page.get_by_label("Search robots").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("mascot")
    open_product(page, "Stan")
    add_to_cart(page, "Stan")
    cart_count(page).to_have_text("2")

    page.get_by_role("link", name=re.compile("^Cart")).click()
    page.get_by_label("Quantity of Robotic Mining Cyborg").fill("3")
    page.get_by_label("Quantity of Robotic Mining Cyborg").press("Tab")
    expect(page.locator("#cart-total")).to_have_text("€193.00")  # 3 x 42 + 67
    expect(page.locator("#cart-tax")).to_have_text("€32.17")  # 193 - 193 / 1.2
    cart_count(page).to_have_text("4")

    page.reload()  # the anonymous cart survives a reload
    expect(page.locator("#cart-total")).to_have_text("€193.00")
    page.get_by_role("link", name="Checkout").click()
    ship_to(page, "United Kingdom", "Lond", "London")
    page.get_by_role("button", name=re.compile(r"^Pay €")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    assert UUID.match(page.locator("#order-id").inner_text())
    cart_count(page).to_have_text("0")


def test_login_carries_the_anonymous_cart_over(page: Any, stack: Stack) -> None:
    page.goto("/#/product/SHCE")
    add_to_cart(page, "Strategic Human Control Emulator", 2)

    name = register(page)

    cart_count(page).to_have_text("2")
    page.goto("/#/cart")
    expect(page.get_by_label("Quantity of Strategic Human Control Emulator")).to_have_value("2")
    page.reload()
    expect(page.get_by_text(f"Hi, {name}")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    cart_count(page).to_have_text("0")

    page.goto("/#/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    cart_count(page).to_have_text("2")


def test_wrong_password_is_refused_clearly(page: Any, stack: Stack) -> None:
    page.goto("/#/login")
    page.get_by_label("User name").fill("user")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("don't match")


def test_history_shows_the_order_dispatched(page: Any, stack: Stack) -> None:
    name = register(page)
    page.goto("/#/product/STAN-1")
    add_to_cart(page, "Stan")
    page.goto("/#/checkout")
    ship_to(page, "Germany", "Muni", "Munich")
    page.get_by_role("button", name=re.compile(r"^Pay €")).click()
    order_id = page.locator("#order-id").inner_text()

    page.get_by_role("link", name="your orders").click()
    order = page.locator(f'[data-order="{order_id}"]')
    # No Refresh to press: the page follows an order on its way by itself.
    expect(page.get_by_role("button", name="Refresh")).to_have_count(0)
    expect(order.locator(".status")).to_have_text("dispatched", timeout=20_000)
    expect(order).to_contain_text(f"1 {TIMES} Stan")
    expect(order).to_contain_text("To Munich, Germany")
    assert page.get_by_text(f"Hi, {name}").is_visible()


def test_out_of_stock_robot_cannot_be_added(page: Any, stack: Stack) -> None:
    page.goto("/#/product/CNA")
    expect(page.get_by_text("This robot is out of stock")).to_be_visible()
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)


def test_robot_selling_out_while_shopping_gives_a_message(
    page: Any, stack: Stack, mongo_url: str, namespace: str
) -> None:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_url)
    products = client[f"{namespace}catalogue"]["products"]
    page.goto("/#/product/EPE")
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    before = products.find_one({"sku": "EPE"}, {"instock": 1})
    assert before is not None
    products.update_one({"sku": "EPE"}, {"$set": {"instock": 0}})
    try:
        page.get_by_role("button", name="Add to cart").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Sorry, Extreme Probe Emulator is out of stock"
        )
        cart_count(page).to_have_text("0")
    finally:
        products.update_one({"sku": "EPE"}, {"$set": {"instock": before["instock"]}})


def test_declined_payment_is_explained(page: Any, stack: Stack) -> None:
    page.goto("/#/product/UHJ")
    add_to_cart(page, "Ultimate Harvesting Juggernaut", 3)  # 15,000 EUR: over the limit
    page.goto("/#/checkout")
    ship_to(page, "France", "Pari", "Paris")
    page.get_by_role("button", name=re.compile(r"^Pay €")).click()
    error = page.locator("#pay-error")
    expect(error).to_have_role("alert")
    expect(error).to_contain_text("Your card was declined. Nothing was charged")
    expect(error).to_be_focused()
    assert "another payment method" not in error.inner_text()
    expect(page.get_by_role("button", name=re.compile(r"^Pay €"))).to_be_enabled()


def test_shop_down_shows_a_clear_message(page: Any, stack: Stack) -> None:
    stack.stop("catalogue")
    try:
        page.goto("/")
        expect(page.get_by_role("main")).to_contain_text(UNAVAILABLE)
    finally:
        stack.restart("catalogue")
    page.reload()
    expect(page.get_by_role("list", name="Products").get_by_role("listitem")).to_have_count(11)


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_pages_fit_the_screen_and_work_by_keyboard(page: Any, stack: Stack, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/#/product/RMC")
    expect(page.get_by_role("heading", level=1)).to_have_text("Robotic Mining Cyborg")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a {width}px screen"
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    for image in page.get_by_role("img").all():
        assert image.get_attribute("alt") is not None
