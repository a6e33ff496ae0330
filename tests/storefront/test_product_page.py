"""The product page: the shopper's own rating beside everyone's average."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from scripts.stack.shop import Stack

FILLED, EMPTY = '"\N{BLACK STAR}"', '"\N{WHITE STAR}"'


def star(page: Any, score: int) -> Any:
    return page.get_by_role("group", name="Your rating").get_by_role(
        "button", name=f"Rate {score} out of 5"
    )


def drawn_stars(page: Any) -> list[str]:
    """The glyph each star button shows (filled or empty), as the CSS draws it."""
    return list(
        page.evaluate(
            """[...document.querySelectorAll('.vote .star')]
                .map((star) => getComputedStyle(star, '::before').content)"""
        )
    )


def test_own_rating_is_shown_beside_the_average_and_kept(page: Any, stack: Stack) -> None:
    count = page.request.get("/api/ratings/api/fetch/HPTD").json()["rating_count"]
    page.goto("/#/product/HPTD")
    expect(star(page, 5)).to_have_attribute("aria-pressed", "false")
    assert drawn_stars(page) == [EMPTY] * 5
    expect(page.get_by_role("status").filter(has_text="Choose from 1 to 5 stars")).to_be_visible()

    star(page, 1).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(star(page, 4)).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Thank you! You rated it 4 out of 5.")).to_be_visible()
    average = re.compile(rf"^Average [1-5]\.[0-9] from {count + 1} ratings?$")
    expect(page.locator("#vote-average")).to_have_text(average)
    expect(page.locator("#rating-summary")).to_contain_text(f"from {count + 1} rating")
    for score in range(1, 6):
        expect(star(page, score)).to_have_attribute("aria-pressed", str(score == 4).lower())
    assert drawn_stars(page) == [FILLED] * 4 + [EMPTY]

    page.reload()
    expect(star(page, 4)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("You rated it 4 out of 5.")).to_be_visible()
    expect(page.locator("#vote-average")).to_have_text(average)
    assert drawn_stars(page) == [FILLED] * 4 + [EMPTY]
