"""Bytes that are not text, where text is expected: always a 4xx, never a 500."""

from __future__ import annotations

import pytest

from tests.origin.conftest import Visitor

# Long enough to pass as a password, so that it reaches the hash.
SURROGATE = b'"\\ud800 and more"'
JSON_ROUTES = [
    ("/api/user/register", b'{"name": %s, "password": "long-enough", "email": "a@example.com"}'),
    ("/api/user/register", b'{"name": "bob", "password": %s, "email": "a@example.com"}'),
    ("/api/user/login", b'{"name": %s, "password": "whatever"}'),
    ("/api/user/login", b'{"name": "stan", "password": %s}'),
    ("/api/shipping/confirm/anonymous-x", b'{"location": %s, "distance": 1, "cost": 1}'),
    ("/api/shipping/confirm/anonymous-x", b'{"uuid": %s}'),
    ("/api/payment/pay/anonymous-x", b'{"total": %s}'),
]


@pytest.mark.parametrize(("path", "template"), JSON_ROUTES)
def test_a_lone_surrogate_in_a_json_body_is_4xx(
    outsider: Visitor, path: str, template: bytes
) -> None:
    answer = outsider.call("POST", path, data=template % SURROGATE, content_type="application/json")
    assert 400 <= answer.status < 500, (path, answer.status, answer.data)
    assert answer.json()["error"]


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Authorization", b"Bearer e30.caf\xc3\xa9"),
        ("Authorization", b"Bearer \xff\xfe.\xfd"),
        ("Cookie", b"roboshop_session=e30.\xe2\x98\x83"),
        ("Idempotency-Key", b"k\xc3\xa9y"),
        ("X-Anonymous-Id", b"anonymous-\xff"),
        ("X-Request-Id", b"\xff\xff"),
        ("traceparent", b"00-\xff-\xff-01"),
    ],
)
def test_non_ascii_bytes_in_a_header_are_4xx_or_ignored(
    outsider: Visitor, header: str, value: bytes
) -> None:
    for method, path in (
        ("GET", "/api/cart/cart/stan"),
        ("GET", "/api/user/history/stan"),
        ("POST", "/api/payment/pay/stan"),
        ("PUT", "/api/ratings/api/rate/RMC/4"),
        ("GET", "/api/cart/add/anonymous-bytes/RMC/1"),
    ):
        answer = outsider.call(method, path, headers={header: value})
        assert answer.status < 500, (header, method, path, answer.status, answer.data)


@pytest.mark.parametrize(
    "path",
    [
        "/api/catalogue/product/%ff",
        "/api/catalogue/search/%ed%a0%80",
        "/api/catalogue/products/%c3",
        "/api/cart/cart/%ff%fe",
        "/api/cart/add/anonymous-x/%ff/1",
        "/api/cart/update/anonymous-x/RMC/%ff",
        "/api/user/check/%ff",
        "/api/user/history/%ed%a0%80",
        "/api/shipping/match/gb/%ff%ff%ff",
        "/api/shipping/cities/%ff",
        "/api/shipping/calc/%ff",
        "/api/ratings/api/fetch/%ff",
    ],
)
def test_bytes_that_are_not_utf8_in_a_path_are_4xx(outsider: Visitor, path: str) -> None:
    answer = outsider.get(path)
    assert 400 <= answer.status < 500 or answer.status == 200, (path, answer.status, answer.data)
