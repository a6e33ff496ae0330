"""cart keeps a catalogue answer for CART_CATALOGUE_SECONDS: prices still come from the
catalogue, a changed one shows once the copy is older than that."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from cart import products
from tests.cart.conftest import PRODUCTS, catalogue_answer
from tests.support.clock import Clock, stopped_clock
from tests.support.settings import restart_with
from tests.support.stub import Reply, Seen, Stub


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return stopped_clock(monkeypatch)


@pytest.fixture
def copies(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    restart_with(monkeypatch, CART_CATALOGUE_SECONDS="5")
    monkeypatch.setattr(products, "_copies", {})
    return client


def asked(catalogue: Stub, sku: str) -> int:
    return sum(1 for seen in catalogue.seen if seen.path == f"/product/{sku}")


def repriced(sku: str, price: float) -> Callable[[Seen], Reply]:
    def answer(seen: Seen) -> Reply:
        if seen.path == f"/product/{sku}":
            return Reply(200, {**PRODUCTS[sku], "price": price})
        return catalogue_answer(seen)

    return answer


def test_adds_within_the_time_ask_the_catalogue_once(
    copies: FlaskClient, catalogue: Stub, clock: Clock, cart_id: str
) -> None:
    for _ in range(3):
        assert copies.get(f"/add/{cart_id}/RMC/1").status_code == 200
        clock.now += 1
    assert asked(catalogue, "RMC") == 1
    assert copies.get(f"/cart/{cart_id}").get_json()["items"][0]["qty"] == 3


def test_a_changed_price_shows_once_the_copy_is_older_than_the_time(
    copies: FlaskClient, catalogue: Stub, clock: Clock, cart_id: str
) -> None:
    copies.get(f"/add/{cart_id}/RMC/1")
    catalogue.answer(repriced("RMC", 50))
    clock.now += 4.9
    assert copies.get(f"/add/{cart_id}/RMC/1").get_json()["items"][0]["price"] == 42
    clock.now += 0.2
    cart = copies.get(f"/add/{cart_id}/RMC/1").get_json()
    assert cart["items"][0]["price"] == 50
    assert cart["total"] == 150
    assert asked(catalogue, "RMC") == 2


def test_each_product_has_its_own_copy(
    copies: FlaskClient, catalogue: Stub, clock: Clock, cart_id: str
) -> None:
    copies.get(f"/add/{cart_id}/RMC/1")
    copies.get(f"/add/{cart_id}/BIG/1")
    copies.get(f"/add/{cart_id}/RMC/1")
    assert (asked(catalogue, "RMC"), asked(catalogue, "BIG")) == (1, 1)


def test_unknown_and_sold_out_products_are_asked_every_time(
    copies: FlaskClient, catalogue: Stub, clock: Clock, cart_id: str
) -> None:
    for _ in range(2):
        assert copies.get(f"/add/{cart_id}/NOPE/1").status_code == 404
        assert copies.get(f"/add/{cart_id}/CNA/1").get_json()["error"] == "out_of_stock"
    assert (asked(catalogue, "NOPE"), asked(catalogue, "CNA")) == (2, 2)


def test_zero_asks_on_every_add(
    client: FlaskClient, catalogue: Stub, clock: Clock, cart_id: str
) -> None:
    for _ in range(3):
        client.get(f"/add/{cart_id}/RMC/1")
    assert asked(catalogue, "RMC") == 3


def test_a_catalogue_outage_is_still_503_once_the_copy_is_old(
    copies: FlaskClient, catalogue: Stub, clock: Clock, cart_id: str
) -> None:
    copies.get(f"/add/{cart_id}/RMC/1")
    catalogue.answer(lambda seen: Reply(503, {"error": "unavailable"}))
    assert copies.get(f"/add/{cart_id}/RMC/1").status_code == 200
    clock.now += 6
    assert copies.get(f"/add/{cart_id}/RMC/1").status_code == 503
