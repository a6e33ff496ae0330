from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from deadletters import store
from tests.support.functions import create_app


@pytest.fixture
def app(mongo_url: str) -> Iterator[Flask]:
    store.letters().delete_many({})
    yield create_app("deadletters")
