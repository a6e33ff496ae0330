"""Fault drills under a load of shoppers checking out, against `make run`'s runner.

Each drill breaks one thing for a few seconds and checks three things:
  - what the shopper saw meanwhile: every answer in time (ANSWER_WITHIN), and every 5xx a
    503 in JSON with a message saying what is unavailable - never a 500, 502 or a hang;
  - the shop heals by itself: a new shopper's whole checkout succeeds within HEAL_WITHIN
    of the dependency's return;
  - the ledger: every order a shopper was told succeeded (200) is in their history once,
    dispatched, charged once (the simulated gateway's statement captures it once, and
    captures nothing that is no order), its cart cleared; no vote lost.
"""

from __future__ import annotations

import collections
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest

from scripts.ops import chaos
from scripts.stack.wait import until
from tests.faults.conftest import (
    ANSWER_WITHIN,
    HEAL_WITHIN,
    VOTE_SKU,
    Ledger,
    Load,
    Shop,
    json_of,
    pids_listening,
)
from tests.origin.conftest import Visitor
from user.orders import HISTORY_PAGE_MAX as PAGE

pytestmark = pytest.mark.served


def rating_count(shop: Shop) -> int:
    """The vote count, once ratings answers: its first request after MySQL came back may meet
    a pooled connection the restart cut (a 503, as promised), and a back-off after it."""
    visitor = Visitor(shop.nginx)
    fetch = f"/api/ratings/api/fetch/{VOTE_SKU}"
    answer = until(
        lambda: visitor.get(fetch), HEAL_WITHIN, "ratings", 0.25, done=lambda a: a.status != 503
    )
    assert answer.status == 200, answer.data
    return int(answer.json()["rating_count"])


def checkout_works(shop: Shop) -> bool:
    who = Visitor(shop.nginx)
    try:
        cart = who.get("/api/user/uniqueid")
        if cart.status != 200:
            return False
        cart_id = cart.json()["uuid"]
        if who.get(f"/api/cart/add/{cart_id}/STAN-1/1").status != 200:
            return False
        confirm = who.post(f"/api/shipping/confirm/{cart_id}", {"uuid": 2643743})
        return confirm.status == 200 and who.post(f"/api/payment/pay/{cart_id}").status == 200
    except Exception:
        return False


def healed_after(shop: Shop, returned_at: float) -> float:
    left = 60 - (time.monotonic() - returned_at)
    until(lambda: checkout_works(shop), left, "a checkout to work again", 0.25)
    return time.monotonic() - returned_at


def cart_cleared(who: Visitor, name: str) -> None:
    cart = f"/api/cart/cart/{name}"
    until(lambda: who.get(cart).status, 30, f"{name}'s cart cleared", 0.5, done=lambda s: s == 404)


def check_answers(ledger: Ledger) -> None:
    for seen in ledger.answers:
        assert seen.seconds < ANSWER_WITHIN, f"{seen.what} took {seen.seconds:.1f}s"
        if seen.status >= 500:
            body = json_of(seen.body)
            assert seen.status == 503, f"{seen.what}: {seen.status} {seen.body[:200]!r}"
            assert isinstance(body, dict) and body.get("message"), seen.body[:200]


def histories(
    shop: Shop, ledger: Ledger, sessions: dict[str, Visitor]
) -> dict[str, list[dict[str, object]]]:
    """Each shopper's history, through a session made once per shopper: logging in again on
    every look would put a password hash a second per shopper on the user function."""
    found: dict[str, list[dict[str, object]]] = {}
    for name in set(ledger.orders.values()):
        if name not in sessions:
            who = Visitor(shop.nginx)
            login = who.post("/api/user/login", {"name": name, "password": "drill password"})
            # A store just back may still be a 503 for a few seconds (the shop heals within
            # 10 s): the login is tried again until check_ledger's deadline.
            assert login.status in (200, 503), (name, login.status, login.data[:200])
            if login.status != 200:
                found[name] = []
                continue
            sessions[name] = who
        found[name] = every_order(sessions[name], name)
    return found


def every_order(who: Visitor, name: str) -> list[dict[str, object]]:
    """The whole history, page after page (none while the store is still coming back);
    read once the shoppers stopped, so no new order moves the pages meanwhile."""
    orders: list[dict[str, object]] = []
    while True:
        answer = who.get(f"/api/user/history/{name}?limit={PAGE}&offset={len(orders)}")
        page = answer.json()["history"] if answer.status == 200 else []
        orders += page
        if len(page) < PAGE:
            return orders


def check_ledger(shop: Shop, ledger: Ledger, votes_before: int) -> None:
    assert ledger.orders, "no shopper was able to check out at all"

    def pending(found: dict[str, list[dict[str, Any]]]) -> list[str]:
        return [
            orderid
            for orderid, name in ledger.orders.items()
            if [o.get("status") for o in found[name] if o["orderid"] == orderid] != ["dispatched"]
        ]

    what = "every order dispatched in its history"
    sessions: dict[str, Visitor] = {}
    found = until(
        lambda: histories(shop, ledger, sessions), 60, what, 1, done=lambda f: not pending(f)
    )
    redis = shop.redis()
    for orderid in ledger.orders:
        assert redis.exists(f"dispatch:order:{orderid}"), f"{orderid} not dispatched"
    captures = collections.Counter(
        entry.split("-", 2)[2]
        for entry in map(str, redis.lrange("payment:statement", 0, -1))
        if entry.startswith("captured ")
    )
    for orderid in ledger.orders:
        assert captures[orderid] == 1, f"{orderid} captured {captures[orderid]} times"
    # No charge without an order: whatever was captured for these shoppers is in a history.
    placed = {o["orderid"] for orders in found.values() for o in orders}
    mine = {str(o["orderid"]) for orders in found.values() for o in orders} | set(ledger.orders)
    assert {orderid for orderid in captures if orderid in mine} <= placed
    for name, paid_last in ledger.last_paid.items():
        if paid_last:
            who = sessions.get(name) or Visitor(shop.nginx)
            if name not in sessions:
                who.post("/api/user/login", {"name": name, "password": "drill password"})
            cart_cleared(who, name)
    acked = sum(ledger.votes.values())
    unsure = len(ledger.votes) - acked
    added = rating_count(shop) - votes_before
    assert acked <= added <= acked + unsure, f"{added} votes counted, {acked} acknowledged"


def drill(shop: Shop, fault: Callable[[], None], heal: Callable[[], None], down: float) -> float:
    votes_before = rating_count(shop)
    with Load(shop) as load:
        time.sleep(2)
        fault()
        time.sleep(down)
        heal()
        returned_at = time.monotonic()
        healed = healed_after(shop, returned_at)
        time.sleep(1.5)
    check_answers(load.ledger)
    assert healed <= HEAL_WITHIN, f"healed {healed:.1f}s after the dependency returned"
    check_ledger(shop, load.ledger, votes_before)
    return healed


@pytest.mark.parametrize("server", ["redis", "mysql", "mongodb", "rabbitmq"])
def test_a_store_stopped_and_started_again(shop: Shop, server: str) -> None:
    drill(shop, lambda: shop.servers.stop(server), lambda: shop.servers.restart(server), down=4)


def test_a_function_killed_mid_load_is_restarted_by_the_runner(shop: Shop) -> None:
    killed: set[int] = set()

    def back() -> None:
        listening = f"a new cart process on port {shop.ports['cart']}"
        until(lambda: pids_listening(shop.ports["cart"]) - killed, 30, listening, 0.1)

    drill(shop, lambda: killed.update(shop.kill_function("cart")), back, down=0)
    output = shop.output()
    assert "!! cart exited" in output and "restarting it" in output and "cart is back" in output


def test_a_slow_dependency_is_503_in_time_not_a_hang(shop: Shop) -> None:
    def slow(on: bool) -> None:
        document = chaos.load(shop.flags_file)
        chaos.switch(document, "catalogue-slow", on, "*:5000")
        chaos.save(shop.flags_file, document)

    drill(shop, lambda: slow(True), lambda: slow(False), down=8)


def test_a_consumer_down_for_a_minute_loses_nothing(shop: Shop) -> None:
    """dispatch hangs (SIGSTOP) for a minute: checkouts go on, the broker keeps its events."""
    pids = pids_listening(shop.ports["dispatch"])

    def signal_all(sig: signal.Signals) -> None:
        for pid in pids:
            os.kill(pid, sig)

    drill(shop, lambda: signal_all(signal.SIGSTOP), lambda: signal_all(signal.SIGCONT), down=60)
