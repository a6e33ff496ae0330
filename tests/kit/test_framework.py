"""What the kit changes in functions-framework's app (kit._framework), as kit.serve serves it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import functions_framework
import pytest
from flask import Flask, Request
from functions_framework import execution_id

from kit import _framework
from scripts.stack.processes import ROOT

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

SAMPLE = ROOT / "tests" / "kit" / "sample" / "main.py"
# functions-framework has no type hints: its app factory, typed once here.
_framework_app: Callable[..., Flask] = functions_framework.create_app


def test_the_framework_s_execution_ids_are_taken_off(app: Flask) -> None:
    assert not isinstance(app.wsgi_app, execution_id.WsgiMiddleware)
    seen: list[str] = []
    untouched = app.wsgi_app

    def spy(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        seen.append(str(environ.get("HTTP_FUNCTION_EXECUTION_ID")))
        return untouched(environ, start_response)

    app.wsgi_app = spy  # type: ignore[method-assign]
    try:
        answer = app.test_client().get("/items/3", headers={"X-Request-Id": "rid-no-exec"})
    finally:
        app.wsgi_app = untouched  # type: ignore[method-assign]
    assert answer.get_json() == {"number": 3}
    assert answer.headers["X-Request-Id"] == "rid-no-exec"
    assert len(answer.headers["X-Trace-Id"]) == 32
    assert seen == ["None"]  # no id made for a request that brought none


def test_they_stay_when_the_framework_is_told_to_log_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _framework_app(target="sample", source=str(SAMPLE))
    run = app.view_functions["run"]
    # Only now, and not LOG_EXECUTION_ID: building the app would then replace the root
    # logger's handlers, the kit's among them, for the rest of the tests.
    monkeypatch.setattr(functions_framework, "_enable_execution_id_logging", lambda: True)
    tuned = _framework.tune(app)
    assert isinstance(tuned.wsgi_app, execution_id.WsgiMiddleware)
    assert tuned.view_functions["run"] is run
    assert tuned.test_client().get("/items/4").get_json() == {"number": 4}


def test_a_route_is_matched_once_and_what_none_matches_falls_to_the_app(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    function_app = app.extensions[_framework.EXTENSION]
    own_matches: list[str] = []
    bound = function_app._routes()

    def counted() -> object:
        own_matches.append("match")
        return bound

    monkeypatch.setattr(function_app, "_routes", counted)
    client = app.test_client()
    assert client.get("/items/3").get_json() == {"number": 3}
    assert client.post("/echo", json={"a": 1}).get_json() == {"a": 1}
    assert client.get("/items/3/").get_json() == {"number": 3}  # no redirect, as before
    assert own_matches == []
    assert client.get("/nowhere").get_json()["error"] == "not_found"
    wrong = client.get("/echo")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    assert client.get("/items/seven").status_code == 404
    assert len(own_matches) == 3


def test_a_body_is_still_read_before_the_answer_and_none_is_made_up(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    after = app.after_request_funcs[None]
    assert functions_framework.read_request not in after and _framework._read_body in after
    read: list[str] = []
    get_data = app.request_class.get_data

    def spy(self: Request, *args: Any, **kwargs: Any) -> Any:
        read.append(self.path)
        return get_data(self, *args, **kwargs)

    monkeypatch.setattr(app.request_class, "get_data", spy)
    client = app.test_client()
    assert client.put("/items/3", data=b"x" * 10_000).status_code == 405  # a body never read
    assert read == ["/items/3"]
    assert client.get("/items/4").status_code == 200  # no body: nothing to read
    assert client.post("/echo", json={"a": 1}).get_json() == {"a": 1}
    assert read == ["/items/3", "/echo", "/echo"]  # the view's read, then the cached one
