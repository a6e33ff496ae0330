from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.support.functions import create_app


@pytest.fixture
def app(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("DISPATCH_DELAY_MS", "0")
    monkeypatch.setenv("DISPATCH_ERROR_PERCENT", "0")
    yield create_app("dispatch")
