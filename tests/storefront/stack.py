"""The whole shop for the browser tests: every function that exists, the dev broker and
nginx from the same template as `make run`, each on a free port, wired to each other."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scripts import localstack
from scripts.localstack import ROOT, Process
from scripts.nginx_conf import nginx_process
from scripts.run import func_yaml_envs

# Start order: each function's peers are up before it.
FUNCTIONS = ["catalogue", "user", "cart", "ratings", "shipping", "dispatch", "payment"]
PUBLIC = ["catalogue", "cart", "user", "shipping", "ratings", "payment"]
BROKER = "scripts/broker/__main__.py"
# Cities of a few countries are enough for a shopper; the full gazetteer is slow to load.
SEED_COUNTRIES = ("gb", "de", "fr")


def in_git(path: str) -> bool:
    """Whether `path` is committed (a colleague's work in progress does not count yet)."""
    try:
        found = subprocess.run(
            ["git", "ls-files", "--error-unmatch", path],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return (ROOT / path).exists()
    return found.returncode == 0 or (not (ROOT / ".git").exists() and (ROOT / path).exists())


def available(name: str) -> bool:
    return in_git(f"functions/{name}/main.py")


def missing(names: Iterable[str]) -> list[str]:
    """Which of the named functions (or `broker`) are not in the repository yet."""
    return [n for n in names if not (in_git(BROKER) if n == "broker" else available(n))]


def seed_stores() -> None:
    from scripts.seed import catalogue

    catalogue.seed()
    if available("user"):
        from scripts.seed import users

        users.seed()
    if available("ratings"):
        from scripts.seed import ratings

        ratings.seed()
    if available("shipping"):
        from scripts.seed import cities

        cities.seed(only=SEED_COUNTRIES)


@dataclass
class Stack:
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, Process] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    nginx_url: str = ""

    def function_process(self, name: str, port: int) -> Process:
        folder = ROOT / "functions" / name
        env = {**self.env, **func_yaml_envs(folder / "func.yaml", self.env), **self.peer_env()}
        return localstack.function_process(name, port, self.log_dir / f"{name}-{port}.log", env)

    def peer_env(self) -> dict[str, str]:
        return {f"{name.upper()}_URL": url for name, url in self.urls.items()}

    def launch(self, name: str, process: Process, port: int) -> None:
        self.processes[name] = process.start()
        process.wait_for_port(port, timeout=60)
        self.urls[name] = f"http://127.0.0.1:{port}"

    def start_function(self, name: str) -> None:
        url = self.urls.get(name) or f"http://127.0.0.1:{localstack.free_port()}"
        port = int(url.rsplit(":", 1)[1])
        self.launch(name, self.function_process(name, port), port)

    def start_broker(self) -> None:
        port = localstack.free_port()
        env = {**self.env, **self.peer_env()}
        self.launch(
            "broker", localstack.broker_process(port, self.log_dir / "broker.log", env), port
        )
        self.env["K_SINK"] = self.urls["broker"]

    def start_nginx(self, prefix: Path) -> None:
        port = localstack.free_port()
        closed = f"127.0.0.1:{localstack.free_port()}"
        upstreams = {
            name: self.urls[name].removeprefix("http://") if name in self.urls else closed
            for name in PUBLIC
        }
        nginx = nginx_process(prefix, port, self.log_dir / "nginx.log", upstreams)
        self.launch("nginx", nginx, port)
        self.nginx_url = self.urls["nginx"]

    def start(self, prefix: Path) -> None:
        for name in FUNCTIONS:
            if name == "payment" and in_git(BROKER):
                # payment subscribes to its own order events: the broker must know its address
                # before payment, which needs the broker's (K_SINK), starts.
                self.urls["payment"] = f"http://127.0.0.1:{localstack.free_port()}"
                self.start_broker()
            if available(name):
                self.start_function(name)
        self.start_nginx(prefix)

    def serves(self, name: str, path: str) -> bool:
        """Whether the running function has a route at `path` (405 still means it has)."""
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(self.urls[name] + path, timeout=10):
                return True
        except urllib.error.HTTPError as error:
            return error.code != 404

    def stop(self, name: str) -> None:
        self.processes[name].stop()

    def restart(self, name: str) -> None:
        process = self.processes[name]
        port = int(self.urls[name].rsplit(":", 1)[1])
        process.start().wait_for_port(port, timeout=60)

    def stop_all(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
