"""Reading request bodies strictly: malformed JSON is the client's error (400)."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Request

from kit._errors import ApiError


def _finite(text: str) -> float:
    # 1e309 parses to infinity: no store or sum downstream can use it.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


def _not_json(name: str) -> Any:
    # Python's json module accepts NaN and Infinity; JSON (RFC 8259) does not.
    raise ValueError(f"{name} is not JSON")


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is missing, malformed or not an object."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ApiError(400, "bad_request", "a JSON object body is required")
    try:
        value = json.loads(raw, parse_float=_finite, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than the parser's stack allows.
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return value
