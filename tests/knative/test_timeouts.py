"""The timeouts fit a scale from zero and one another, as the cluster renders them
(docs/decisions/0010-cold-start-budget.md). A cold start is the bench's target for it
(`cold-quota`: 1.0 s under the function's CPU limit) plus what the platform takes to
give a pod to a revision that had none; the cold-checkout test (tests/stack) shows the
chain paid inside these bounds."""

from __future__ import annotations

import re

import pytest

from kit.peers import PeerSettings
from knative.checks import manifests as m
from scripts.bench.targets import COLD_START_UNDER_LIMIT
from scripts.stack import nginx

# Pod, containers and queue-proxy up behind the activator: about 2 s on an idle cluster
# (knative/serving#2484), before the process starts.
PLATFORM_SECONDS = 2.0
# A scale from zero: the platform, the process's start, and its first answer.
SCALE_FROM_ZERO = PLATFORM_SECONDS + COLD_START_UNDER_LIMIT.bound + 0.5
MARGIN = 2.0
# The longest chain of scales from zero a shopper's request waits for, one after another:
# a checkout (payment, then cart, then catalogue).
CHECKOUT = 3
# urllib3's backoff between a peer call's three tries (kit.peers: factor 0.1).
BACKOFF = 0.1 + 0.2


def nginx_read_timeout() -> float:
    found = re.search(r"^\s*proxy_read_timeout (\d+)s;", nginx.TEMPLATE.read_text(), re.M)
    assert found
    return float(found.group(1))


def functions(overlay: str) -> dict[str, m.Obj]:
    return m.ksvcs(m.render(overlay))


def peer_read_timeout(overlay: str, function: str) -> float:
    """PEER_READ_TIMEOUT_MS as the function's container gets it, in seconds."""
    objects = m.render(overlay)
    container = m.ksvcs(objects)[function]["spec"]["template"]["spec"]["containers"][0]
    given = m.env_sources(objects, container).get("PEER_READ_TIMEOUT_MS")
    environ = {"PEER_READ_TIMEOUT_MS": given} if given else {}
    return PeerSettings.load(environ).peer_read_timeout_ms / 1000


@pytest.mark.parametrize("overlay", m.OVERLAY_FOLDERS)
def test_a_peer_call_waits_out_a_scale_from_zero_and_tries_fit_inside_nginx(
    overlay: str,
) -> None:
    for function in functions(overlay):
        read = peer_read_timeout(overlay, function)
        assert read >= MARGIN * SCALE_FROM_ZERO, (function, read)
        assert 3 * read + BACKOFF < nginx_read_timeout(), (function, read)


def test_nginx_waits_out_a_cold_checkout_with_room_to_spare() -> None:
    assert nginx_read_timeout() >= MARGIN * CHECKOUT * SCALE_FROM_ZERO


@pytest.mark.parametrize("overlay", m.OVERLAY_FOLDERS)
def test_no_probe_restarts_a_busy_cold_pod_or_slows_its_start(overlay: str) -> None:
    for name, service in functions(overlay).items():
        spec = service["spec"]["template"]["spec"]
        container = spec["containers"][0]
        live = container["livenessProbe"]
        # A probe waits behind the requests in flight; each of their calls ends within a
        # peer's read timeout, so a busy pod answers before the probe gives up.
        assert live["timeoutSeconds"] >= peer_read_timeout(overlay, name), name
        # A start far slower than the bench's target still answers before the first probe.
        assert live["initialDelaySeconds"] >= 10 * COLD_START_UNDER_LIMIT.bound, name
        # A startupProbe would end Knative's aggressive readiness probing.
        assert "startupProbe" not in container, name
        assert not container["readinessProbe"].get("periodSeconds"), name
        assert nginx_read_timeout() <= spec["timeoutSeconds"], name
