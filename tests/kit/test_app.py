from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient


def test_unknown_path_is_json_404(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "no such path"}


def test_converter_mismatch_is_404(client: FlaskClient) -> None:
    assert client.get("/items/seven").status_code == 404
    assert client.get("/items/7").get_json() == {"number": 7}


def test_wrong_method_is_json_405_with_allow(client: FlaskClient) -> None:
    response = client.get("/echo")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"
    assert response.headers["Allow"] == "POST"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "malformed_json"),
        (b"", "bad_request"),
        (b"[1, 2]", "bad_request"),
        (b"\xff\xfe", "malformed_json"),
        (b'{"n": NaN}', "malformed_json"),
        (b'{"n": -Infinity}', "malformed_json"),
        (b'{"n": [1e309]}', "malformed_json"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "malformed_json"),
    ],
)
def test_bad_bodies_are_400(client: FlaskClient, body: bytes, error: str) -> None:
    response = client.post("/echo", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == error


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/x+json"]
)
def test_json_object_body_is_read(client: FlaskClient, content_type: str) -> None:
    response = client.post("/echo", data=json.dumps({"a": 1}), content_type=content_type)
    assert response.get_json() == {"a": 1}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
def test_a_body_not_sent_as_json_is_415(client: FlaskClient, content_type: str) -> None:
    """What a page on another site can post without the browser asking this origin first."""
    response = client.post("/echo", data=json.dumps({"a": 1}), content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"


@pytest.mark.parametrize("text", ["\\ud800", "a\\udfff", "\\udc00\\ud800"])
def test_a_lone_surrogate_is_400(client: FlaskClient, text: str) -> None:
    body = f'{{"name": "{text}", "nested": ["x"]}}'.encode()
    response = client.post("/echo", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed_json"


def test_a_surrogate_pair_is_the_character_it_spells(client: FlaskClient) -> None:
    body = b'{"name": "\\ud83e\\udd16"}'
    response = client.post("/echo", data=body, content_type="application/json")
    assert response.get_json() == {"name": "\U0001f916"}


def test_no_content_has_no_content_type(client: FlaskClient) -> None:
    response = client.post("/nothing")
    assert response.status_code == 204
    assert "Content-Type" not in response.headers


def test_api_error_keeps_status_and_words(client: FlaskClient) -> None:
    response = client.get("/teapot")
    assert response.status_code == 418
    assert response.get_json() == {"error": "teapot", "message": "I am a teapot"}


def test_unexpected_error_is_json_500_without_details(client: FlaskClient) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal", "message": "an unexpected error occurred"}
    assert b"secret" not in response.data


def test_store_that_cannot_connect_is_503_with_retry_after(client: FlaskClient) -> None:
    response = client.get("/store")
    assert response.status_code == 503
    assert response.get_json()["error"] == "unavailable"
    assert "down" in response.get_json()["message"]
    assert int(response.headers["Retry-After"]) >= 1


def test_driver_error_mid_request_is_503(client: FlaskClient) -> None:
    response = client.get("/flaky")
    assert response.status_code == 503
    assert "flaky" in response.get_json()["message"]


def test_request_id_is_kept_or_made(client: FlaskClient) -> None:
    given = client.get("/items/1", headers={"X-Request-Id": "abc-123"})
    assert given.headers["X-Request-Id"] == "abc-123"
    made = client.get("/items/1")
    assert len(made.headers["X-Request-Id"]) == 32
    hostile = client.get("/items/1", headers={"X-Request-Id": 'a b"{}'})
    assert hostile.headers["X-Request-Id"] != 'a b"{}'


def test_health_reports_each_dependency_and_fails_when_one_is_down(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["dependencies"]["up"] == "up"
    assert body["dependencies"]["down"] != "up"


def test_metrics_are_prometheus_text(client: FlaskClient) -> None:
    client.get("/items/3")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    assert (
        'http_requests_total{function="sample",method="GET",route="/items/<int:number>",'
        'status="200"}'
    ) in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/items/7%0A", "/line%0Abreak", "/robots.txt", "/favicon.ico"])
def test_paths_the_framework_refuses_are_json_404(client: FlaskClient, path: str) -> None:
    # functions-framework routes every path to the function except these (its catch-all
    # rule can't match a newline); they must not fall back to Flask's HTML page.
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "no such path"}


def test_work_alongside_starts_in_order_stops_in_reverse_and_a_rebuilt_app_replaces_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kit import FunctionApp, _app

    monkeypatch.setattr(_app, "_alongside", {})
    seen: list[str] = []
    first, second = FunctionApp("first"), FunctionApp("second")
    first.alongside(lambda: seen.append("start first"), lambda: seen.append("stop first"))
    second.alongside(lambda: seen.append("start second"), lambda: seen.append("stop second"))
    FunctionApp("first").alongside(lambda: seen.append("start again"), lambda: None)
    _app.start_alongside()
    _app.stop_alongside()
    assert seen == ["start again", "start second", "stop second"]
