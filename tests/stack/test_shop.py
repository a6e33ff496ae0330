"""The local shop's library (scripts/stack/shop.py): its one start order, the addresses it
plans, what each process is started with, and one process stopped, killed and restarted."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import urllib3
import yaml

from scripts.stack import processes
from scripts.stack.broker.triggers import MANIFESTS
from scripts.stack.processes import ROOT, StackError
from scripts.stack.shop import DATA, FUNCTIONS, ORDER, Stack, func_yaml_envs, port_of

pytestmark = pytest.mark.served

VARIABLES = {
    "MONGO_URL": "mongodb",
    "REDIS_URL": "redis",
    "MYSQL_HOST": "mysql",
    "AMQP_URL": "rabbitmq",
    "K_SINK": "broker",
    **{f"{name.upper()}_URL": name for name in FUNCTIONS},
}


def calls() -> set[tuple[str, str]]:
    """(caller, called): each function's addresses in its func.yaml, and the broker's
    subscribers and dead-letter sinks in the Triggers."""
    found = set()
    for function in FUNCTIONS:
        for variable in func_yaml_envs(function, {}):
            if variable in VARIABLES:
                found.add((function, VARIABLES[variable]))
    for document in yaml.safe_load_all((MANIFESTS / "triggers.yaml").read_text()):
        if document and document["kind"] == "Trigger":
            spec = document["spec"]
            found.add(("broker", spec["subscriber"]["ref"]["name"]))
            found.add(("broker", spec["delivery"]["deadLetterSink"]["ref"]["name"]))
    return found


def test_each_process_starts_after_what_it_calls_but_for_the_two_called_both_ways() -> None:
    later = {
        (caller, called) for caller, called in calls() if ORDER.index(called) > ORDER.index(caller)
    }
    assert ("cart", "catalogue") in calls() and ("broker", "cart") in calls()
    assert later == {
        ("catalogue", "deadletters"),
        ("cart", "deadletters"),
        ("user", "deadletters"),
        ("dispatch", "deadletters"),
        ("broker", "deadletters"),
        ("broker", "payment"),
        ("payment", "deadletters"),
    }


def test_the_order_names_every_function_once_the_data_servers_first() -> None:
    folders = {path.parent.name for path in (ROOT / "functions").glob("*/main.py")}
    assert set(FUNCTIONS) == folders
    assert len(ORDER) == len(set(ORDER))
    assert ORDER[: len(DATA)] == DATA
    assert ORDER[-2:] == ("nginx", "prometheus")


def test_every_address_not_given_is_a_free_port_of_its_own(tmp_path: Path) -> None:
    given = "http://127.0.0.1:1234"
    stack = Stack({}, tmp_path, {"cart": given})
    assert stack.urls["cart"] == given
    planned = [port_of(url) for name, url in stack.urls.items() if name != "cart"]
    assert len(planned) == len(ORDER) - len(DATA) - 1 == len(set(planned))
    assert not any(processes.port_open(port) for port in planned)
    assert not set(DATA) & set(stack.urls)  # the environment's, unless started


def test_an_address_in_the_environment_is_refused_for_urls(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="CATALOGUE_URL, MYSQL_PORT"):
        Stack({"MYSQL_PORT": "3307", "CATALOGUE_URL": "http://x:1", "LOG_LEVEL": "info"}, tmp_path)


def test_a_function_gets_the_addresses_its_func_yaml_and_its_overrides_last(
    tmp_path: Path,
) -> None:
    urls = {"redis": "redis://127.0.0.1:7000/0", "mysql": "mysql://127.0.0.1:3307"}
    overrides = {"cart": {"LOG_LEVEL": "debug"}}
    stack = Stack({"LOG_LEVEL": "info", "SESSION_SECRET": "s" * 40}, tmp_path, urls, overrides)
    cart = stack.environ_of("cart")
    assert cart["CATALOGUE_URL"] == stack.urls["catalogue"]
    assert cart["DEADLETTERS_URL"] == stack.urls["deadletters"]
    assert cart["REDIS_URL"] == urls["redis"]
    assert cart["SESSION_SECRET"] == "s" * 40
    assert cart["LOG_LEVEL"] == "debug"
    assert stack.environ_of("user")["LOG_LEVEL"] == "info"
    ratings = stack.environ_of("ratings")
    assert (ratings["MYSQL_HOST"], ratings["MYSQL_PORT"]) == ("127.0.0.1", "3307")


def test_the_broker_alone_delivers_where_the_hook_says(tmp_path: Path) -> None:
    stack = Stack({}, tmp_path)
    stack.deliver = lambda name, url: f"http://proxy/{name}" if name == "cart" else url
    broker = stack.environ_of("broker")
    assert broker["CART_URL"] == "http://proxy/cart"
    assert broker["USER_URL"] == stack.urls["user"]
    assert stack.environ_of("shipping")["CART_URL"] == stack.urls["cart"]


def test_pinning_puts_the_functions_and_nginx_on_the_cpus_not_the_broker(tmp_path: Path) -> None:
    stack = Stack({}, tmp_path, pin="0")
    assert stack.process("cart").argv[:3] == ["taskset", "-c", "0"]
    assert stack.process("nginx").argv[:3] == ["taskset", "-c", "0"]
    assert stack.process("broker").argv[0] != "taskset"
    assert Stack({}, tmp_path).process("cart").argv[0] != "taskset"


def test_another_process_of_a_function_has_its_own_port_and_log(tmp_path: Path) -> None:
    stack = Stack({}, tmp_path)
    assert stack.process("cart").log == tmp_path / "logs" / "cart.log"
    other = stack.process("cart", 4321, {"LOG_LEVEL": "debug"})
    assert other.log == tmp_path / "logs" / "cart-4321.log"
    assert other.env["PORT"] == "4321" and other.env["LOG_LEVEL"] == "debug"


def test_an_unknown_process_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="no such process: cart2"):
        Stack({}, tmp_path).start(["cart2"])


def health(url: str) -> int:
    return urllib3.request("GET", f"{url}/health/live", timeout=5, retries=False).status


def test_one_process_is_stopped_killed_and_restarted_on_its_port(
    tmp_path: Path, mongo_url: str
) -> None:
    with Stack({}, tmp_path, {"mongodb": mongo_url}) as stack:
        url = stack.start(["catalogue"]).urls["catalogue"]
        assert set(stack.served) == {"catalogue"}
        assert health(url) == 200
        stack.kill("catalogue")
        assert not stack.processes["catalogue"].running()
        stack.restart("catalogue")
        assert health(url) == 200
        stack.stop("catalogue")
        assert not processes.port_open(port_of(url))
        stack.restart("catalogue")
        assert health(url) == 200
    assert not processes.port_open(port_of(url))


def test_a_taken_port_is_refused_and_a_listening_data_server_reused(
    tmp_path: Path, mongo_url: str, redis_url: str
) -> None:
    said: list[str] = []
    with Stack({}, tmp_path / "first", {"mongodb": mongo_url}) as first:
        first.start(["catalogue"])
        urls = {"catalogue": first.urls["catalogue"], "redis": redis_url}
        second = Stack({}, tmp_path / "second", urls, say=said.append)
        second.start(["redis"])
        assert said == [f"redis: reusing the server listening on port {urlsplit(redis_url).port}"]
        assert second.processes == {}
        with pytest.raises(StackError, match="for catalogue is taken"):
            second.start(["catalogue"])
