"""One vote per shopper per robot, through nginx: a flood from one client and forged client
addresses count once, made-up anonymous ids not at all; every real shopper counts."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.origin.conftest import Visitor


def rating(visitor: Visitor, sku: str) -> dict[str, float]:
    found: dict[str, float] = visitor.get(f"/api/ratings/api/fetch/{sku}").json()
    return found


def vote(visitor: Visitor, sku: str, score: int, **headers: str) -> int:
    return visitor.put(f"/api/ratings/api/rate/{sku}/{score}", **headers).status


def test_hundreds_of_votes_from_one_client_are_one_vote(outsider: Visitor) -> None:
    """Within nginx's vote burst (as the served tests scale it: tests/drills meets the real
    one): what the function makes of them, not the throttle."""
    before = rating(outsider, "EMM")

    def flood(n: int) -> int:
        forged = {"X-Forwarded-For": f"203.0.113.{n % 250}", "X-Real-IP": f"198.51.100.{n % 250}"}
        if n % 3 == 0:
            forged["X-Anonymous-Id"] = f"anonymous-{uuid.uuid4().hex}"  # made up, not issued
        return vote(outsider, "EMM", 5, **forged)

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(flood, range(400)))
    # Every made-up id is refused; every other vote is the client's one vote.
    assert statuses == [400 if n % 3 == 0 else 200 for n in range(400)]
    after = rating(outsider, "EMM")
    assert after["rating_count"] == before["rating_count"] + 1


def test_each_shopper_has_one_vote_that_a_repeat_replaces(
    visitor: Visitor, outsider: Visitor
) -> None:
    sku = "SHCE"
    start = rating(outsider, sku)["rating_count"]
    visitor.register()
    for score in (1, 5, 4):
        assert vote(visitor, sku, score) == 200
    anonymous = outsider.anonymous_id()
    for score in (2, 2):
        assert vote(outsider, sku, score, **{"X-Anonymous-Id": anonymous}) == 200
    assert vote(outsider, sku, 3) == 200  # the client's address, without an id
    assert rating(outsider, sku)["rating_count"] == start + 3


def test_sixty_minted_ids_from_one_client_move_a_count_by_at_most_ten(
    outsider: Visitor, visitor: Visitor
) -> None:
    """Each id is issued and signed, so each is a voter: the cap per client address per robot
    per day (NEW_VOTERS_PER_CLIENT_PER_DAY, 10) is what stops them piling up."""
    sku = "UHJ"
    before = rating(outsider, sku)["rating_count"]
    ids = [outsider.anonymous_id() for _ in range(60)]

    def cast(anonymous: str) -> int:
        return vote(outsider, sku, 5, **{"X-Anonymous-Id": anonymous})

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(cast, ids))
    assert statuses.count(200) == 10
    assert statuses.count(429) == 50
    assert rating(outsider, sku)["rating_count"] == before + 10
    capped = outsider.put(f"/api/ratings/api/rate/{sku}/1", **{"X-Anonymous-Id": ids[-1]})
    assert capped.status == 429
    assert capped.json()["error"] == "too_many_voters"
    assert int(capped.headers["Retry-After"]) >= 1
    # Another client's shopper still counts.
    assert vote(visitor, sku, 3, **{"X-Anonymous-Id": visitor.anonymous_id()}) == 200
    assert rating(outsider, sku)["rating_count"] == before + 11
