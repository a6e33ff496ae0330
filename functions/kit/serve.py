"""Serve one function: the Flask app functions-framework builds, on granian (WSGI).

    python -m kit.serve                       # FUNCTION, SOURCE, PORT, ... from the environment

The image and the local stack start every function this way; `functions-framework
--target NAME` (gunicorn) still runs one by hand. WORKERS x THREADS is how many requests
run at once (the Knative containerConcurrency, which queue-proxy enforces). granian's
backpressure is left at its default: it counts connections, and a limit of THREADS would
leave a client's extra keep-alive connections (nginx's, a peer's pool) unserved while the
first ones stay open. On SIGTERM the server stops accepting, lets the requests in flight
finish, and kills a worker still busy after SHUTDOWN_SECONDS: under the pod's
terminationGracePeriodSeconds, so a request ends before the kubelet's SIGKILL. What an
app runs beside its requests (FunctionApp.alongside) runs in the worker too: started
before it serves, stopped once it has answered its last request, within the same bound.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

from kit._errors import ConfigError
from kit._logs import configure as configure_logs
from kit.settings import About, Settings

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class ServeSettings(Settings):
    readers = "every function's server (kit.serve)"

    function: Annotated[
        str, About("the function to serve (its name and entry point)", shown="the image's")
    ] = ""
    source: Annotated[str, About("its main.py", shown="`FUNCTION/main.py`")] = ""
    host: Annotated[str, About("the address it listens on")] = "0.0.0.0"
    port: Annotated[int, About("its port (Knative sets it)", minimum=1, maximum=65535)] = 8080
    workers: Annotated[int, About("granian's worker processes", minimum=1)] = 1
    threads: Annotated[
        int, About("threads per worker (requests at once: workers x threads)", minimum=1)
    ] = 4
    shutdown_seconds: Annotated[
        int,
        About(
            "on SIGTERM, how long requests in flight may take before their worker is killed"
            " (under Knative's `timeoutSeconds`)",
            minimum=1,
        ),
    ] = 25


_built: Callable[..., Any] | None = None


def app() -> Callable[..., Any]:
    """The function's WSGI app, as functions-framework builds it (granian's factory), less
    what the kit has no use for in it (kit._framework).

    main() builds it before granian forks its worker, which then shares the app's
    memory with the main process instead of importing everything again (as gunicorn's
    worker shares the app functions-framework builds before it forks). Nothing in a
    function connects to anything at import, so nothing is shared that must not be."""
    global _built
    if _built is None:
        import functions_framework

        # The framework's functions carry no type hints.
        create_app: Callable[..., Flask] = functions_framework.create_app
        settings = ServeSettings.current()
        name = settings.function
        from kit import _framework

        source = settings.source or os.path.join(name, "main.py")
        _built = _framework.tune(create_app(target=name, source=source))
    return _built


_GRANIAN_LOGS = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"_granian": {"handlers": [], "propagate": True}},
}


def server(target: str = "kit.serve:app") -> Any:
    """A granian server for `app` (or another app factory: the bench's floors, served as
    every function is), configured from the environment."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    settings = ServeSettings.current()
    return Server(
        target,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=settings.threads,
        workers_kill_timeout=settings.shutdown_seconds,
        factory=True,
        websockets=False,
        # The function logs JSON lines itself, one per request; granian's own lines (start,
        # stop) are left out unless something goes wrong, and then go through the kit's JSON
        # handler on the root logger like every other line.
        log_level=LogLevels.warning,
        log_access=False,
        log_dictconfig=_GRANIAN_LOGS,
    )


def worker(*args: Any) -> None:
    """granian's WSGI worker (the process that answers the requests), with the app's work
    beside them around it: the worker returns once it has stopped taking connections and
    answered the requests in flight."""
    from granian.server import Server

    from kit import _app

    app()  # built already when forked from main(); a spawned worker builds it here
    _app.start_alongside()
    try:
        # What serve() runs by default for WSGI (granian is pinned: requirements.txt).
        Server._spawn_wsgi_worker(*args)
    finally:
        _app.stop_alongside()


def main() -> None:
    try:
        if not ServeSettings.load().function:
            raise ConfigError("FUNCTION must be set to the function to serve")
        app()
    except ConfigError as exc:
        refuse(exc)
    server().serve(spawn_target=worker)


# Where Kubernetes reads a container's last words from (terminationMessagePath's default):
# they show in `kubectl describe pod` and in the Knative Revision's failed condition.
TERMINATION_LOG = "/dev/termination-log"


def refuse(problem: ConfigError) -> NoReturn:
    """One JSON line naming the variable, the same sentence as the container's termination
    message, and a failed start (the pod's CrashLoopBackOff)."""
    configure_logs(os.environ.get("FUNCTION") or "serve", "info").error(
        "configuration refused", extra={"error": str(problem)}
    )
    # r+: only into the file the kubelet mounted, never a new one on another machine.
    with contextlib.suppress(OSError), open(TERMINATION_LOG, "r+", encoding="utf-8") as log:
        log.write(str(problem))
        log.truncate()
    sys.exit(2)


if __name__ == "__main__":
    # Through the module granian's target names (kit.serve, not __main__): the app main()
    # builds is then the one the worker's factory call returns.
    from kit import serve

    serve.main()
