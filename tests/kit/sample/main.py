"""A function made only of kit behaviour, for the kit's own tests."""

from __future__ import annotations

from typing import Any

import functions_framework
from flask import Request, Response, request

from kit import ApiError, Dependency, FunctionApp, events, json_body


class Broken(ConnectionError):
    """What a store driver raises when its server is gone."""


def _refuse() -> object:
    raise Broken("connection refused")


def _fail_ping(_: object) -> None:
    raise Broken("no answer")


FLAKY = Dependency("flaky", lambda: object(), _fail_ping, (Broken,))
DOWN = Dependency("down", _refuse, lambda _: None, (Broken,))
UP = Dependency("up", lambda: object(), lambda _: None, (Broken,))
app = FunctionApp("sample", dependencies=[lambda: UP, lambda: DOWN])


@app.route("/echo", methods=["POST"])
def echo() -> dict[str, Any]:
    return json_body(request)


@app.route("/items/<int:number>")
def item(number: int) -> dict[str, int]:
    return {"number": number}


@app.route("/nothing", methods=["POST"])
def nothing() -> tuple[str, int]:
    return "", 204


@app.route("/events/order-placed", methods=["POST"])
def order_placed() -> Any:
    return events.consume(request, app.name, events.ORDER_PLACED, lambda event: None)


@app.route("/teapot")
def teapot() -> None:
    raise ApiError(418, "teapot", "I am a teapot")


@app.route("/boom")
def boom() -> None:
    raise RuntimeError("secret detail that must not leak")


@app.route("/store")
def store() -> str:
    DOWN.get()
    return "unreachable"


@app.route("/flaky")
def flaky() -> str:
    FLAKY.get()
    raise Broken("dropped mid-request")


@functions_framework.http
def sample(req: Request) -> Response:
    return app(req)
