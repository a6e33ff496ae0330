from __future__ import annotations

import functions_framework
import pytest
from flask import Flask
from flask.testing import FlaskClient

from scripts.localstack import ROOT


@pytest.fixture(scope="module")
def app() -> Flask:
    source = ROOT / "tests" / "kit" / "sample" / "main.py"
    flask_app: Flask = functions_framework.create_app(target="sample", source=str(source))
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
