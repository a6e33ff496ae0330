from __future__ import annotations

import json

import pytest

from scripts.ops import invoke
from tests.support.settings import restart_with
from tests.support.stub import Reply, stub_server


def test_plain_get_prints_status_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    with stub_server(lambda seen: Reply(200, {"sku": "RMC"})) as stub:
        assert invoke.main([stub.url, "/product/RMC"]) == 0
        assert stub.seen[0].method == "GET"
        assert stub.seen[0].path == "/product/RMC"
    out = capsys.readouterr().out
    assert out.startswith("200 OK  GET ")
    assert '"sku": "RMC"' in out


def test_data_makes_a_json_post(capsys: pytest.CaptureFixture[str]) -> None:
    with stub_server(lambda seen: Reply(400, {"error": "bad_request"})) as stub:
        assert invoke.main([stub.url, "/shipping/a", "-d", '{"cost": 5}']) == 1
        seen = stub.seen[0]
    assert seen.method == "POST"
    assert json.loads(seen.body) == {"cost": 5}
    assert seen.headers["Content-Type"] == "application/json"


def test_event_is_sent_in_binary_mode() -> None:
    with stub_server(lambda seen: Reply(202)) as stub:
        argv = [
            stub.url,
            "/events/order-placed",
            "--event",
            "com.roboshop.order.placed",
            "--source",
            "/roboshop/payment",
            "--id",
            "order-1",
            "--subject",
            "order-1",
            "-d",
            '{"orderid": "order-1"}',
        ]
        assert invoke.main(argv) == 0
        seen = stub.seen[0]
    assert seen.method == "POST"
    assert seen.headers["ce-type"] == "com.roboshop.order.placed"
    assert seen.headers["ce-source"] == "/roboshop/payment"
    assert seen.headers["ce-id"] == "order-1"
    assert seen.headers["ce-subject"] == "order-1"
    assert seen.headers["ce-specversion"] == "1.0"
    assert json.loads(seen.body) == {"orderid": "order-1"}


def test_function_names_resolve_to_their_url(monkeypatch: pytest.MonkeyPatch) -> None:
    with stub_server(lambda seen: Reply(200, [])) as stub:
        restart_with(monkeypatch, CATALOGUE_URL=stub.url)
        assert invoke.main(["catalogue", "categories"]) == 0
        assert stub.seen[0].path == "/categories"


def test_unknown_function_and_bad_json_are_refused() -> None:
    with pytest.raises(SystemExit, match="unknown function"):
        invoke.main(["toaster", "/"])
    with pytest.raises(SystemExit, match="not valid JSON"):
        invoke.main(["http://127.0.0.1:9", "/", "-d", "{nope"])


def test_a_function_that_is_not_running_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    from scripts.stack.ports import free_port

    assert invoke.main([f"http://127.0.0.1:{free_port()}", "/health"]) == 2
    assert "is not answering" in capsys.readouterr().err
