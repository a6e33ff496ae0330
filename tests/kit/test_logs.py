from __future__ import annotations

import json
import logging
import re

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


def test_the_access_line_keeps_every_field_in_order(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("roboshop.sample"), "level", logging.INFO)
    client.get("/items/7?x=1", headers={"X-Request-Id": "rid-shape"})
    [line] = [raw for raw in capsys.readouterr().out.splitlines() if "rid-shape" in raw]
    access = json.loads(line)
    assert list(access) == [
        *("time", "level", "function", "logger", "message", "request_id"),
        *("trace_id", "span_id", "method", "path", "route", "status", "ms"),
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access["time"])
    assert access["level"] == "info" and access["message"] == "request"
    assert access["logger"] == "roboshop.sample"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/items/7", 200)
    assert isinstance(access["ms"], float)
    assert line == json.dumps(access)


def test_no_access_line_when_info_is_off(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("roboshop.sample")
    level = logger.level
    logger.setLevel(logging.WARNING)  # setLevel, not .level: the logger caches its answer
    try:
        client.get("/items/8", headers={"X-Request-Id": "rid-quiet"})
    finally:
        logger.setLevel(level)
    assert "rid-quiet" not in capsys.readouterr().out


def test_the_time_changes_with_each_second() -> None:
    from kit._logs import JsonFormatter

    formatter = JsonFormatter("sample")
    record = logging.LogRecord("x", logging.INFO, "", 0, "m", None, None)
    times = []
    for created in (1_700_000_000.25, 1_700_000_000.75, 1_700_000_001.5):
        record.created, record.msecs = created, (created % 1) * 1000
        times.append(json.loads(formatter.format(record))["time"])
    assert times == [
        "2023-11-14T22:13:20.250Z",
        "2023-11-14T22:13:20.750Z",
        "2023-11-14T22:13:21.500Z",
    ]
