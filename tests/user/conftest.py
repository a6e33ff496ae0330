from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from scripts.jobs.seed import users as seed_users
from tests.support.accounts import forget_failed_logins, use_test_secret
from tests.support.functions import create_app
from tests.support.settings import restart_with
from user import store


@pytest.fixture(scope="session")
def seeded_users(mongo_url: str, redis_url: str) -> int:
    return seed_users.seed(demo=True)


@pytest.fixture
def app(seeded_users: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The user function as `make run` starts it: the demo accounts may log in."""
    use_test_secret(monkeypatch)
    restart_with(monkeypatch, DEMO_ACCOUNTS="allowed")
    yield create_app("user")


@pytest.fixture(autouse=True)
def fresh_login_throttle(redis_url: str) -> Iterator[None]:
    """Each test starts with no failed logins counted against any name or client."""
    yield
    forget_failed_logins()


def stored_user(name: str) -> dict[str, Any]:
    """The user's record as MongoDB holds it."""
    found = store.find_user(name)
    assert found is not None, f"no user {name} stored"
    return found


def stored_order(orderid: str) -> dict[str, Any] | None:
    """The order's record as MongoDB holds it, if any."""
    return store.orders().find_one({"orderid": orderid}, {"_id": 0})
