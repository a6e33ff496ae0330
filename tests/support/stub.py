"""A real HTTP server in a thread, answering from a script: a stand-in for a peer function."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


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
    seen: list[Seen] = []
    current = [responder]

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
            seen.append(request)
            reply = current[0](request)
            body = reply.encoded()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            # A client that gave up (a timeout test) has closed the socket: nothing to do.
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Stub(f"http://127.0.0.1:{server.server_address[1]}", seen, current)
    finally:
        server.shutdown()
        server.server_close()
