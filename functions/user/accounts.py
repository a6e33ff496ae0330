"""Registering users and checking their logins; answers never carry a password or hash."""

from __future__ import annotations

import re
from typing import Any

from kit import ApiError
from kit.sessions import ANONYMOUS_PREFIX
from user import passwords, store, throttle
from user.settings import UserSettings

NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
# One @, a dotted domain, no spaces: the shape of an address, not a promise it exists.
# Control characters named, not left to \s: Python's \s takes some that JSON Schema's doesn't.
EMAIL = re.compile(
    r"[^@\s\x00-\x1f\x7f-\x9f]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}"
)
MAX_EMAIL_CHARS = 254
MIN_PASSWORD_CHARS = 8
# scrypt reads the whole password: a bound keeps one request from costing much more.
MAX_PASSWORD_CHARS = 1024


def _text_field(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None or value == "":
        raise ApiError(400, "missing_field", f"{field} is required")
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", f"{field} must be a string")
    return value


def valid_name(name: str) -> bool:
    return bool(NAME.fullmatch(name)) and not name.lower().startswith(ANONYMOUS_PREFIX)


def _checked_name(name: str) -> str:
    if not valid_name(name):
        raise ApiError(
            400,
            "invalid_field",
            "name must be 1-64 letters, digits, '.', '_' or '-', "
            f"and must not start with {ANONYMOUS_PREFIX!r}",
        )
    return name


def _checked_email(email: str) -> str:
    email = email.strip()
    if len(email) > MAX_EMAIL_CHARS or not EMAIL.fullmatch(email):
        raise ApiError(400, "invalid_field", "email must look like name@example.com")
    return email


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ApiError(
            400, "invalid_field", f"password must be at least {MIN_PASSWORD_CHARS} characters"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise ApiError(
            400, "invalid_field", f"password must be at most {MAX_PASSWORD_CHARS} characters"
        )
    return password


def register(body: dict[str, Any], client: str) -> dict[str, str]:
    """Create the account the body describes and return its public fields.

    400 for a bad field, 409 for a name taken in any case, 429 past the client's attempts
    (user.throttle), 503 `busy` when no hash slot frees in time (user.passwords).
    """
    name = _checked_name(_text_field(body, "name"))
    email = _checked_email(_text_field(body, "email"))
    password = _checked_password(_text_field(body, "password"))
    # Counted before the name is looked up: registering is no faster way to probe names.
    throttle.attempted(client)
    if store.user_exists(name):
        raise name_taken(name)
    if not store.insert_user(name, email, passwords.hash_password(password)):
        raise name_taken(name)
    return {"name": name, "email": email}


def name_taken(name: str) -> ApiError:
    return ApiError(409, "name_taken", f"the name {name} is already registered")


def login(body: dict[str, Any], client: str, now: float) -> dict[str, str]:
    """The user's public fields when name (in any case) and password match; 404 otherwise.

    429 while the client or the name from this client is throttled (user.throttle), 503
    `busy` when no hash slot frees in time (user.passwords). `now`: seconds since the epoch.
    """
    name = _text_field(body, "name")
    password = _text_field(body, "password")
    throttle.check(name, client, now)
    throttle.attempted(client)
    found = _matching_user(name, password)
    if found is None:
        throttle.failed(name, client, now)
        raise bad_login()
    if found.get("demo") and UserSettings.current().demo_accounts != "allowed":
        raise ApiError(403, "demo_account", "demo accounts can't log in here")
    throttle.succeeded(name, client)
    stored = str(found.get("password_hash", ""))
    if passwords.outdated(stored):
        store.set_password_hash(found["name"], passwords.hash_password(password))
    return {"name": found["name"], "email": found.get("email", "")}


def _matching_user(name: str, password: str) -> dict[str, Any] | None:
    """The stored user if the password is theirs; as slow for an unknown name as a known one."""
    found = store.find_user(name) if valid_name(name) else None
    if found is None:
        passwords.burn_time(password[:MAX_PASSWORD_CHARS])
        return None
    stored = str(found.get("password_hash", ""))
    if len(password) > MAX_PASSWORD_CHARS or not passwords.verify_password(password, stored):
        return None
    return found


def bad_login() -> ApiError:
    return ApiError(404, "bad_login", "unknown name or wrong password")
