"""Test helpers for sessions and registered users, shared by the user and cart suites."""

from __future__ import annotations

import uuid

import pytest

TEST_SECRET = "test-session-secret-" + "x" * 32


def use_test_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSION_SECRET", TEST_SECRET)


def unique_name(prefix: str = "shopper") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def anonymous_id(label: str = "") -> str:
    """An anonymous id as /uniqueid issues it, signed with this process's SESSION_SECRET:
    new and random, or with `label` as its random part (a test that names its carts)."""
    from kit import sessions

    if not label:
        return sessions.new_anonymous_id()
    signer = sessions._anonymous(sessions.SessionSettings.current().session_secret)
    return sessions.ANONYMOUS_PREFIX + signer.sign(label).decode()


def issued_anonymous_id(secret: str) -> str:
    """A new anonymous id as a shop with `secret` issues it (a test beside a whole stack)."""
    from kit import sessions

    return sessions.ANONYMOUS_PREFIX + sessions._anonymous(secret).sign(uuid.uuid4().hex).decode()


def bearer(name: str) -> dict[str, str]:
    """An Authorization header carrying a valid session of `name`."""
    from kit import sessions

    return {"Authorization": f"Bearer {sessions.issue(name)}"}


def forget_failed_logins() -> None:
    """No failed login counted against any name or client any more (user's throttle)."""
    from kit import namespaced, stores

    redis = stores.redis().get()
    keys = list(redis.scan_iter(match=namespaced("login-throttle:*"), count=1000))
    if keys:
        redis.delete(*keys)
