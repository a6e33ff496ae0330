"""Reading and casting votes: scores clamped to 1..5, skus checked with catalogue, and
NEW_VOTERS_PER_CLIENT_PER_DAY new voters per client address per robot a UTC day."""

from __future__ import annotations

import datetime
import math
import re
from urllib.parse import quote

from kit import ApiError, Unavailable, peers
from ratings import store
from ratings.settings import RatingsSettings

MIN_SCORE, MAX_SCORE = 1, 5
_SCORE = re.compile(r"[+-]?[0-9]{1,18}")


def parse_score(raw: str) -> int:
    """A whole number, clamped to 1..5; anything else is 400."""
    if not _SCORE.fullmatch(raw):
        raise ApiError(
            400, "bad_request", f"score must be a whole number from {MIN_SCORE} to {MAX_SCORE}"
        )
    return max(MIN_SCORE, min(MAX_SCORE, int(raw)))


def check_sku_format(sku: str) -> None:
    if len(sku) > store.MAX_SKU_CHARS:
        raise ApiError(400, "bad_request", f"sku is longer than {store.MAX_SKU_CHARS}")


def fetch(sku: str) -> dict[str, float | int]:
    """The mean and number of votes; 0 and 0 for a sku nobody rated yet."""
    check_sku_format(sku)
    found = store.rating(sku)
    if found is None:
        return {"avg_rating": 0, "rating_count": 0}
    return {"avg_rating": float(found["avg_rating"]), "rating_count": int(found["rating_count"])}


def rate(sku: str, raw_score: str, ballot: store.Ballot, now: datetime.datetime) -> dict[str, bool]:
    """The voter's score on the sku; a repeat vote replaces their earlier one. 429 for a new
    voter past the client's cap today, until the UTC day that `now` is in ends."""
    check_sku_format(sku)
    score = parse_score(raw_score)
    require_product(sku)
    cap = RatingsSettings.current().new_voters_per_client_per_day
    try:
        store.vote(sku, ballot, score, cap)
    except store.TooManyNewVoters:
        raise ApiError(
            429,
            "too_many_voters",
            f"this address has added {cap} new voters to {sku} today: its votes count again"
            " tomorrow (UTC)",
            {"Retry-After": str(seconds_to_tomorrow(now))},
        ) from None
    return {"success": True}


def seconds_to_tomorrow(now: datetime.datetime) -> int:
    utc = now.astimezone(datetime.UTC)
    tomorrow = datetime.datetime.combine(
        utc.date() + datetime.timedelta(days=1), datetime.time(), datetime.UTC
    )
    return max(1, math.ceil((tomorrow - utc).total_seconds()))


def require_product(sku: str) -> None:
    """404 unless catalogue knows the sku (catalogue down: 503, from kit.peers)."""
    answer = peers.call("catalogue", "GET", f"/product/{quote(sku, safe='')}", expect=(404,))
    if answer.status == 404:
        raise ApiError(404, "not_found", f"no product with sku {sku!r}")
    if not isinstance(answer.data, dict):
        raise Unavailable("catalogue")
