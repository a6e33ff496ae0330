"""One checkout through nginx is one trace: payment, catalogue, cart, the broker, user and
dispatch, every span a child of another of the same trace but the first, each event's
consumer under the broker's call, as on the cluster; a replayed dead letter is in the trace
and request of its replay; and every line every process of the stack logged is a JSON object
with the fields of its request."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from pathlib import Path
from typing import Any

import urllib3

from kit import events
from scripts.stack.wait import until
from tests.observability.conftest import Observed
from tests.origin.conftest import PASSWORD, Visitor
from tests.support.orders import placed_data
from tests.support.otlp import ReceivedSpan
from tests.support.stack import SESSION_SECRET

CHECKOUT_SERVICES = {"payment", "catalogue", "cart", "broker", "user", "dispatch"}


def wait_for_trace(observed: Observed, trace_id: str, seconds: float = 30) -> list[ReceivedSpan]:
    """The trace's spans once every service of a checkout has sent its own, the user's
    order.dispatched consumption is in, and every span's parent has arrived."""

    def whole(spans: list[ReceivedSpan]) -> bool:
        services = {span.service for span in spans}
        delivered = [s for s in spans if s.service == "user" and "dispatched" in s.name]
        # Spans are exported in batches as they end: a parent (the broker's delivery) ends
        # after its child and may arrive a batch later.
        ids = {span.span_id for span in spans}
        parents_in = all(not s.parent_id or s.parent_id in ids for s in spans)
        return services >= CHECKOUT_SERVICES and bool(delivered) and parents_in

    what = f"trace {trace_id} whole"
    return until(lambda: observed.receiver.trace(trace_id), seconds, what, 0.2, done=whole)


def test_a_checkout_is_one_connected_trace(observed: Observed) -> None:
    """Through the broker as on the cluster: eventing-rabbitmq's dispatcher (and the dev
    broker) pass the trace on in the traceparent header only, never the event's traceparent
    extension, so each consumer's span hangs under the broker's call to it."""
    trace_id = Visitor(observed.shop.nginx_url).paid_order().trace_id
    spans = wait_for_trace(observed, trace_id)
    ids = {span.span_id for span in spans}
    roots = [span for span in spans if not span.parent_id]
    assert len(roots) == 1, roots
    assert roots[0].service == "payment"
    orphans = [span for span in spans if span.parent_id and span.parent_id not in ids]
    assert orphans == []
    by_id = {span.span_id: span for span in spans}
    consumed = [span for span in spans if span.name.startswith("POST /events/")]
    assert {span.service for span in consumed} >= {"user", "cart", "dispatch"}, consumed
    assert [s for s in consumed if by_id[s.parent_id].service != "broker"] == []
    names = {(span.service, span.name) for span in spans}
    assert ("payment", "POST /pay/<cart_id>") in names, names
    assert ("broker", "POST /") in names  # the ingress, a kit app as the functions are
    assert ("user", "POST /events/order-dispatched") in names
    # The store clients' own spans, under the request that used them.
    assert ("cart", "WATCH") in names  # redis
    assert any(service == "catalogue" and name.endswith(".find") for service, name in names)


def test_a_trace_starts_at_the_public_origin(observed: Observed) -> None:
    """A client's chosen trace is not joined: nginx passes no traceparent on, the function
    starts a trace of its own, and nginx's log line names it."""
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    visitor = Visitor(observed.shop.nginx_url)
    answer = visitor.get(
        "/api/catalogue/products", traceparent=f"00-{trace_id}-00f067aa0ba902b7-01"
    )
    assert answer.status == 200
    started = answer.headers["X-Trace-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", started) and started != trace_id

    def lines_of_it() -> list[dict[str, Any]] | None:
        mine = [
            line
            for line in log_lines(observed.shop.logs)["nginx"]
            if line.get("trace_id") == started
        ]
        return mine or None

    logged = until(lines_of_it, 10, "nginx's line of the request")
    assert logged[0]["path"] == "/products"


def log_lines(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every line of every function's and the broker's log, parsed (nginx's too)."""
    found = {}
    for path in sorted(folder.glob("*.log")):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        parsed = []
        for line in lines:
            try:
                parsed.append(json.loads(line))
            except ValueError:
                raise AssertionError(f"{path.name}: not a JSON line: {line!r}") from None
        found[path.name.split("-")[0].removesuffix(".log")] = parsed
    return found


def test_every_line_logged_is_json_with_its_fields_and_no_secret(observed: Observed) -> None:
    paid = Visitor(observed.shop.nginx_url).paid_order()
    orderid, trace_id = paid.orderid, paid.trace_id
    wait_for_trace(observed, trace_id)
    logs = log_lines(observed.shop.logs)
    assert CHECKOUT_SERVICES | {"nginx", "deadletters"} <= set(logs)
    for process, lines in logs.items():
        for line in lines:
            assert {"time", "level", "function"} <= set(line), (process, line)
            if "status" in line and process != "nginx":
                assert {"request_id", "trace_id", "span_id"} <= set(line), (process, line)
            text = json.dumps(line)
            assert SESSION_SECRET not in text and PASSWORD not in text, (process, line)
    for process in CHECKOUT_SERVICES:
        mine = [line for line in logs[process] if line.get("trace_id") == trace_id]
        assert mine, f"{process} logged nothing of the checkout's trace"
        if process != "catalogue":
            assert any(line.get("order_id") == orderid for line in mine), (process, mine)
    placed = [line for line in logs["payment"] if line.get("message") == "order placed"]
    assert [line["order_id"] for line in placed if line["order_id"] == orderid] == [orderid]


def park(deadletters: str, consumer: str) -> str:
    """A dead letter of an anonymous order's order.placed for the consumer's event route, as
    a Trigger's dead-letter dispatcher hands it to deadletters; its key."""
    orderid = f"replayed-{uuid.uuid4()}"
    data = placed_data(orderid, f"anonymous-{orderid}", [{"sku": "RMC", "qty": 1}])
    event = events.make_event(events.ORDER_PLACED, "/roboshop/payment", data, subject=orderid)
    headers, body = events.to_binary(events.signed(event, SESSION_SECRET))
    headers |= {"ce-knativeerrordest": consumer, "ce-knativeerrorcode": "503"}
    url = deadletters + "/events/dead-letter"
    answer = urllib3.request("POST", url, body=body, headers=headers, retries=False)
    assert answer.status == 202, answer.data
    return str(json.loads(answer.data)["id"])


def replay_spans(observed: Observed, trace_id: str) -> dict[tuple[str, str], ReceivedSpan]:
    """The replay's call to user and user's taking the event, once both are exported."""
    wanted = {("deadletters", "POST user"), ("user", "POST /events/order-placed")}

    def spans() -> dict[tuple[str, str], ReceivedSpan]:
        return {(span.service, span.name): span for span in observed.receiver.trace(trace_id)}

    return until(spans, what="the replay's spans", interval=0.2, done=lambda s: wanted <= set(s))


def test_a_replayed_dead_letter_is_in_the_trace_and_request_of_its_replay(
    observed: Observed,
) -> None:
    deadletters = observed.shop.urls["deadletters"]
    key = park(deadletters, observed.shop.urls["user"] + "/events/order-placed")
    trace_id, rid = secrets.token_hex(16), f"replay-{uuid.uuid4().hex}"
    answer = urllib3.request(
        "POST",
        f"{deadletters}/dead-letters/{key}/replay",
        headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01", "X-Request-Id": rid},
        retries=False,
    )
    assert answer.status == 200, answer.data
    spans = replay_spans(observed, trace_id)
    taken = spans[("user", "POST /events/order-placed")]
    assert taken.parent_id == spans[("deadletters", "POST user")].span_id
    user_lines = log_lines(observed.shop.logs)["user"]
    (line,) = [x for x in user_lines if x.get("request_id") == rid and x["message"] == "request"]
    assert (line["trace_id"], line["status"]) == (trace_id, 204)
