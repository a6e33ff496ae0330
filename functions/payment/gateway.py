"""The payment gateway: authorise an amount, then capture it once the order exists, or void it.

PAYMENT_GATEWAY set to a URL speaks to a real gateway over HTTP:
`POST {url}/authorisations {amount, currency, reference}` answers 2xx `{id}`
or 402 when declined; `POST {url}/authorisations/{id}/capture` and `.../void`
answer 2xx. Unset, a built-in simulated gateway answers in-process (no outside
call): it authorises any amount up to PAYMENT_DECLINE_ABOVE euros and declines more.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any, Protocol

from kit import ApiError, env, env_int


class Declined(ApiError):
    def __init__(self, reason: str) -> None:
        super().__init__(402, "payment_declined", f"the payment was declined: {reason}")


class GatewayFailed(ApiError):
    def __init__(self, reason: str) -> None:
        super().__init__(502, "gateway_failed", f"the payment gateway failed: {reason}")


class Gateway(Protocol):
    def authorise(self, amount: float, reference: str) -> str: ...
    def capture(self, authorisation: str) -> None: ...
    def void(self, authorisation: str) -> None: ...


class SimulatedGateway:
    """Authorisations held in memory: enough to exercise authorise/capture/void locally.

    Only the latest `keep` are remembered, so a long-running payment doesn't grow
    without end; one settles within its own pay request, long before it is forgotten.
    """

    def __init__(self, keep: int = 10000) -> None:
        self._states: OrderedDict[str, str] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def authorise(self, amount: float, reference: str) -> str:
        limit = env_int("PAYMENT_DECLINE_ABOVE", 50000)
        if amount > limit:
            raise Declined(f"{amount:.2f} EUR is above the card limit")
        authorisation = f"sim-{uuid.uuid4().hex}"
        with self._lock:
            self._states[authorisation] = "authorised"
            while len(self._states) > self._keep:
                self._states.popitem(last=False)
        return authorisation

    def capture(self, authorisation: str) -> None:
        self._settle(authorisation, "captured")

    def void(self, authorisation: str) -> None:
        self._settle(authorisation, "voided")

    def state(self, authorisation: str) -> str | None:
        return self._states.get(authorisation)

    def _settle(self, authorisation: str, state: str) -> None:
        with self._lock:
            if self._states.get(authorisation) != "authorised":
                raise GatewayFailed(f"authorisation {authorisation} can't be {state}")
            self._states[authorisation] = state


class HttpGateway:
    def __init__(self, base_url: str) -> None:
        import urllib3

        self._base = base_url.rstrip("/")
        self._http = urllib3.PoolManager(maxsize=4)
        self._timeout = urllib3.Timeout(
            connect=2, read=env_int("PAYMENT_GATEWAY_TIMEOUT_MS", 10000) / 1000
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
        if not 200 <= answer.status < 300:
            raise GatewayFailed(f"{action} answered HTTP {answer.status}")


_simulated = SimulatedGateway()
_http_gateways: dict[str, HttpGateway] = {}


def current() -> Gateway:
    """The gateway PAYMENT_GATEWAY names, else the simulated one."""
    url = env("PAYMENT_GATEWAY", "")
    if not url:
        return _simulated
    if url not in _http_gateways:
        _http_gateways[url] = HttpGateway(url)
    return _http_gateways[url]
