"""The settings a test's environment gives: each settings class read again, as a restart
would read them."""

from __future__ import annotations

import pytest

from kit import settings


def reload() -> None:
    """What a restart would read: the environment as the test has set it now."""
    for cls in settings.classes():
        if not cls.__module__.startswith("tests."):  # the tests' own are read with theirs
            cls.load()


def restart_with(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    """Set these variables and read the settings again. Both are undone together when the
    test's monkeypatch is: the values read go into a table of their own, and the one from
    before the test comes back with the environment, before any other fixture's teardown
    runs."""
    monkeypatch.setattr(settings, "_loaded", dict(settings._loaded))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    reload()
