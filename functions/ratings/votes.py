"""Reading and casting votes: scores clamped to 1..5, skus checked with catalogue."""

from __future__ import annotations

import re
from urllib.parse import quote

from kit import ApiError, Unavailable, peers
from ratings import store

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


def rate(sku: str, raw_score: str, voter: str) -> dict[str, bool]:
    """The voter's score on the sku; a repeat vote replaces their earlier one."""
    check_sku_format(sku)
    score = parse_score(raw_score)
    require_product(sku)
    store.vote(sku, voter, score)
    return {"success": True}


def require_product(sku: str) -> None:
    """404 unless catalogue knows the sku (catalogue down: 503, from kit.peers)."""
    answer = peers.call("catalogue", "GET", f"/product/{quote(sku, safe='')}", expect=(404,))
    if answer.status == 404:
        raise ApiError(404, "not_found", f"no product with sku {sku!r}")
    if not isinstance(answer.data, dict):
        raise Unavailable("catalogue")
