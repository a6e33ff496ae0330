"""Moving on before a page has its data: the late answer never covers the new page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from scripts.stack.shop import Stack


def test_a_late_answer_for_the_page_left_does_not_replace_the_page_shown(
    page: Any, stack: Stack
) -> None:
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


def test_search_box_shows_the_query_only_on_its_results(page: Any, stack: Stack) -> None:
    box = page.get_by_label("Search robots")
    page.goto("/")
    box.fill("mascot")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("mascot")
    expect(box).to_have_value("mascot")

    page.get_by_role("link", name="Stan").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stan")
    expect(box).to_have_value("")

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("mascot")
    expect(box).to_have_value("mascot")

    page.goto("/#/search/caf%C3%A9%20robot")
    expect(box).to_have_value("café robot")
    page.goto("/#/cart")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(box).to_have_value("")


def test_a_malformed_address_says_sorry(page: Any, stack: Stack) -> None:
    page.goto("/#/search/%E0%A4%A")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry")
    expect(page.get_by_role("main")).to_contain_text("That address is not a page of the shop.")
    expect(page.get_by_label("Search robots")).to_have_value("")
