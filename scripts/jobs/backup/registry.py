"""What a backup holds: the shop's databases and Redis key families, by logical name.

Names here carry no DATA_NAMESPACE: an archive made under one namespace restores
under another. A restore only ever writes to the names listed here, whatever an
archive's manifest says, so no archive can reach another application's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kit import namespaced


def _catalogue_indexes() -> None:
    from catalogue import store

    store.ensure_indexes(store.collection())


def _users_indexes() -> None:
    from user import store

    store.ensure_indexes()


def _deadletters_indexes() -> None:
    from deadletters import store

    store.letters()


@dataclass(frozen=True)
class MongoDatabase:
    name: str
    # The shop's own code makes the indexes after a restore, as the seed does: the
    # indexes are those the running version expects, on MongoDB and nx-27017 alike.
    ensure_indexes: Callable[[], None]


@dataclass(frozen=True)
class RedisFamily:
    """Keys starting with `prefix` (or exactly `prefix` when `exact`)."""

    name: str
    prefix: str
    exact: bool = False

    def pattern(self) -> str:
        """The SCAN pattern of the family's keys in this namespace."""
        literal = _glob_escape(namespaced(self.prefix))
        return literal if self.exact else literal + "*"


MONGO_DATABASES = (
    MongoDatabase("catalogue", _catalogue_indexes),
    MongoDatabase("users", _users_indexes),
    # Events no consumer could take, kept until someone replays or discards them.
    MongoDatabase("deadletters", _deadletters_indexes),
)
MYSQL_DATABASES = ("ratings", "cities")
REDIS_FAMILIES = (
    RedisFamily("carts", "cart:"),
    RedisFamily("cart-changes", "cart-change:"),
    RedisFamily("dispatched", "dispatch:order:"),
    RedisFamily("payment-idempotency", "payment:idempotency:"),
    RedisFamily("payment-authorisations", "payment:authorisation:"),
    # A logged-out session must stay logged out after a restore.
    RedisFamily("revoked-sessions", "session-revoked:"),
)
# Names the functions make with kit.namespaced that are deliberately not backed up,
# each with the reason (tests/jobs/backup checks that every name is one or the other).
NOT_BACKED_UP: dict[str, str] = {
    "login-throttle:": "failed logins of the last minute: a restore starts them afresh",
    "cart-checkout:": "a cart held by a checkout under way: restored, it would block the cart"
    " for an order that no longer runs",
    "cart-last-order:": "the order that just emptied a cart, kept minutes for a late double click",
    "payment:statement": "the simulated gateway's statement of captures and voids: a gateway's own"
    " record, as a real gateway keeps it, not the shop's",
}


def mongo_database(name: str) -> MongoDatabase | None:
    return next((db for db in MONGO_DATABASES if db.name == name), None)


# Families the shop no longer keeps: an older archive's dataset of one is checked for
# nothing and restored as nothing, so that the archive itself still restores.
RETIRED_REDIS_FAMILIES: dict[str, str] = {
    "anonymous-counter": "a count of /uniqueid calls that nothing read",
}


def redis_family(name: str) -> RedisFamily | None:
    return next((family for family in REDIS_FAMILIES if family.name == name), None)


def every_name() -> set[str]:
    """Every logical store name the backup knows of, backed up or excluded."""
    names = {db.name for db in MONGO_DATABASES} | set(MYSQL_DATABASES)
    return names | {family.prefix for family in REDIS_FAMILIES} | set(NOT_BACKED_UP)


def _glob_escape(text: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)
