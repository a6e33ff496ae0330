"""The public origin probed as an outsider would: plain HTTP through nginx, with no
session, with someone else's, with forged headers and many requests at once."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import urllib3

from scripts.stack.shop import Stack
from scripts.stack.wait import until
from tests.support.accounts import forget_failed_logins

PASSWORD = "an outsider's secret"


@dataclass
class Answer:
    status: int
    headers: urllib3.HTTPHeaderDict
    data: bytes

    def json(self) -> Any:
        return json.loads(self.data)


def new_address() -> str:
    """A loopback address of its own (all of 127/8 reaches nginx): nginx, and so the
    functions, see each visitor as another client."""
    return "127.{}.{}.{}".format(*secrets.token_bytes(3))


@dataclass(frozen=True)
class PaidOrder:
    user: str
    orderid: str
    trace_id: str


@dataclass
class Visitor:
    """One client of the origin, from an address of its own, keeping the session cookie it is
    given, as a browser would."""

    base: str
    address: str = field(default_factory=new_address)
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.http = urllib3.PoolManager(maxsize=16, source_address=(self.address, 0))

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, Any] | None = None,
        data: bytes | str | None = None,
        content_type: str | None = None,
    ) -> Answer:
        sent: dict[str, Any] = dict(headers or {})
        if self.cookies and "Cookie" not in sent:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload: bytes | str | None = data
        if body is not None:
            payload = json.dumps(body)
            sent.setdefault("Content-Type", "application/json")
        if content_type is not None:
            sent["Content-Type"] = content_type
        answer = self.http.request(
            method, self.base + path, body=payload, headers=sent, timeout=30, retries=False
        )
        for cookie in answer.headers.getlist("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in cookie:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return Answer(answer.status, answer.headers, answer.data)

    def get(self, path: str, **headers: Any) -> Answer:
        return self.call("GET", path, headers=headers)

    def post(self, path: str, body: Any = None, **headers: Any) -> Answer:
        return self.call("POST", path, body, headers=headers)

    def put(self, path: str, **headers: Any) -> Answer:
        return self.call("PUT", path, headers=headers)

    def register(self, name: str | None = None) -> str:
        """A new account; registering gives this visitor its session (the cookie)."""
        name = name or f"visitor-{uuid.uuid4().hex[:10]}"
        details = {"name": name, "password": PASSWORD, "email": f"{name}@example.com"}
        answer = self.post("/api/user/register", details)
        assert answer.status == 200, answer.data
        return name

    def anonymous_id(self) -> str:
        return str(self.get("/api/user/uniqueid").json()["uuid"])

    def fill_cart(self, cart_id: str, **headers: Any) -> dict[str, Any]:
        """Two robots and shipping to London: a cart ready to pay."""
        assert self.get(f"/api/cart/add/{cart_id}/RMC/2", **headers).status == 200
        city = self.get("/api/shipping/match/gb/london").json()[0]
        answer = self.call(
            "POST", f"/api/shipping/confirm/{cart_id}", {"uuid": city["uuid"]}, headers=headers
        )
        assert answer.status == 200, answer.data
        cart: dict[str, Any] = answer.json()
        return cart

    def paid_order(self) -> PaidOrder:
        """A new shopper's order, paid and seen dispatched in their history."""
        name = self.register()
        self.fill_cart(name)
        answer = self.post(f"/api/payment/pay/{name}", {"total": 0})
        assert answer.status == 200, answer.data
        orderid = str(answer.json()["orderid"])
        self.wait_for_order(name, orderid)
        return PaidOrder(name, orderid, str(answer.headers["X-Trace-Id"]))

    def wait_for_order(
        self, name: str, orderid: str, status: str = "dispatched", seconds: float = 20
    ) -> dict[str, Any]:
        """The order in the user's history once it has `status` (it travels as events)."""

        def history() -> list[dict[str, Any]]:
            answer = self.get(f"/api/user/history/{name}")
            found = list(answer.json()["history"]) if answer.status == 200 else []
            mine = [o for o in found if o["orderid"] == orderid]
            assert len(mine) <= 1, f"order {orderid} is in the history {len(mine)} times"
            return found

        def settled(found: list[dict[str, Any]]) -> bool:
            return any(o["orderid"] == orderid and o["status"] == status for o in found)

        found = until(history, seconds, f"order {orderid} {status}", 0.2, done=settled)
        return next(dict(o) for o in found if o["orderid"] == orderid)


@pytest.fixture
def origin(stack: Stack) -> str:
    return stack.nginx_url


@pytest.fixture
def visitor(origin: str) -> Visitor:
    return Visitor(origin)


@pytest.fixture
def outsider(origin: str) -> Visitor:
    """Someone else: no session, or one of their own."""
    return Visitor(origin)


@pytest.fixture(autouse=True)
def fresh_login_throttle(stack: Stack) -> Iterator[None]:
    """All these tests come from one address: its failed logins must not carry over."""
    yield
    forget_failed_logins()
