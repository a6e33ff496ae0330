from __future__ import annotations

import os
import uuid
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


@pytest.fixture
def own_catalogue(mongo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A catalogue database of the test's own, seeded: what the session's shops hold
    (stock they changed) can't leak in, and what the test changes can't leak out."""
    from catalogue import store
    from kit import stores
    from tests.support.settings import restart_with

    namespace = f"{os.environ['DATA_NAMESPACE']}{uuid.uuid4().hex[:6]}_"
    restart_with(monkeypatch, DATA_NAMESPACE=namespace)
    seed_catalogue.seed()
    try:
        yield namespace
    finally:
        stores.mongo().get().drop_database(store.collection().database.name)
