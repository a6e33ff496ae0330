"""`python -m scripts.stack.broker`: run the dev broker, served as a function is (kit.serve:
granian, one worker, the deliverers beside the ingress in it; scripts/stack/broker/main.py).

Its ingress listens on 127.0.0.1 only, whatever HOST says: nothing off this machine can
hand it events (on the cluster, NetworkPolicy lets only payment, the dispatchers and
deadletters reach the broker's ingress). Dead letters go to the Triggers' dead-letter
sink, the deadletters function; `python -m scripts.ops.deadletters` lists and replays them.

Configuration: scripts/stack/broker/settings.py, kit.serve's THREADS, and `<NAME>_URL` for
each subscriber function (default its local port).

SIGTERM or Ctrl-C stops it gracefully: the ingress stops taking connections and answers
the events being posted, then the deliveries under way finish and are acked; nothing it
took or was delivering is lost or delivered twice (see deliverer.py).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kit import ConfigError, serve
from scripts.stack.broker import triggers
from scripts.stack.broker.settings import BrokerSettings

LOOPBACK = "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    os.environ["FUNCTION"] = "broker"  # a refused configuration names it
    try:
        settings = BrokerSettings.load()
    except ConfigError as exc:
        serve.refuse(exc)
    parser = argparse.ArgumentParser(prog="python -m scripts.stack.broker", description=__doc__)
    parser.add_argument("command", nargs="?", default="serve", choices=("serve",))
    parser.add_argument("--port", type=int, default=settings.broker_port)
    parser.add_argument(
        "--triggers", type=Path, default=Path(settings.broker_triggers or triggers.MANIFESTS)
    )
    parser.add_argument("--amqp-url", default=settings.amqp_url)
    args = parser.parse_args(argv)
    os.environ.update(
        SOURCE=str(Path(__file__).with_name("main.py")),
        HOST=LOOPBACK,
        PORT=str(args.port),
        # One process: the deliverers' metrics are on the /metrics it serves.
        WORKERS="1",
        BROKER_TRIGGERS=str(args.triggers),
        AMQP_URL=args.amqp_url,
        # granian kills a worker still busy after this: the ingress's events, then the
        # deliveries under way, may each take BROKER_SHUTDOWN_SECONDS.
        SHUTDOWN_SECONDS=str(2 * settings.broker_shutdown_seconds + 5),
    )
    serve.main()


if __name__ == "__main__":
    main()
