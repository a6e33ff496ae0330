"""New voters are capped per client address per robot per UTC day: minted ids from one
client can't pile up a count, while each counted shopper can still change their vote."""

from __future__ import annotations

import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kit import sessions
from ratings import store, votes
from tests.support.settings import restart_with
from tests.support.threads import run_together

CAP = 3


@pytest.fixture
def cap(monkeypatch: pytest.MonkeyPatch) -> int:
    restart_with(monkeypatch, NEW_VOTERS_PER_CLIENT_PER_DAY=str(CAP))
    return CAP


def vote(client: FlaskClient, sku: str, score: int, address: str, anonymous: str) -> int:
    headers = {"X-Real-IP": address, "X-Anonymous-Id": anonymous}
    return client.put(f"/api/rate/{sku}/{score}", headers=headers).status_code


def count(client: FlaskClient, sku: str) -> int:
    return int(client.get(f"/api/fetch/{sku}").get_json()["rating_count"])


def test_new_voters_from_one_address_stop_at_the_cap(
    client: FlaskClient, sku: str, cap: int
) -> None:
    ids = [sessions.new_anonymous_id() for _ in range(cap + 2)]
    assert [vote(client, sku, 5, "10.2.0.1", i) for i in ids[:cap]] == [200] * cap
    for late in ids[cap:]:
        refused = client.put(
            f"/api/rate/{sku}/1", headers={"X-Real-IP": "10.2.0.1", "X-Anonymous-Id": late}
        )
        assert refused.status_code == 429
        assert refused.get_json()["error"] == "too_many_voters"
        assert 1 <= int(refused.headers["Retry-After"]) <= 86400
    assert count(client, sku) == cap
    # A counted voter still changes their vote; the refused ones were stored nowhere.
    assert vote(client, sku, 2, "10.2.0.1", ids[0]) == 200
    assert client.get(f"/api/fetch/{sku}").get_json() == {"avg_rating": 4.0, "rating_count": 3}
    # Another address, and another robot from the same one, have caps of their own.
    assert vote(client, sku, 5, "10.2.0.2", ids[-1]) == 200
    assert vote(client, f"{sku}-b", 5, "10.2.0.1", ids[-1]) == 200
    assert count(client, sku) == cap + 1


def test_concurrent_new_voters_never_pass_the_cap(app: Flask, sku: str, cap: int) -> None:
    statuses: list[int] = []

    def one(_: int) -> None:
        statuses.append(vote(app.test_client(), sku, 4, "10.2.1.1", sessions.new_anonymous_id()))

    run_together(one, range(12))
    assert sorted(statuses) == [200] * cap + [429] * (12 - cap)
    assert count(app.test_client(), sku) == cap


def test_the_cap_is_per_utc_day(app: Flask, sku: str, cap: int) -> None:
    today = datetime.date(2026, 3, 1)
    for day, votes_counted in ((today, cap), (today + datetime.timedelta(days=1), cap)):
        for n in range(cap + 1):
            ballot = store.Ballot(f"{day}-{n}".ljust(64, "v"), "c" * 64, day)
            if n < votes_counted:
                store.vote(sku, ballot, 3, cap)
            else:
                with pytest.raises(store.TooManyNewVoters):
                    store.vote(sku, ballot, 3, cap)
    found = store.rating(sku)
    assert found is not None and int(found["rating_count"]) == 2 * cap


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime.datetime(2026, 3, 1, 23, 59, 59, tzinfo=datetime.UTC), 1),
        (datetime.datetime(2026, 3, 1, 0, 0, 0, tzinfo=datetime.UTC), 86400),
        (datetime.datetime(2026, 3, 1, 12, 0, 0, 500000, tzinfo=datetime.UTC), 43200),
        # Another zone's clock ends the UTC day, not its own.
        (
            datetime.datetime(
                2026, 3, 2, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
            ),
            1800,
        ),
    ],
)
def test_a_capped_vote_waits_for_the_end_of_the_utc_day(
    now: datetime.datetime, seconds: int
) -> None:
    assert votes.seconds_to_tomorrow(now) == seconds
