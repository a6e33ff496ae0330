"""The whole shop as `make run` has it with an OTLP endpoint set and LOG_LEVEL=info: what
it exports arrives at a receiver of the test's, what it logs in the stack's log files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from scripts.stack.processes import vhost
from scripts.stack.shop import SHOP, Stack
from tests.support import otlp
from tests.support.stack import Stores


@dataclass
class Observed:
    shop: Stack
    receiver: otlp.Receiver


@pytest.fixture(scope="package")
def observed(stores: Stores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    with otlp.receiver() as receiver, vhost(f"{stores.namespace}observed") as amqp_url:
        env = stores.env()
        env.update(
            LOG_LEVEL="info",
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
            # Spans leave each process a moment after they end, not after the default 5 s.
            OTEL_BSP_SCHEDULE_DELAY="100",
            FLAGS_FILE=str(tmp_path_factory.mktemp("observed-flags") / "flags.json"),
        )
        stores.seed()
        urls = stores.urls(amqp_url)
        shop = Stack(env, tmp_path_factory.mktemp("observed"), urls)
        try:
            shop.start(SHOP)
            yield Observed(shop, receiver)
        finally:
            shop.stop_all()
