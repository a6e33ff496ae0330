"""FunctionApp: routes one functions-framework HTTP function with a werkzeug Map.

An HTTP function receives every path. FunctionApp matches it against its rules
(where kit._framework tuned the app, as kit.serve does, Flask's own map holds them
and has matched it already), so an unknown path is 404 and a wrong method 405,
turns every failure into a JSON error, serves `/health` and `/metrics`, logs one
JSON line per request and counts it per route and status. Work an app runs beside
its requests (the dev broker's deliverers) is started and stopped by kit.serve with
the process that serves them (`alongside`).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from flask import Request, Response, current_app, has_app_context, jsonify
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, MapAdapter, Rule

from kit import _deps, _framework, _logs, _metrics, _trace, settings
from kit._config import KitSettings
from kit._deps import Dependency
from kit._errors import ApiError
from kit.contract import ORDER_EVENTS

Handler = Callable[..., Any]

# Request ids are echoed into logs and headers: accept only a sane shape from clients.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_HEALTH = "/health"
# Shallow: the process serves requests. Kubernetes probes use it, so that a store
# outage gives clear 503s from /health and the routes instead of restarted pods.
_LIVE = "/health/live"
_METRICS = "/metrics"
# What each app runs beside its requests, by app name (an app built again replaces its own).
_alongside: dict[str, tuple[Callable[[], None], Callable[[], None]]] = {}


class FunctionApp:
    """The routes of one function, callable as its functions-framework entry point."""

    def __init__(
        self,
        name: str,
        dependencies: Sequence[Callable[[], Dependency[Any]]] = (),
    ) -> None:
        self.name = name
        # What every line of its requests carries (a delivered event's fields added to it).
        self._log_fields = {"function": name}
        self._dependencies = dependencies
        self._map = Map(strict_slashes=False, merge_slashes=False)
        self._adapter: MapAdapter | None = None
        self._handlers: dict[str, Handler] = {}
        # The start: a value that can't be used stops it here, with the variable's name.
        settings.load_for(name)
        for dependency in dependencies:
            dependency()  # its client, not yet connected: the store's settings are read now
        self.log = _logs.configure(name, KitSettings.current().log_level)
        self.route(_HEALTH)(self._health)
        self.route(_LIVE)(self._live)
        self.route(_METRICS)(self._metrics)
        _metrics.register_dependency_health(name)
        if has_app_context():
            # functions-framework answers a few paths itself (its catch-all rule can't
            # match a newline; /robots.txt, /favicon.ico): those errors are JSON too.
            current_app.register_error_handler(HTTPException, _http_error)
            # kit._framework puts the routes in Flask's map, to be matched once.
            current_app.extensions[_framework.EXTENSION] = self

    def alongside(self, start: Callable[[], None], stop: Callable[[], None]) -> None:
        """Work run beside the requests, in the process that answers them: kit.serve calls
        `start` before the first request and `stop` once the last one is answered (a test
        client calls neither)."""
        _alongside[self.name] = (start, stop)

    def route(self, rule: str, methods: Sequence[str] = ("GET",)) -> Callable[[Handler], Handler]:
        """Register a handler; its return value is made into a response as Flask does."""

        def register(handler: Handler) -> Handler:
            endpoint = f"{handler.__name__}:{rule}"
            self._map.add(Rule(rule, endpoint=endpoint, methods=list(methods)))
            self._handlers[endpoint] = handler
            return handler

        return register

    def _routes(self) -> MapAdapter:
        """The map bound once: matching needs only the path and method, which each match
        is given, so no adapter is built from the environ per request (functions-framework's
        Flask has matched its catch-all rule already: a path none of the rules in its map
        matched, or an app kit._framework didn't tune)."""
        if self._adapter is None:
            self._adapter = self._map.bind(self.name)
        return self._adapter

    def map_rules(self) -> list[Rule]:
        return list(self._map.iter_rules())

    def rules(self) -> list[tuple[str, frozenset[str]]]:
        """Every route as (werkzeug rule, methods): what the API description must cover."""
        return [(rule.rule, frozenset(rule.methods or ())) for rule in self._map.iter_rules()]

    def __call__(self, request: Request) -> Response:
        rid = request.headers.get("X-Request-Id", "")
        if not _REQUEST_ID.match(rid):
            # 128 random bits in 32 hex digits, as uuid4().hex but without building a UUID.
            rid = os.urandom(16).hex()
        rid_token = _logs.request_id.set(rid)
        try:
            with self._traced(request) as span:
                started = time.perf_counter()
                route, response = self._dispatch(request)
                elapsed = time.perf_counter() - started
                method, status, trace_id = request.method, response.status_code, span.ids.trace_id
                if span.otel is not None:  # its name and attributes only for a span exported
                    span.finish(f"{method} {route}", status, {"http.route": route})
                response.headers["X-Request-Id"] = rid
                response.headers["X-Trace-Id"] = trace_id
                if route != _METRICS:
                    _metrics.observe_request(self.name, route, method, status, elapsed, trace_id)
                self._log_access(request, route, status, elapsed, rid)
        finally:
            _logs.request_id.reset(rid_token)
        return response

    def _traced(self, request: Request) -> AbstractContextManager[_trace.Span]:
        """The request's span (continuing the caller's trace), its ids in every log line;
        a delivered event's type and order id too."""
        headers = request.headers
        parent = headers.get(_trace.HEADER) or headers.get(_trace.EVENT_HEADER) or ""
        event = _event_fields(headers)
        fields = {**self._log_fields, **event} if event else self._log_fields
        return _trace.server(self.name, request.method, parent, fields)

    def _dispatch(self, request: Request) -> tuple[str, Response]:
        route = "unmatched"
        try:
            rule = request.url_rule
            if rule is not None and rule.endpoint in self._handlers:
                args: Mapping[str, Any] = request.view_args or {}  # Flask matched it already
            else:
                rule, args = self._routes().match(request.path, request.method, return_rule=True)
            route = rule.rule
            return route, self._call(self._handlers[str(rule.endpoint)], args)
        except HTTPException as exc:
            return route, _http_error(exc)

    def _call(self, handler: Handler, args: Mapping[str, Any]) -> Response:
        usage = _deps.track_usage()
        try:
            result = handler(**args)
        except ApiError as exc:
            _deps.finish_usage(usage, None if exc.status < 500 else exc)
            return _error_response(exc)
        except HTTPException:
            _deps.finish_usage(usage, None)
            raise
        except Exception as exc:
            unavailable = _deps.finish_usage(usage, exc)
            if unavailable is not None:
                self.log.warning(
                    "dependency failed",
                    extra={"dependency": unavailable.dependency, "cause": repr(exc)[:300]},
                )
                return _error_response(unavailable)
            self.log.exception("unhandled error")
            return _error_response(ApiError(500, "internal", "an unexpected error occurred"))
        _deps.finish_usage(usage, None)
        response = current_app.make_response(result)
        if response.status_code == 204:
            # No content, so no content type (Flask would call the empty body text/html).
            response.headers.pop("Content-Type", None)
        return response

    def _log_access(
        self, request: Request, route: str, status: int, elapsed: float, rid: str
    ) -> None:
        if route in (_HEALTH, _LIVE, _METRICS) and status < 400:
            return
        if not self.log.isEnabledFor(logging.INFO):
            return
        fields = {
            "method": request.method,
            "path": request.path,
            "route": route,
            "status": status,
            "ms": round(elapsed * 1000, 1),
        }
        token = _logs.request_id.set(rid)
        try:
            _logs.log_without_caller(self.log, logging.INFO, "request", fields)
        finally:
            _logs.request_id.reset(token)

    def _health(self) -> tuple[Response, int]:
        states: dict[str, str] = {}
        healthy = True
        for factory in self._dependencies:
            dependency = factory()  # built at start already: its settings can't fail now
            problem = dependency.check()
            states[dependency.name] = problem or "up"
            healthy = healthy and problem is None
        body = {"function": self.name, "status": "ok" if healthy else "unavailable"}
        body["dependencies"] = states  # type: ignore[assignment]
        return jsonify(body), 200 if healthy else 503

    def _live(self) -> dict[str, str]:
        return {"function": self.name, "status": "ok"}

    def _metrics(self) -> Response:
        from flask import request

        body, content_type = _metrics.exposition(request.headers.get("Accept", ""))
        return Response(body, content_type=content_type)


def start_alongside() -> None:
    for start, _ in _alongside.values():
        start()


def stop_alongside() -> None:
    for _, stop in reversed(_alongside.values()):
        stop()


def _event_fields(headers: Headers) -> dict[str, str]:
    event_type = headers.get("ce-type")
    if not event_type:
        return {}
    fields = {"event_type": event_type, "event_id": headers.get("ce-id", "")}
    if event_type.startswith(ORDER_EVENTS) and headers.get("ce-subject"):
        fields["order_id"] = headers["ce-subject"]  # the shop's order events: subject = order id
    return fields


def _error_response(error: ApiError) -> Response:
    response = jsonify(error.body())
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    codes = {
        400: "bad_request",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
    }
    message = {
        404: "no such path",
        405: "this method is not allowed on this path",
    }.get(status, exc.description or "bad request")
    error = ApiError(status, codes.get(status, "http_error"), message)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        error.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return _error_response(error)
