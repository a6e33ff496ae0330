"""The description covers the API exactly: every route of every public function is in it
(less health, metrics and what nginx keeps from the public), and it names no other."""

from __future__ import annotations

import importlib
import re

from kit import FunctionApp
from tests.contract.spec import hidden_routes, operations, public_functions

# Served by every function for probes and the scraper; not part of the shop's API.
NOT_API = {"/health", "/health/live", "/metrics"}


def openapi_path(function: str, rule: str) -> str:
    """`/api/<function>` + the werkzeug rule with `<name>` spelled `{name}`."""
    return f"/api/{function}" + re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", rule)


def hidden(path: str) -> bool:
    # A sample value for every parameter: the nginx rule matches on the literal parts.
    return bool(hidden_routes().match(re.sub(r"\{[^}]+\}", "x", path)))


def shape(path: str) -> str:
    """The path with its parameters unnamed: the spec names them for readers ({id}, where
    the code says cart_id), so routes and operations are matched by shape."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def described() -> set[tuple[str, str]]:
    return {(op.method, shape(op.path)) for op in operations().values()}


def public_routes() -> set[tuple[str, str]]:
    found = set()
    for function in public_functions():
        app = importlib.import_module(f"{function}.main").app
        assert isinstance(app, FunctionApp)
        for rule, methods in app.rules():
            if rule in NOT_API:
                continue
            path = openapi_path(function, rule)
            if hidden(path):
                continue
            found |= {(method, shape(path)) for method in methods - {"HEAD", "OPTIONS"}}
    return found


def test_the_public_functions_are_the_ones_nginx_routes() -> None:
    expected = {"catalogue", "cart", "user", "shipping", "ratings", "payment"}
    assert set(public_functions()) == expected


def test_nginx_keeps_the_internal_routes_out_of_the_description() -> None:
    internal = ("/api/cart/events/order-placed", "/api/user/users", "/api/user/order/{name}")
    for path in (*internal, "/api/cart/checkout/{id}"):
        assert hidden(path), path
    assert not hidden("/api/cart/cart/{id}")


def test_every_public_route_is_described() -> None:
    missing = public_routes() - described()
    assert not missing, f"routes missing from web/openapi.yaml: {sorted(missing)}"


def test_every_described_operation_is_a_route() -> None:
    unknown = described() - public_routes()
    assert not unknown, f"web/openapi.yaml describes routes no function serves: {sorted(unknown)}"
