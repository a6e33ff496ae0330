"""`python -m scripts.broker`: run the dev broker.

Its ingress listens on 127.0.0.1 only: nothing off this machine can hand it events (on
the cluster, NetworkPolicy lets only payment, the dispatchers and deadletters reach the
broker's ingress). Dead letters go to the Triggers' dead-letter sink, the deadletters
function; `python -m scripts.deadletters` lists and replays them.

Configuration: AMQP_URL (default the local RabbitMQ), BROKER_PORT (8010),
BROKER_TRIGGERS (the manifests folder, default knative/base/eventing),
BROKER_SHUTDOWN_SECONDS (20: how long a stop waits for the events under way), and
`<NAME>_URL` for each subscriber function (default its local port).

SIGTERM or Ctrl-C stops it gracefully: nothing it took or was delivering is lost or
delivered twice (see deliverer.py).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from kit import env, env_int
from scripts.broker import amqp, triggers
from scripts.broker.deliverer import Deliverer
from scripts.broker.ingress import Ingress

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


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
    logging.getLogger("broker").info(
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
    grace = env_int("BROKER_SHUTDOWN_SECONDS", 20)
    ingress.drain(grace)
    ingress.server_close()
    stopping.set()
    deadline = time.monotonic() + grace + 5
    for deliverer in deliverers:
        deliverer.join(timeout=max(0.0, deadline - time.monotonic()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.broker", description=__doc__)
    parser.add_argument("command", nargs="?", default="serve", choices=("serve",))
    parser.add_argument("--port", type=int, default=env_int("BROKER_PORT", 8010))
    parser.add_argument(
        "--triggers", type=Path, default=Path(env("BROKER_TRIGGERS", str(triggers.MANIFESTS)))
    )
    parser.add_argument("--amqp-url", default=env("AMQP_URL", DEFAULT_AMQP))
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=env("LOG_LEVEL", "info").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stdout,
    )
    logging.getLogger("pika").setLevel(logging.WARNING)
    return serve(args.port, args.triggers, args.amqp_url)


if __name__ == "__main__":
    sys.exit(main())
