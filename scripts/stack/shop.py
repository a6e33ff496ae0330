"""The local shop: every process `make run`, the tests and the bench start, in one order.

A Stack plans its addresses before it starts anything: each one it is given (`make run`'s
settings, a server of the caller's) is kept, every other process gets a free port. So each
process starts knowing where all the others are, also those it calls that call it back.
Then it starts the processes asked for, in ORDER, each once the one before listens, each
with the environment it was given, the addresses, a function's func.yaml `run.envs` (filled
in as `func run` does) and that process's overrides, in that order.

A data server already listening at its address is used as it is; any other process
refuses a port that is taken. Logs go to `<folder>/logs/<name>.log`; nginx's and
Prometheus's configuration and a private data server's files to `<folder>/<name>/`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from kit import LOCAL_PORTS
from scripts.stack import ports, processes, prometheus
from scripts.stack.nginx import nginx_process
from scripts.stack.processes import ROOT, Process, StackError
from scripts.stack.wait import until

DATA = ("mongodb", "redis", "mysql", "rabbitmq")
# Each process starts after those it calls (a function's: the <PEER>_URL and K_SINK of its
# func.yaml), so that its first call finds them up. Two are called both ways, which only
# addresses known in advance allow: deadletters (the consumers keep there what they refuse;
# it replays to them and sends their answers to the broker) and the broker (payment sends
# to it; it delivers to payment, and what no one takes to deadletters).
ORDER = (
    *DATA,
    "catalogue",
    "user",
    "cart",
    "ratings",
    "shipping",
    "dispatch",
    "broker",
    "payment",
    "deadletters",
    "nginx",
    "prometheus",
)
FUNCTIONS = tuple(name for name in ORDER if name in LOCAL_PORTS)
# The shop itself, without its data servers and Prometheus.
SHOP = (*FUNCTIONS, "broker", "nginx")
# The servers a benchmark measures; the broker stands for the cluster's eventing.
PINNABLE = frozenset({*FUNCTIONS, "nginx"})
_PRIVATE = {
    "mongodb": "mongodb://127.0.0.1:{}",
    "redis": "redis://127.0.0.1:{}/0",
    "mysql": "mysql://127.0.0.1:{}",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:{}/%2F",
}
_VARIABLES = {
    "mongodb": "MONGO_URL",
    "redis": "REDIS_URL",
    "rabbitmq": "AMQP_URL",
    "broker": "K_SINK",
    **{name: f"{name.upper()}_URL" for name in FUNCTIONS},
}
ADDRESS_VARIABLES = frozenset({*_VARIABLES.values(), "MYSQL_HOST", "MYSQL_PORT"})
_ENV_REF = re.compile(r"\{\{\s*env:(\w+)\s*\}\}")
# A private MariaDB or RabbitMQ takes a while to start, and to stop.
DATA_TIMEOUT, TIMEOUT = 120.0, 60.0

Say = Callable[[str], None]


def quiet(message: str) -> None:
    """Say nothing: what a test's stack or the bench's tells no one."""


def port_of(url: str) -> int:
    port = urlsplit(url).port
    if port is None:
        raise StackError(f"the address {url} names no port")
    return port


def environment(urls: Mapping[str, str]) -> dict[str, str]:
    """The variables in which the functions and the broker find these addresses."""
    env = {variable: urls[name] for name, variable in _VARIABLES.items() if name in urls}
    if "mysql" in urls:
        mysql = urlsplit(urls["mysql"])
        env.update(MYSQL_HOST=mysql.hostname or "127.0.0.1", MYSQL_PORT=str(port_of(urls["mysql"])))
    return env


def func_yaml_envs(function: str, env: Mapping[str, str]) -> dict[str, str]:
    """The function's `run.envs` from its func.yaml, `{{ env:NAME }}` filled in as func does."""
    path = ROOT / "functions" / function / "func.yaml"
    spec = yaml.safe_load(path.read_text()) if path.exists() else {}
    envs = (spec.get("run") or {}).get("envs") or []
    lookup = {**os.environ, **env}

    def fill(match: re.Match[str]) -> str:
        return lookup.get(match.group(1), "")

    return {item["name"]: _ENV_REF.sub(fill, str(item.get("value", ""))) for item in envs}


def pinned(process: Process, cpus: str) -> Process:
    """The same process, started on these CPUs only (taskset execs it: same pid)."""
    return dataclasses.replace(process, argv=["taskset", "-c", cpus, *process.argv])


@dataclass
class Stack:
    """The shop's processes. `urls`: the addresses given (name -> URL), the rest planned.
    `overrides`: environment variables of one process (name -> variables). `deliver`: where
    the broker delivers to a function, given its name and address (default: the address),
    e.g. a fault proxy's; asked once a broker process. `pin`: the CPUs the functions and
    nginx run on. `say`: what a process started or skipped is told to (make run: stdout)."""

    env: dict[str, str]
    folder: Path
    urls: dict[str, str] = field(default_factory=dict)
    overrides: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    deliver: Callable[[str, str], str] | None = None
    pin: str | None = None
    say: Say = quiet
    processes: dict[str, Process] = field(default_factory=dict)

    def __post_init__(self) -> None:
        misplaced = sorted(ADDRESS_VARIABLES & set(self.env))
        if misplaced:
            raise StackError(f"addresses are given as urls, not in env: {', '.join(misplaced)}")
        # A data server not given is the environment's, unless it is started: then a free port.
        unplanned = [name for name in ORDER if name not in self.urls and name not in DATA]
        free = ports.free_ports(len(unplanned))
        planned = {
            name: f"http://127.0.0.1:{port}" for name, port in zip(unplanned, free, strict=True)
        }
        self.urls = {**planned, **self.urls}

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    @property
    def nginx_url(self) -> str:
        return self.urls["nginx"]

    @property
    def served(self) -> dict[str, str]:
        """The addresses of the processes this stack started."""
        return {name: self.urls[name] for name in self.processes}

    @property
    def environ(self) -> dict[str, str]:
        """What every process is given: the stack's environment and the addresses."""
        return {**self.env, **environment(self.urls)}

    def environ_of(self, name: str) -> dict[str, str]:
        """What the process `name` is started with."""
        env = self.environ
        if name == "broker" and self.deliver is not None:
            deliver = self.deliver
            env.update({f"{f.upper()}_URL": deliver(f, self.urls[f]) for f in FUNCTIONS})
        if name in FUNCTIONS:
            env.update(func_yaml_envs(name, env))
        return {**env, **self.overrides.get(name, {})}

    def start(self, names: Iterable[str] = ORDER) -> Stack:
        """Start these processes (default: all) in ORDER, each once the one before listens."""
        wanted = set(names)
        unknown = wanted - set(ORDER)
        if unknown:
            raise StackError(f"no such process: {', '.join(sorted(unknown))}")
        for name in ORDER:
            if name in wanted and name not in self.processes:
                self._start(name)
        return self

    def _start(self, name: str) -> None:
        if name in DATA:
            self._data_server(name)
        elif name == "prometheus":
            self._prometheus()
        else:
            port = port_of(self.urls[name])
            if processes.port_open(port):
                raise StackError(f"port {port} for {name} is taken: is another `make run` up?")
            self._launch(name, self.process(name))
            self.say(f"{name}: {self.urls[name]}  (log: {self.log(name)})")

    def process(
        self, name: str, port: int | None = None, env: Mapping[str, str] | None = None
    ) -> Process:
        """A function, the broker or nginx as this stack starts it, `env` added, not started:
        on its own port by default; on another, with a log of its own."""
        own = port_of(self.urls[name])
        port = port or own
        log = self.log(name) if port == own else self.logs / f"{name}-{port}.log"
        full = {**self.environ_of(name), **(env or {})}
        if name == "broker":
            made = processes.broker_process(port, log, full)
        elif name == "nginx":
            upstreams = {f: urlsplit(self.urls[f]).netloc for f in FUNCTIONS}
            # Another nginx beside the stack's writes its configuration (and pid) apart.
            prefix = self.folder / ("nginx" if port == own else f"nginx-{port}")
            made = nginx_process(prefix, port, log, upstreams, full)
        elif name in FUNCTIONS:
            made = processes.function_process(name, port, log, full)
        else:
            raise StackError(f"{name} is not a function, the broker or nginx")
        return pinned(made, self.pin) if self.pin and name in PINNABLE else made

    def another(self, name: str, env: Mapping[str, str] | None = None) -> tuple[Process, str]:
        """One more process of `name` beside the stack's, on a free port, started; and its URL."""
        port = self._free_port()
        process = self.process(name, port, env).start()
        process.wait_for_port(port, TIMEOUT)
        return process, f"http://127.0.0.1:{port}"

    def _free_port(self) -> int:
        """A free port that no planned process is to listen on."""
        planned = {urlsplit(url).port for url in self.urls.values()}
        while (port := ports.free_port()) in planned:
            pass
        return port

    def _launch(self, name: str, process: Process, timeout: float = TIMEOUT) -> None:
        self.processes[name] = process.start()
        process.wait_for_port(port_of(self.urls[name]), timeout)

    def _data_server(self, name: str) -> None:
        url = self.urls.setdefault(name, _PRIVATE[name].format(self._free_port()))
        port = port_of(url)
        if processes.port_open(port):
            self.say(f"{name}: reusing the server listening on port {port}")
            return
        folder = self.folder / name
        self.say(f"{name}: starting a private server on port {port} (data in {folder})")
        self._launch(name, processes.data_process(name, port, folder, self.log(name)), DATA_TIMEOUT)

    def _prometheus(self) -> None:
        """Prometheus scraping every function served and the broker, when it is installed."""
        binary = prometheus.installed()
        if binary is None:
            self.say(prometheus.INSTALL_HINT)
            return
        port = port_of(self.urls["prometheus"])
        if processes.port_open(port):
            self.say(f"port {port} is taken: Prometheus not started (PROMETHEUS_PORT=...)")
            return
        scraped = [name for name in (*FUNCTIONS, "broker") if name in self.processes]
        targets = {name: urlsplit(self.urls[name]).netloc for name in scraped}
        log = self.log("prometheus")
        process = prometheus.prometheus_process(
            self.folder / "prometheus", port, log, targets, binary
        )
        self._launch("prometheus", process)
        url = self.urls["prometheus"]
        until(lambda: prometheus.ready(url), TIMEOUT, "Prometheus to open its storage")
        self.say(f"Prometheus: {self.urls['prometheus']}/  (alerts: /alerts, log: {log})")

    def stop(self, name: str) -> None:
        """Stop it (SIGTERM, then SIGKILL), and wait until its port is let go of."""
        self._terminate(name)
        self._let_go(name)

    def _terminate(self, name: str) -> None:
        """SIGTERM, and SIGKILL if it is not gone after its grace (the broker and the
        functions finish what is under way; a private MariaDB or RabbitMQ takes longer)."""
        self.processes[name].stop(DATA_TIMEOUT / 2 if name in DATA else 30.0)

    def _let_go(self, name: str) -> None:
        port = port_of(self.urls[name])
        what = f"{name} to let go of port {port}"
        until(lambda: not processes.port_open(port), 30, what, 0.1, error=StackError)

    def kill(self, name: str) -> None:
        """Stop it at once, as a crash would."""
        self.processes[name].kill()

    def restart(self, name: str) -> None:
        """Stop it if it runs, and start it again on its port."""
        self.stop(name)
        process = self.processes[name].start()
        process.wait_for_port(port_of(self.urls[name]), DATA_TIMEOUT if name in DATA else TIMEOUT)

    def stop_all(self) -> None:
        """Stop every process it started, the last first; then wait for their ports."""
        names = list(reversed(self.processes))
        for name in names:
            self._terminate(name)
        for name in names:
            self._let_go(name)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop_all()
