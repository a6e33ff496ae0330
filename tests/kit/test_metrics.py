"""The kit's metrics: dependency health as last seen, consumers' event outcomes, and the
exposition format the scraper asks for."""

from __future__ import annotations

from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from kit import events


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def dependency_up(dependency: str) -> float | None:
    """The dependency's health as /metrics shows it. A process serves one function, but the
    test session has built several: the function label is whichever was built first."""
    found = [
        sample.value
        for family in REGISTRY.collect()
        if family.name == "dependency_up"
        for sample in family.samples
        if sample.labels["dependency"] == dependency
    ]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_a_dependency_that_failed_its_check_is_down_until_it_answers(client: FlaskClient) -> None:
    client.get("/health")
    assert dependency_up("down") == 0
    assert dependency_up("up") == 1


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
