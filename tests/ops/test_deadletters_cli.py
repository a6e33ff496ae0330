"""`python -m scripts.ops.deadletters` against a served deadletters function, and through a
gateway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3

from deadletters import store
from kit import events
from scripts.ops import deadletters as cli
from scripts.stack.shop import Stack
from tests.support.settings import restart_with
from tests.support.stub import Reply, Stub, stub_server


@pytest.fixture
def consumer() -> Iterator[Stub]:
    with stub_server(lambda seen: Reply(204)) as stub:
        yield stub


@pytest.fixture
def sink(
    mongo_url: str, consumer: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    store.letters().delete_many({})
    with Stack({}, tmp_path, {"mongodb": mongo_url, "cart": consumer.url}) as shop:
        url = shop.start(["deadletters"]).urls["deadletters"]
        restart_with(monkeypatch, DEADLETTERS_URL=url)
        yield url


def order(orderid: str) -> object:
    return events.signed(
        events.make_event("com.roboshop.order.placed", "/tests", {"orderid": orderid}, orderid)
    )


def park(sink: str, consumer: Stub, event: object) -> str:
    headers, body = events.to_binary(event)
    headers["ce-knativeerrordest"] = f"{consumer.url}/events/order-placed"
    headers["ce-knativeerrorcode"] = "503"
    answer = urllib3.request("POST", f"{sink}/events/dead-letter", body=body, headers=headers)
    assert answer.status == 202
    return str(answer.json()["id"])


def test_list_replay_and_discard(
    sink: str, consumer: Stub, capsys: pytest.CaptureFixture[str]
) -> None:
    event = order("o")
    first = park(sink, consumer, event)
    assert park(sink, consumer, event) == first  # the same event, the same consumer: one letter
    park(sink, consumer, order("p"))

    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert f"{first}  parked    cart /events/order-placed" in out
    assert out.endswith("2 dead letter(s)\n")

    assert cli.main(["replay", first]) == 0
    assert capsys.readouterr().out == f"{first}: 200 replayed\n"
    assert [s.path for s in consumer.seen] == ["/events/order-placed"]
    assert cli.main(["replay", first]) == 1  # already replayed: 409
    assert "409" in capsys.readouterr().out

    assert cli.main(["replay", "--all"]) == 0
    assert len(consumer.seen) == 2
    assert cli.main(["list"]) == 0
    assert capsys.readouterr().out.endswith("0 dead letter(s)\n")
    cli.main(["list", "--all"])
    assert capsys.readouterr().out.count(" replayed ") == 2

    assert cli.main(["discard", first]) == 0
    assert cli.main(["show", first]) == 1


def test_a_gateway_is_reached_with_the_functions_cluster_host(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with stub_server(lambda seen: Reply(200, [])) as gateway:
        port = gateway.url.rsplit(":", 1)[1]
        assert cli.main(["--gateway", f"127.0.0.1:{port}", "--namespace", "shop", "list"]) == 0
        (seen,) = gateway.seen
    assert seen.headers["Host"] == "deadletters.shop.svc.cluster.local"
    assert seen.path == "/dead-letters?status=parked&limit=1000"


def test_replay_without_ids_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        cli.main(["replay"])


def test_invoke_goes_through_the_gateway_the_same_way() -> None:
    from scripts.ops import invoke

    with stub_server(lambda seen: Reply(200, {"ok": True})) as gateway:
        assert invoke.main(["--gateway", gateway.url, "catalogue", "/products"]) == 0
        (seen,) = gateway.seen
    assert seen.headers["Host"] == "catalogue.roboshop.svc.cluster.local"
    assert seen.path == "/products"
