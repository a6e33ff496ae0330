"""Store clients, one per process and address, created on first use.

Each factory imports its driver lazily, so a function only pays at start-up
for the stores it really uses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from kit._deps import Dependency
from kit.settings import About, Settings

if TYPE_CHECKING:
    import pymongo
    import redis as redis_lib

    from kit._mysql import MySQLPool

T = TypeVar("T")

_STORE_TIMEOUT = About("how long a store may take before the answer is 503", minimum=1)


@dataclass(frozen=True)
class MongoSettings(Settings):
    read_at_start = False

    mongo_url: Annotated[str, About("MongoDB", schemes=("mongodb", "mongodb+srv"))] = (
        "mongodb://127.0.0.1:27017"
    )
    mongo_timeout_ms: Annotated[int, _STORE_TIMEOUT] = 2000
    k_service: Annotated[
        str,
        About(
            "the client's name in MongoDB's logs",
            shown="`roboshop`; in Knative, the service's name",
        ),
    ] = "roboshop"


@dataclass(frozen=True)
class RedisSettings(Settings):
    read_at_start = False

    redis_url: Annotated[str, About("Redis", schemes=("redis", "rediss", "unix"))] = (
        "redis://127.0.0.1:6379/0"
    )
    redis_timeout_ms: Annotated[int, _STORE_TIMEOUT] = 2000


@dataclass(frozen=True)
class MySQLSettings(Settings):
    read_at_start = False

    mysql_host: Annotated[str, About("MySQL (MariaDB)")] = "127.0.0.1"
    mysql_port: Annotated[int, About("its port", minimum=1, maximum=65535)] = 3306
    mysql_user: Annotated[
        str, About("the function's own user (seeding makes `shipping` and `ratings`)")
    ] = "root"
    mysql_password: Annotated[str, About("that user's password (a Secret in Knative)")] = ""
    mysql_pool_size: Annotated[int, About("connections kept open per process", minimum=1)] = 8


_registry: dict[tuple[str, str], Dependency[Any]] = {}
_registry_lock = threading.Lock()


def _dependency(key: tuple[str, str], build: Callable[[], Dependency[T]]) -> Dependency[T]:
    found = _registry.get(key)
    if found is None:
        with _registry_lock:
            found = _registry.setdefault(key, build())
    return found


def mongo() -> Dependency[pymongo.MongoClient[dict[str, Any]]]:
    """The MongoDB client for MONGO_URL."""
    settings = MongoSettings.current()
    url = settings.mongo_url

    def build() -> Dependency[pymongo.MongoClient[dict[str, Any]]]:
        import pymongo
        import pymongo.errors

        timeout_ms = settings.mongo_timeout_ms

        def connect() -> pymongo.MongoClient[dict[str, Any]]:
            return pymongo.MongoClient(
                url,
                serverSelectionTimeoutMS=timeout_ms,
                connectTimeoutMS=timeout_ms,
                socketTimeoutMS=timeout_ms * 3,
                appname=settings.k_service,
            )

        return Dependency(
            "mongodb",
            connect,
            lambda client: client.admin.command("ping"),
            (pymongo.errors.ConnectionFailure,),
        )

    return _dependency(("mongodb", url), build)


def redis() -> Dependency[redis_lib.Redis]:
    """The Redis client for REDIS_URL (answers decoded to str)."""
    settings = RedisSettings.current()
    url = settings.redis_url

    def build() -> Dependency[redis_lib.Redis]:
        import redis as redis_lib

        timeout = settings.redis_timeout_ms / 1000

        def connect() -> redis_lib.Redis:
            return redis_lib.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                health_check_interval=30,
                decode_responses=True,
            )

        return Dependency(
            "redis",
            connect,
            lambda client: client.ping(),
            (redis_lib.ConnectionError, redis_lib.TimeoutError),
        )

    return _dependency(("redis", url), build)


def mysql(database: str) -> Dependency[MySQLPool]:
    """A pool of connections to one MySQL database, as MYSQL_* configure it."""
    configured = MySQLSettings.current()
    settings = {
        "host": configured.mysql_host,
        "port": configured.mysql_port,
        "user": configured.mysql_user,
        "password": configured.mysql_password,
        "database": database,
    }
    key = ("mysql", "{user}@{host}:{port}/{database}".format(**settings))

    def build() -> Dependency[MySQLPool]:
        import pymysql

        from kit._mysql import MySQLPool

        pool = MySQLPool(settings, size=configured.mysql_pool_size)
        return Dependency(
            "mysql",
            lambda: pool,
            lambda p: p.ping(),
            (pymysql.err.OperationalError, pymysql.err.InterfaceError),
        )

    return _dependency(key, build)
