"""A browser holding an anonymous id the shop does not take (made up, or signed before the
shop's secret changed) gets a new one at its next step: it shops and votes as before."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from kit import sessions
from scripts.stack.shop import Stack

STALE = "anonymous-made-up.not-signed-by-this-shop"


def stored_id(page: Any) -> str:
    return str(json.loads(page.evaluate("localStorage.getItem('roboshop.anonymous')")))


def test_a_stale_anonymous_id_is_replaced_by_an_issued_one(page: Any, stack: Stack) -> None:
    page.goto("/")
    page.evaluate(f"localStorage.setItem('roboshop.anonymous', {json.dumps(json.dumps(STALE))})")
    page.goto("/#/product/RMC")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("alert")).to_contain_text("Added")
    expect(page.locator("#cart-count")).to_have_text("1")
    issued = stored_id(page)
    assert issued != STALE and issued.startswith(sessions.ANONYMOUS_PREFIX)

    page.evaluate(f"localStorage.setItem('roboshop.anonymous', {json.dumps(json.dumps(STALE))})")
    page.get_by_role("button", name="Rate 4 out of 5").click()
    expect(page.get_by_text("Thank you! You rated it 4 out of 5.")).to_be_visible()
    assert stored_id(page) not in (STALE, issued)
