"""The simulated gateway on real Redis: states, their lifetime, and atomic settling."""

from __future__ import annotations

import threading

import pytest
import redis

from payment import gateway
from tests.support import authorisations
from tests.support.settings import reload, restart_with
from tests.support.threads import run_together

pytestmark = pytest.mark.usefixtures("redis_url")


@pytest.fixture
def simulated(monkeypatch: pytest.MonkeyPatch) -> gateway.SimulatedGateway:
    monkeypatch.delenv("PAYMENT_AUTHORISATION_TTL_SECONDS", raising=False)
    monkeypatch.delenv("PAYMENT_DECLINE_ABOVE_EUR", raising=False)
    reload()
    return gateway.SimulatedGateway()


@pytest.fixture
def store(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, decode_responses=True)


def test_an_authorisation_is_kept_in_redis_with_a_lifetime(
    simulated: gateway.SimulatedGateway, store: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    authorisation = simulated.authorise(12.5, "order-1")
    assert store.get(authorisations.key(authorisation)) == "authorised"
    assert 3500 < store.ttl(authorisations.key(authorisation)) <= 3600
    restart_with(monkeypatch, PAYMENT_AUTHORISATION_TTL_SECONDS="120")
    assert 0 < store.ttl(authorisations.key(simulated.authorise(1.0, "order-2"))) <= 120


def test_an_authorisation_lapsed_is_unknown(
    simulated: gateway.SimulatedGateway, store: redis.Redis
) -> None:
    authorisation = simulated.authorise(1.0, "order-3")
    store.delete(authorisations.key(authorisation))  # what its TTL does in the end
    assert authorisations.state(authorisation) is None
    with pytest.raises(gateway.Unsettleable):
        simulated.capture(authorisation)


def test_capture_is_idempotent_and_final(
    simulated: gateway.SimulatedGateway, store: redis.Redis
) -> None:
    authorisation = simulated.authorise(1.0, "order-4")
    simulated.capture(authorisation)
    simulated.capture(authorisation)
    assert authorisations.state(authorisation) == "captured"
    assert store.ttl(authorisations.key(authorisation)) > 0
    with pytest.raises(gateway.Unsettleable):
        simulated.void(authorisation)
    assert authorisations.state(authorisation) == "captured"


def test_a_voided_authorisation_cant_be_captured(simulated: gateway.SimulatedGateway) -> None:
    authorisation = simulated.authorise(1.0, "order-5")
    simulated.void(authorisation)
    simulated.void(authorisation)
    with pytest.raises(gateway.Unsettleable) as raised:
        simulated.capture(authorisation)
    assert "voided" in raised.value.message
    assert authorisations.state(authorisation) == "voided"


def test_amounts_above_the_limit_are_declined(
    simulated: gateway.SimulatedGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, PAYMENT_DECLINE_ABOVE_EUR="100")
    with pytest.raises(gateway.Declined):
        simulated.authorise(100.01, "order-6")
    assert authorisations.state(simulated.authorise(100.0, "order-7")) == "authorised"


def settle_racing(simulated: gateway.SimulatedGateway, authorisation: str) -> dict[str, bool]:
    """Capture and void at once; which of them succeeded."""
    start = threading.Barrier(2)
    won: dict[str, bool] = {}

    def attempt(action: str) -> None:
        start.wait()
        try:
            getattr(simulated, action)(authorisation)
            won[action] = True
        except gateway.Unsettleable:
            won[action] = False

    run_together(attempt, ("capture", "void"))
    return won


def test_a_capture_and_a_void_racing_have_one_winner(
    simulated: gateway.SimulatedGateway,
) -> None:
    for n in range(30):
        authorisation = simulated.authorise(1.0, f"race-{n}")
        won = settle_racing(simulated, authorisation)
        assert sorted(won.values()) == [False, True]
        winner = "captured" if won["capture"] else "voided"
        assert authorisations.state(authorisation) == winner
