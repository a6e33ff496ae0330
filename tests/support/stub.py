"""Real HTTP servers in a thread for the tests (pytest-httpserver's, threaded): a stand-in
for a peer function answering from a script, and the base of the event subscriber, the
OTLP receiver and the pages of another site."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

# werkzeug logs each request at info, and through the kit's handler those lines would mix
# with the JSON lines that tests read from stdout.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


class _Server(HTTPServer):
    def thread_target(self) -> None:
        assert self.server is not None
        # Stopping waits for the loop's next poll: 0.5 s by default, at every stub's end.
        self.server.serve_forever(poll_interval=0.05)


def started(handler: Callable[[Request], Response]) -> HTTPServer:
    """A server on a free port of 127.0.0.1 that answers every request with `handler`, each
    in a thread of its own (keep-alive, and slow answers don't hold up others)."""
    server = _Server("127.0.0.1", 0, threaded=True)
    server.expect_request("").respond_with_handler(handler)
    server.start()
    return server


def stopped(server: HTTPServer) -> None:
    """Stop it; an error its handler raised fails the test now."""
    server.stop()
    server.check_handler_errors()


@contextmanager
def serving(handler: Callable[[Request], Response]) -> Iterator[HTTPServer]:
    """A started server for the block; its handler's errors fail a block that went well."""
    server = started(handler)
    try:
        yield server
    finally:
        server.stop()
    server.check_handler_errors()


def base_url(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


def answer(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> Response:
    """A response with the headers given and no others (werkzeug would add a Content-Type)."""
    response = Response(body, status, dict(headers or {}))
    if not any(name.lower() == "content-type" for name in headers or {}):
        del response.headers["Content-Type"]
    return response


@dataclass
class Seen:
    """A request as a server received it: `path` with its query; the headers' names in
    lower case (as HTTP/2 has them), looked up in any case."""

    method: str
    path: str
    headers: Headers
    body: bytes

    @classmethod
    def of(cls, request: Request) -> Seen:
        path = str(request.environ.get("RAW_URI") or request.full_path)
        headers = Headers([(name.lower(), value) for name, value in request.headers.items()])
        return cls(request.method, path, headers, request.get_data())

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return b"" if self.body is None else json.dumps(self.body).encode()


Responder = Callable[[Seen], Reply]


@dataclass
class Stub:
    url: str
    seen: list[Seen]
    responder: list[Responder]

    def answer(self, responder: Responder) -> None:
        self.responder[0] = responder


@contextmanager
def stub_server(responder: Responder) -> Iterator[Stub]:
    """A peer function's stand-in: every request is kept in `seen` as it arrives (before its
    answer, which a client may stop waiting for), and answered as JSON by the responder."""
    seen: list[Seen] = []
    current = [responder]

    def handle(request: Request) -> Response:
        received = Seen.of(request)
        seen.append(received)
        reply = current[0](received)
        headers = {"Content-Type": "application/json", **reply.headers}
        return answer(reply.status, reply.encoded(), headers)

    with serving(handle) as server:
        yield Stub(base_url(server), seen, current)
