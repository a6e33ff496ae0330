"""Search as a shopper types it: stemmed words in name, description and categories, best
match first, answered from the in-memory index, whichever MongoDB-wire server holds the store."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from catalogue import search, search_index, store

ROBOTS = {"HPTD", "UHJ", "EPE", "EMM", "SHCE", "RED", "RMC", "STAN-1", "CNA"}


def skus(client: FlaskClient, text: str) -> list[str]:
    response = client.get(f"/search/{text}")
    assert response.status_code == 200, response.get_json()
    return [product["sku"] for product in response.get_json()]


@pytest.mark.parametrize("text", ["robot", "robots", "Robot", "ROBOTS"])
def test_every_form_of_robot_finds_every_robot_of_the_robot_category(
    client: FlaskClient, text: str
) -> None:
    assert set(skus(client, text)) >= ROBOTS


def test_medical_robot_ranks_the_medical_machine_first(client: FlaskClient) -> None:
    assert skus(client, "medical robot")[0] == "EMM"
    assert skus(client, "medical%20robots")[0] == "EMM"


def test_words_are_stemmed_in_the_description(client: FlaskClient) -> None:
    assert "STAN-1" in skus(client, "wheel")  # "small wheels"
    assert "HPTD" in skus(client, "language")  # "forty languages"
    assert "UHJ" in skus(client, "harvest")  # "Harvesting" in the name


def test_a_category_word_finds_the_category(client: FlaskClient) -> None:
    assert set(skus(client, "intelligence")) == {"Watson", "Ewooid", "STAN-1"}


def test_a_word_in_the_name_outranks_the_same_word_in_a_description(
    client: FlaskClient,
) -> None:
    # "Stan" names STAN-1; "probe" names EPE and is only EPE's description elsewhere.
    assert skus(client, "stan")[0] == "STAN-1"
    assert skus(client, "probe")[0] == "EPE"


def test_accents_and_case_do_not_matter(client: FlaskClient) -> None:
    assert skus(client, "M%C3%89DICAL")[0] == "EMM"  # "MÉDICAL"


@pytest.mark.parametrize("text", ["NOT", "AND robot", "NEAR", "robot*", "name:robot", "^robot"])
def test_query_syntax_is_taken_as_words(client: FlaskClient, text: str) -> None:
    response = client.get(f"/search/{text}")
    assert response.status_code == 200
    assert all(isinstance(hit["sku"], str) for hit in response.get_json())


def test_syntax_words_are_searched_as_the_words_they_are(client: FlaskClient) -> None:
    assert skus(client, "NEAR") == []
    assert "RED" in skus(client, "NOT")  # "listening, not angry"


@pytest.fixture
def extra_product() -> Iterator[str]:
    sku = "TEST-ZEPPELIN"
    store.collection().insert_one(
        {
            "sku": sku,
            "name": "Zeppelin Lifter",
            "description": "Floats crates up to the loft.",
            "price": 10,
            "instock": 1,
            "categories": ["Robot"],
        }
    )
    yield sku
    store.collection().delete_one({"sku": sku})


def test_only_the_first_8_runs_of_letters_are_searched_in_one_word() -> None:
    assert search.words_of("a.b.c.d.e.f.g.h.i Robot") == list("abcdefgh")


def test_the_index_follows_the_store_when_the_copy_refreshes(
    client: FlaskClient, extra_product: str
) -> None:
    assert skus(client, "zeppelins") == [extra_product]
    store.collection().delete_one({"sku": extra_product})
    assert skus(client, "zeppelins") == []


def test_one_index_is_built_per_version_of_the_products() -> None:
    products = [{"sku": "A", "name": "Alpha Robot", "description": "", "categories": []}]
    first = search_index.for_version("v1", products)
    assert search_index.for_version("v1", products) is first
    again = search_index.for_version("v2", [*products, {"sku": "B", "name": "Beta robots"}])
    assert again is not first
    assert again.ranked(["robot"], 10) == (["A", "B"], 2)


def test_ten_thousand_products_rank_the_named_ones_first() -> None:
    rng = random.Random(23)
    words = ["droid", "cyborg", "android", "machine", "unit", "helper", "probe"]
    products = [
        {
            "sku": f"GEN-{n:05d}",
            "name": f"{rng.choice(words).title()} {n}",
            "description": " ".join(rng.choice(words) for _ in range(12)) + " robot",
            "categories": ["Robot"] if n % 2 else ["Helper"],
        }
        for n in range(10_000)
    ]
    products[7_777]["name"] = "Robotic Gardener"
    index = search_index.SearchIndex(products)
    ranked, total = index.ranked(["robots", "gardening"], 1000)
    assert (ranked[0], len(ranked), total) == ("GEN-07777", 1000, 10_000)
    # Named in the category beats only mentioned in the description.
    assert all(int(sku.removeprefix("GEN-")) % 2 == 1 for sku in ranked[1:])
    last, _ = index.ranked(["robots", "gardening"], 5, offset=9_998)
    assert len(last) == 2 and not set(last) & set(ranked)


def test_search_answers_one_page_and_counts_every_match(client: FlaskClient) -> None:
    every = client.get("/search/robot")
    assert every.headers["X-Total-Count"] == str(len(every.get_json()))
    assert "Link" not in every.headers
    first = client.get("/search/robot?limit=2")
    assert first.headers["X-Total-Count"] == every.headers["X-Total-Count"]
    assert [p["sku"] for p in first.get_json()] == [p["sku"] for p in every.get_json()[:2]]
    assert first.headers["Link"] == '<?limit=2&offset=2>; rel="next"'
    second = client.get("/search/robot?limit=2&offset=2").get_json()
    assert [p["sku"] for p in second] == [p["sku"] for p in every.get_json()[2:4]]


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x", "offset=-1"])
def test_bad_paging_of_a_search_is_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"/search/robot?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
