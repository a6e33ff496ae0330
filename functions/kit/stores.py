"""Store clients, one per process and address, created on first use.

Each factory imports its driver lazily, so a function only pays at start-up
for the stores it really uses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kit._config import env, env_int
from kit._deps import Dependency

if TYPE_CHECKING:
    import pymongo
    import redis as redis_lib

    from kit._mysql import MySQLPool

T = TypeVar("T")

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
    url = env("MONGO_URL", "mongodb://127.0.0.1:27017")

    def build() -> Dependency[pymongo.MongoClient[dict[str, Any]]]:
        import pymongo
        import pymongo.errors

        timeout_ms = env_int("MONGO_TIMEOUT_MS", 2000)

        def connect() -> pymongo.MongoClient[dict[str, Any]]:
            return pymongo.MongoClient(
                url,
                serverSelectionTimeoutMS=timeout_ms,
                connectTimeoutMS=timeout_ms,
                socketTimeoutMS=timeout_ms * 3,
                appname=env("K_SERVICE", "roboshop"),
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
    url = env("REDIS_URL", "redis://127.0.0.1:6379/0")

    def build() -> Dependency[redis_lib.Redis]:
        import redis as redis_lib

        timeout = env_int("REDIS_TIMEOUT_MS", 2000) / 1000

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
    settings = {
        "host": env("MYSQL_HOST", "127.0.0.1"),
        "port": env_int("MYSQL_PORT", 3306),
        "user": env("MYSQL_USER", "root"),
        "password": env("MYSQL_PASSWORD", ""),
        "database": database,
    }
    key = ("mysql", "{user}@{host}:{port}/{database}".format(**settings))

    def build() -> Dependency[MySQLPool]:
        import pymysql

        from kit._mysql import MySQLPool

        pool = MySQLPool(settings, size=env_int("MYSQL_POOL_SIZE", 8))
        return Dependency(
            "mysql",
            lambda: pool,
            lambda p: p.ping(),
            (pymysql.err.OperationalError, pymysql.err.InterfaceError),
        )

    return _dependency(key, build)
