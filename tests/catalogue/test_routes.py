from __future__ import annotations

import threading
import time

import pytest
from flask.testing import FlaskClient

from tests.support.settings import restart_with

FIELDS = {"sku", "name", "description", "price", "instock", "categories"}


def test_products_lists_every_seed_product_without_internal_fields(client: FlaskClient) -> None:
    response = client.get("/products")
    assert response.status_code == 200
    products = response.get_json()
    assert len(products) == 11
    assert all(set(p) == FIELDS for p in products)
    assert {p["sku"] for p in products} >= {"Watson", "STAN-1", "CNA", "RMC"}


def test_product_by_sku(own_catalogue: str, client: FlaskClient) -> None:
    """As seeded (a catalogue of its own: the session's shops restock RMC)."""
    response = client.get("/product/RMC")
    assert response.status_code == 200
    assert response.get_json() == {
        "sku": "RMC",
        "name": "Robotic Mining Cyborg",
        "description": response.get_json()["description"],
        "price": 42,
        "instock": 48,
        "categories": ["Robot"],
    }


def test_unknown_sku_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/product/NOPE")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert "NOPE" in response.get_json()["message"]


def test_category_is_sorted_by_name(client: FlaskClient) -> None:
    names = [p["name"] for p in client.get("/products/Artificial Intelligence").get_json()]
    assert names == ["Ewooid", "Stan", "Watson"]
    robots = [p["name"] for p in client.get("/products/Robot").get_json()]
    assert robots == sorted(robots)
    assert len(robots) == 9


def test_unknown_category_is_an_empty_list(client: FlaskClient) -> None:
    response = client.get("/products/Toasters")
    assert response.status_code == 200
    assert response.get_json() == []


def test_categories_are_distinct_and_sorted(client: FlaskClient) -> None:
    assert client.get("/categories").get_json() == ["Artificial Intelligence", "Robot"]


def test_search_finds_words_in_name_and_description(client: FlaskClient) -> None:
    assert [p["sku"] for p in client.get("/search/mining").get_json()] == ["RMC"]
    assert "EMM" in [p["sku"] for p in client.get("/search/doctor").get_json()]


def test_search_ranks_the_best_match_first(client: FlaskClient) -> None:
    # "Stan" is both the name and twice in the description of STAN-1, once elsewhere at most.
    hits = client.get("/search/stan").get_json()
    assert hits[0]["sku"] == "STAN-1"
    assert all(set(hit) == FIELDS for hit in hits)


def test_search_with_several_words_matches_any_of_them(client: FlaskClient) -> None:
    skus = {p["sku"] for p in client.get("/search/mining medical").get_json()}
    assert skus == {"RMC", "EMM"}


def test_a_product_matching_more_of_the_words_ranks_higher(client: FlaskClient) -> None:
    alone = [p["sku"] for p in client.get("/search/mining").get_json()]
    both = [p["sku"] for p in client.get("/search/medical, cyborg MINING!").get_json()]
    assert alone == ["RMC"]
    assert both[0] == "RMC"  # "Robotic Mining Cyborg": two of the words
    assert "EMM" in both


def test_search_of_punctuation_only_finds_nothing(client: FlaskClient) -> None:
    response = client.get("/search/!!!")
    assert (response.status_code, response.get_json()) == (200, [])


def test_search_of_too_many_words_is_400(client: FlaskClient) -> None:
    response = client.get("/search/" + " ".join(f"w{n}" for n in range(9)))
    assert response.status_code == 400
    assert "more than 8 words" in response.get_json()["message"]


def test_search_without_hits_is_an_empty_list(client: FlaskClient) -> None:
    response = client.get("/search/zeppelin")
    assert response.status_code == 200
    assert response.get_json() == []


def test_search_text_too_long_is_400(client: FlaskClient) -> None:
    response = client.get("/search/" + "x" * 101)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


@pytest.mark.parametrize("text", ["%00", "robot%00", "a%0Db", "%1B%5B31m", "x%7F"])
def test_search_text_with_control_characters_is_400(client: FlaskClient, text: str) -> None:
    response = client.get(f"/search/{text}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_blank_search_is_400(client: FlaskClient) -> None:
    response = client.get("/search/%20%20")
    assert response.status_code == 400


def test_lists_carry_an_etag_and_answer_304_to_it(client: FlaskClient) -> None:
    first = client.get("/products")
    etag = first.headers["ETag"]
    again = client.get("/products", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get("/products", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200


def test_go_slow_delays_product_reads(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        # Only the test client's requests (this thread): the MongoDB driver's monitor
        # threads sleep too, and would spin and fill the list if they didn't really sleep.
        if threading.current_thread() is threading.main_thread():
            slept.append(seconds)
        else:
            real_sleep(seconds)

    monkeypatch.setattr("time.sleep", sleep)
    restart_with(monkeypatch, CATALOGUE_DELAY_MS="250")
    assert client.get("/product/RMC").status_code == 200
    assert slept == [0.25]
    restart_with(monkeypatch, CATALOGUE_DELAY_MS="0")
    client.get("/product/RMC")
    assert slept == [0.25]


def test_metrics_count_requests_per_route_and_status(client: FlaskClient) -> None:
    client.get("/product/NOPE")
    text = client.get("/metrics").get_data(as_text=True)
    assert (
        'http_requests_total{function="catalogue",method="GET",route="/product/<sku>",status="404"}'
    ) in text
    assert "http_request_duration_seconds_bucket" in text
