"""What the kit's logging writes: one JSON object a line, with the request's fields and no
secret in it. That no function or dev-broker module logs any other way is ruff's to check
(the banned-api and print rules in pyproject.toml)."""

from __future__ import annotations

import json
import logging

import pytest
from flask.testing import FlaskClient

from kit import _logs


def logged(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_any_logger_of_the_process_comes_out_as_json(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client.get("/health/live")  # the sample function is loaded: the kit's logging is set up
    capsys.readouterr()
    logging.getLogger("some.library").warning("a library speaks: %s", "up")
    (line,) = logged(capsys)
    assert line["message"] == "a library speaks: up"
    assert line["level"] == "warning"
    assert line["logger"] == "some.library"
    assert {"time", "function"} <= set(line)


def test_a_request_line_has_the_request_and_trace_fields(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("roboshop.sample"), "level", logging.INFO)
    parent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    answer = client.get("/items/7", headers={"X-Request-Id": "rid-7", "traceparent": parent})
    (line,) = [line for line in logged(capsys) if line.get("request_id") == "rid-7"]
    assert line["function"] == "sample"
    assert line["route"] == "/items/<int:number>"
    assert line["status"] == 200
    assert isinstance(line["ms"], float)
    assert line["trace_id"] == "a" * 32
    assert line["span_id"] != "b" * 16 and len(str(line["span_id"])) == 16
    assert answer.headers["X-Trace-Id"] == "a" * 32


def test_a_request_without_a_trace_starts_one(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("roboshop.sample"), "level", logging.INFO)
    answer = client.get("/items/8", headers={"X-Request-Id": "rid-8"})
    (line,) = [line for line in logged(capsys) if line.get("request_id") == "rid-8"]
    assert len(str(line["trace_id"])) == 32
    assert answer.headers["X-Trace-Id"] == line["trace_id"]


def test_bound_fields_are_in_the_rest_of_the_scope_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = _logs.get_logger("sample.orders")
    with _logs.scope(route="/pay"):
        _logs.bind_log_fields(order_id="order-1")
        log.warning("placed")
    log.warning("after")
    inside, after = logged(capsys)
    assert inside["order_id"] == "order-1" and inside["route"] == "/pay"
    assert "order_id" not in after


@pytest.mark.parametrize(
    ("message", "args", "extra", "secret"),
    [
        ("login with password=%s", ("hunter2-x",), {}, "hunter2-x"),
        ("connecting to %s", ("amqp://guest:s3cr3t-pw@rabbit:5672/",), {}, "s3cr3t-pw"),
        ("store %s down", ("redis://:redis-pw-1@redis:6379/0",), {}, "redis-pw-1"),
        ("session", (), {"token": "eyJ-token-value"}, "eyJ-token-value"),
        ("header", (), {"authorization": "Bearer abc-def"}, "abc-def"),
        ("login", (), {"password": "pw-in-extra"}, "pw-in-extra"),
        ("secret: %s", ("shh-its-a-secret",), {}, "shh-its-a-secret"),
    ],
)
def test_no_secret_password_or_token_is_written(
    capsys: pytest.CaptureFixture[str],
    message: str,
    args: tuple[str, ...],
    extra: dict[str, str],
    secret: str,
) -> None:
    _logs.get_logger("sample.secrets").warning(message, *args, extra=extra)
    out = capsys.readouterr().out
    assert secret not in out
    assert _logs.REDACTED in out
    json.loads(out)


def test_log_level_comes_from_the_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    level = root.level
    try:
        _logs.configure("sample", "error")
        _logs.get_logger("sample.levels").warning("not shown")
        _logs.get_logger("sample.levels").error("shown")
        assert [line["message"] for line in logged(capsys)] == ["shown"]
    finally:
        root.setLevel(level)
