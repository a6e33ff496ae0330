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


def sent_as_json(request: Request) -> bool:
    """Whether the body's media type is JSON's: application/json or application/...+json."""
    media = request.mimetype
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _text_ok(value: Any) -> bool:
    """Whether every string in the value is real text: JSON's \\ud800 escapes can spell a
    lone surrogate, which no UTF-8 store, log or answer can carry."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def parse_json(raw: bytes) -> Any:
    """The value that `raw` spells in JSON, read strictly; 400 malformed_json if it is not JSON."""
    try:
        return json.loads(raw, parse_float=_finite, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than the parser's stack allows.
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from None


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is missing, malformed or not an object.

    Only a body sent as `application/json` is read (415 otherwise): a page on
    another site can post text/plain or a form without the browser asking this
    origin first, but never JSON.
    """
    if not sent_as_json(request):
        raise ApiError(
            415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)"
        )
    raw = request.get_data(cache=True)
    if not raw:
        raise ApiError(400, "bad_request", "a JSON object body is required")
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    if not _text_ok(value):
        raise ApiError(400, "malformed_json", "the body holds a string that is not valid Unicode")
    return value
