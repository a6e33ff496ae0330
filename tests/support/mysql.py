"""A function's MySQL database for its tests: seeded as the seed does it, with the function's
own user, which the seed makes."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest


@contextmanager
def function_user(function: str) -> Iterator[tuple[str, str]]:
    """Name and password for `<FUNCTION>_MYSQL_USER/_PASSWORD`, set while in use.

    The seed creates the user from these; the session's `mysql_settings` drops it.
    """
    prefix = function.upper()
    name = os.environ.get("DATA_NAMESPACE", "") + function
    password = secrets.token_urlsafe(24)
    os.environ[f"{prefix}_MYSQL_USER"] = name
    os.environ[f"{prefix}_MYSQL_PASSWORD"] = password
    try:
        yield name, password
    finally:
        for variable in (f"{prefix}_MYSQL_USER", f"{prefix}_MYSQL_PASSWORD"):
            os.environ.pop(variable, None)


@dataclass(frozen=True)
class FunctionDatabase:
    """A function's database once seeded, and the user the function connects as."""

    user: str
    password: str
    seeded: int  # what the seed counted

    def connect_as_function(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MYSQL_USER", self.user)
        monkeypatch.setenv("MYSQL_PASSWORD", self.password)


@contextmanager
def seeded_database(function: str, seed: Callable[[], int]) -> Iterator[FunctionDatabase]:
    """The function's user (while in use) and its database, seeded by `seed`.

    Made once a session (the fixtures in tests/conftest.py): a second user of the same
    name would change the password under the connections the first one's pool keeps.
    """
    with function_user(function) as (user, password):
        yield FunctionDatabase(user, password, seed())
