"""What a shopper does over and over in the browser suites: add, ship, register."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

PASSWORD = "correct horse battery"
PAY = re.compile(r"^Pay €")
TIMES = "\N{MULTIPLICATION SIGN}"  # the shop writes "2 (times) Stan"


def add(page: Any, sku: str, qty: int = 1) -> None:
    page.goto(f"/#/product/{sku}")
    page.get_by_label("Quantity").fill(str(qty))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("alert")).to_contain_text("Added")


def choose_city(page: Any, country: str, typed: str, city: str) -> None:
    page.get_by_label("Country").select_option(label=country)
    page.get_by_label("City").press_sequentially(typed, delay=40)
    page.get_by_role("button", name=re.compile(f"^{city}")).first.click()
    expect(page.locator("#ship-cost")).to_have_text(re.compile(r"€"))


def ship_to(page: Any, country: str, typed: str, city: str) -> None:
    choose_city(page, country, typed, city)
    page.get_by_role("button", name="Confirm shipping").click()
    expect(page.get_by_role("button", name=PAY)).to_be_visible()


def new_name() -> str:
    return f"shopper-{uuid.uuid4().hex[:8]}"


def register_by_api(page: Any) -> str:
    """A user the browser has not seen: registered straight through nginx."""
    name = new_name()
    answer = page.request.post(
        "/api/user/register",
        data={"name": name, "email": f"{name}@example.org", "password": PASSWORD},
    )
    assert answer.ok, answer.text()
    page.context.clear_cookies()  # the browser logs in itself
    return name


def fill_registration(page: Any, name: str) -> None:
    page.get_by_label("User name").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()


def register(page: Any) -> str:
    name = new_name()
    page.goto("/#/register")
    fill_registration(page, name)
    expect(page.get_by_text(f"Hi, {name}")).to_be_visible()
    return name
