"""The same failure is the same answer from every function of the shop (kit.FunctionApp
gives them all): an unknown path, a wrong method, a body that isn't JSON, a store down;
and each serves /health, /health/live and /metrics alike.

The functions are those the kit knows (LOCAL_PORTS): a new one is checked by every test
here, and fails the one that wants a request for each store it names in its /health. The
dev broker's ingress is a kit app too, and answers alike (though it ships in no image).
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kit import LOCAL_PORTS, FunctionApp, events
from scripts.stack.ports import free_port
from scripts.stack.processes import ROOT
from tests.support.accounts import anonymous_id, bearer
from tests.support.functions import create_app, source
from tests.support.http import json_body
from tests.support.mysql import FunctionDatabase
from tests.support.orders import placed_data

BROKER = "broker"
SOURCES: dict[str, Path] = {
    **{name: source(name) for name in LOCAL_PORTS},
    BROKER: ROOT / "scripts" / "stack" / "broker" / "main.py",
}
MODULES = {**{name: f"{name}.main" for name in LOCAL_PORTS}, BROKER: "scripts.stack.broker.main"}
FUNCTIONS = list(SOURCES)
# An id as /uniqueid issues it: one made up is refused before any store is asked.
ANONYMOUS_CART = anonymous_id("every-function")


def unreachable(port: int) -> dict[str, dict[str, str]]:
    """Per store /health names, the settings that point a function at a closed port."""
    return {
        "mongodb": {"MONGO_URL": f"mongodb://127.0.0.1:{port}", "MONGO_TIMEOUT_MS": "300"},
        "redis": {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "REDIS_TIMEOUT_MS": "300"},
        "mysql": {"MYSQL_PORT": str(port)},
        "rabbitmq": {"AMQP_URL": f"amqp://guest:guest@127.0.0.1:{port}/%2F"},
    }


def paid_event(client: FlaskClient) -> TestResponse:
    orderid = f"every-function-{uuid.uuid4()}"
    event = events.make_event(
        events.ORDER_PAID,
        "/roboshop/payment",
        placed_data(orderid, "stan", [{"sku": "RMC", "qty": 1}], True),
        subject=orderid,
    )
    headers, body = events.to_binary(events.signed(event))
    return client.post("/events/order-paid", data=body, headers=headers)


def an_event(client: FlaskClient) -> TestResponse:
    headers, body = events.to_binary(events.make_event(events.ORDER_PLACED, "/t", {"o": 1}))
    return client.post("/", data=body, headers=headers)


Send = Callable[[FlaskClient], TestResponse]

# Per function and store: a request it can only answer from that store.
NEEDS: dict[str, dict[str, Send]] = {
    "catalogue": {"mongodb": lambda c: c.get("/products")},
    "cart": {"redis": lambda c: c.get(f"/cart/{ANONYMOUS_CART}")},
    "user": {
        "mongodb": lambda c: c.get("/users"),
        "redis": lambda c: c.post("/logout", headers=bearer("stan")),  # the revocation
    },
    "shipping": {"mysql": lambda c: c.get("/codes")},
    "ratings": {
        "mysql": lambda c: c.get("/api/fetch/RMC"),
        # A session is checked against the revoked ones in Redis before the vote counts.
        "redis": lambda c: c.put("/api/rate/RMC/4", headers=bearer("stan")),
    },
    "payment": {
        # The key is claimed in Redis before anything else happens to the payment.
        "redis": lambda c: c.post(f"/pay/{ANONYMOUS_CART}", headers={"Idempotency-Key": "k-1"})
    },
    "dispatch": {"redis": paid_event},
    "deadletters": {"mongodb": lambda c: c.get("/dead-letters")},
    BROKER: {"rabbitmq": an_event},
}

# The routes that read a JSON body (kit.json_body) before anything else; the event routes
# (/events/...) are found in each function's rules.
JSON_ROUTES: dict[str, list[str]] = {
    "cart": [f"/shipping/{ANONYMOUS_CART}", f"/checkout/{ANONYMOUS_CART}"],
    "user": ["/register", "/login"],
    "shipping": [f"/confirm/{ANONYMOUS_CART}"],
    "deadletters": ["/dead-letters"],
    BROKER: ["/"],
}


@dataclass(frozen=True)
class Route:
    function: str
    rule: str
    methods: frozenset[str]

    @property
    def path(self) -> str:
        """The rule with a sample value for each parameter."""
        return re.sub(r"<(?:[a-z]+:)?[A-Za-z_]+>", "x", self.rule)


def routes(function: str) -> list[Route]:
    app = importlib.import_module(MODULES[function]).app
    assert isinstance(app, FunctionApp)
    return [Route(function, rule, methods) for rule, methods in app.rules()]


def every_route() -> list[Route]:
    return [route for function in FUNCTIONS for route in routes(function)]


def event_routes() -> list[tuple[str, str]]:
    return [(r.function, r.rule) for r in every_route() if r.rule.startswith("/events/")]


def json_routes() -> list[tuple[str, str]]:
    listed = [(function, path) for function, paths in JSON_ROUTES.items() for path in paths]
    return listed + event_routes()


@pytest.fixture
def stores_up(
    mongo_url: str,
    redis_url: str,
    shipping_database: FunctionDatabase,
    ratings_database: FunctionDatabase,
) -> None:
    """Every store of every function up, its databases made; the functions connect as the
    session's MySQL user, whose rights cover every database."""


@pytest.fixture(autouse=True)
def broker_on_a_vhost_of_its_own(amqp_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The broker's RabbitMQ: the session's vhost, never the machine's default one."""
    monkeypatch.setenv("AMQP_URL", amqp_url)


def client(function: str) -> FlaskClient:
    return create_app(function, SOURCES[function]).test_client()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_an_unknown_path_is_the_same_json_404(function: str) -> None:
    response = client(function).get("/no/such/path/anywhere")
    assert response.status_code == 404
    assert json_body(response) == {"error": "not_found", "message": "no such path"}


@pytest.mark.parametrize("route", every_route(), ids=lambda r: f"{r.function}:{r.rule}")
def test_a_wrong_method_is_the_same_json_405_naming_the_allowed_ones(route: Route) -> None:
    response = client(route.function).open(route.path, method="PATCH")
    assert response.status_code == 405
    assert json_body(response) == {
        "error": "method_not_allowed",
        "message": "this method is not allowed on this path",
    }
    allowed = set(response.headers["Allow"].split(", "))
    assert route.methods <= allowed


@pytest.mark.usefixtures("stores_up")
@pytest.mark.parametrize("function", FUNCTIONS)
def test_health_names_the_function_and_every_store_it_needs_up(function: str) -> None:
    response = client(function).get("/health")
    assert response.status_code == 200, response.data
    body = json_body(response)
    assert body == {"function": function, "status": "ok", "dependencies": body["dependencies"]}
    assert body["dependencies"] == dict.fromkeys(NEEDS.get(function, {}), "up")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_live_is_200_with_no_store_asked(function: str) -> None:
    response = client(function).get("/health/live")
    assert response.status_code == 200
    assert json_body(response) == {"function": function, "status": "ok"}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_metrics_count_the_functions_requests(function: str) -> None:
    served = client(function)
    served.get("/no/such/path/anywhere")
    response = served.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    counted = f'http_requests_total{{function="{function}",method="GET",route="unmatched"'
    assert counted in response.get_data(as_text=True)


@pytest.mark.usefixtures("stores_up")
@pytest.mark.parametrize(
    ("function", "store"),
    [(function, store) for function, needs in NEEDS.items() for store in needs],
)
def test_a_store_down_is_503_from_health_and_a_route_that_needs_it(
    function: str, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in unreachable(free_port())[store].items():
        monkeypatch.setenv(name, value)
    served = client(function)

    health = served.get("/health")
    assert health.status_code == 503
    body = json_body(health)
    assert (body["function"], body["status"]) == (function, "unavailable")
    assert body["dependencies"][store] != "up"
    assert all(state == "up" for name, state in body["dependencies"].items() if name != store)

    response = NEEDS[function][store](served)
    assert response.status_code == 503, response.data
    assert json_body(response) == {
        "error": "unavailable",
        "message": f"{store} is unavailable, please try again shortly",
    }
    assert int(response.headers["Retry-After"]) >= 1
    assert served.get("/health/live").status_code == 200


@pytest.mark.usefixtures("stores_up")
@pytest.mark.parametrize(
    ("function", "path"), json_routes(), ids=[f"{f}:{p}" for f, p in json_routes()]
)
def test_a_body_that_is_not_json_is_the_same_400(function: str, path: str) -> None:
    response = client(function).post(path, data=b"{not json", content_type="application/json")
    assert response.status_code == 400, response.data
    assert json_body(response)["error"] == "malformed_json"


def test_every_function_is_asked_for_each_store_it_needs() -> None:
    """The table above is complete: /health's stores are its keys, asserted per function."""
    assert set(NEEDS) == set(FUNCTIONS)
    assert {store for needs in NEEDS.values() for store in needs} <= set(unreachable(1))
