from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from deadletters import store
from tests.support.functions import create_app


@pytest.fixture
def app(mongo_url: str) -> Iterator[Flask]:
    store.letters().delete_many({})
    yield create_app("deadletters")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
