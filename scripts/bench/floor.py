"""The floors of `make bench` (issue 25): what a route costs before the kit adds anything.

    python -m scripts.bench.floor r2|r3        # HOST, PORT, WORKERS, THREADS as kit.serve

R2 is a bare Flask app with one route answering {"hello": "world"}, served exactly as
every function is: granian with kit.serve's own settings (workers, threads, logging,
backpressure). R3 is R2 plus one Redis GET per request, with the client options the kit's
Redis store uses. A route without a store is compared with R2, one with a store round trip
with R3; what a function spends above its floor is what functions-framework and the kit add.
"""

from __future__ import annotations

import os
import sys

from flask import Flask

from kit.stores import RedisSettings

# The key R3 reads; the bench writes it first (scripts/bench/shop.py) in the run's namespace.
KEY_VARIABLE = "FLOOR_KEY"


def r2() -> Flask:
    app = Flask("r2")

    @app.route("/")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def r3() -> Flask:
    import redis

    settings = RedisSettings.current()
    timeout = settings.redis_timeout_ms / 1000
    client = redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
        decode_responses=True,
    )
    key = os.environ[KEY_VARIABLE]
    app = Flask("r3")

    @app.route("/")
    def hello() -> dict[str, str]:
        return {"hello": str(client.get(key))}

    return app


FLOORS = {"r2": r2, "r3": r3}


def main(argv: list[str]) -> int:
    from kit import serve

    if len(argv) != 1 or argv[0] not in FLOORS:
        print(f"usage: python -m scripts.bench.floor {'|'.join(FLOORS)}", file=sys.stderr)
        return 2
    # Through this module's name, not __main__: granian's worker imports the target.
    serve.server(f"scripts.bench.floor:{argv[0]}").serve()
    return 0


if __name__ == "__main__":
    from scripts.bench import floor

    sys.exit(floor.main(sys.argv[1:]))
