"""Registration, login and sessions of the user function."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kit import sessions
from scripts.jobs.seed import users as seed_users
from tests.support.accounts import unique_name
from tests.support.settings import restart_with
from tests.support.threads import run_together
from tests.user.conftest import stored_user
from user import store


def register(client: FlaskClient, **fields: Any) -> Any:
    return client.post("/register", json=fields)


def new_user(client: FlaskClient, password: str = "correct horse") -> str:
    name = unique_name()
    response = register(client, name=name, password=password, email=f"{name}@example.com")
    assert response.status_code == 200, response.get_json()
    return name


def test_register_then_check_and_login(client: FlaskClient) -> None:
    name = unique_name()
    response = register(client, name=name, password="s3cret-pass", email="me@example.org")
    assert response.status_code == 200
    assert client.get(f"/check/{name}").status_code == 200
    assert client.get(f"/check/{name}").get_data(as_text=True) == "OK"

    login = client.post("/login", json={"name": name, "password": "s3cret-pass"})
    assert login.status_code == 200
    body = login.get_json()
    assert set(body) == {"name", "email", "token"}
    assert (body["name"], body["email"]) == (name, "me@example.org")
    assert sessions.verify(body["token"]) == name


def test_registering_starts_a_session_as_login_does(client: FlaskClient) -> None:
    """A classic shop registers, then fills the new user's cart straight away."""
    name = unique_name()
    response = register(client, name=name, password="s3cret-pass", email="me@example.org")
    body = response.get_json()
    assert set(body) == {"name", "email", "token"}
    assert (body["name"], body["email"]) == (name, "me@example.org")
    assert sessions.verify(body["token"]) == name
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}={body['token']};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get(f"/history/{name}").status_code == 404  # a session, and no orders yet


def test_login_cookie_is_httponly_strict_and_secure_only_over_https(client: FlaskClient) -> None:
    plain = client.post("/login", json={"name": "stan", "password": "bigbrain"})
    cookie = plain.headers["Set-Cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}={plain.get_json()['token']};")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie
    proxied = client.post(
        "/login",
        json={"name": "stan", "password": "bigbrain"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert "Secure" in proxied.headers["Set-Cookie"]


def test_logout_clears_the_cookie(client: FlaskClient) -> None:
    client.post("/login", json={"name": "stan", "password": "bigbrain"})
    response = client.post("/logout")
    assert response.status_code == 200
    assert client.get_cookie(sessions.COOKIE) is None


def test_logout_ends_the_session_on_the_server(app: Flask) -> None:
    token = app.test_client().post("/login", json={"name": "stan", "password": "bigbrain"})
    stolen = {"Authorization": f"Bearer {token.get_json()['token']}"}
    other = app.test_client().post("/login", json={"name": "stan", "password": "bigbrain"})
    still_in = {"Authorization": f"Bearer {other.get_json()['token']}"}
    client = app.test_client()
    assert client.get("/history/stan", headers=stolen).status_code in (200, 404)
    assert client.post("/logout", headers=stolen).status_code == 200
    assert client.get("/history/stan", headers=stolen).status_code == 401
    assert sessions.verify(stolen["Authorization"][7:]) is None
    # Only that session ended: stan's other one still works.
    assert client.get("/history/stan", headers=still_in).status_code in (200, 404)
    assert client.post("/logout").status_code == 200  # no session: nothing to end


def test_seed_users_log_in_with_their_passwords(client: FlaskClient) -> None:
    for name, email, password in seed_users.DEMO_USERS:
        response = client.post("/login", json={"name": name, "password": password})
        assert response.status_code == 200, name
        assert response.get_json()["email"] == email


def test_outside_a_local_run_demo_accounts_are_refused(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, DEMO_ACCOUNTS="refused")
    for name, _, password in seed_users.DEMO_USERS:
        response = client.post("/login", json={"name": name, "password": password})
        assert response.status_code == 403, name
        assert response.get_json()["error"] == "demo_account"
        assert "Set-Cookie" not in response.headers
    owner = new_user(client)
    owners_login = client.post("/login", json={"name": owner, "password": "correct horse"})
    assert owners_login.status_code == 200


def test_seed_is_idempotent(seeded_users: int) -> None:
    before = {u["name"]: u for u in store.users().find({}, {"_id": 0})}
    assert seed_users.seed(demo=True) == 3
    after = {u["name"]: u for u in store.users().find({}, {"_id": 0})}
    assert after == before
    assert store.users().count_documents({"name": {"$in": ["user", "stan", "partner-57"]}}) == 3


def test_stored_record_holds_only_a_salted_hash(client: FlaskClient) -> None:
    password = "plain-text-never-stored"
    first, second = new_user(client, password), new_user(client, password)
    records = [stored_user(first), stored_user(second)]
    for record in records:
        assert set(record) == {"name", "name_key", "email", "password_hash"}
        assert password not in str(record)
        assert record["password_hash"].startswith("scrypt:16384:8:3$")
    # The same password under two salts gives two different hashes.
    assert records[0]["password_hash"] != records[1]["password_hash"]


def test_no_answer_or_log_line_carries_a_password_or_hash(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    password = "do-not-leak-me"
    name = new_user(client, password)
    client.post("/login", json={"name": name, "password": password})
    client.post("/login", json={"name": name, "password": "wrong-password"})
    listed = client.get("/users")
    stored_hash = stored_user(name)["password_hash"]
    assert password not in listed.get_data(as_text=True)
    assert "password" not in listed.get_data(as_text=True)
    logs = capsys.readouterr().out
    assert password not in logs
    assert stored_hash not in logs


def test_users_lists_names_and_emails_only(client: FlaskClient) -> None:
    response = client.get("/users")
    assert response.status_code == 200
    users = response.get_json()
    assert all(set(u) == {"name", "email"} for u in users)
    assert {"user", "stan", "partner-57"} <= {u["name"] for u in users}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password": "long-enough", "email": "a@example.com"}, "name"),
        ({"name": "", "password": "long-enough", "email": "a@example.com"}, "name"),
        ({"name": "bob", "email": "a@example.com"}, "password"),
        ({"name": "bob", "password": "long-enough"}, "email"),
        ({"name": "bob", "password": "long-enough", "email": ""}, "email"),
    ],
)
def test_register_missing_field_is_400(
    client: FlaskClient, fields: dict[str, str], field: str
) -> None:
    response = register(client, **fields)
    assert response.status_code == 400
    assert response.get_json()["error"] == "missing_field"
    assert field in response.get_json()["message"]


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "has space", "password": "long-enough", "email": "a@example.com"},
        {"name": "x" * 65, "password": "long-enough", "email": "a@example.com"},
        {"name": "anonymous-abc", "password": "long-enough", "email": "a@example.com"},
        {"name": "Anonymous-abc", "password": "long-enough", "email": "a@example.com"},
        {"name": "bob/../x", "password": "long-enough", "email": "a@example.com"},
        {"name": "bob\n", "password": "long-enough", "email": "a@example.com"},
        {"name": 42, "password": "long-enough", "email": "a@example.com"},
        {"name": "bob", "password": "short", "email": "a@example.com"},
        {"name": "bob", "password": "p" * 1025, "email": "a@example.com"},
        {"name": "bob", "password": "long-enough", "email": "not-an-email"},
        {"name": "bob", "password": "long-enough", "email": "a@b"},
        {"name": "bob", "password": "long-enough", "email": "a b@example.com"},
        {"name": "bob", "password": "long-enough", "email": "a\x1eb@example.com"},
        {"name": "bob", "password": "long-enough", "email": "a\x01b@example.com"},
        {"name": "bob", "password": "long-enough", "email": "a\x85b@example.com"},
        {"name": "bob", "password": "long-enough", "email": ["a@example.com"]},
    ],
)
def test_register_invalid_field_is_400(client: FlaskClient, fields: dict[str, Any]) -> None:
    response = register(client, **fields)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_field"


def test_register_a_taken_name_is_409(client: FlaskClient) -> None:
    response = register(client, name="stan", password="another-one", email="x@example.com")
    assert response.status_code == 409
    assert response.get_json()["error"] == "name_taken"
    assert client.post("/login", json={"name": "stan", "password": "bigbrain"}).status_code == 200


def test_concurrent_registrations_of_one_name_make_one_account(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # All six wait for a hash here: the race is the point, not the bounded wait.
    restart_with(monkeypatch, PASSWORD_HASH_WAITERS="6", PASSWORD_HASH_WAIT_MS="30000")
    name = unique_name("race")
    statuses: list[int] = []
    start = threading.Barrier(6)

    def attempt(number: int) -> None:
        client = app.test_client()
        start.wait()
        response = register(
            client, name=name, password=f"password-{number}", email=f"{number}@example.com"
        )
        statuses.append(response.status_code)

    run_together(attempt, range(6))
    assert sorted(statuses) == [200] + [409] * 5
    assert store.users().count_documents({"name": name}) == 1


def test_login_failures(client: FlaskClient) -> None:
    wrong = client.post("/login", json={"name": "stan", "password": "smallbrain"})
    unknown = client.post("/login", json={"name": unique_name(), "password": "whatever1"})
    odd = client.post("/login", json={"name": "no such/name", "password": "whatever1"})
    for response in (wrong, unknown, odd):
        assert response.status_code == 404
        assert response.get_json()["error"] == "bad_login"
        assert "Set-Cookie" not in response.headers
    assert wrong.get_json()["message"] == unknown.get_json()["message"]
    assert client.post("/login", json={"name": "stan"}).status_code == 400
    assert client.post("/login", json={"password": "bigbrain"}).status_code == 400
    assert client.post("/login", data="[]", content_type="application/json").status_code == 400


def test_check_unknown_or_malformed_names_is_404(client: FlaskClient) -> None:
    assert client.get(f"/check/{unique_name()}").status_code == 404
    assert client.get("/check/anonymous-abc").status_code == 404
    assert client.get("/check/" + "x" * 80).status_code == 404


def test_uniqueid_is_anonymous_and_unguessable(client: FlaskClient) -> None:
    ids = [client.get("/uniqueid").get_json()["uuid"] for _ in range(5)]
    assert len(set(ids)) == 5
    for uuid in ids:
        # 16 random bytes (128 bits), base64url, and a signature: nothing of the counter in it.
        assert re.fullmatch(r"anonymous-[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", uuid)
        assert sessions.issued_anonymous_id(uuid)


def test_login_counter_in_metrics(client: FlaskClient) -> None:
    client.post("/login", json={"name": "stan", "password": "nope-nope"})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'user_logins_total{outcome="refused"}' in text


def test_a_name_is_taken_whatever_its_case(client: FlaskClient) -> None:
    taken = register(client, name="STAN", password="another-brain", email="s@example.com")
    assert taken.status_code == 409
    assert taken.get_json()["error"] == "name_taken"
    name = new_user(client)
    again = register(client, name=name.upper(), password="x" * 9, email="u@example.com")
    assert again.status_code == 409
    assert client.get(f"/check/{name.upper()}").status_code == 200
    login = client.post("/login", json={"name": name.title(), "password": "correct horse"})
    assert login.status_code == 200
    assert login.get_json()["name"] == name  # the name as registered, the session's too
    assert store.users().count_documents({"name_key": name}) == 1


def test_users_stored_before_name_keys_get_theirs(seeded_users: int) -> None:
    """Accounts made before names ignored case: keyed when the indexes are made; of two that
    differ only in case, the later keeps logging in by its exact name."""
    name = unique_name("Legacy")
    for stored in (name, name.lower()):
        store.users().insert_one({"name": stored, "email": "l@example.com", "password_hash": "h"})
    store.ensure_indexes()
    keyed = [u["name"] for u in store.users().find({"name_key": name.lower()}, {"_id": 0})]
    assert keyed == [name]
    left = store.find_user(name.lower())
    assert left is not None and "name_key" not in left and left["name"] == name.lower()
    found = store.find_user(name.upper())
    assert found is not None and found["name"] == name


def test_logins_and_registrations_count_against_the_client(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, LOGIN_ATTEMPTS_PER_CLIENT="3")
    mine = {"X-Real-IP": "10.9.8.1"}
    right = {"name": "stan", "password": "bigbrain"}
    assert client.post("/login", json=right, headers=mine).status_code == 200
    name = unique_name()
    details = {"name": name, "password": "x" * 9, "email": "n@example.com"}
    assert client.post("/register", json=details, headers=mine).status_code == 200
    assert client.post("/login", json=right, headers=mine).status_code == 200
    for refused in (
        client.post("/login", json=right, headers=mine),
        client.post("/register", json={**details, "name": unique_name()}, headers=mine),
    ):
        assert refused.status_code == 429
        assert refused.get_json()["error"] == "too_many_attempts"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "Set-Cookie" not in refused.headers
    assert client.post("/login", json=right, headers={"X-Real-IP": "10.9.8.2"}).status_code == 200


def test_anonymous_ids_are_limited_per_client(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, ANONYMOUS_IDS_PER_CLIENT="4")
    mine = {"X-Real-IP": "10.9.9.1"}
    assert [client.get("/uniqueid", headers=mine).status_code for _ in range(4)] == [200] * 4
    refused = client.get("/uniqueid", headers=mine)
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/uniqueid", headers={"X-Real-IP": "10.9.9.2"}).status_code == 200
