"""The rating mean, over generated sequences of votes on the real MySQL: it is always the
mean of each shopper's latest score (clamped to 1..5), and counts each shopper once."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

votes = st.lists(
    st.tuples(
        st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]), st.integers(-3, 9)
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(votes)
def test_the_mean_is_that_of_every_shoppers_latest_vote(
    client: FlaskClient, cast: list[tuple[str, int]]
) -> None:
    sku = f"robot-{uuid.uuid4().hex[:10]}"
    latest: dict[str, int] = {}
    for address, score in cast:
        answer = client.put(f"/api/rate/{sku}/{score}", headers={"X-Real-IP": address})
        assert answer.status_code == 200, answer.get_json()
        latest[address] = max(1, min(5, score))
    found = client.get(f"/api/fetch/{sku}").get_json()
    assert found["rating_count"] == len(latest)
    assert abs(found["avg_rating"] - sum(latest.values()) / len(latest)) < 1e-9
