"""The whole shop for the tests through nginx (the browser's and the outsider's): every
function, the dev broker and nginx from the same template as `make run`, each on a free
port, wired to each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scripts.stack import processes
from scripts.stack.nginx import nginx_process
from scripts.stack.processes import Process
from scripts.stack.shop import func_yaml_envs

# Start order: each function's peers are up before it.
FUNCTIONS = [
    "catalogue",
    "deadletters",
    "user",
    "cart",
    "ratings",
    "shipping",
    "dispatch",
    "payment",
]
PUBLIC = ["catalogue", "cart", "user", "shipping", "ratings", "payment"]
# Cities of a few countries are enough for a shopper; the full gazetteer is slow to load.
SEED_COUNTRIES = ("gb", "de", "fr")
# The simulated gateway declines above this, so a big order shows the declined path.
DECLINE_ABOVE = 10_000
SESSION_SECRET = "stack-tests-" + "s" * 32


def stack_env(
    mongo_url: str, redis_url: str, mysql: dict[str, object], amqp_url: str, namespace: str
) -> dict[str, str]:
    return {
        "MONGO_URL": mongo_url,
        "REDIS_URL": redis_url,
        "MYSQL_HOST": str(mysql["host"]),
        "MYSQL_PORT": str(mysql["port"]),
        "MYSQL_USER": str(mysql["user"]),
        "MYSQL_PASSWORD": str(mysql["password"]),
        "AMQP_URL": amqp_url,
        "DATA_NAMESPACE": namespace,
        "SESSION_SECRET": SESSION_SECRET,
        "LOG_LEVEL": "warning",
        "WORKERS": "1",
        "THREADS": "4",
        # Stock changes made by a test show at once, not after the catalogue's cache expires.
        "CATALOGUE_CACHE_SECONDS": "0",
        "PAYMENT_DECLINE_ABOVE_EUR": str(DECLINE_ABOVE),
    }


def seed_stores() -> None:
    from scripts.jobs.seed import catalogue, cities, ratings, users

    catalogue.seed()
    users.seed(demo=True)
    ratings.seed()
    cities.seed(only=SEED_COUNTRIES)


@dataclass
class Stack:
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, Process] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    nginx_url: str = ""

    def function_process(self, name: str, port: int) -> Process:
        env = {**self.env, **func_yaml_envs(name, self.env), **self.peer_env()}
        return processes.function_process(name, port, self.log_dir / f"{name}-{port}.log", env)

    def peer_env(self) -> dict[str, str]:
        return {f"{name.upper()}_URL": url for name, url in self.urls.items()}

    def launch(self, name: str, process: Process, port: int) -> None:
        self.processes[name] = process.start()
        process.wait_for_port(port, timeout=60)
        self.urls[name] = f"http://127.0.0.1:{port}"

    def start_function(self, name: str) -> None:
        url = self.urls.get(name) or f"http://127.0.0.1:{processes.free_port()}"
        port = int(url.rsplit(":", 1)[1])
        self.launch(name, self.function_process(name, port), port)

    def start_broker(self) -> None:
        port = processes.free_port()
        env = {**self.env, **self.peer_env()}
        self.launch(
            "broker", processes.broker_process(port, self.log_dir / "broker.log", env), port
        )
        self.env["K_SINK"] = self.urls["broker"]

    def start_nginx(self, prefix: Path) -> None:
        port = processes.free_port()
        upstreams = {name: self.urls[name].removeprefix("http://") for name in PUBLIC}
        nginx = nginx_process(prefix, port, self.log_dir / "nginx.log", upstreams)
        self.launch("nginx", nginx, port)
        self.nginx_url = self.urls["nginx"]

    def start(self, prefix: Path) -> None:
        for name in FUNCTIONS:
            if name == "payment":
                # payment subscribes to its own order events: the broker must know its address
                # before payment, which needs the broker's (K_SINK), starts.
                self.urls["payment"] = f"http://127.0.0.1:{processes.free_port()}"
                self.start_broker()
            self.start_function(name)
        self.start_nginx(prefix)

    def stop(self, name: str) -> None:
        self.processes[name].stop()

    def restart(self, name: str) -> None:
        process = self.processes[name]
        port = int(self.urls[name].rsplit(":", 1)[1])
        process.start().wait_for_port(port, timeout=60)

    def stop_all(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
