"""The payment gateway: authorise an amount, then capture it once the order exists, or void it.

Capture and void are idempotent: settling an authorisation again the same way
succeeds, so pay() and the order.placed consumer (settlement.py) may both
capture one authorisation, in either order. An authorisation that can't be
settled that way (unknown, expired, or settled the other way) raises
Unsettleable: retrying won't change it. Any other failure raises GatewayFailed.

PAYMENT_GATEWAY set to a URL speaks to a real gateway over HTTP:
`POST {url}/authorisations {amount, currency, reference}` answers 2xx `{id}`
or 402 when declined. `POST {url}/authorisations/{id}/capture` answers 2xx
when captured, 409 when it was captured already (both a success), 404 when the
authorisation is unknown and 410 when it was voided or has expired. `.../void`
answers 2xx when voided, 404, 409 (captured) or 410 (expired) when it can't be.
Every call carries an Idempotency-Key.

Unset, a built-in simulated gateway answers without an outside call. It
authorises any amount up to PAYMENT_DECLINE_ABOVE_EUR euros (default 50000) and
declines more, and keeps each authorisation in Redis (so every payment process
sees it) for PAYMENT_AUTHORISATION_TTL_SECONDS (default 3600): one never
captured lapses then, as a card authorisation does.
"""

from __future__ import annotations

import random
import uuid
from typing import Any, Protocol

from kit import ApiError, flags, namespaced, stores
from payment.settings import PaymentSettings


class Declined(ApiError):
    def __init__(self, reason: str) -> None:
        super().__init__(402, "payment_declined", f"the payment was declined: {reason}")


class GatewayFailed(ApiError):
    def __init__(self, reason: str) -> None:
        super().__init__(502, "gateway_failed", f"the payment gateway failed: {reason}")


class Unsettleable(GatewayFailed):
    """The authorisation can't be settled as asked, now or ever."""

    def __init__(self, authorisation: str, action: str, why: str) -> None:
        super().__init__(f"authorisation {authorisation} can't be {action}: {why}")


class Gateway(Protocol):
    def authorise(self, amount: float, reference: str) -> str: ...
    def capture(self, authorisation: str) -> None: ...
    def void(self, authorisation: str) -> None: ...


AUTHORISED, CAPTURED, VOIDED = "authorised", "captured", "voided"

# Moves an authorisation to ARGV[1] if it is still authorised, and returns the state it
# had ("" if none): one script, so a capture and a void racing can't both win. The move
# goes on the gateway's statement (KEYS[2]), as a card statement lists each charge once.
_SETTLE = """
local state = redis.call('GET', KEYS[1])
if state == 'authorised' then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
  redis.call('RPUSH', KEYS[2], ARGV[1] .. ' ' .. ARGV[3])
  redis.call('LTRIM', KEYS[2], -100000, -1)
end
return state or ''
"""


class SimulatedGateway:
    """Authorisations as Redis keys holding their state, with a TTL."""

    def authorise(self, amount: float, reference: str) -> str:
        limit = PaymentSettings.current().payment_decline_above_eur
        if amount > limit:
            raise Declined(f"{amount:.2f} EUR is above the card limit")
        # The reference (the order id) is part of the id, so the statement names the order.
        authorisation = f"sim-{uuid.uuid4().hex}-{reference}"
        stores.redis().get().set(_key(authorisation), AUTHORISED, ex=_ttl(), nx=True)
        return authorisation

    def capture(self, authorisation: str) -> None:
        self._settle(authorisation, CAPTURED)

    def void(self, authorisation: str) -> None:
        self._settle(authorisation, VOIDED)

    def _settle(self, authorisation: str, target: str) -> None:
        redis = stores.redis().get()
        # A settled authorisation is kept as long again, so a late redelivery still finds it.
        before = redis.eval(
            _SETTLE, 2, _key(authorisation), statement_key(), target, _ttl(), authorisation
        )
        if before not in (AUTHORISED, target):
            raise Unsettleable(authorisation, target, before or "unknown or expired")


def _key(authorisation: str) -> str:
    return namespaced(f"payment:authorisation:{authorisation}")


def statement_key() -> str:
    """The simulated gateway's statement: `captured <authorisation>` or `voided ...`, in order."""
    return namespaced("payment:statement")


def _ttl() -> int:
    return PaymentSettings.current().payment_authorisation_ttl_seconds


# Per action: the answers that are a success besides 2xx, and those that are final refusals.
_ALSO_DONE = {"capture": {409}, "void": set[int]()}
_REFUSED = {"capture": {404, 410}, "void": {404, 409, 410}}


class HttpGateway:
    def __init__(self, base_url: str) -> None:
        import urllib3

        self._base = base_url.rstrip("/")
        self._http = urllib3.PoolManager(maxsize=4)
        self._timeout = urllib3.Timeout(
            connect=2, read=PaymentSettings.current().payment_gateway_timeout_ms / 1000
        )

    def _post(self, path: str, body: dict[str, Any], reference: str) -> Any:
        import urllib3

        try:
            return self._http.request(
                "POST",
                self._base + path,
                json=body,
                headers={"Idempotency-Key": reference},
                timeout=self._timeout,
                retries=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise GatewayFailed(f"unreachable ({type(exc).__name__})") from None

    def authorise(self, amount: float, reference: str) -> str:
        answer = self._post(
            "/authorisations",
            {"amount": amount, "currency": "EUR", "reference": reference},
            reference,
        )
        if answer.status == 402:
            raise Declined("by the gateway")
        if not 200 <= answer.status < 300:
            raise GatewayFailed(f"HTTP {answer.status}")
        try:
            return str(answer.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise GatewayFailed("the authorisation has no id") from None

    def capture(self, authorisation: str) -> None:
        self._settle(authorisation, "capture")

    def void(self, authorisation: str) -> None:
        self._settle(authorisation, "void")

    def _settle(self, authorisation: str, action: str) -> None:
        answer = self._post(
            f"/authorisations/{authorisation}/{action}", {}, f"{authorisation}-{action}"
        )
        if 200 <= answer.status < 300 or answer.status in _ALSO_DONE[action]:
            return
        if answer.status in _REFUSED[action]:
            done = CAPTURED if action == "capture" else VOIDED
            raise Unsettleable(authorisation, done, f"the gateway answered {answer.status}")
        raise GatewayFailed(f"{action} answered HTTP {answer.status}")


class ChaosGateway:
    """The chaos switches in front of a gateway: `payment-unreachable` fails every call as a
    gateway that can't be reached; `payment-failure-percent` fails that share of
    authorisations as a gateway answering an error."""

    def __init__(self, inner: Gateway, unreachable: bool, failure_percent: int) -> None:
        self._inner = inner
        self._unreachable = unreachable
        self._failure_percent = failure_percent

    def _reach(self) -> None:
        if self._unreachable:
            raise GatewayFailed("unreachable (chaos switch payment-unreachable)")

    def authorise(self, amount: float, reference: str) -> str:
        self._reach()
        if random.uniform(0, 100) < self._failure_percent:
            raise GatewayFailed("HTTP 500 (chaos switch payment-failure)")
        return self._inner.authorise(amount, reference)

    def capture(self, authorisation: str) -> None:
        self._reach()
        self._inner.capture(authorisation)

    def void(self, authorisation: str) -> None:
        self._reach()
        self._inner.void(authorisation)


_simulated = SimulatedGateway()
_http_gateways: dict[str, HttpGateway] = {}


def current() -> Gateway:
    """The gateway PAYMENT_GATEWAY names, else the simulated one (behind the chaos switches)."""
    url = PaymentSettings.current().payment_gateway
    gateway: Gateway = _simulated
    if url:
        if url not in _http_gateways:
            _http_gateways[url] = HttpGateway(url)
        gateway = _http_gateways[url]
    unreachable = flags.boolean("payment-unreachable")
    failure_percent = flags.integer("payment-failure-percent", 0)
    if unreachable or failure_percent > 0:
        return ChaosGateway(gateway, unreachable, failure_percent)
    return gateway
