from __future__ import annotations

from collections.abc import Callable

import pytest

from kit import Dependency, Unavailable, _deps
from tests.support.clock import Clock, stopped_clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return stopped_clock(monkeypatch)


def flaky_connect(outcomes: list[bool]) -> tuple[Callable[[], str], list[int]]:
    calls: list[int] = []

    def connect() -> str:
        calls.append(1)
        if not outcomes.pop(0):
            raise ConnectionError("refused")
        return "client"

    return connect, calls


def test_connects_lazily_once_and_reuses(clock: Clock) -> None:
    connect, calls = flaky_connect([True])
    dependency = Dependency("db", connect, lambda _: None, (ConnectionError,))
    assert calls == []
    assert dependency.get() == "client"
    assert dependency.get() == "client"
    assert calls == [1]


def test_failures_back_off_exponentially_up_to_a_cap(clock: Clock) -> None:
    connect, calls = flaky_connect([False] * 10)
    dependency = Dependency("db", connect, lambda _: None, (ConnectionError,), 0.5, 4.0)
    delays = []
    for _ in range(6):
        with pytest.raises(Unavailable):
            dependency.get()
        with pytest.raises(Unavailable) as refused:
            dependency.get()  # inside the backoff window: refused without a connect
        delays.append(int(refused.value.headers["Retry-After"]))
        clock.now += 10
    assert len(calls) == 6
    assert delays == [1, 1, 2, 4, 4, 4]


def test_backoff_window_is_exact_and_then_retried(clock: Clock) -> None:
    connect, calls = flaky_connect([False, False, True])
    dependency = Dependency("db", connect, lambda _: None, (ConnectionError,), 1.0, 8.0)
    with pytest.raises(Unavailable):
        dependency.get()
    clock.now += 0.99
    with pytest.raises(Unavailable):
        dependency.get()
    assert len(calls) == 1
    clock.now += 0.02
    with pytest.raises(Unavailable):
        dependency.get()
    assert len(calls) == 2
    clock.now += 2.01
    assert dependency.get() == "client"


def test_success_after_failure_resets_the_backoff(clock: Clock) -> None:
    dependency = Dependency("db", lambda: "client", lambda _: None, (ConnectionError,), 1.0)
    dependency.failed()
    dependency.failed()
    assert dependency.failures == 2
    clock.now += 5
    token = _deps.track_usage()
    dependency.get()
    _deps.finish_usage(token, None)
    assert dependency.failures == 0


def test_check_reports_a_failing_ping_and_backs_off(clock: Clock) -> None:
    def ping(_: str) -> None:
        raise ConnectionError("no pong")

    dependency = Dependency("db", lambda: "client", ping, (ConnectionError,))
    problem = dependency.check() or ""
    assert problem == "down (ConnectionError)"
    assert "no pong" not in problem
    assert dependency.failures == 1
    assert "unavailable" in (dependency.check() or "")


def test_check_of_a_healthy_dependency_clears_failures(clock: Clock) -> None:
    dependency = Dependency("db", lambda: "client", lambda _: None, (ConnectionError,))
    dependency.failed()
    clock.now += 10
    assert dependency.check() is None
    assert dependency.failures == 0


def test_foreign_errors_do_not_mark_a_dependency_down(clock: Clock) -> None:
    dependency = Dependency("db", lambda: "client", lambda _: None, (ConnectionError,))
    token = _deps.track_usage()
    dependency.get()
    assert _deps.finish_usage(token, ValueError("bug")) is None
    assert dependency.failures == 0
