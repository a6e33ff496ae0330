"""The MySQL user a function connects as, made by its seed, for the function's tests."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager


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
