"""What the kit changes in the Flask app functions-framework builds for a function (issue 25).

functions-framework wraps every request in an execution id of its own: a WSGI middleware
that makes a 12-character id from 12 calls to `random` for the environ, and a view wrapper
that reads it back, with Google's trace header, into a context of its own. Only the
framework's own log handler reads them, when LOG_EXECUTION_ID asks for it; the kit's lines
carry the request and trace ids instead. So, unless that is asked for, both are taken off.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

# The endpoint of the framework's view of an HTTP function (functions_framework._configure_app).
_RUN = "run"


def tune(app: Flask) -> Flask:
    """The app without the framework's execution ids, unless its logging asks for them."""
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
    return app
