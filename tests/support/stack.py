"""What the tests' whole shops (scripts/stack/shop.py) are given: the session's data
servers, settings that make the shop quick to test, and its seed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# What nginx fronts: the storefront's API.
PUBLIC = ["catalogue", "cart", "user", "shipping", "ratings", "payment"]
# The simulated gateway declines above this, so a big order shows the declined path.
DECLINE_ABOVE = 10_000
SESSION_SECRET = "stack-tests-" + "s" * 32
# The robots the drills buy, stocked so that no drill's orders sell another's out.
BOUGHT_BY_TESTS = ("RMC", "STAN-1")
TEST_STOCK = 100_000


@dataclass(frozen=True)
class Stores:
    """The session's data servers: what a test's whole shop stands on."""

    mongo_url: str
    redis_url: str
    mysql: Mapping[str, object]
    namespace: str

    def urls(self, amqp_url: str) -> dict[str, str]:
        """As a Stack's addresses, with the shop's own RabbitMQ vhost."""
        return {
            "mongodb": self.mongo_url,
            "redis": self.redis_url,
            "mysql": f"mysql://{self.mysql['host']}:{self.mysql['port']}",
            "rabbitmq": amqp_url,
        }

    def env(self) -> dict[str, str]:
        return {
            "MYSQL_USER": str(self.mysql["user"]),
            "MYSQL_PASSWORD": str(self.mysql["password"]),
            "DATA_NAMESPACE": self.namespace,
            "SESSION_SECRET": SESSION_SECRET,
            "LOG_LEVEL": "warning",
            "WORKERS": "1",
            "THREADS": "4",
            # Stock changes made by a test show at once, not after the catalogue's cache
            # expires.
            "CATALOGUE_CACHE_SECONDS": "0",
            "PAYMENT_DECLINE_ABOVE_EUR": str(DECLINE_ABOVE),
            # Many tests' requests come from one address: nginx allows each client a
            # hundred times the real limits, which tests/drills measure on an nginx of its own.
            "NGINX_LIMIT_SCALE": "100",
            # Seeded above, as make run seeds them; the contract tests see them refused too.
            "DEMO_ACCOUNTS": "allowed",
        }

    def seed(self) -> None:
        """The robots, the demo users and the ratings' tables. The cities are the session's
        `shipping_database` (the whole gazetteer, loaded once): a shop that loaded a few
        countries into the same database would take them from the shipping suite under it."""
        from catalogue import store
        from scripts.jobs.seed import catalogue, ratings, users

        catalogue.seed()
        # Orders take stock, and the load journeys buy any robot in stock: each is stocked
        # so that no suite sells out one another suite shows (a test that needs a stock
        # sets its own); the seed's sold-out robots stay sold out.
        for sku, left in store.stock().items():
            if left:
                store.set_stock(sku, TEST_STOCK)
        users.seed(demo=True)
        ratings.seed()
