"""Pages that fit (issue 23, item 4): a short logged-in header that never pushes a control off
a phone, category links big enough to hit, focus on each new view's heading, and one Tab stop
for the star rating."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from scripts.stack.shop import Stack
from tests.storefront.conftest import WIDTHS
from tests.storefront.shopping import PAY, add, fill_registration, ship_to

LONG_NAME = "a-very-long-shopper-name-that-goes-on-and-on-" + "x" * 12


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def sized(page: Any, request: pytest.FixtureRequest) -> Any:
    page.set_viewport_size({"width": request.param, "height": 844})
    return page


def test_the_logged_in_header_is_short_and_keeps_every_control_on_screen(
    sized: Any, stack: Stack
) -> None:
    name = f"{LONG_NAME}{uuid.uuid4().hex[:6]}"
    sized.goto("/#/register")
    fill_registration(sized, name)
    who = sized.locator(".who")
    expect(who).to_have_text(f"Hi, {name}")
    width = sized.viewport_size["width"]
    header = sized.get_by_role("banner").bounding_box()
    if width <= 390:
        assert header["height"] <= 150, f"the header is {header['height']}px tall"
    for control in sized.get_by_role("banner").locator("a, button, input").all():
        box = control.bounding_box()
        if box is None:  # visually hidden labels and the skip link
            continue
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, control.inner_text()
    cut = sized.evaluate(
        "(() => { const n = document.querySelector('.who'); return n.scrollWidth > n.clientWidth"
        " && getComputedStyle(n).textOverflow === 'ellipsis'; })()"
    )
    assert cut, "a long name is not cut with an ellipsis"
    expect(sized.get_by_role("button", name="Log out")).to_be_in_viewport()


def test_category_links_are_at_least_24_px(sized: Any, stack: Stack) -> None:
    sized.goto("/")
    links = sized.get_by_role("navigation", name="Categories").get_by_role("link")
    expect(links).to_have_count(3)
    for link in links.all():
        box = link.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, (link.inner_text(), box)


def test_focus_lands_on_the_new_views_heading(sized: Any, stack: Stack) -> None:
    sized.goto("/")
    expect(sized.locator(".card")).to_have_count(11)
    sized.locator('a.card-link[href="#/product/STAN-1"]').click()
    heading = sized.get_by_role("heading", level=1)
    expect(heading).to_have_text("Stan")
    expect(heading).to_be_focused()
    sized.get_by_role("link", name="Cart, 0 items").click()
    expect(heading).to_have_text("Your cart")
    expect(heading).to_be_focused()


def test_the_thank_you_page_takes_focus(sized: Any, stack: Stack) -> None:
    add(sized, "RMC")
    sized.goto("/#/checkout")
    ship_to(sized, "United Kingdom", "Lond", "London")
    sized.get_by_role("button", name=PAY).click()
    heading = sized.get_by_role("heading", level=1)
    expect(heading).to_have_text("Thank you for your order!")
    expect(heading).to_be_focused()


def test_the_star_rating_is_one_tab_stop(sized: Any, stack: Stack) -> None:
    sized.goto("/#/product/SHCE")
    add_button = sized.get_by_role("button", name="Add to cart")
    add_button.focus()
    sized.keyboard.press("Tab")
    first = sized.get_by_role("button", name="Rate 1 out of 5")
    expect(first).to_be_focused()
    sized.keyboard.press("ArrowRight")
    sized.keyboard.press("ArrowRight")
    expect(sized.get_by_role("button", name="Rate 3 out of 5")).to_be_focused()
    sized.keyboard.press("Tab")
    focused = sized.evaluate("document.activeElement.className")
    assert "star" not in focused.split(), "Tab stopped on another star"
    sized.keyboard.press("Shift+Tab")
    expect(sized.get_by_role("button", name="Rate 3 out of 5")).to_be_focused()
