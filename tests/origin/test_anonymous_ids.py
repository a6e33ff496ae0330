"""Only the anonymous ids the shop issued, through nginx: a made-up or foreign-signed id is
no cart, pays for nothing and casts no vote, answered as JSON; an issued one works."""

from __future__ import annotations

import pytest
from itsdangerous import Signer

from tests.origin.conftest import Visitor

# What an outsider might try: the classic shop's guessable ids, the bare prefix, and an id
# signed as /uniqueid signs but with another shop's secret.
MADE_UP = [
    "anonymous-1",
    "anonymous-",
    "anonymous-"
    + Signer("another-shop-" + "z" * 32, salt="roboshop.anonymous-id").sign("x").decode(),
]


def refused(answer_status: int, body: dict[str, str]) -> bool:
    return answer_status == 400 and body["error"] == "unknown_anonymous_id"


@pytest.mark.parametrize("made_up", MADE_UP)
def test_a_made_up_anonymous_id_is_refused_everywhere(outsider: Visitor, made_up: str) -> None:
    city = outsider.get("/api/shipping/match/gb/london").json()[0]["uuid"]
    answers = [
        outsider.get(f"/api/cart/add/{made_up}/RMC/1"),
        outsider.get(f"/api/cart/cart/{made_up}"),
        outsider.get(f"/api/cart/update/{made_up}/RMC/2"),
        outsider.call("DELETE", f"/api/cart/cart/{made_up}"),
        outsider.post(f"/api/shipping/confirm/{made_up}", {"uuid": city}),
        outsider.post(f"/api/payment/pay/{made_up}", {}),
        outsider.put("/api/ratings/api/rate/RMC/5", **{"X-Anonymous-Id": made_up}),
    ]
    for answer in answers:
        assert answer.headers["Content-Type"].startswith("application/json")
        assert refused(answer.status, answer.json()), (answer.status, answer.data)


def test_an_issued_id_fills_a_cart_and_votes(outsider: Visitor) -> None:
    cart_id = outsider.anonymous_id()
    assert outsider.fill_cart(cart_id)["items"][0]["sku"] == "RMC"
    assert outsider.put("/api/ratings/api/rate/RMC/4", **{"X-Anonymous-Id": cart_id}).status == 200
    # A made-up id can't take the issued cart over by renaming it.
    renamed = outsider.get(f"/api/cart/rename/{cart_id}/anonymous-1")
    assert refused(renamed.status, renamed.json())
    assert outsider.get(f"/api/cart/cart/{cart_id}").status == 200
