"""Cart against the real catalogue function, served on a free port from a seeded store."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.settings import restart_with


@pytest.fixture
def real_client(
    client: FlaskClient, catalogue_url: str, monkeypatch: pytest.MonkeyPatch
) -> FlaskClient:
    restart_with(monkeypatch, CATALOGUE_URL=catalogue_url)
    return client


def test_cart_prices_from_the_real_catalogue(real_client: FlaskClient, cart_id: str) -> None:
    real_client.get(f"/add/{cart_id}/RMC/2")
    cart = real_client.get(f"/add/{cart_id}/STAN-1/1").get_json()
    assert cart == {
        "total": 151,
        "tax": 25.17,
        "items": [
            {"qty": 2, "sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42, "subtotal": 84},
            {"qty": 1, "sku": "STAN-1", "name": "Stan", "price": 67, "subtotal": 67},
        ],
    }


def test_real_catalogue_out_of_stock_and_unknown(real_client: FlaskClient, cart_id: str) -> None:
    sold_out = real_client.get(f"/add/{cart_id}/CNA/1")
    assert (sold_out.status_code, sold_out.get_json()["error"]) == (409, "out_of_stock")
    assert sold_out.get_json()["left"] == 0
    assert real_client.get(f"/add/{cart_id}/NOPE/1").status_code == 404
    assert real_client.get(f"/cart/{cart_id}").status_code == 404
