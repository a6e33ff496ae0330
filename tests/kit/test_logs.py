from __future__ import annotations

import json
import logging
import re

import pytest
from flask.testing import FlaskClient

PARENT = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"


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


def test_the_access_line_is_the_same_written_straight_as_through_logging(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As served, the kit's handler is the only one: the line is written without a record.
    Under pytest its own handlers are on the root too, and the line goes through logging."""
    from kit import _logs

    monkeypatch.setattr(logging.getLogger("roboshop.sample"), "level", logging.INFO)
    root = logging.getLogger()
    assert _logs._handler is not None and _logs._handler in root.handlers
    lines = {}
    for way, handlers in (("logged", root.handlers), ("straight", [_logs._handler])):
        monkeypatch.setattr(root, "handlers", handlers)
        assert (_logs._only_handler(logging.getLogger("roboshop.sample")) is None) == (
            way == "logged"
        )
        client.get("/items/9", headers={"X-Request-Id": f"rid-{way}", "traceparent": PARENT})
        [line] = [raw for raw in capsys.readouterr().out.splitlines() if f"rid-{way}" in raw]
        lines[way] = json.loads(line)
    for line in lines.values():
        del line["time"], line["ms"], line["span_id"]
        line["request_id"] = "rid"
    assert list(lines["straight"].items()) == list(lines["logged"].items())
    assert lines["straight"]["trace_id"] == "a" * 32
