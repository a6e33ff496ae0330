"""One page of a long answer: `?limit=&offset=` in, `X-Total-Count` and a `Link` out."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Response

from kit._errors import ApiError

_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def page(args: Mapping[str, str], default: int, maximum: int) -> tuple[int, int]:
    """`limit` (default `default`) and `offset` from the query string: 400 unless whole
    numbers, the limit from 1 to `maximum`."""
    limit = _whole_number(args, "limit", default)
    offset = _whole_number(args, "offset", 0)
    if not 1 <= limit <= maximum:
        raise ApiError(400, "bad_request", f"limit must be between 1 and {maximum}")
    return limit, offset


def _whole_number(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ApiError(400, "bad_request", f"{name} must be a whole number of 0 or more")
    return int(raw)


def describe(response: Response, total: int, limit: int, offset: int) -> Response:
    """The size of the whole in X-Total-Count and the next page in a Link header, as
    paginated APIs say it."""
    response.headers["X-Total-Count"] = str(total)
    if offset + limit < total:
        # Relative to the request's own URL, whatever prefix nginx stripped from it.
        response.headers["Link"] = f'<?limit={limit}&offset={offset + limit}>; rel="next"'
    return response
