"""The kit's metrics: dependency health as last seen, consumers' event outcomes, and the
exposition format the scraper asks for."""

from __future__ import annotations

from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from kit import events


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def dependency_up(dependency: str) -> list[float]:
    """The values /metrics shows for the dependency's health. A process serves one function,
    but the test session has built several (and the sample app more than once): the function
    label is whichever was built first, and each build has its own Dependency of that name."""
    return [
        sample.value
        for family in REGISTRY.collect()
        if family.name == "dependency_up"
        for sample in family.samples
        if sample.labels["dependency"] == dependency
    ]


def test_a_dependency_that_failed_its_check_is_down_until_it_answers(client: FlaskClient) -> None:
    down_before = dependency_up("down").count(0)
    client.get("/health")  # the first look of this module's app at its dependencies
    assert dependency_up("down").count(0) == down_before + 1
    assert set(dependency_up("up")) == {1}


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
