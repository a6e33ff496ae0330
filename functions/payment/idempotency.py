"""Idempotency-Key: a retried pay gets the first answer back and places no second order.

The first request claims the key in Redis with SET NX (so two concurrent
duplicates can't both pay) and then stores its final answer there for
PAYMENT_IDEMPOTENCY_TTL_SECONDS. Answers that a retry could change (a
dependency down, the gateway failing) release the key instead. An order in
doubt keeps its answer: paying again under the key would place a second order
beside one that may exist.

A key belongs to whoever first used it (the session's user, or the anonymous
cart's shopper): the same key from anyone else is refused with 422, never
answered with someone else's order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from kit import ApiError, get_logger, namespaced, stores
from payment.settings import PaymentSettings

log = get_logger("payment.idempotency")
REDIS_ERRORS = (RedisError, OSError)

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Answers that are final for this key: a retry must see them again.
_FINAL_ERRORS = frozenset({402})
_FINAL_CODES = frozenset({"order_in_doubt"})
_CLAIM_SECONDS = 120


def _redis_key(cart_id: str, key: str) -> str:
    digest = hashlib.sha256(f"{cart_id}\n{key}".encode()).hexdigest()[:40]
    return namespaced(f"payment:idempotency:{digest}")


def _owner(payer: str) -> str:
    return hashlib.sha256(f"payer\n{payer}".encode()).hexdigest()[:32]


def once(
    cart_id: str, key: str, payer: str, pay: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], int]:
    """The answer of `pay()` for this key and payer: computed once, then replayed."""
    if not _KEY.match(key):
        raise ApiError(400, "bad_request", "Idempotency-Key must be 1-255 printable characters")
    redis = stores.redis().get()
    name = _redis_key(cart_id, key)
    owner = _owner(payer)
    if not redis.set(name, json.dumps({"owner": owner}), nx=True, ex=_CLAIM_SECONDS):
        return _replay(redis.get(name), owner)
    try:
        answer = pay()
    except ApiError as exc:
        if exc.status in _FINAL_ERRORS or exc.error in _FINAL_CODES:
            _store(name, {"owner": owner, "status": exc.status, "body": exc.body()})
        else:
            redis.delete(name)
        raise
    except BaseException:
        redis.delete(name)
        raise
    try:
        _store(name, {"owner": owner, "status": 200, "body": answer})
    except REDIS_ERRORS as exc:
        # The order is placed and paid: say so. Only the replay of this answer is lost
        # (the claim lapses after _CLAIM_SECONDS, then the key is free again).
        log.error(
            "order %s placed, but its Idempotency-Key answer was not stored: %r",
            answer.get("orderid"),
            exc,
        )
    return answer, 200


def _store(name: str, answer: dict[str, Any]) -> None:
    ttl = PaymentSettings.current().payment_idempotency_ttl_seconds
    stores.redis().get().set(name, json.dumps(answer), ex=ttl)


def _decode(stored: Any, owner: str) -> dict[str, Any]:
    """The stored record; a key given back meanwhile (None) is in progress for its owner."""
    if stored is None:
        return {"owner": owner}
    answer: dict[str, Any] = json.loads(stored)
    return answer


def _replay(stored: Any, owner: str) -> tuple[dict[str, Any], int]:
    answer = _decode(stored, owner)
    if answer.get("owner") != owner:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key belongs to another payment: use a new one",
        )
    if "status" not in answer:
        # The first request is still running (or just gave its key back): try again soon.
        raise ApiError(
            409,
            "in_progress",
            "a payment with this Idempotency-Key is in progress",
            {"Retry-After": "1"},
        )
    status = int(answer["status"])
    if status >= 400:
        body = answer["body"]
        fields = {k: v for k, v in body.items() if k not in ("error", "message")}
        raise ApiError(status, body["error"], body["message"], fields=fields)
    return answer["body"], status
