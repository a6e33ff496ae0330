"""Scale from zero as Knative's activator does it, for a function of a local Stack.

An Activator listens at the function's address while no process of it runs. The first
connection starts one (on a port of its own, inside a cgroup holding it to its CPU limit),
is held until the process answers its readiness probe, as queue-proxy's aggressive probing
lets a cold pod take traffic the moment it answers, and is then passed on byte for byte, as
is every connection after it. `scale_to_zero` stops the process, as Knative does once a
revision has been idle: the next connection starts another, cold.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import urllib3

from scripts.stack import cgroup, ports
from scripts.stack.processes import Process, StackError
from scripts.stack.wait import TimedOut, until

# The readiness probe of every function's Knative Service (knative/base/functions).
PROBE = "/health/live"
START_TIMEOUT = 60.0


@dataclass
class Start:
    """One cold start: when its first connection arrived, and when it answered its probe."""

    asked: float
    ready: float = 0.0


@dataclass
class Activator:
    """`launch(port)`: the function's process as the stack starts it, on `port`, not
    started; `millicpu`: its CPU limit."""

    name: str
    port: int
    launch: Callable[[int], Process]
    millicpu: int
    starts: list[Start] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Process | None = None
        self._backend = 0
        self._group: contextlib.ExitStack | None = None
        self._piped: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", self.port), backlog=64)
        self._closed = threading.Event()
        threading.Thread(target=self._accept, name=f"activator-{self.name}", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            backend = socket.create_connection(("127.0.0.1", self._running()))
        except (OSError, TimedOut, StackError, cgroup.CgroupUnavailable):
            client.close()  # no process came up: the caller sees the connection dropped
            return
        with self._lock:
            self._piped += [client, backend]
        for source, sink in ((client, backend), (backend, client)):
            threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def _running(self) -> int:
        """The port of the process, started now (and waited for) if none runs."""
        with self._lock:
            if self._process is None or not self._process.running():
                self._start()
            return self._backend

    def _start(self) -> None:
        start = Start(time.monotonic())
        if self._group is not None:
            self._group.close()  # a process that exited: its cgroup goes before the next
        self._backend = ports.free_port()
        self._group = contextlib.ExitStack()
        group = self._group.enter_context(cgroup.cpu_quota(self.millicpu, self.name))
        process = cgroup.limited(self.launch(self._backend), group).start()
        self._process = process
        self._group.callback(process.stop)
        url = f"http://127.0.0.1:{self._backend}{PROBE}"

        def status() -> int | None:
            if not process.running():
                raise StackError(f"{self.name} exited:\n{process.tail()}")
            return _status(url)

        what = f"{self.name} to answer {PROBE}"
        until(status, START_TIMEOUT, what, 0.005, done=lambda seen: seen == 200)
        start.ready = time.monotonic()
        self.starts.append(start)

    def scale_to_zero(self) -> None:
        """Stop the process and drop the connections to it (the cgroup goes with it)."""
        with self._lock:
            for connection in self._piped:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self._piped.clear()
            if self._group is not None:
                self._group.close()  # the process stopped, then its cgroup removed
            self._process, self._group = None, None

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self.scale_to_zero()


def _status(url: str) -> int | None:
    try:
        return urllib3.request("GET", url, timeout=2, retries=False).status
    except urllib3.exceptions.HTTPError:
        return None


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Bytes from one side to the other until either closes."""
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
