from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.eventing import vhost


@pytest.fixture(scope="session")
def amqp_url(namespace: str) -> Iterator[str]:
    """A vhost of this session's own on the machine's RabbitMQ."""
    with vhost(f"{namespace}broker") as url:
        yield url
