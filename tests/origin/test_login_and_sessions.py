"""Logins and sessions as an attacker meets them through nginx: guessing is throttled
whatever headers the guesser forges, a login must be JSON, logging out ends the
session on the server, and a session cookie never rides along on another site's request."""

from __future__ import annotations

import uuid

import pytest

from kit import sessions
from tests.origin.conftest import PASSWORD, Visitor

FORGED = [
    {"X-Forwarded-For": "203.0.113.9"},
    {"X-Real-IP": "198.51.100.7"},
    {"X-Forwarded-For": "10.0.0.1, 10.0.0.2", "X-Real-IP": "10.0.0.3"},
    {"Forwarded": "for=192.0.2.60"},
]


def guess(visitor: Visitor, name: str, password: str, **headers: str) -> int:
    answer = visitor.post("/api/user/login", {"name": name, "password": password}, **headers)
    return answer.status


def test_guessing_one_users_password_is_throttled(visitor: Visitor, outsider: Visitor) -> None:
    name = visitor.register()
    statuses = [guess(outsider, name, f"guess-{n}", **FORGED[n % 4]) for n in range(8)]
    # Three free guesses, then the name backs off for this client, forged headers or not.
    assert statuses[:3] == [404] * 3
    assert statuses[3:] == [429] * 5
    throttled = outsider.post("/api/user/login", {"name": name, "password": PASSWORD})
    assert throttled.status == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert throttled.json()["error"] == "too_many_attempts"
    assert "Set-Cookie" not in throttled.headers
    # The owner, from their own address, is not held back by the guesser.
    owner = visitor.post("/api/user/login", {"name": name.upper(), "password": PASSWORD})
    assert owner.status == 200
    assert owner.json()["name"] == name


def test_guessing_many_names_from_one_client_is_throttled(outsider: Visitor) -> None:
    statuses = [
        guess(outsider, f"nobody-{uuid.uuid4().hex[:6]}", "guess-word", **FORGED[n % 4])
        for n in range(22)
    ]
    assert statuses[:20] == [404] * 20
    assert statuses[20:] == [429] * 2
    assert guess(outsider, "stan", "bigbrain") == 429


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"name": "stan", "password": "bigbrain"}', "text/plain"),
        ("name=stan&password=bigbrain", "application/x-www-form-urlencoded"),
        ('{"name": "stan", "password": "bigbrain"}', "multipart/form-data; boundary=x"),
    ],
)
def test_a_login_a_cross_site_form_can_send_is_refused(
    outsider: Visitor, body: str, content_type: str
) -> None:
    answer = outsider.call("POST", "/api/user/login", data=body, content_type=content_type)
    assert answer.status == 415
    assert "Set-Cookie" not in answer.headers
    assert outsider.cookies == {}


def test_registering_gives_a_session_a_classic_shop_fills_its_cart_with(
    visitor: Visitor,
) -> None:
    name = visitor.register()
    assert sessions.COOKIE in visitor.cookies
    answer = visitor.get(f"/api/cart/add/{name}/RMC/1")
    assert answer.status == 200
    assert answer.json()["items"][0]["sku"] == "RMC"


def test_the_session_cookie_is_strict_and_http_only(visitor: Visitor) -> None:
    answer = visitor.post("/api/user/login", {"name": "user", "password": "password"})
    cookie = answer.headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie
    assert "HttpOnly" in cookie


def test_logging_out_ends_the_session_everywhere_at_once(
    visitor: Visitor, outsider: Visitor
) -> None:
    name = visitor.register()
    visitor.fill_cart(name)
    token = visitor.cookies[sessions.COOKIE]
    stolen = {"Authorization": f"Bearer {token}"}
    assert outsider.get(f"/api/cart/cart/{name}", **stolen).status == 200
    assert visitor.post("/api/user/logout", {}).status == 200
    assert sessions.COOKIE not in visitor.cookies
    for path in (f"/api/cart/cart/{name}", f"/api/user/history/{name}"):
        assert outsider.get(path, **stolen).status == 401, path
    assert outsider.get(f"/api/cart/add/{name}/RMC/1", **stolen).status == 401
    assert outsider.post(f"/api/payment/pay/{name}", {}, **stolen).status == 401
    replayed = outsider.get(f"/api/cart/cart/{name}", Cookie=f"{sessions.COOKIE}={token}")
    assert replayed.status == 401


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_another_sites_request_cant_use_the_session_cookie(visitor: Visitor, site: str) -> None:
    """A link or image on another site may make the browser GET /api/cart/add/..."""
    name = visitor.register()
    visitor.fill_cart(name)
    before = visitor.get(f"/api/cart/cart/{name}").json()
    forged = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate"}
    assert visitor.get(f"/api/cart/add/{name}/RMC/5", **forged).status == 401
    assert visitor.get(f"/api/cart/update/{name}/RMC/0", **forged).status == 401
    assert visitor.call("DELETE", f"/api/cart/cart/{name}", headers=forged).status == 401
    assert visitor.get(f"/api/cart/cart/{name}").json() == before
