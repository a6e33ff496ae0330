"""The attackers of tests/drills, run in a process of their own so that their threads never
hold the measuring process's interpreter: each floods the origin from one loopback address
until its deadline or its request budget, and reports what it was answered."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Flood:
    """Requests of one kind from `threads` connections at once, from `source`."""

    port: int
    source: str
    method: str
    path: str
    body: bytes | None
    threads: int
    seconds: float
    budget: int


def flood(plan: Flood) -> dict[int, int]:
    """Send the plan's requests as fast as they are answered; the count of each status
    (0: a connection that failed)."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + plan.seconds
    left = [plan.budget]

    def one_client() -> None:
        connection: http.client.HTTPConnection | None = None
        while time.monotonic() < deadline:
            with lock:
                if left[0] <= 0:
                    break
                left[0] -= 1
            if connection is None:
                connection = http.client.HTTPConnection(
                    "127.0.0.1", plan.port, timeout=10, source_address=(plan.source, 0)
                )
            headers = {"Content-Type": "application/json"} if plan.body else {}
            try:
                connection.request(plan.method, plan.path, body=plan.body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                status = answer.status
                if answer.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                status = 0
                if connection is not None:
                    connection.close()
                connection = None
            with lock:
                statuses[status] += 1
        if connection is not None:
            connection.close()

    workers = [threading.Thread(target=one_client) for _ in range(plan.threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return dict(statuses)


def slowloris(port: int, source: str, sockets: int, seconds: float) -> int:
    """Open `sockets` connections, each sending half a request's headers and no more, and
    hold them for `seconds`; how many nginx accepted."""
    held: list[socket.socket] = []
    try:
        for _ in range(sockets):
            try:
                s = socket.create_connection(
                    ("127.0.0.1", port), timeout=5, source_address=(source, 0)
                )
            except OSError:
                break
            held.append(s)
            s.sendall(b"GET /api/catalogue/products HTTP/1.1\r\nHost: shop\r\nX-Slow: ")
        time.sleep(seconds)
        return len(held)
    finally:
        for s in held:
            s.close()
