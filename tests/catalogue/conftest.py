from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from scripts.jobs.seed import catalogue as seed_catalogue
from tests.support.functions import create_app


@pytest.fixture(scope="session")
def seeded(mongo_url: str) -> int:
    return seed_catalogue.seed()


@pytest.fixture
def app(seeded: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    # No snapshot reuse between tests: each one sees the store as it is.
    monkeypatch.setenv("CATALOGUE_CACHE_SECONDS", "0")
    yield create_app("catalogue")
