"""Guesses back off per name and client and stop per client; a login body must be JSON."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash
from werkzeug.test import TestResponse

from kit import ApiError, sessions
from tests.support.accounts import unique_name
from tests.support.settings import restart_with
from tests.user.conftest import stored_user
from user import passwords, store, throttle


def login(
    client: FlaskClient, name: str, password: str, client_ip: str = "10.9.0.1"
) -> TestResponse:
    return client.post(
        "/login", json={"name": name, "password": password}, headers={"X-Real-IP": client_ip}
    )


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    restart_with(
        monkeypatch,
        LOGIN_FREE_FAILURES="3",
        LOGIN_FAILURES_PER_CLIENT="6",
        LOGIN_WINDOW_SECONDS="30",
        LOGIN_BACKOFF_FIRST_SECONDS="5",
        LOGIN_BACKOFF_MAX_SECONDS="20",
    )


def test_others_failures_on_a_name_never_hold_its_owner_back(
    client: FlaskClient, limits: None
) -> None:
    # 10.9.1.0 guesses last: its 5 s back-off must not run out while the others' hashes take
    # their time on a busy machine.
    for address in (1, 2, 3, 4, 5, 0):
        for n in range(4):
            login(client, "stan", f"guess-{n}", f"10.9.1.{address}")
    assert login(client, "stan", "guess-9", "10.9.1.0").status_code == 429
    assert login(client, "stan", "bigbrain", "10.9.1.99").status_code == 200
    assert login(client, "STAN", "bigbrain", "10.9.1.98").get_json()["name"] == "stan"


def test_a_client_is_throttled_across_names(client: FlaskClient, limits: None) -> None:
    for _ in range(6):
        assert login(client, unique_name(), "guess-word", "10.9.2.1").status_code == 404
    stopped = login(client, "user", "password", "10.9.2.1")
    assert stopped.status_code == 429
    assert stopped.get_json()["error"] == "too_many_attempts"
    assert 1 <= int(stopped.headers["Retry-After"]) <= 30
    assert "Set-Cookie" not in stopped.headers
    assert login(client, "user", "password", "10.9.2.2").status_code == 200


def test_a_names_failures_from_one_client_back_off_more_and_more(
    limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The delays, with the clock moved by hand: free failures, then 5 s, 10 s, 20 s, 20 s."""
    restart_with(monkeypatch, LOGIN_FAILURES_PER_CLIENT="20")
    name, client, now = "stan", "10.9.6.1", 5000.0
    for _ in range(3):
        throttle.check(name, client, now)
        throttle.failed(name, client, now)
    for delay in (5, 10, 20, 20):
        with pytest.raises(ApiError) as held:
            throttle.check(name, client, now + delay - 0.5)
        assert held.value.status == 429
        assert held.value.headers["Retry-After"] == "1"
        with pytest.raises(ApiError) as early:
            throttle.check(name, client, now + 0.5)
        assert early.value.headers["Retry-After"] == str(delay)
        now += delay
        throttle.check(name, client, now)
        throttle.failed(name, client, now)
    # Another client may try the same name at once; a right password clears this one's run.
    throttle.check(name, "10.9.6.2", now)
    throttle.succeeded(name, client)
    throttle.check(name, client, now)


def test_a_backing_off_name_costs_no_hash_and_counts_no_failure(
    client: FlaskClient, limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        assert login(client, "stan", f"guess-{n}", "10.9.7.1").status_code == 404
    hashed: list[bytes] = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda password, **_: hashed.append(password))
    for _ in range(5):
        assert login(client, "stan", "bigbrain", "10.9.7.1").status_code == 429
    assert hashed == []
    monkeypatch.setattr(hashlib, "scrypt", real)
    # Throttled tries were not failures: the client is not stopped, only this name delayed.
    assert login(client, "user", "password", "10.9.7.1").status_code == 200


def test_a_right_password_clears_the_names_count(client: FlaskClient, limits: None) -> None:
    for _ in range(2):
        assert login(client, "partner-57", "wrong-one").status_code == 404
    assert login(client, "partner-57", "worktogether", "10.9.3.1").status_code == 200
    for _ in range(2):
        assert login(client, "partner-57", "wrong-one", "10.9.3.2").status_code == 404
    assert login(client, "partner-57", "worktogether", "10.9.3.3").status_code == 200


def test_concurrent_guesses_from_one_client_stop_at_its_limit(
    app: Flask, limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, PASSWORD_HASH_WAITERS="4", PASSWORD_HASH_WAIT_MS="30000")

    def guess(n: int) -> int:
        return login(app.test_client(), unique_name(), f"guess-{n}", "10.9.5.1").status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(guess, range(14)))
    assert statuses.count(404) <= 6 + 3  # at most one more per thread racing the count
    assert statuses.count(429) >= 5


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"name": "stan", "password": "bigbrain"}', "text/plain"),
        ("name=stan&password=bigbrain", "application/x-www-form-urlencoded"),
        ('{"name": "stan", "password": "bigbrain"}', ""),
    ],
)
def test_a_login_body_that_is_not_json_is_refused(
    client: FlaskClient, body: str, content_type: str
) -> None:
    """A page on another site can post these without asking: login CSRF."""
    response = client.post("/login", data=body, content_type=content_type)
    assert response.status_code == 415
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("token", ["caf\u00e9.sig", "\u00ff" * 40, "a.\u2603", "e30.x\u00e9"])
def test_a_token_with_non_ascii_bytes_is_no_session_not_a_500(
    client: FlaskClient, token: str
) -> None:
    response = client.get("/history/stan", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_session_cookie_on_a_cross_site_request_is_ignored(client: FlaskClient) -> None:
    token = login(client, "stan", "bigbrain").get_json()["token"]
    client.set_cookie(sessions.COOKIE, token)
    for site in ("cross-site", "same-site"):
        answer = client.get("/history/stan", headers={"Sec-Fetch-Site": site})
        assert answer.status_code == 401
    for site in ("same-origin", "none"):
        assert client.get("/history/stan", headers={"Sec-Fetch-Site": site}).status_code in (
            200,
            404,
        )


def earlier_format(password: str, n: int, r: int, p: int) -> str:
    """A hash as the shop stored them before werkzeug's: `scrypt$n$r$p$salt$key`, base64url."""
    salt = b"s" * 16
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=32)
    encoded = [base64.urlsafe_b64encode(raw).decode().rstrip("=") for raw in (salt, key)]
    return "$".join(["scrypt", str(n), str(r), str(p), *encoded])


def test_new_hashes_cost_16_mib_and_werkzeug_reads_them() -> None:
    stored = passwords.hash_password("new-password")
    method, salt, _ = stored.split("$")
    assert method == "scrypt:16384:8:3" and len(salt) == 22
    assert not passwords.outdated(stored)
    assert check_password_hash(stored, "new-password")
    assert not passwords.verify_password("new-passwore", stored)
    assert passwords.outdated(stored.replace("scrypt:16384:8:3$", "scrypt:32768:8:1$"))


@pytest.mark.parametrize("n, r, p", [(2**14, 8, 3), (2**15, 8, 1)])
def test_hashes_of_the_earlier_format_log_in_and_are_upgraded(
    client: FlaskClient, n: int, r: int, p: int
) -> None:
    name = unique_name()
    old = earlier_format("old-password", n, r, p)
    assert passwords.outdated(old)
    store.insert_user(name, "o@example.com", old)
    assert login(client, name, "old-passwore").status_code == 404
    assert stored_user(name)["password_hash"] == old
    assert login(client, name, "old-password").status_code == 200
    assert stored_user(name)["password_hash"].startswith("scrypt:16384:8:3$")
    assert login(client, name, "old-password").status_code == 200


@pytest.mark.parametrize(
    "stored", ["scrypt$eve", "scrypt$16384$8$3$%%$%%", "argon2$x$y", "bcrypt:12$a$b", ""]
)
def test_a_hash_of_no_known_format_matches_no_password(stored: str) -> None:
    assert not passwords.verify_password("eve", stored)
    assert passwords.outdated(stored)


def test_hashes_at_once_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each hash holds 16 MiB: no more than PASSWORD_HASHES_AT_ONCE run side by side."""
    running, peak = 0, 0
    lock = threading.Lock()
    real = hashlib.scrypt

    def counting(password: bytes, *, salt: bytes, **kwargs: int) -> bytes:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        try:
            return real(password, salt=salt, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(hashlib, "scrypt", counting)
    restart_with(monkeypatch, PASSWORD_HASH_WAITERS="4", PASSWORD_HASH_WAIT_MS="30000")
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: passwords.hash_password("p" * 12), range(12)))
    assert peak == 2
