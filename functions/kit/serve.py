"""Serve one function: the Flask app functions-framework builds, on granian (WSGI).

    python -m kit.serve                       # FUNCTION, SOURCE, PORT, ... from the environment

The image and the local stack start every function this way; `functions-framework
--target NAME` (gunicorn) still runs one by hand. Settings, each from the environment:

- FUNCTION: the function's name and entry point; SOURCE: its main.py (default
  ./FUNCTION/main.py); HOST (0.0.0.0) and PORT (8080);
- WORKERS x THREADS: how many requests run at once (the Knative containerConcurrency,
  which queue-proxy enforces). granian's backpressure is left at its default: it counts
  connections, and a limit of THREADS would leave a client's extra keep-alive connections
  (nginx's, a peer's pool) unserved while the first ones stay open;
- SHUTDOWN_SECONDS (25): on SIGTERM the server stops accepting, lets the requests in
  flight finish, and kills a worker still busy after this long. It stays under the
  pod's terminationGracePeriodSeconds, so a request ends before the kubelet's SIGKILL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from kit._config import env, env_int

DEFAULT_THREADS = 4
DEFAULT_SHUTDOWN_SECONDS = 25

_built: Callable[..., Any] | None = None


def app() -> Callable[..., Any]:
    """The function's WSGI app, as functions-framework builds it (granian's factory).

    main() builds it before granian forks its worker, which then shares the app's
    memory with the main process instead of importing everything again (as gunicorn's
    worker shares the app functions-framework builds before it forks). Nothing in a
    function connects to anything at import, so nothing is shared that must not be."""
    global _built
    if _built is None:
        import functions_framework

        # The framework's functions carry no type hints.
        create_app: Callable[..., Callable[..., Any]] = functions_framework.create_app
        name = os.environ["FUNCTION"]
        _built = create_app(target=name, source=env("SOURCE", os.path.join(name, "main.py")))
    return _built


_GRANIAN_LOGS = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"_granian": {"handlers": [], "propagate": True}},
}


def server() -> Any:
    """A granian server for `app`, configured from the environment."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    threads = env_int("THREADS", DEFAULT_THREADS)
    return Server(
        "kit.serve:app",
        address=env("HOST", "0.0.0.0"),
        port=env_int("PORT", 8080),
        interface=Interfaces.WSGI,
        workers=env_int("WORKERS", 1),
        blocking_threads=threads,
        workers_kill_timeout=env_int("SHUTDOWN_SECONDS", DEFAULT_SHUTDOWN_SECONDS),
        factory=True,
        websockets=False,
        # The function logs JSON lines itself, one per request; granian's own lines (start,
        # stop) are left out unless something goes wrong, and then go through the kit's JSON
        # handler on the root logger like every other line.
        log_level=LogLevels.warning,
        log_access=False,
        log_dictconfig=_GRANIAN_LOGS,
    )


def main() -> None:
    if not os.environ.get("FUNCTION"):
        raise SystemExit("set FUNCTION to the function to serve (and SOURCE to its main.py)")
    app()
    server().serve()


if __name__ == "__main__":
    # Through the module granian's target names (kit.serve, not __main__): the app main()
    # builds is then the one the worker's factory call returns.
    from kit import serve

    serve.main()
