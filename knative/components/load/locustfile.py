"""The classic RoboShop shopper journeys for Locust, against the public origin (nginx).

Equal weights: a log-in, a full purchase, and with ERROR=1 a deliberately invalid
payment. Every step follows the shop's real API (web/openapi.yaml): an account is
registered by the shopper itself (demo users exist only where SEED_DEMO_USERS is on),
the session token it answers rides as a Bearer header, the cart is keyed by the signed
anonymous id, shipping is priced by the server from a real city.

A step that answers what the shop promises counts as a success, including the refusal
of the invalid payment, a cart's 409 `out_of_stock` for a line beyond the stock
(shoppers race for the few robots left) and a 503 `busy` while too many passwords are
being checked (registering tries again after its Retry-After); anything else is a failure,
and Locust exits non-zero on any failure or exception. Only Locust and the standard library
are imported: the same file runs in the cluster's Job (the locust image) and under `make load`.

    THINK_MIN, THINK_MAX   seconds a shopper waits between steps (default 1 and 3)
    ERROR=1                add the invalid-payment journey
"""

from __future__ import annotations

import os
import random
import time
import uuid
from typing import Any
from urllib.parse import quote

from locust import HttpUser, between, events

THINK = between(float(os.environ.get("THINK_MIN", "1")), float(os.environ.get("THINK_MAX", "3")))
PASSWORD = "load-generator-" + uuid.uuid4().hex
# The invalid payment pays a registered user's cart without that user's session.
VICTIM = "partner-57"
REFUSED = (400, 401, 403)
# A cart line beyond the stock: the shop's promised answer, not an error.
OUT_OF_STOCK = {409: "out_of_stock"}
# Too many passwords being checked at once: promised too, with a Retry-After to honour.
BUSY = {503: "busy"}
REGISTER_TRIES = 10


class Shopper(HttpUser):
    """One shopper: its own account, and for each purchase a fresh anonymous cart."""

    wait_time = THINK

    def on_start(self) -> None:
        self.name = f"load-{uuid.uuid4().hex[:12]}"
        details = {"name": self.name, "password": PASSWORD, "email": f"{self.name}@example.com"}
        for _ in range(REGISTER_TRIES):
            found = self.expect(
                "POST", "/api/user/register", "register", refusals=BUSY, json=details
            )
            if not (found and found.get("error") == "busy"):
                return
            time.sleep(1)  # its Retry-After

    def expect(
        self,
        method: str,
        path: str,
        name: str,
        ok: tuple[int, ...] = (200,),
        refusals: dict[int, str] | None = None,
        **kw: Any,
    ) -> Any:
        """The request, a failure unless its status is one of `ok`, or one of `refusals`
        with its error code; its JSON body, or None."""
        with self.client.request(method, path, name=name, catch_response=True, **kw) as answer:
            code = (refusals or {}).get(answer.status_code)
            if code is not None and _error_of(answer) != code:
                code = None
            if answer.status_code not in ok and code is None:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return None
            answer.success()
            if answer.headers.get("Content-Type", "").startswith("application/json"):
                return answer.json()
            return None

    def log_in(self) -> None:
        found = self.expect(
            "POST",
            "/api/user/login",
            "login",
            refusals=BUSY,
            json={"name": self.name, "password": PASSWORD},
        )
        if found is not None and "token" not in found and found.get("error") != "busy":
            raise AssertionError("login answered no session token")

    def purchase(self) -> None:
        self.expect("GET", "/", "home")
        cart_id = self.expect("GET", "/api/user/uniqueid", "uniqueid")["uuid"]
        self.expect("GET", "/api/catalogue/categories", "categories")
        products = self.expect("GET", "/api/catalogue/products", "products")
        in_stock = [p for p in products if p["instock"] > 0]
        if not in_stock:
            self.outcome("out_of_stock")  # the shop sold out: nothing to buy this time
            return
        added = 0
        for _ in range(2):
            added += self.pick(random.choice(in_stock)["sku"], cart_id)
            self.wait()
        if not added:
            # Both robots sold out under the shopper: nothing to buy this time.
            self.outcome("out_of_stock")
            return
        cart = self.expect("GET", f"/api/cart/cart/{cart_id}", "cart")
        line = random.choice(cart["items"])
        self.expect(
            "GET",
            f"/api/cart/update/{cart_id}/{line['sku']}/2",
            "update quantity",
            refusals=OUT_OF_STOCK,
        )
        city = self.city()
        self.expect("GET", f"/api/shipping/calc/{city}", "shipping calc")
        self.wait()
        cart = self.expect(
            "POST", f"/api/shipping/confirm/{cart_id}", "shipping confirm", json={"uuid": city}
        )
        # The gateway declines a card above its limit (two pricey robots, two of one): the
        # shop answering as promised, not an error.
        order = self.expect(
            "POST",
            f"/api/payment/pay/{cart_id}",
            "pay",
            ok=(200, 402),
            json=cart,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        outcome = "placed" if "orderid" in order else order.get("error")
        if outcome not in ("placed", "payment_declined"):
            raise AssertionError(f"pay answered neither an order nor a decline: {order}")
        self.outcome(outcome)

    def outcome(self, name: str) -> None:
        """How the purchase ended, counted as an ORDER row of its own."""
        events.request.fire(
            request_type="ORDER", name=name, response_time=0, response_length=0, exception=None
        )

    def pick(self, sku: str, cart_id: str) -> bool:
        """View a product, sometimes rate it, see its rating, add it; whether it was added
        (False: it sold out meanwhile)."""
        if random.random() < 0.5:
            self.expect("PUT", f"/api/ratings/api/rate/{sku}/{random.randint(1, 5)}", "rate")
        self.expect("GET", f"/api/catalogue/product/{sku}", "product")
        self.expect("GET", f"/api/ratings/api/fetch/{sku}", "rating")
        added = self.expect("GET", f"/api/cart/add/{cart_id}/{sku}/1", "add", refusals=OUT_OF_STOCK)
        return isinstance(added, dict) and "items" in added

    def city(self) -> str:
        """A country, then a city of it found by the first letters of its name: its uuid."""
        code = random.choice(self.expect("GET", "/api/shipping/codes", "shipping codes"))["code"]
        cities = self.expect("GET", f"/api/shipping/cities/{code}", "shipping cities")
        # The shop strips what was typed, so three letters with a space among them are too few.
        named = [c for c in cities if len(c["name"][:3].strip()) == 3 and "/" not in c["name"]]
        chosen = random.choice(named)
        prefix = quote(chosen["name"][:3], safe="")
        matches = self.expect("GET", f"/api/shipping/match/{code}/{prefix}", "shipping match")
        if not matches:
            raise AssertionError(f"match found no city starting with {chosen['name'][:3]!r}")
        uuids = [m["uuid"] for m in matches]
        return str(chosen["uuid"] if chosen["uuid"] in uuids else uuids[0])

    def invalid_payment(self) -> None:
        """Pay for someone else's cart with a made-up body: the shop must refuse it."""
        self.expect(
            "POST",
            f"/api/payment/pay/{VICTIM}",
            "pay (invalid, refused)",
            ok=REFUSED,
            json={"total": 0, "tax": 0},
        )

    # Locust reads the journeys from this class attribute, with equal weights.
    tasks = [  # noqa: RUF012
        log_in,
        purchase,
        *([invalid_payment] if os.environ.get("ERROR") == "1" else []),
    ]


def _error_of(answer: Any) -> str | None:
    """The error code of a JSON error answer, if it is one."""
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None
