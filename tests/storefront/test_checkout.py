"""Choosing where to ship: city names a shopper recognises, looked up once typing pauses."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from scripts.stack.shop import Stack

BARE_CODE = re.compile(r", [A-Z0-9]{2,3}$")


def checkout_with_a_robot(page: Any) -> None:
    page.goto("/#/product/STAN-1")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("alert")).to_contain_text("Added")
    page.goto("/#/checkout")
    page.get_by_label("Country").select_option(label="United Kingdom")


def city_choices(page: Any) -> list[str]:
    choices = page.get_by_role("list", name="Matching cities").get_by_role("button")
    expect(choices).not_to_have_count(0)
    return [choice.inner_text() for choice in choices.all()]


def test_city_choices_show_names_not_region_codes(page: Any, stack: Stack) -> None:
    checkout_with_a_robot(page)
    page.get_by_label("City").press_sequentially("Lond", delay=40)
    expect(page.get_by_role("button", name="London", exact=True)).to_be_visible()
    expect(page.locator("#city-help")).to_have_text(re.compile(r"matching cities, largest first"))
    assert not [name for name in city_choices(page) if BARE_CODE.search(name)]

    page.get_by_label("City").fill("")
    page.get_by_label("City").press_sequentially("Newport", delay=40)
    expect(page.get_by_role("button", name="Newport (largest, region WLS)")).to_be_visible()
    newports = [name for name in city_choices(page) if name.startswith("Newport (")]
    assert newports[:2] == ["Newport (largest, region WLS)", "Newport (2nd largest, region ENG)"]
    assert len(set(newports)) == len(newports), "two towns of one name look the same"

    page.get_by_role("button", name="Newport (largest, region WLS)").click()
    expect(page.locator(".quote")).to_contain_text("Shipping to Newport, United Kingdom")


def test_cities_are_looked_up_from_three_letters_once_typing_pauses(
    page: Any, stack: Stack
) -> None:
    asked: list[str] = []

    def on_request(request: Any) -> None:
        if "/api/shipping/match/" in request.url:
            asked.append(request.url)

    page.on("request", on_request)
    checkout_with_a_robot(page)
    page.get_by_label("City").press_sequentially("Lo", delay=40)
    expect(page.locator("#city-help")).to_have_text("Type at least 3 letters of the city.")
    page.wait_for_timeout(600)
    assert asked == []
    page.get_by_label("City").press_sequentially("ndon", delay=40)
    expect(page.get_by_role("button", name="London", exact=True)).to_be_visible()
    assert [url.rsplit("/", 2)[-2:] for url in asked] == [["gb", "London"]]
