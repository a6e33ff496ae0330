"""`python -m scripts.stack.broker`: run the dev broker.

Its ingress listens on 127.0.0.1 only: nothing off this machine can hand it events (on
the cluster, NetworkPolicy lets only payment, the dispatchers and deadletters reach the
broker's ingress). Dead letters go to the Triggers' dead-letter sink, the deadletters
function; `python -m scripts.ops.deadletters` lists and replays them.

Configuration: scripts/stack/broker/settings.py, and `<NAME>_URL` for each subscriber function
(default its local port).

SIGTERM or Ctrl-C stops it gracefully: nothing it took or was delivering is lost or
delivered twice (see deliverer.py).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from kit import ConfigError, KitSettings, configure_logs, get_logger
from scripts.stack.broker import amqp, triggers
from scripts.stack.broker.deliverer import Deliverer
from scripts.stack.broker.ingress import Ingress
from scripts.stack.broker.settings import BrokerSettings


def serve(port: int, manifests: Path, amqp_url: str) -> int:
    found, queue_type = triggers.load(manifests)
    stopping = threading.Event()
    publisher = amqp.Publisher(amqp_url, found, queue_type)
    deliverers = [Deliverer(t, queue_type, amqp_url, publisher, stopping) for t in found]
    deliverers += [
        Deliverer(t, queue_type, amqp_url, publisher, stopping, dead_letters=True)
        for t in found
        if t.delivery.dead_letter
    ]
    for deliverer in deliverers:
        deliverer.start()
    brokers = sorted({t.broker for t in found})
    ingress = Ingress(port, publisher, brokers[0])
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=ingress.shutdown).start())
    get_logger("broker").info(
        "ingress on http://127.0.0.1:%d/ (loopback only: nothing off this machine can post "
        "events) for broker %s, %d triggers",
        port,
        brokers[0],
        len(found),
    )
    try:
        ingress.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        stop(ingress, deliverers, stopping)
        publisher.close()
    return 0


def stop(ingress: Ingress, deliverers: list[Deliverer], stopping: threading.Event) -> None:
    """What the broker took is in RabbitMQ, what it delivered is acked, nothing else is lost:
    answer the events being posted, then let the deliveries under way finish."""
    grace = BrokerSettings.current().broker_shutdown_seconds
    ingress.drain(grace)
    ingress.server_close()
    stopping.set()
    deadline = time.monotonic() + grace + 5
    for deliverer in deliverers:
        deliverer.join(timeout=max(0.0, deadline - time.monotonic()))


def main(argv: list[str] | None = None) -> int:
    try:
        settings = BrokerSettings.load()
    except ConfigError as exc:
        configure_logs("broker", "info").error("configuration refused", extra={"error": str(exc)})
        return 2
    parser = argparse.ArgumentParser(prog="python -m scripts.stack.broker", description=__doc__)
    parser.add_argument("command", nargs="?", default="serve", choices=("serve",))
    parser.add_argument("--port", type=int, default=settings.broker_port)
    parser.add_argument(
        "--triggers", type=Path, default=Path(settings.broker_triggers or triggers.MANIFESTS)
    )
    parser.add_argument("--amqp-url", default=settings.amqp_url)
    args = parser.parse_args(argv)
    configure_logs("broker", KitSettings.current().log_level)
    return serve(args.port, args.triggers, args.amqp_url)


if __name__ == "__main__":
    sys.exit(main())
