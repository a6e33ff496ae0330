"""The kit's metrics: dependency health as last seen, consumers' event outcomes, and the
exposition format the scraper asks for."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from kit import Dependency, events


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def dependency_up(dependency: str) -> list[float]:
    """The values /metrics shows for the dependency's health (one a Dependency of that name)."""
    return [
        sample.value
        for family in REGISTRY.collect()
        if family.name == "dependency_up"
        for sample in family.samples
        if sample.labels["dependency"] == dependency
    ]


def test_a_dependency_that_failed_its_check_is_down_until_it_answers(client: FlaskClient) -> None:
    """A dependency of this test's own, so that no other test's checks of the sample app's
    dependencies (made once a process, whichever test built it first) count here."""
    client.get("/health")  # the app is built: this process's health gauge is registered
    answering = False

    def connect() -> object:
        if not answering:
            raise ConnectionError("connection refused")
        return object()

    name = f"store-{uuid.uuid4().hex[:8]}"
    store = Dependency(name, connect, lambda _: None, (ConnectionError,), base_delay=0.0)
    assert dependency_up(name) == [1]  # not looked at yet: nothing says it is down
    assert store.check() == f"{name} is unavailable, please try again shortly"
    assert dependency_up(name) == [0]
    answering = True
    assert store.check() is None
    assert dependency_up(name) == [1]


def test_the_exposition_is_openmetrics_only_when_asked_for(client: FlaskClient) -> None:
    plain = client.get("/metrics")
    assert plain.content_type.startswith("text/plain")
    rich = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert rich.content_type.startswith("application/openmetrics-text")
    assert rich.get_data(as_text=True).rstrip().endswith("# EOF")


def test_a_refused_event_is_counted_as_refused(client: FlaskClient) -> None:
    labels = {"function": "sample", "type": events.ORDER_PLACED, "outcome": "refused"}
    before = sample("events_received_total", **labels)
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "e-1",
        "ce-source": "/elsewhere",
        "ce-type": events.ORDER_PLACED,
        "Content-Type": "application/json",
    }
    answer = client.post("/events/order-placed", data=b"{}", headers=headers)
    assert answer.status_code == 401
    assert sample("events_received_total", **labels) == before + 1
