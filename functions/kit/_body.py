"""Reading request bodies strictly: malformed JSON is the client's error (400)."""

from __future__ import annotations

import json
from typing import Any

from flask import Request

from kit._errors import ApiError


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is missing, malformed or not an object."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ApiError(400, "bad_request", "a JSON object body is required")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return value
