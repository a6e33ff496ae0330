"""Every line the shop logs goes through the kit's JSON logging: no module of a function or
of the dev broker takes a logger, configures logging or prints any other way, and what the
kit writes is one JSON object a line with the request's fields and no secret in it."""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kit import _logs
from scripts.stack.processes import ROOT

# The code that runs inside a function or the dev broker.
SERVED = [ROOT / "functions", ROOT / "scripts" / "broker"]
THE_LOG_PATH = ROOT / "functions" / "kit" / "_logs.py"
# Ways around the kit's logging: a logger of one's own, handlers, root-logger calls, print.
FORBIDDEN_CALLS = {
    ("logging", "getLogger"),
    ("logging", "basicConfig"),
    ("logging", "StreamHandler"),
    ("logging", "FileHandler"),
    ("logging", "debug"),
    ("logging", "info"),
    ("logging", "warning"),
    ("logging", "error"),
    ("logging", "exception"),
    ("logging", "critical"),
    ("logging", "log"),
    ("sys.stdout", "write"),
    ("sys.stderr", "write"),
}
FORBIDDEN_NAMES = {"print", "getLogger", "basicConfig"}


def sources() -> Iterator[Path]:
    for folder in SERVED:
        for path in sorted(folder.rglob("*.py")):
            if path != THE_LOG_PATH:
                yield path


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def escapes(path: Path) -> list[str]:
    """Where a module logs or writes outside the kit's logging path."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "logging":
            found += [f"{path}:{node.lineno} from logging import {a.name}" for a in node.names]
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        owner, _, attribute = name.rpartition(".")
        if (owner, attribute) in FORBIDDEN_CALLS or name in FORBIDDEN_NAMES:
            found.append(f"{path}:{node.lineno} {name}()")
    return found


def test_no_module_of_a_function_or_the_broker_logs_outside_the_kit() -> None:
    assert list(sources())
    problems = [problem for path in sources() for problem in escapes(path)]
    assert problems == []


def test_the_scan_finds_each_way_around(tmp_path: Path) -> None:
    sample = tmp_path / "module.py"
    sample.write_text(
        "import logging, sys\nfrom logging import getLogger\nlog = logging.getLogger('x')\n"
        "logging.warning('bare')\nprint('text')\nsys.stderr.write('text')\n"
    )
    assert len(escapes(sample)) == 5


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
