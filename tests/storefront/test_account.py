"""Logging in merges an anonymous cart only when it holds something, without failed calls."""

from __future__ import annotations

import uuid
from typing import Any

import urllib3
from playwright.sync_api import expect

from scripts.stack.shop import Stack
from tests.storefront.shopper import PASSWORD, register


def watch(page: Any) -> tuple[list[str], list[str]]:
    """The console errors and failed calls, and the cart merge calls, from now on."""
    errors: list[str] = []
    renames: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_response(response: Any) -> None:
        if response.status >= 400:
            errors.append(f"{response.status} {response.url}")

    def on_request(request: Any) -> None:
        if "/api/cart/rename/" in request.url:
            renames.append(request.url)

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("request", on_request)
    return errors, renames


def add(page: Any, sku: str) -> None:
    page.goto(f"/#/product/{sku}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("alert")).to_contain_text("Added")


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("alert")).to_have_text("You are logged out.")


def log_in(page: Any, name: str) -> None:
    page.goto("/#/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Welcome, {name}!")


def test_a_merged_cart_is_not_merged_again(page: Any, stack: Stack) -> None:
    errors, renames = watch(page)
    add(page, "EPE")
    name = register(page, "merge")
    expect(page.locator("#cart-count")).to_have_text("1")
    assert len(renames) == 1

    log_out(page)
    expect(page.locator("#cart-count")).to_have_text("0")
    log_in(page, name)
    expect(page.locator("#cart-count")).to_have_text("1")
    page.wait_for_load_state("networkidle")
    assert len(renames) == 1, "the cart merged at registration was merged again"
    assert errors == []


def test_an_emptied_anonymous_cart_is_not_merged(page: Any, stack: Stack) -> None:
    errors, renames = watch(page)
    add(page, "EPE")
    page.goto("/#/cart")
    page.get_by_role("button", name="Remove Extreme Probe Emulator").click()
    expect(page.get_by_text("Your cart is empty")).to_be_visible()

    register(page, "merge")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#cart-count")).to_have_text("0")
    assert renames == []
    assert errors == []


def test_a_cart_held_for_checkout_is_left_out_of_the_login(page: Any, stack: Stack) -> None:
    """The anonymous cart is being paid for (held, as payment holds it): the merge is 409,
    and the login goes on with the user's own cart, the held one left to its order."""
    errors, renames = watch(page)
    add(page, "EPE")
    anonymous = page.evaluate("JSON.parse(localStorage.getItem('roboshop.anonymous'))")
    orderid = f"order-{uuid.uuid4().hex}"
    url = f"{stack.urls['cart']}/checkout/{anonymous}"
    assert urllib3.request("POST", url, json={"orderid": orderid}).status == 200

    register(page, "held")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#cart-count")).to_have_text("0")
    assert len(renames) == 1
    # The 409 itself, and Chromium's console line for it: nothing thrown, no other call failed.
    refused = "Failed to load resource: the server responded with a status of 409 (Conflict)"
    assert sorted(errors) == sorted([f"409 {renames[0]}", refused])
    held = urllib3.request("GET", f"{stack.urls['cart']}/cart/{anonymous}").json()
    assert [(item["sku"], item["qty"]) for item in held["items"]] == [("EPE", 1)]
