from __future__ import annotations

import base64

import pytest
from flask import Request
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

from kit import ApiError, sessions
from kit._errors import ConfigError
from tests.support.settings import restart_with

SECRET = "s" * 40


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    restart_with(monkeypatch, SESSION_SECRET=SECRET)
    restart_with(monkeypatch, SESSION_TTL_SECONDS="100")


def request(headers: dict[str, str] | None = None, cookie: str | None = None) -> Request:
    builder = EnvironBuilder(headers=Headers(headers or {}))
    if cookie:
        builder.headers["Cookie"] = f"{sessions.COOKIE}={cookie}"
    return Request(builder.get_environ())


def test_issued_token_verifies_until_it_expires(redis_url: str) -> None:
    token = sessions.issue("stan", now=1000)
    assert sessions.verify(token, now=1099) == "stan"
    assert sessions.verify(token, now=1100) is None


def test_tampered_or_foreign_tokens_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    token = sessions.issue("stan")
    payload, signature = token.split(".")
    forged = base64.urlsafe_b64encode(b'{"sub":"user","exp":9999999999}').decode().rstrip("=")
    assert sessions.verify(f"{forged}.{signature}") is None
    assert sessions.verify(payload) is None
    assert sessions.verify("garbage") is None
    restart_with(monkeypatch, SESSION_SECRET="t" * 40)
    assert sessions.verify(token) is None


def test_a_short_secret_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="SESSION_SECRET must be set to 32"):
        restart_with(monkeypatch, SESSION_SECRET="short")


def test_token_from_bearer_header_or_cookie(redis_url: str) -> None:
    token = sessions.issue("stan")
    assert sessions.current_user(request({"Authorization": f"Bearer {token}"})) == "stan"
    assert sessions.current_user(request(cookie=token)) == "stan"
    assert sessions.current_user(request()) is None


def test_require_user_gives_401_then_403(redis_url: str) -> None:
    with pytest.raises(ApiError) as missing:
        sessions.require_user(request(), "stan")
    assert missing.value.status == 401
    other = sessions.issue("user")
    with pytest.raises(ApiError) as foreign:
        sessions.require_user(request(cookie=other), "stan")
    assert foreign.value.status == 403
    sessions.require_user(request(cookie=sessions.issue("stan")), "stan")


def test_a_revoked_token_stops_verifying_at_once(redis_url: str) -> None:
    token, other = sessions.issue("stan"), sessions.issue("stan")
    sessions.revoke(token)
    assert sessions.verify(token) is None
    assert sessions.current_user(request({"Authorization": f"Bearer {token}"})) is None
    assert sessions.verify(other) == "stan"
    sessions.revoke("not-a-token")  # no session to end: nothing written, nothing raised


@pytest.mark.parametrize("token", ["é.x", "e30.é", "\udcff.a", "a" * 10 + "\u2603"])
def test_non_ascii_tokens_are_no_session(token: str) -> None:
    assert sessions.verify(token) is None


def test_the_cookie_counts_only_on_requests_this_origin_started(redis_url: str) -> None:
    token = sessions.issue("stan")
    assert sessions.current_user(request({"Sec-Fetch-Site": "same-origin"}, token)) == "stan"
    assert sessions.current_user(request({"Sec-Fetch-Site": "none"}, token)) == "stan"
    assert sessions.current_user(request({}, token)) == "stan"  # an older browser or a script
    assert sessions.current_user(request({"Sec-Fetch-Site": "cross-site"}, token)) is None
    assert sessions.current_user(request({"Sec-Fetch-Site": "same-site"}, token)) is None
    bearer = {"Authorization": f"Bearer {token}", "Sec-Fetch-Site": "cross-site"}
    assert sessions.current_user(request(bearer)) == "stan"  # a page can't set this header


def test_anonymous_ids_are_told_from_made_up_ones() -> None:
    issued = sessions.new_anonymous_id()
    assert sessions.is_anonymous(issued) and sessions.issued_anonymous_id(issued)
    random_part, signature = issued.removeprefix("anonymous-").split(".")
    for made_up in (
        "anonymous-try",
        f"anonymous-{random_part}",
        f"anonymous-{random_part}.{'A' * len(signature)}",
        f"anonymous-x{random_part}.{signature}",
        "stan",
        "anonymous-é.x",
    ):
        assert not sessions.issued_anonymous_id(made_up), made_up


def test_an_owner_is_an_issued_anonymous_id_or_a_users_session(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions.require_owner(request(), sessions.new_anonymous_id())
    sessions.require_owner(request({"Authorization": f"Bearer {sessions.issue('stan')}"}), "stan")
    for made_up in ("anonymous-1", "anonymous-", sessions.ANONYMOUS_PREFIX + "x.y"):
        with pytest.raises(ApiError) as refused:
            sessions.require_owner(request(), made_up)
        assert (refused.value.status, refused.value.error) == (400, "unknown_anonymous_id")
    issued = sessions.new_anonymous_id()
    restart_with(monkeypatch, SESSION_SECRET="t" * 40)  # a new secret: old ids go
    with pytest.raises(ApiError, match="not issued by the shop"):
        sessions.require_issued(issued)


def test_a_session_token_and_an_anonymous_id_cant_stand_for_each_other(redis_url: str) -> None:
    claims = {"sub": "stan", "exp": 9999999999, "sid": "s"}
    payload = sessions._sessions(SECRET).dumps(claims).rpartition(".")[0]
    signed_as_anonymous = sessions._anonymous(SECRET).sign(payload).decode()
    assert sessions.verify(signed_as_anonymous) is None
    token = sessions.issue("stan")
    assert sessions.verify(token) == "stan"
    assert not sessions.issued_anonymous_id(sessions.ANONYMOUS_PREFIX + token)
    assert sessions.verify(sessions.new_anonymous_id().removeprefix("anonymous-")) is None
