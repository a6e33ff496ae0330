"""A checkout from cold. Every function is scaled to zero and started on demand, as Knative's
activator starts a revision with no pod (tests/support/activator.py), inside a cgroup with
the CPU limit its Knative Service carries in the rendered overlays; the broker and nginx
run, as the cluster's always do. One order is paid through nginx: it must be paid without
any call of the chain waiting out its read timeout, which nginx's read timeout exceeds.
How fast a start is belongs to the bench (`cold-quota`); this is whether the timeouts fit
it. It fails where no cgroup can be made: the cluster's limits are what it is about."""

from __future__ import annotations

import functools
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.peers import PeerSettings
from knative.checks import cpulimits
from scripts.stack import cgroup, nginx, ports, processes
from scripts.stack.shop import FUNCTIONS, Stack
from tests.origin.conftest import Visitor
from tests.support.activator import Activator
from tests.support.stack import Stores

pytestmark = pytest.mark.served

OVERLAYS = ("dev", "prod")
# What a checkout calls (payment/pricing.py): cart holds the cart for the order, catalogue
# prices it. Any other function it reached would start cold as well.
CHAIN = {"payment", "cart", "catalogue"}


def cpu_limits() -> dict[str, int]:
    """Each function's CPU limit in millicores: the lower of the overlays'."""
    found = {overlay: cpulimits.rendered(overlay) for overlay in OVERLAYS}
    limits = {}
    for function in FUNCTIONS:
        given = [m for m in (found[o].get(function) for o in OVERLAYS) if m is not None]
        assert given, f"{function} has no CPU limit in {', '.join(OVERLAYS)}"
        limits[function] = min(given)
    return limits


def nginx_read_timeout() -> float:
    """proxy_read_timeout of the template nginx runs with, locally and in the cluster."""
    found = re.search(r"^\s*proxy_read_timeout (\d+)s;", nginx.TEMPLATE.read_text(), re.M)
    assert found, "the nginx template sets no proxy_read_timeout"
    return float(found.group(1))


@pytest.fixture
def cold_shop(
    stores: Stores, namespace: str, tmp_path: Path
) -> Iterator[tuple[Stack, dict[str, Activator]]]:
    """nginx and the broker up; every function behind an activator, none running."""
    limits = cpu_limits()
    with cgroup.cpu_quota(min(limits.values()), "cold-checkout"):
        pass  # CgroupUnavailable here fails the test, saying why
    stores.seed()
    with processes.vhost(f"{namespace}cold") as amqp_url:
        urls = stores.urls(amqp_url)
        planned = dict(zip(FUNCTIONS, ports.free_ports(len(FUNCTIONS)), strict=True))
        urls.update({name: f"http://127.0.0.1:{port}" for name, port in planned.items()})
        with Stack(stores.env(), tmp_path, urls) as stack:
            activators = {
                name: Activator(name, port, functools.partial(stack.process, name), limits[name])
                for name, port in planned.items()
            }
            try:
                stack.start(["broker", "nginx"])
                yield stack, activators
            finally:
                for activator in activators.values():
                    activator.close()


def test_a_cold_checkout_is_paid_with_no_call_waiting_out_its_timeout(
    cold_shop: tuple[Stack, dict[str, Activator]],
) -> None:
    stack, activators = cold_shop
    visitor = Visitor(stack.nginx_url)
    name = visitor.register()
    visitor.fill_cart(name)
    for activator in activators.values():
        activator.scale_to_zero()

    began = time.monotonic()
    answer = visitor.post(f"/api/payment/pay/{name}", {}, **{"Idempotency-Key": str(uuid.uuid4())})
    took = time.monotonic() - began

    assert answer.status == 200, answer.data
    started = {
        function
        for function, activator in activators.items()
        if any(began <= start.asked <= began + took for start in activator.starts)
    }
    assert started >= CHAIN, f"started from zero for the checkout: {sorted(started)}"
    peer_timeout = PeerSettings.load(stack.environ_of("payment")).peer_read_timeout_ms / 1000
    # A call that waited out its read timeout (and was tried again) would have taken at
    # least that long: the chain, cold starts and all, fits inside one.
    assert took < peer_timeout, (
        f"the cold checkout took {took:.1f} s: a call may have waited out its {peer_timeout:g} s"
        f" read timeout ({', '.join(sorted(started))} started from zero under"
        f" {', '.join(f'{f} {activators[f].millicpu}m' for f in sorted(started))})"
    )
    assert peer_timeout < nginx_read_timeout()
    # The order goes on through the broker to its consumers, themselves started from zero.
    visitor.wait_for_order(name, answer.json()["orderid"], seconds=60)
