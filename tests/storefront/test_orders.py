"""The orders page in Chromium: each order's date, destination, lines and status, followed
by itself while one is on its way, and left alone once every order is settled."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import urllib3
from playwright.sync_api import expect

from kit import events
from scripts.stack.shop import Stack
from tests.storefront.shopper import register
from tests.support.stack import SESSION_SECRET

WATCH_SECONDS = 2  # account.js's WATCH_MS
TIMES = "\N{MULTIPLICATION SIGN}"
ROBOT = {"qty": 2, "sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42, "subtotal": 84}
SHIP = {"qty": 1, "sku": "SHIP", "name": "shipping to Zürich, Switzerland", "price": 20.5}
CART = {"total": 104.5, "tax": 17.42, "items": [ROBOT, {**SHIP, "subtotal": 20.5}]}


def order_event(stack: Stack, kind: str, orderid: str, user: str, **data: Any) -> None:
    """The order's event as the broker delivers it to user, signed as the shop's own."""
    data = {"orderid": orderid, "user": user, **data}
    if kind == "placed":
        data |= {"registered": True, "cart": CART}
    event = events.make_event(f"com.roboshop.order.{kind}", "/tests", data, subject=orderid)
    headers, body = events.to_binary(events.signed(event, SESSION_SECRET))
    url = f"{stack.urls['user']}/events/order-{kind}"
    assert urllib3.request("POST", url, body=body, headers=headers).status == 204


def history_requests(page: Any) -> list[str]:
    """The history calls the page makes from now on."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/api/user/history/" in r.url else None)
    return seen


def test_the_orders_page_follows_its_orders_until_they_are_settled(page: Any, stack: Stack) -> None:
    name = register(page)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for orderid in (first, second):
        order_event(stack, "placed", orderid, name)
    order_event(stack, "paid", second, name)
    asked = history_requests(page)
    page.get_by_role("link", name="Orders").click()

    cards = page.locator(".order-card")
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_attribute("data-order", second)  # the newest first
    newest, older = cards.first, cards.nth(1)
    expect(newest.locator(".status")).to_have_text("paid")
    expect(older.locator(".status")).to_have_text("placed")
    year = time.strftime("%Y", time.localtime())
    placed = re.compile(rf"Placed \d{{1,2}} [A-Z][a-z]{{2,3}} {year}, \d\d:\d\d")
    expect(older.locator(".order-facts")).to_contain_text(placed)
    expect(older.locator(".order-facts")).to_contain_text("To Zürich, Switzerland")
    lines = older.locator(".order-lines li")
    expect(lines).to_have_text(
        [f"2 {TIMES} Robotic Mining Cyborg: €84.00", "Shipping to Zürich, Switzerland: €20.50"]
    )
    expect(older).to_contain_text("Total €104.50")

    order_event(stack, "dispatched", first, name)
    order_event(stack, "cancelled", second, name, reason="payment_declined")
    expect(older.locator(".status")).to_have_text("dispatched", timeout=3 * WATCH_SECONDS * 1000)
    expect(newest.locator(".status")).to_have_text("cancelled")
    expect(newest.locator(".reason")).to_have_text(re.compile("The card payment was declined"))
    expect(older.locator(".reason")).to_have_count(0)

    polled = len(asked)
    assert polled >= 2, asked  # the first answer, then at least one look again
    page.wait_for_timeout(3 * WATCH_SECONDS * 1000)
    assert len(asked) == polled, "the page kept asking after every order was settled"


def test_a_page_of_settled_orders_asks_once(page: Any, stack: Stack) -> None:
    name = register(page)
    orderid = str(uuid.uuid4())
    order_event(stack, "placed", orderid, name)
    order_event(stack, "cancelled", orderid, name, reason="something_new")
    asked = history_requests(page)
    page.get_by_role("link", name="Orders").click()
    expect(page.locator(".reason")).to_have_text(
        "This order was cancelled. Nothing of it was shipped."
    )
    page.wait_for_timeout(2 * WATCH_SECONDS * 1000)
    assert len(asked) == 1, asked


def test_older_orders_come_a_page_at_a_time(page: Any, stack: Stack) -> None:
    name = register(page)
    orderids = [str(uuid.uuid4()) for _ in range(21)]
    for orderid in orderids:
        order_event(stack, "placed", orderid, name)
        order_event(stack, "dispatched", orderid, name)
    page.get_by_role("link", name="Orders").click()
    cards = page.locator(".order-card")
    expect(cards).to_have_count(20)
    page.get_by_role("button", name="Show older orders").click()
    expect(cards).to_have_count(21)
    expect(cards.last).to_have_attribute("data-order", orderids[0])
    expect(page.get_by_role("button", name="Show older orders")).to_have_count(0)


def test_an_order_paid_but_not_yet_listed_is_awaited_not_missing(page: Any, stack: Stack) -> None:
    """Opened before the order's event reaches the history, the page says the order is
    coming (never "No orders yet") and follows the history until it shows and settles."""
    name = register(page)
    orderid = str(uuid.uuid4())
    # What checkout.js's pay leaves behind; the event is held back here, as a busy broker would.
    page.evaluate(
        "([user, id]) => localStorage.setItem('roboshop.awaitedOrders',"
        " JSON.stringify({user, ids: [id]}))",
        [name, orderid],
    )
    page.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("new order shows here"))
    expect(page.locator(".empty")).to_have_count(0)

    order_event(stack, "placed", orderid, name)
    card = page.locator(".order-card")
    expect(card).to_have_count(1, timeout=3 * WATCH_SECONDS * 1000)
    expect(page.locator(".coming")).to_have_count(0)
    order_event(stack, "dispatched", orderid, name)
    expect(card.locator(".status")).to_have_text("dispatched", timeout=3 * WATCH_SECONDS * 1000)
    assert page.evaluate("localStorage.getItem('roboshop.awaitedOrders')") is None
