"""A checkout without surprises (issue 23, items 2 and 3), at a laptop's and a phone's width:
errors beside the Pay button, login mid-checkout keeping the destination, a keyboard-usable
country list, and buttons that can't be pressed twice."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from scripts.stack.shop import Stack
from tests.storefront.conftest import WIDTHS
from tests.storefront.shopping import (
    PASSWORD,
    PAY,
    TIMES,
    add,
    choose_city,
    fill_registration,
    new_name,
    register_by_api,
    ship_to,
)


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def sized(page: Any, request: pytest.FixtureRequest) -> Any:
    page.set_viewport_size({"width": request.param, "height": 844})
    return page


def test_a_declined_payment_is_told_beside_the_pay_button(sized: Any, stack: Stack) -> None:
    add(sized, "UHJ", 3)  # 15,000 EUR: over the simulated card's limit
    sized.goto("/#/checkout")
    ship_to(sized, "France", "Pari", "Paris")
    pay = sized.get_by_role("button", name=PAY)
    pay.click()
    error = sized.locator("#pay-error")
    expect(error).to_have_role("alert")
    expect(error).to_have_text(
        "Your card was declined. Nothing was charged; please press Pay to try again."
    )
    expect(error).to_be_focused()
    expect(sized.locator("#notice")).to_be_hidden()
    button, box = pay.bounding_box(), error.bounding_box()
    gap = max(
        box["y"] - (button["y"] + button["height"]), button["y"] - (box["y"] + box["height"]), 0
    )
    assert gap < 40, f"the error is {gap}px away from the Pay button"
    assert box["y"] + box["height"] <= sized.viewport_size["height"] + sized.evaluate("scrollY")
    expect(pay).to_be_enabled()


def test_step_two_lists_what_is_paid_for_shipping_included(sized: Any, stack: Stack) -> None:
    add(sized, "STAN-1", 2)
    sized.goto("/#/checkout")
    ship_to(sized, "United Kingdom", "Lond", "London")
    summary = sized.get_by_role("table", name="What you are paying for")
    expect(summary.get_by_role("row")).to_have_count(2)
    expect(summary).to_contain_text(f"2 {TIMES} Stan")
    expect(summary).to_contain_text("Shipping to London, United Kingdom")


def test_the_chosen_city_is_marked_and_the_list_closes(sized: Any, stack: Stack) -> None:
    add(sized, "RMC")
    sized.goto("/#/checkout")
    choose_city(sized, "United Kingdom", "Lond", "London")
    expect(sized.get_by_role("list", name="Matching cities").get_by_role("listitem")).to_have_count(
        0
    )
    expect(sized.get_by_label("City")).to_have_value("London")
    expect(sized.get_by_label("City")).to_have_class("chosen")
    expect(sized.locator("#city-help")).to_have_text(
        "Chosen: London. Type again to choose another city."
    )


def test_typing_in_the_country_list_selects_without_moving_focus(sized: Any, stack: Stack) -> None:
    add(sized, "RMC")
    sized.goto("/#/checkout")
    country = sized.get_by_label("Country")
    expect(country.locator("option")).not_to_have_count(1)
    country.focus()
    sized.keyboard.type("united k", delay=60)
    expect(country).to_be_focused()
    expect(country).to_have_value("gb")
    sized.keyboard.press("Tab")
    expect(sized.get_by_label("City")).to_be_focused()
    country.focus()
    sized.keyboard.type("germ", delay=60)
    expect(country).to_have_value("de")
    expect(country).to_be_focused()
    sized.keyboard.press("Enter")
    expect(sized.get_by_label("City")).to_be_focused()


def test_registering_from_the_checkout_returns_to_it_with_the_destination(
    sized: Any, stack: Stack
) -> None:
    add(sized, "STAN-1")
    sized.goto("/#/checkout")
    ship_to(sized, "United Kingdom", "Lond", "London")
    sized.get_by_role("main").get_by_role("link", name="register").click()
    name = new_name()
    fill_registration(sized, name)
    expect(sized.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(sized).to_have_url(re.compile(r"#/checkout$"))
    expect(sized.get_by_text(f"Hi, {name}")).to_be_attached()
    summary = sized.get_by_role("table", name="What you are paying for")
    expect(summary).to_contain_text("Shipping to London, United Kingdom")
    expect(sized.get_by_role("button", name=PAY)).to_be_visible()


def test_logging_in_from_the_checkout_returns_to_it_with_the_destination(
    sized: Any, stack: Stack
) -> None:
    name = register_by_api(sized)
    add(sized, "RMC", 2)
    sized.goto("/#/checkout")
    ship_to(sized, "Germany", "Muni", "Munich")
    sized.get_by_role("banner").get_by_role("link", name="Log in").click()
    sized.get_by_label("User name").fill(name)
    sized.get_by_label("Password").fill(PASSWORD)
    sized.get_by_role("button", name="Log in").click()
    expect(sized.get_by_role("heading", level=1)).to_have_text("Checkout")
    summary = sized.get_by_role("table", name="What you are paying for")
    expect(summary).to_contain_text(f"2 {TIMES} Robotic Mining Cyborg")
    expect(summary).to_contain_text("Shipping to Munich, Germany")


def test_logging_in_from_elsewhere_lands_on_the_shop(page: Any, stack: Stack) -> None:
    name = register_by_api(page)
    page.goto("/#/cart")
    page.get_by_role("banner").get_by_role("link", name="Log in").click()
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All robots")


def held(page: Any, pattern: str) -> list[Any]:
    """Requests to `pattern` held back until the test lets them go."""
    routes: list[Any] = []

    def hold(route: Any) -> None:
        routes.append(route)

    page.route(pattern, hold)
    return routes


def settle(page: Any, routes: list[Any]) -> None:
    """Let Playwright hand over the held requests (its handlers run while it waits)."""
    for _ in range(50):
        if routes:
            return
        page.wait_for_timeout(20)


def test_a_slow_page_says_it_is_loading_within_200_ms(sized: Any, stack: Stack) -> None:
    sized.goto("/")
    expect(sized.locator(".card")).to_have_count(11)
    waiting = held(sized, "**/api/catalogue/product/RMC")
    sized.evaluate(
        """() => {
            window.loadingAfter = null;
            const started = performance.now();
            new MutationObserver((_, observer) => {
                if (document.querySelector("main .loading[role=status]")) {
                    window.loadingAfter = performance.now() - started;
                    observer.disconnect();
                }
            }).observe(document.getElementById("main"), {childList: true, subtree: true});
            location.hash = "#/product/RMC";
        }"""
    )
    expect(sized.get_by_role("main").get_by_role("status")).to_have_text("Loading…")
    assert sized.evaluate("window.loadingAfter") <= 200
    settle(sized, waiting)
    assert waiting, "the product was never asked for"
    for route in waiting:
        route.continue_()
    sized.unroute("**/api/catalogue/product/RMC")
    expect(sized.get_by_role("heading", level=1)).to_have_text("Robotic Mining Cyborg")


def test_add_to_cart_is_disabled_while_its_request_runs(sized: Any, stack: Stack) -> None:
    sized.goto("/#/product/STAN-1")
    button = sized.get_by_role("button", name="Add to cart")
    expect(button).to_be_enabled()
    waiting = held(sized, "**/api/cart/add/**")
    button.click()
    expect(button).to_be_disabled()
    sized.get_by_label("Quantity").press("Enter")  # a second submit, from the keyboard
    button.dispatch_event("click")
    sized.wait_for_timeout(300)
    assert len(waiting) == 1, f"{len(waiting)} add requests sent"
    waiting[0].continue_()
    sized.unroute("**/api/cart/add/**")
    expect(sized.get_by_role("alert")).to_contain_text("Added 1")
    expect(button).to_be_enabled()
    expect(sized.locator("#cart-count")).to_have_text("1")


def test_pay_can_be_pressed_once(sized: Any, stack: Stack) -> None:
    add(sized, "RMC")
    sized.goto("/#/checkout")
    ship_to(sized, "United Kingdom", "Lond", "London")
    waiting = held(sized, "**/api/payment/pay/**")
    pay = sized.get_by_role("button", name=PAY)
    pay.click()
    expect(pay).to_be_disabled()
    pay.dispatch_event("click")
    sized.wait_for_timeout(300)
    assert len(waiting) == 1
    waiting[0].continue_()
    sized.unroute("**/api/payment/pay/**")
    expect(sized.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    expect(sized.get_by_role("heading", level=1)).to_be_focused()
