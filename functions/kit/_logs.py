"""JSON log lines on stdout, each carrying the request id of the request it belongs to."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# Attributes every LogRecord has; anything else passed with `extra=` is logged as a field.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}
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
        entry: dict[str, Any] = {
            "time": f"{self._seconds.text(record.created)}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "function": self._function,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is at the time (a test may have replaced it)."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def log_without_caller(
    logger: logging.Logger, level: int, message: str, fields: dict[str, Any]
) -> None:
    """`logger.log(level, message, extra=fields)`, less the walk up the stack that finds the
    caller's file and line, which no line shows: for the one line of every request."""
    if logger.isEnabledFor(level):
        record = logger.makeRecord(
            logger.name, level, "(unknown file)", 0, message, (), None, extra=fields
        )
        logger.handle(record)


_configured: set[str] = set()


def configure(function: str, level: str) -> logging.Logger:
    """The function's logger, writing JSON lines to stdout (set up once per process)."""
    logger = logging.getLogger(f"roboshop.{function}")
    if function not in _configured:
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter(function))
        logger.addHandler(handler)
        logger.propagate = False
        _configured.add(function)
    logger.setLevel(level.upper())
    return logger
