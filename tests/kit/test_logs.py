from __future__ import annotations

import json
import logging

import pytest
from flask.testing import FlaskClient


def test_each_request_logs_one_json_line_with_its_request_id(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("roboshop.sample"), "level", logging.INFO)
    client.get("/items/5", headers={"X-Request-Id": "rid-42"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    access = [line for line in lines if line.get("request_id") == "rid-42"]
    assert len(access) == 1
    assert access[0]["function"] == "sample"
    assert access[0]["status"] == 200
    assert access[0]["route"] == "/items/<int:number>"


def test_unexpected_errors_are_logged_with_the_traceback(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client.get("/boom", headers={"X-Request-Id": "rid-boom"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    errors = [line for line in lines if line["level"] == "error"]
    assert errors and errors[0]["request_id"] == "rid-boom"
    assert "secret detail" in errors[0]["exception"]
