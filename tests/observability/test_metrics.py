"""The metrics move as they should after known requests: RED per route, the business
metrics of the checkout funnel, events taken by consumers and delivered by the broker,
dependency health, and exemplars that link a request to its trace."""

from __future__ import annotations

from collections.abc import Mapping

import urllib3
from prometheus_client.parser import text_string_to_metric_families

from tests.observability.conftest import Observed
from tests.origin.conftest import Visitor

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def scrape(url: str) -> Samples:
    text = urllib3.request("GET", f"{url}/metrics", timeout=10).data.decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def everywhere(observed: Observed) -> dict[str, Samples]:
    names = ("payment", "catalogue", "cart", "user", "dispatch", "broker")
    return {name: scrape(observed.shop.urls[name]) for name in names}


def moved(
    before: Mapping[str, Samples],
    after: Mapping[str, Samples],
    where: str,
    name: str,
    **labels: str,
) -> float:
    return value(after[where], name, **labels) - value(before[where], name, **labels)


def test_a_checkout_moves_the_red_business_and_event_metrics(observed: Observed) -> None:
    visitor = Visitor(observed.shop.nginx_url)
    before = everywhere(observed)
    assert visitor.get("/api/catalogue/product/RMC").status == 200
    visitor.paid_order()  # two robots, paid, dispatched, in the history
    after = everywhere(observed)

    pay = {"function": "payment", "route": "/pay/<cart_id>", "method": "POST", "status": "200"}
    assert moved(before, after, "payment", "http_requests_total", **pay) == 1
    assert moved(before, after, "payment", "http_request_duration_seconds_count", **pay) == 1
    assert moved(before, after, "catalogue", "product_views_total") == 1
    assert moved(before, after, "cart", "items_added_total") == 2
    assert moved(before, after, "payment", "sold_count_total") == 1
    assert moved(before, after, "payment", "units_sold_sum") == 2
    assert moved(before, after, "payment", "cart_value_count") == 1
    assert moved(before, after, "dispatch", "orders_dispatched_total") == 1
    dispatched = {"type": "com.roboshop.order.dispatched", "outcome": "processed"}
    assert moved(before, after, "user", "events_received_total", function="user", **dispatched)
    for trigger in (
        "user-order-placed",
        "cart-order-placed",
        "catalogue-order-placed",
        "payment-stock-reserved",
        "dispatch-order-paid",
        "user-order-paid",
        "user-order-dispatched",
    ):
        delivered = [
            key
            for key in after["broker"]
            if key[0] == "broker_deliveries_total"
            and ("trigger", trigger) in key[1]
            and ("outcome", "delivered") in key[1]
        ]
        assert delivered, trigger
        labels = dict(delivered[0][1])
        assert moved(before, after, "broker", "broker_deliveries_total", **labels) >= 1
    # order.placed came in at the ingress; dispatch's reply is published by the delivery.
    assert moved(before, after, "broker", "broker_events_received_total", status="202") == 1
    oldest = [key for key in after["broker"] if key[0] == "broker_oldest_waiting_event_seconds"]
    assert len(oldest) >= 5
    assert value(after["cart"], "dependency_up", function="cart", dependency="redis") == 1


def test_exemplars_link_a_request_to_its_trace_in_openmetrics(observed: Observed) -> None:
    visitor = Visitor(observed.shop.nginx_url)
    answer = visitor.get("/api/catalogue/product/RMC")
    trace_id = answer.headers["X-Trace-Id"]
    url = f"{observed.shop.urls['catalogue']}/metrics"
    plain = urllib3.request("GET", url, timeout=10)
    assert plain.headers["Content-Type"].startswith("text/plain")
    assert "trace_id=" not in plain.data.decode()
    rich = urllib3.request("GET", url, headers={"Accept": OPENMETRICS}, timeout=10)
    assert rich.headers["Content-Type"].startswith("application/openmetrics-text")
    text = rich.data.decode()
    assert f'# {{trace_id="{trace_id}"}}' in text
    assert text.rstrip().endswith("# EOF")
