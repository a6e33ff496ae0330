"""Session-wide fixtures: a private MongoDB-wire server and an isolated data namespace.

Every database, key prefix and exchange a test session makes is named with
DATA_NAMESPACE, set here before any function is loaded, and dropped at the end,
so the machine's shared Redis, MariaDB and RabbitMQ only ever see our own data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

NAMESPACE = f"t{uuid.uuid4().hex[:8]}_"
os.environ["DATA_NAMESPACE"] = NAMESPACE
os.environ.setdefault("LOG_LEVEL", "warning")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("MYSQL_HOST", "127.0.0.1")
os.environ.setdefault("MYSQL_PORT", "3306")
os.environ.setdefault("MYSQL_USER", "root")
# Sessions and signed events need one; the suites that test it set their own.
os.environ.setdefault("SESSION_SECRET", "test-session-secret-" + "x" * 32)

from scripts.stack.shop import SHOP, Stack  # noqa: E402
from tests.support import deadletters  # noqa: E402
from tests.support.mysql import FunctionDatabase, seeded_database  # noqa: E402
from tests.support.settings import reload as reload_settings  # noqa: E402
from tests.support.stack import Stores  # noqa: E402

pytest_plugins = ["tests.support.tiers"]


@pytest.fixture(autouse=True)
def settings_as_the_environment_says() -> Iterator[None]:
    """After each test (and its monkeypatch's undoing), the settings are read again, so no
    test sees another's: set up before any test's own fixtures, so torn down after them."""
    yield
    reload_settings()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the `app` that the function's own conftest makes."""
    return app.test_client()


@pytest.fixture(scope="module")
def catalogue_url(mongo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real catalogue function, served on a free port from the seeded store."""
    from scripts.jobs.seed import catalogue as seed_catalogue

    seed_catalogue.seed()
    with Stack({}, tmp_path_factory.mktemp("catalogue"), {"mongodb": mongo_url}) as shop:
        yield shop.start(["catalogue"]).urls["catalogue"]


@pytest.fixture(scope="session")
def namespace() -> str:
    return NAMESPACE


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB-wire server of this session's own; its databases go with it."""
    import pymongo

    from tests.support.tiers import shared_server

    with Stack({}, tmp_path_factory.mktemp("mongodb")) as server:
        with shared_server():
            url = server.start(["mongodb"]).urls["mongodb"]
        os.environ["MONGO_URL"] = url
        reload_settings()
        yield url
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(url)
        for name in client.list_database_names():
            if name.startswith(NAMESPACE):
                client.drop_database(name)
        client.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The machine's Redis; every key this session wrote (under the namespace) is deleted."""
    import redis

    url = os.environ["REDIS_URL"]
    yield url
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{NAMESPACE}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def mysql_settings() -> Iterator[dict[str, Any]]:
    """The machine's MariaDB; every database and user named with the namespace is dropped."""
    import pymysql

    settings: dict[str, Any] = {
        "host": os.environ["MYSQL_HOST"],
        "port": int(os.environ["MYSQL_PORT"]),
        "user": os.environ["MYSQL_USER"],
        "password": os.environ.get("MYSQL_PASSWORD", ""),
    }
    yield settings
    from scripts.jobs.seed import _mysql

    conn = pymysql.connect(**settings)
    _mysql.drop_namespace(conn, NAMESPACE)
    conn.close()


@pytest.fixture(scope="session")
def shipping_database(mysql_settings: dict[str, Any]) -> Iterator[FunctionDatabase]:
    """shipping's cities, the full GeoNames load (about 8 s, so once a session)."""
    from scripts.jobs.seed import cities

    with seeded_database("shipping", cities.seed) as database:
        yield database


@pytest.fixture(scope="session")
def ratings_database(mysql_settings: dict[str, Any]) -> Iterator[FunctionDatabase]:
    """ratings' tables, empty: shoppers' votes are all it holds."""
    from scripts.jobs.seed import ratings

    with seeded_database("ratings", ratings.seed) as database:
        yield database


@pytest.fixture(scope="session")
def amqp_url(namespace: str) -> Iterator[str]:
    """A vhost of this session's own on the machine's RabbitMQ, deleted with all it holds."""
    from scripts.stack.processes import vhost

    with vhost(f"{namespace}broker") as url:
        yield url


@pytest.fixture(scope="session")
def stack_amqp_url(namespace: str) -> Iterator[str]:
    """A vhost of the whole-shop stack's own: its broker lives for the whole session, and
    must not take events from the queues of the broker and event suites' brokers."""
    from scripts.stack.processes import vhost

    with vhost(f"{namespace}stack") as url:
        yield url


@pytest.fixture(scope="session")
def stores(
    mongo_url: str,
    redis_url: str,
    shipping_database: FunctionDatabase,
    mysql_settings: dict[str, Any],
    namespace: str,
) -> Stores:
    return Stores(mongo_url, redis_url, mysql_settings, namespace)


@pytest.fixture(scope="session")
def stack(
    stores: Stores, stack_amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The whole shop behind nginx, once per test session, started by the first suite that
    asks: what a shopper or an outsider reaches (storefront, origin, contract, fuzz, chaos,
    load), and the functions the events suite's brokers deliver to."""
    env = stores.env()
    # The chaos switches' file (tests/chaos flips them): absent, every scenario is off.
    env["FLAGS_FILE"] = str(tmp_path_factory.mktemp("flags") / "flags.json")
    stores.seed()
    with Stack(env, tmp_path_factory.mktemp("stack"), stores.urls(stack_amqp_url)) as shop:
        yield shop.start(SHOP)


@pytest.fixture
def dead_letter_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[deadletters.DeadLetterSink]:
    """The deadletters function, stubbed: where a consumer keeps the events it refuses."""
    with deadletters.dead_letter_sink(monkeypatch) as running:
        yield running
