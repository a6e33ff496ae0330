"""What the kit changes in the Flask app functions-framework builds for a function (issue 25).

functions-framework wraps every request in an execution id of its own: a WSGI middleware
that makes a 12-character id from 12 calls to `random` for the environ, and a view wrapper
that reads it back, with Google's trace header, into a context of its own. Only the
framework's own log handler reads them, when LOG_EXECUTION_ID asks for it; the kit's lines
carry the request and trace ids instead. So, unless that is asked for, both are taken off.
It also reads every request's whole body after the view (so that a client still sending
isn't cut off by an early answer), building a body stream for requests that have none:
that is done only for a request that has a body.

And a path is matched once: the framework's Flask matched every path to its catch-all
rule, and FunctionApp matched it again against its own map. FunctionApp's rules are put in
Flask's map beside the catch-all, under their own endpoints, each calling the framework's
view of the function, so the function's entry point runs as before (shipping's does more
than call its app) and FunctionApp takes the rule Flask found. A path none of them matches,
or a method a rule doesn't allow, still falls to the catch-all, and FunctionApp answers it
as before (a JSON 404, a 405 with Allow).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from werkzeug.routing import Rule

if TYPE_CHECKING:
    from kit._app import FunctionApp

# Where FunctionApp leaves itself on the Flask app it is built in (Flask.extensions).
EXTENSION = "roboshop.kit"
# The endpoint of the framework's view of an HTTP function (functions_framework._configure_app).
_RUN = "run"


def tune(app: Flask) -> Flask:
    """The app without the framework's execution ids (unless its logging asks for them),
    with the function's routes in Flask's own map."""
    import functions_framework
    from functions_framework import execution_id

    logged: Callable[[], bool] = functions_framework._enable_execution_id_logging
    if not logged():
        if isinstance(app.wsgi_app, execution_id.WsgiMiddleware):
            app.wsgi_app = app.wsgi_app.wsgi_app  # type: ignore[method-assign]
        run = app.view_functions.get(_RUN)
        # set_execution_context's wrapper wraps (functools.wraps) the framework's view.
        if run is not None and hasattr(run, "__wrapped__"):
            app.view_functions[_RUN] = run.__wrapped__
    after = app.after_request_funcs.get(None, [])
    app.after_request_funcs[None] = [
        _read_body if f is functions_framework.read_request else f for f in after
    ]
    function_app: FunctionApp | None = app.extensions.get(EXTENSION)
    if function_app is not None and _RUN in app.view_functions:
        _match_in_flask(app, function_app)
    return app


def _read_body(response: Response) -> Response:
    """The framework's read_request, for a request with a body (a length, or chunks)."""
    environ = request.environ
    if not response.is_streamed and (
        environ.get("CONTENT_LENGTH") or environ.get("HTTP_TRANSFER_ENCODING")
    ):
        request.get_data()
    return response


def _match_in_flask(app: Flask, function_app: FunctionApp) -> None:
    run = app.view_functions[_RUN]

    def entry(**_: Any) -> Any:
        # The framework's view takes the catch-all's `path`, which it doesn't use.
        return run("")

    for rule in function_app.map_rules():
        app.url_map.add(
            Rule(
                rule.rule,
                endpoint=rule.endpoint,
                methods=rule.methods,
                strict_slashes=rule.strict_slashes,
                merge_slashes=rule.merge_slashes,
            )
        )
        app.view_functions[str(rule.endpoint)] = entry
