"""Dead letters: keeping the events no consumer could take, listing and replaying them.

Two ways in. A Trigger's dead-letter dispatcher delivers an event after its last retry,
with Knative's `knativeerrordest` (the subscriber's URL) and `knativeerrorcode`
extensions. A consumer that refuses an event for good (a 4xx the broker does not retry,
which eventing-rabbitmq would ack and drop) posts it here itself before answering 2xx.
Either way the letter names the consumer and event route it was meant for.

A replay sends the event as it was delivered, to that route only (a consumer's
`<FUNCTION>_URL`, so nothing else can be targeted), and publishes the consumer's reply
event to the broker ($K_SINK), as a dispatcher would; both under the replaying request's
trace and request id (kit.events.send), so a replay is one trace with what it set off.
The consumers are idempotent, so a replay of an event that did get through after all
changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Any

from deadletters import store
from kit import ApiError, Unavailable, counter, events, get_logger, peer_url

log = get_logger("deadletters.letters")
parked_total = counter("dead_letters_parked", "Events kept as dead letters.", ["function", "type"])
replays_total = counter("dead_letter_replays", "Replays of dead letters.", ["outcome"])
# A consumer's answer may wait on its own stores and peers.
_READ_TIMEOUT = 30.0
_ERROR_ATTRIBUTES = ("knativeerrordest", "knativeerrorcode", "knativeerrordata")
EVENTS_PATH = "/events/"


def consumers() -> dict[str, str]:
    """The functions whose event routes may be replayed to, by name: their base URLs."""
    return {
        "user": peer_url("user"),
        "cart": peer_url("cart"),
        "catalogue": peer_url("catalogue"),
        "dispatch": peer_url("dispatch"),
        "payment": peer_url("payment"),
    }


def destination_of(url: str) -> tuple[str | None, str]:
    """(consumer, event route) of a subscriber URL; (None, url) for anything else."""
    for function, base in consumers().items():
        if url.startswith(base + EVENTS_PATH):
            return function, url[len(base) :].split("?")[0]
    return None, url


def _key(function: str | None, path: str, attributes: dict[str, Any]) -> str:
    text = "\0".join([function or "", path, str(attributes["source"]), str(attributes["id"])])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _keep(
    function: str | None,
    path: str,
    attributes: dict[str, Any],
    data: bytes,
    code: int | None,
    error: str,
    reason: str,
) -> str:
    event = {k: v for k, v in attributes.items() if k not in _ERROR_ATTRIBUTES}
    key = _key(function, path, event)
    store.park(
        key,
        {
            "function": function,
            "path": path,
            "code": code,
            "error": error,
            "reason": reason[:1000],
            "event_id": str(event["id"]),
            "event_type": str(event["type"]),
            "subject": str(event.get("subject") or ""),
            "event": json.dumps({"attributes": event, "data": base64.b64encode(data).decode()}),
        },
    )
    parked_total.labels(function or "unknown", str(event["type"])).inc()
    subject = str(event.get("subject") or "")
    order = {"order_id": subject} if str(event["type"]).startswith("com.roboshop.order.") else {}
    log.warning(
        "dead letter kept",
        extra={
            "key": key,
            "consumer": function,
            "path": path,
            "code": code,
            "event_id": event["id"],
            "event_type": event["type"],
            **order,
        },
    )
    return key


def from_dispatcher(attributes: dict[str, Any], data: bytes) -> str:
    """A Trigger's dead letter, as its dead-letter dispatcher delivers it."""
    function, path = destination_of(str(attributes.get("knativeerrordest") or ""))
    raw_code = str(attributes.get("knativeerrorcode") or "")
    code = int(raw_code) if raw_code.lstrip("-").isdigit() else None
    reason = str(attributes.get("knativeerrordata") or "")
    error = "undeliverable" if code is None or code < 0 or code >= 500 else f"http_{code}"
    return _keep(function, path, attributes, data, code, error, reason)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ApiError(400, "bad_request", f"{name} must be a non-empty string")
    return value


def from_consumer(body: Any) -> str:
    """An event a consumer refused for good, posted by the consumer itself."""
    if not isinstance(body, dict) or not isinstance(body.get("event"), dict):
        raise ApiError(400, "bad_request", "expected {function, path, code, error, reason, event}")
    function, path = _text(body.get("function"), "function"), _text(body.get("path"), "path")
    if function not in consumers() or not path.startswith(EVENTS_PATH):
        raise ApiError(400, "bad_request", f"{function} {path[:80]} is no consumer's event route")
    attributes = body["event"].get("attributes")
    if not isinstance(attributes, dict) or not all(
        isinstance(attributes.get(k), str) and attributes[k] for k in ("id", "source", "type")
    ):
        raise ApiError(400, "bad_request", "the event needs string id, source and type")
    try:
        data = base64.b64decode(str(body["event"].get("data") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "bad_request", "the event's data must be base64") from None
    events.check_signature(events.from_binary(attributes, data))
    code = body.get("code")
    return _keep(
        function,
        path,
        attributes,
        data,
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        str(body.get("error") or "refused")[:64],
        str(body.get("reason") or ""),
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def public(letter: dict[str, Any]) -> dict[str, Any]:
    """A dead letter as the listing shows it: the event's data decoded when it is JSON."""
    event = json.loads(letter["event"])
    raw = base64.b64decode(event["data"])
    try:
        data: Any = json.loads(raw)
    except ValueError:
        data = raw.decode(errors="replace")
    return {
        "id": letter["_id"],
        "status": letter["status"],
        "function": letter.get("function"),
        "path": letter.get("path"),
        "code": letter.get("code"),
        "error": letter.get("error"),
        "reason": letter.get("reason"),
        "times": letter.get("times", 1),
        "first_parked": _iso(letter.get("first_parked")),
        "last_parked": _iso(letter.get("last_parked")),
        "replayed_at": _iso(letter.get("replayed_at")),
        "last_replay_outcome": letter.get("last_replay_outcome"),
        "event": event["attributes"],
        "data": data,
    }


def listing(status: str, limit: int) -> list[dict[str, Any]]:
    if status not in (store.PARKED, store.REPLAYED, "all"):
        raise ApiError(400, "bad_request", "status is parked, replayed or all")
    if not 1 <= limit <= 1000:
        raise ApiError(400, "bad_request", "limit is 1..1000")
    return [public(x) for x in store.listing(None if status == "all" else status, limit)]


def one(key: str) -> dict[str, Any]:
    letter = store.find(key)
    if letter is None:
        raise ApiError(404, "not_found", f"no dead letter {key[:64]}")
    return letter


def discard(key: str) -> dict[str, str]:
    one(key)
    store.discard(key)
    return {"id": key, "status": "discarded"}


def replay(key: str) -> dict[str, Any]:
    """Deliver a parked letter to its consumer again; `replayed` once it took it."""
    letter = one(key)
    if letter["status"] != store.PARKED:
        raise ApiError(409, "not_parked", f"dead letter {key} was already replayed")
    function = letter.get("function")
    if function not in consumers():
        raise ApiError(409, "no_destination", f"dead letter {key} names no consumer to replay to")
    event = json.loads(letter["event"])
    binary = events.BinaryEvent(event["attributes"], base64.b64decode(event["data"]))
    url = consumers()[function] + letter["path"]
    answer = events.send(binary, url, receiver=function, read_timeout=_READ_TIMEOUT)
    if not answer.ok:
        outcome = "unreachable" if answer.status == events.NO_ANSWER else f"HTTP {answer.status}"
        log.warning("replay: %s did not take dead letter %s: %s", function, key, answer.detail)
        store.note_failed_replay(key, outcome)
        replays_total.labels("failed").inc()
        raise ApiError(502, "replay_failed", f"{function} did not take the event: {outcome}")
    _publish(_reply(answer))
    replayed = store.mark_replayed(key, int(letter["version"]))
    replays_total.labels("replayed" if replayed else "parked_again").inc()
    return {
        "id": key,
        "status": store.REPLAYED if replayed else store.PARKED,
        "answer": answer.status,
    }


def _reply(answer: events.Answer) -> events.BinaryEvent | None:
    try:
        return events.reply_in(answer)
    except ValueError as exc:  # the consumer's bug: it took the event all the same
        log.error("replay: ignoring a malformed reply event: %s", exc)
        return None


def _publish(reply: events.BinaryEvent | None) -> None:
    """The consumer's reply goes to the broker, as a dispatcher sends it."""
    if reply is None:
        return
    sink = events.SinkSettings.current().k_sink
    answer = events.send(reply, sink, receiver="broker", read_timeout=_READ_TIMEOUT)
    if not answer.ok:
        log.warning("replay: the broker did not take the reply: %s", answer.detail)
        replays_total.labels("reply_lost").inc()
        raise Unavailable("broker")
