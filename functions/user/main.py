"""user: accounts, logins (sessions), anonymous shopper ids and order history."""

from __future__ import annotations

import time
from typing import Any

import functions_framework
from flask import Request, Response, jsonify, request

from kit import (
    ApiError,
    FunctionApp,
    clients,
    counter,
    events,
    json_body,
    paging,
    sessions,
    stores,
)
from user import accounts, order_events, orders, store, throttle

app = FunctionApp("user", dependencies=[stores.mongo, stores.redis])
logins = counter("user_logins", "Logins by outcome.", ["outcome"])
_OUTCOMES = {429: "throttled", 503: "busy"}


def ok() -> Response:
    return Response("OK", content_type="text/plain; charset=utf-8")


@app.route("/uniqueid")
def unique_id() -> dict[str, str]:
    throttle.minted(clients.address(request))
    return {"uuid": sessions.new_anonymous_id()}


@app.route("/check/<name>")
def check(name: str) -> Response:
    if not accounts.valid_name(name) or not store.user_exists(name):
        raise ApiError(404, "not_found", f"no user {name}")
    return ok()


@app.route("/register", methods=["POST"])
def register() -> Response:
    return session_answer(accounts.register(json_body(request), clients.address(request)))


@app.route("/login", methods=["POST"])
def login() -> Response:
    try:
        user = accounts.login(json_body(request), clients.address(request), time.time())
    except ApiError as exc:
        logins.labels(_OUTCOMES.get(exc.status, "refused")).inc()
        raise
    logins.labels("ok").inc()
    return session_answer(user)


@app.route("/logout", methods=["POST"])
def logout() -> Response:
    token = sessions.token_of(request)
    if token:
        sessions.revoke(token)
    response = ok()
    sessions.clear_cookie(response)
    return response


@app.route("/order/<name>", methods=["POST"])
def order(name: str) -> Response:
    sessions.require_user(request, name)
    orders.confirm(name, json_body(request))
    return ok()


@app.route("/history/<name>")
def history(name: str) -> Response:
    sessions.require_user(request, name)
    found, total, limit, offset = orders.history(name, request.args)
    return paging.describe(jsonify(found), total, limit, offset)


@app.route("/users")
def list_users() -> list[dict[str, Any]]:
    return store.list_users()


events.route(app, "/events/order-placed", events.ORDER_PLACED, order_events.placed)


events.route(app, "/events/order-paid", events.ORDER_PAID, order_events.paid)


events.route(app, "/events/order-cancelled", events.ORDER_CANCELLED, order_events.cancelled)


events.route(app, "/events/order-dispatched", events.ORDER_DISPATCHED, order_events.dispatched)


def session_answer(user: dict[str, str]) -> Response:
    """The user's public fields with a new session: its token in the body and the cookie."""
    token = sessions.issue(user["name"])
    response = jsonify({**user, "token": token})
    sessions.set_cookie(response, token, request)
    return response


@functions_framework.http
def user(req: Request) -> Response:
    return app(req)
