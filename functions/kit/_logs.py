"""JSON log lines on stdout: every logger of the process, one object a line.

`configure` puts the one handler on the root logger, so a line from any module or
library comes out as JSON with the fields of the request (or event) it belongs to:
request id, trace and span id, route or event type, order id once bound. Modules
take their logger from `get_logger`; tests/kit/test_logs.py fails on any other way.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# What the current request or delivery adds to each of its lines (trace ids, order id...).
_fields: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("log_fields")
_NONE: Mapping[str, Any] = {}

# Attributes every LogRecord has; anything else passed with `extra=` is logged as a field.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}
_SECRET_FIELD = re.compile(r"pass(word|wd)?|secret|token|authori[sz]ation|cookie|api_?key", re.I)
# user:password@ in a URL, and name=value pairs that name a secret, in free text.
_SECRET_TEXT = re.compile(
    r"(?P<keep>://[^:/@\s]*:)[^@\s/]+(?=@)"
    r"|(?P<name>\b(?:pass(?:word|wd)?|secret|token|authori[sz]ation)\b['\"]?\s*[=:]\s*['\"]?)[^\s,'\"&;}]+",
    re.I,
)
REDACTED = "[redacted]"
# Request ids are echoed into logs and headers: accept only a sane shape from clients.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_process_function = ""
# The one handler `configure` puts on the root logger.
_handler: _StdoutHandler | None = None


def _hide(match: re.Match[str]) -> str:
    return (match.group("keep") or match.group("name") or "") + REDACTED


def _redact_text(text: str) -> str:
    # Both of _SECRET_TEXT's forms hold a ':' or a '=': most text (a path, a route, most
    # messages) has neither, and is its own answer without a scan of the pattern.
    if ":" not in text and "=" not in text:
        return text
    return _SECRET_TEXT.sub(_hide, text)


@functools.lru_cache(maxsize=1024)
def _secret_field(key: str) -> bool:
    """Whether a field's name names a secret: asked on every field of every line, of names
    that come from the code (a few dozen), so each is searched for once."""
    return _SECRET_FIELD.search(key) is not None


def _safe(key: str, value: Any) -> Any:
    if _secret_field(key):
        return REDACTED
    return _redact_text(value) if isinstance(value, str) else value


# One encoder for every line: json.dumps(..., default=str) would build a new one each time.
_ENCODER = json.JSONEncoder(default=str)


class _Seconds:
    """The "YYYY-MM-DDTHH:MM:SS" of a timestamp, formatted once per second, not per line."""

    def __init__(self) -> None:
        self._last: tuple[int, str] = (-1, "")

    def text(self, created: float) -> str:
        second = int(created)
        last = self._last
        if last[0] != second:
            last = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
            self._last = last
        return last[1]


class JsonFormatter(logging.Formatter):
    def __init__(self, function: str) -> None:
        super().__init__()
        self._function = function
        self._seconds = _Seconds()

    def format(self, record: logging.LogRecord) -> str:
        entry = self._entry(record.created, record.levelname, record.name, record.getMessage())
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                entry[key] = _safe(key, value)
        if record.exc_info:
            entry["exception"] = _redact_text(self.formatException(record.exc_info))
        return _ENCODER.encode(entry)

    def line(self, level: int, logger: str, message: str, fields: Mapping[str, Any]) -> str:
        """The line `format` makes of a record of these, logged now, without the record."""
        entry = self._entry(time.time(), logging.getLevelName(level), logger, message)
        for key, value in fields.items():
            entry[key] = _safe(key, value)
        return _ENCODER.encode(entry)

    def _entry(self, created: float, level: str, logger: str, message: str) -> dict[str, Any]:
        msecs = int((created - int(created)) * 1000)
        entry: dict[str, Any] = {
            "time": f"{self._seconds.text(created)}.{msecs:03d}Z",
            "level": level.lower(),
            "function": self._function,
            "logger": logger,
            "message": _redact_text(message),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        entry.update(_fields.get(_NONE))
        return entry


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is at the time (a test may have replaced it)."""

    def __init__(self, formatter: JsonFormatter) -> None:
        super().__init__()
        self.json = formatter
        self.setFormatter(formatter)

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def get_logger(name: str) -> logging.Logger:
    """The logger for a module of the shop (its lines go through `configure`'s handler)."""
    return logging.getLogger(f"roboshop.{name}")


def log_without_caller(
    logger: logging.Logger, level: int, message: str, fields: dict[str, Any]
) -> None:
    """`logger.log(level, message, extra=fields)`, less the walk up the stack that finds the
    caller's file and line, which no line shows: for the one line of every request.

    Where the kit's handler is the only one the line would reach (a function as served), the
    line is written as that handler would write it, without a LogRecord and the handler
    chain around it; anywhere else (a test's capture, a handler added) it is logged."""
    if not logger.isEnabledFor(level):
        return
    handler = _only_handler(logger)
    if handler is None:
        record = logger.makeRecord(
            logger.name, level, "(unknown file)", 0, message, (), None, extra=fields
        )
        logger.handle(record)
        return
    line = handler.json.line(level, logger.name, message, fields)
    with handler.lock:  # type: ignore[union-attr]
        stream = handler.stream
        stream.write(line + handler.terminator)
        stream.flush()


def _only_handler(logger: logging.Logger) -> _StdoutHandler | None:
    """The kit's handler, when a line of `logger` would reach it and no other handler or
    filter: the logger's chain up to the root holds no handler but it, and no filter."""
    handler = _handler
    if handler is None or handler.filters or handler.level > logging.NOTSET:
        return None
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters:
            return None
        if current.handlers:
            return handler if current.handlers == [handler] and current.parent is None else None
        current = current.parent if current.propagate else None
    return None


def configure(function: str, level: str) -> logging.Logger:
    """Every logger of the process writes JSON lines to stdout at `level` (set up once).

    The first function configured names the lines of the process: one function is
    one process (a test that loads several gets the first one's name).
    """
    global _process_function, _handler
    root = logging.getLogger()
    if not _process_function:
        _process_function = function
        _handler = _StdoutHandler(JsonFormatter(function))
        root.addHandler(_handler)
        # Chatty libraries speak up only when something is wrong.
        for noisy in ("werkzeug", "pika", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    root.setLevel(level.upper())
    logger = get_logger(function)
    logger.setLevel(logging.NOTSET)
    return logger


def current_request_id() -> str:
    return request_id.get()


@contextmanager
def request_scope(rid: str) -> Iterator[str]:
    """`rid` (or a new id when it isn't a sane one) is the request id of this block's lines."""
    rid = rid if _REQUEST_ID.match(rid) else uuid.uuid4().hex
    token = request_id.set(rid)
    try:
        yield rid
    finally:
        request_id.reset(token)


@contextmanager
def scope(**fields: Any) -> Iterator[None]:
    """Add `fields` to every line logged in this block (a request, a delivery)."""
    token = add_fields(fields)
    try:
        yield
    finally:
        remove_fields(token)


def add_fields(fields: Mapping[str, Any]) -> contextvars.Token[Mapping[str, Any]]:
    """`scope` without the block: the fields are in the lines until `remove_fields`."""
    return _fields.set({**_fields.get(_NONE), **fields})


def remove_fields(token: contextvars.Token[Mapping[str, Any]]) -> None:
    _fields.reset(token)


def bind_log_fields(**fields: Any) -> None:
    """Add `fields` (an order id found mid-request) to the lines of the rest of this scope."""
    _fields.set({**_fields.get(_NONE), **fields})
