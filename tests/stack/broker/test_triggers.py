"""The dev broker reads its routing from the project's Trigger manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.stack.broker import amqp, triggers
from scripts.stack.broker.triggers import Delivery, ManifestError, iso_seconds
from tests.support.eventing import messages
from tests.support.settings import restart_with


def test_every_order_trigger_is_read_from_the_manifests(monkeypatch: pytest.MonkeyPatch) -> None:
    restart_with(monkeypatch, USER_URL="http://users.test:9/")
    monkeypatch.delenv("DISPATCH_URL", raising=False)
    monkeypatch.delenv("CATALOGUE_URL", raising=False)
    monkeypatch.delenv("CART_URL", raising=False)
    monkeypatch.delenv("PAYMENT_URL", raising=False)
    monkeypatch.delenv("DEADLETTERS_URL", raising=False)
    found, queue_type = triggers.load()
    by_name = {t.name: t for t in found}
    assert queue_type == "quorum"
    assert set(by_name) == {
        "user-order-placed",
        "cart-order-placed",
        "catalogue-order-placed",
        "payment-stock-reserved",
        "payment-stock-rejected",
        "dispatch-order-paid",
        "catalogue-order-cancelled",
        "user-order-paid",
        "user-order-cancelled",
        "user-order-dispatched",
    }
    placed = {"type": "com.roboshop.order.placed"}
    assert by_name["user-order-placed"].filters == placed
    assert by_name["user-order-placed"].subscriber == "http://users.test:9/events/order-placed"
    assert by_name["cart-order-placed"].subscriber == "http://127.0.0.1:8002/events/order-placed"
    assert by_name["catalogue-order-placed"].subscriber.endswith(":8001/events/order-placed")
    assert by_name["dispatch-order-paid"].subscriber.endswith(":8007/events/order-paid")
    assert by_name["dispatch-order-paid"].filters == {"type": "com.roboshop.order.paid"}
    assert by_name["payment-stock-reserved"].subscriber.endswith(":8006/events/stock-reserved")
    assert by_name["user-order-dispatched"].filters == {"type": "com.roboshop.order.dispatched"}
    for trigger in found:
        assert trigger.broker == "default"
        assert trigger.delivery.retry >= 1
        assert trigger.delivery.dead_letter_sink == "http://127.0.0.1:8008/events/dead-letter"
        assert trigger.parallelism > 1


def test_a_trigger_takes_the_events_matching_all_its_filter_attributes(amqp_url: str) -> None:
    """As a Knative Trigger filter: every attribute named must be equal; none named takes all."""
    both = triggers.Trigger("filter-both", "filters", {"type": "a", "source": "/s"}, "http://x")
    every = triggers.Trigger("filter-none", "filters", {}, "http://x")
    publisher = amqp.Publisher(amqp_url, [both, every], "quorum")
    sent = {"1": {"type": "a", "source": "/s"}, "2": {"type": "a", "source": "/other"}}
    try:
        for event_id, attributes in sent.items():
            event = {**attributes, "id": event_id, "specversion": "1.0"}
            publisher.publish(event, b"{}", amqp.exchange_name("filters"))
    finally:
        publisher.close()
    assert queued_ids(amqp_url, both) == ["1"]
    assert queued_ids(amqp_url, every) == ["1", "2"]


def queued_ids(amqp_url: str, trigger: triggers.Trigger) -> list[str]:
    """The ids of the events in the Trigger's queue, taken out of it."""
    queued = messages(amqp_url, amqp.queue_name(trigger), take=True)
    return [str(properties.message_id) for properties, _ in queued]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT0.5S", 0.5), ("PT2S", 2.0), ("PT1M30S", 90.0), ("P1D", 86400.0), ("PT1H", 3600.0)],
)
def test_iso_8601_durations(text: str, seconds: float) -> None:
    assert iso_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "5s", "PT-1S", "T1S", "P1DT"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ManifestError):
        iso_seconds(text)


def test_backoff_policies() -> None:
    exponential = Delivery(retry=3, backoff_policy="exponential", backoff_delay=0.5)
    linear = Delivery(retry=3, backoff_policy="linear", backoff_delay=0.5)
    assert [exponential.delay(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert [linear.delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 1.5]


def test_a_trigger_takes_its_own_delivery_whole_or_else_its_brokers(tmp_path: Path) -> None:
    """As eventing-rabbitmq: a Trigger's delivery replaces the Broker's, field by field
    defaults and all (retry 5 when unsaid), and a Trigger without one takes the Broker's."""
    (tmp_path / "all.yaml").write_text(
        """
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
spec: {delivery: {retry: 7, backoffPolicy: linear, backoffDelay: PT1S}}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: own, annotations: {rabbitmq.eventing.knative.dev/parallelism: "4"}}
spec:
  broker: default
  subscriber: {uri: "http://127.0.0.1:9/x"}
  delivery: {backoffDelay: PT0.5S, timeout: PT10S, deadLetterSink: {uri: "http://127.0.0.1:9/dl"}}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: brokers}
spec:
  broker: default
  subscriber: {uri: "http://127.0.0.1:9/y"}
"""
    )
    (own, brokers), queue_type = triggers.load(tmp_path)
    assert own.delivery == Delivery(
        retry=5, backoff_delay=0.5, timeout=10.0, dead_letter_sink="http://127.0.0.1:9/dl"
    )
    assert own.parallelism == 4
    assert brokers.delivery == Delivery(retry=7, backoff_policy="linear", backoff_delay=1.0)
    assert brokers.parallelism == 1 and not brokers.delivery.dead_letter
    assert own.filters == {}
    assert queue_type == "quorum"


def test_without_any_delivery_nothing_is_retried(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "kind: Trigger\nmetadata: {name: t}\nspec: {subscriber: {uri: 'http://127.0.0.1:9/x'}}\n"
    )
    ((trigger,), _) = triggers.load(tmp_path)
    assert trigger.delivery == Delivery(retry=0, backoff_delay=0.05)


@pytest.mark.parametrize("parallelism", ["0", "1001", "many"])
def test_a_parallelism_the_webhook_refuses_is_refused(tmp_path: Path, parallelism: str) -> None:
    (tmp_path / "t.yaml").write_text(
        "kind: Trigger\nmetadata: {name: t, annotations: "
        f"{{rabbitmq.eventing.knative.dev/parallelism: '{parallelism}'}}}}\n"
        "spec: {subscriber: {uri: 'http://127.0.0.1:9/x'}}\n"
    )
    with pytest.raises(ManifestError):
        triggers.load(tmp_path)


@pytest.mark.parametrize(
    "subscriber",
    [
        "{ref: {apiVersion: v1, kind: Service, name: user}}",
        "{ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: nobody}}",
        "{uri: /relative/only}",
    ],
)
def test_subscribers_the_dev_broker_cannot_reach_are_refused(
    tmp_path: Path, subscriber: str
) -> None:
    (tmp_path / "t.yaml").write_text(
        f"kind: Trigger\nmetadata: {{name: t}}\nspec: {{subscriber: {subscriber}}}\n"
    )
    with pytest.raises(ManifestError):
        triggers.load(tmp_path)


def test_a_folder_without_triggers_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("kind: Broker\nmetadata: {name: default}\n")
    with pytest.raises(ManifestError):
        triggers.load(tmp_path)
