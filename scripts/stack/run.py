"""`make run`: the whole shop on this machine, stopped again by Ctrl-C.

Data servers already listening at the configured address are reused; missing
ones are started privately under .state/ from the installed server (MongoDB:
`mongod`, else the embedded nx-27017). Then the stores are seeded, every
function is served by granian (kit.serve) on its own port, and nginx fronts
them all on http://localhost:8080. A process that dies is started again, after
a pause that doubles while it keeps dying, as Kubernetes restarts a crashed
container. Ctrl-C stops what this runner started and nothing else.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kit import LOCAL_PORTS, namespaced, peer_url
from kit.events import SinkSettings
from kit.stores import MongoSettings, MySQLSettings, RedisSettings
from scripts.stack import processes, prometheus
from scripts.stack.broker.settings import BrokerSettings
from scripts.stack.nginx import nginx_process
from scripts.stack.processes import ROOT, Process, StackError

STATE = Path(os.environ.get("ROBOSHOP_STATE") or ROOT / ".state")
_ENV_REF = re.compile(r"\{\{\s*env:(\w+)\s*\}\}")
NGINX_PORT = int(os.environ.get("NGINX_PORT") or "8080")
PROMETHEUS_PORT = int(os.environ.get("PROMETHEUS_PORT") or "9090")

# What only the local stack sets: the published demo accounts, never in production.
LOCAL_ONLY = {"SEED_DEMO_USERS": "true"}


def addresses() -> dict[str, str]:
    """Where the functions and the broker will look for the stores, each other and the
    broker: their own settings (the environment, else the defaults that fit this machine)."""
    mysql = MySQLSettings.current()
    return {
        "MONGO_URL": MongoSettings.current().mongo_url,
        "REDIS_URL": RedisSettings.current().redis_url,
        "MYSQL_HOST": mysql.mysql_host,
        "MYSQL_PORT": str(mysql.mysql_port),
        "AMQP_URL": BrokerSettings.current().amqp_url,
        "K_SINK": SinkSettings.current().k_sink,
        **{f"{name.upper()}_URL": peer_url(name) for name in LOCAL_PORTS},
    }


def func_yaml_envs(path: Path, stack_env: dict[str, str]) -> dict[str, str]:
    """The function's `run.envs` from its func.yaml, `{{ env:NAME }}` filled in as func does."""
    import yaml

    spec = yaml.safe_load(path.read_text()) if path.exists() else {}
    envs = (spec.get("run") or {}).get("envs") or []
    lookup = {**os.environ, **stack_env}

    def fill(match: re.Match[str]) -> str:
        return lookup.get(match.group(1), "")

    return {item["name"]: _ENV_REF.sub(fill, str(item.get("value", ""))) for item in envs}


def local_secret(name: str = "session-secret") -> str:
    """A secret of the local stack (session signing, ...): made once, kept out of git in .state/."""
    path = STATE / name
    if not path.exists():
        STATE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def stop_on_ctrl_c() -> None:
    """Ctrl-C (SIGINT) stops the stack, also when the runner was started in the background:
    a shell starts background jobs with SIGINT ignored, and Python keeps it ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


# Kubernetes' CrashLoopBackOff: 10 s doubling to 5 min; locally 1 s doubling to 30 s, and a
# process that stayed up this long is forgiven its earlier crashes.
FIRST_BACKOFF, MAX_BACKOFF, STABLE_AFTER = 1.0, 30.0, 60.0


@dataclass
class Supervised:
    """A started process, its port, and when it may be started again after a crash."""

    process: Process
    port: int
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None
    restarts: int = 0
    announced: bool = True

    def watch(self, now: float) -> None:
        """Restart it once its pause is over; say when a restarted one answers again."""
        if self.process.running():
            if not self.announced and processes.port_open(self.port):
                self.announced = True
                say(f"{self.process.name} is back on port {self.port}")
            if now - self.started_at > STABLE_AFTER:
                self.backoff = FIRST_BACKOFF
            return
        if self.restart_at is None:
            code = self.process.popen.returncode if self.process.popen else None
            print(
                f"!! {self.process.name} exited (code {code}); restarting it in "
                f"{self.backoff:.0f}s, as Kubernetes would. Last lines of {self.process.log}:\n"
                f"{self.process.tail()}",
                flush=True,
            )
            self.restart_at = now + self.backoff
            self.backoff = min(MAX_BACKOFF, self.backoff * 2)
        elif now >= self.restart_at:
            self.restarts += 1
            say(f"restarting {self.process.name} (restart {self.restarts})")
            self.process.start()
            self.started_at, self.restart_at, self.announced = now, None, False


class Stack:
    def __init__(self) -> None:
        local = {key: os.environ.get(key) or value for key, value in LOCAL_ONLY.items()}
        self.env = {**addresses(), **local}
        self.env["SESSION_SECRET"] = os.environ.get("SESSION_SECRET") or local_secret()
        # The seed step creates these functions' own MySQL users; a stack with a
        # DATA_NAMESPACE (a test's) gets users of its own, never re-keying the shared ones.
        for function in ("shipping", "ratings"):
            user, password = f"{function.upper()}_MYSQL_USER", f"{function.upper()}_MYSQL_PASSWORD"
            secret = f"{function}-mysql-password"
            self.env[user] = os.environ.get(user) or namespaced(function)
            self.env[password] = os.environ.get(password) or local_secret(secret)
        # The chaos switches (`make chaos`) the functions and the broker read.
        self.env["FLAGS_FILE"] = os.environ.get("FLAGS_FILE") or str(STATE / "flags.json")
        self.started: list[Supervised] = []

    def launch(self, process: Process, port: int, timeout: float = 60.0) -> None:
        self.started.append(Supervised(process.start(), port, time.monotonic()))
        process.wait_for_port(port, timeout)

    def supervise(self) -> None:
        """Keep every process running, until Ctrl-C."""
        while True:
            now = time.monotonic()
            for supervised in self.started:
                supervised.watch(now)
            time.sleep(0.5)

    def data_server(self, name: str, url: str, start: Callable[[int, Path], Process]) -> None:
        port = urlsplit(url).port
        if port is None:
            raise StackError(f"{name}: the URL {url} names no port")
        if processes.port_open(port):
            say(f"{name}: reusing the server listening on port {port}")
            return
        say(f"{name}: starting a private server on port {port} (data in {STATE / name})")
        self.launch(start(port, STATE / name), port)

    def data_tier(self) -> None:
        def server(build: Callable[[int, Path], list[str]], name: str) -> Callable[..., Process]:
            return lambda port, folder: Process(name, build(port, folder), self.log(name))

        mysql_url = f"mysql://{self.env['MYSQL_HOST']}:{self.env['MYSQL_PORT']}"
        self.data_server(
            "mongodb", self.env["MONGO_URL"], server(processes.mongo_command, "mongodb")
        )
        self.data_server("redis", self.env["REDIS_URL"], server(processes.redis_command, "redis"))
        self.data_server("mysql", mysql_url, server(processes.mariadb_command, "mysql"))
        self.data_server(
            "rabbitmq",
            self.env["AMQP_URL"],
            lambda port, folder: processes.rabbitmq_process(port, folder, self.log("rabbitmq")),
        )

    @staticmethod
    def log(name: str) -> Path:
        return STATE / "logs" / f"{name}.log"

    def seed(self) -> None:
        say("seeding the stores (idempotent)")
        processes.seed([], self.env)

    def functions(self) -> None:
        for name in LOCAL_PORTS:
            folder = ROOT / "functions" / name
            if not (folder / "main.py").exists():
                continue
            port = urlsplit(self.env[f"{name.upper()}_URL"]).port or 80
            if processes.port_open(port):
                raise StackError(f"port {port} for {name} is taken: is another `make run` up?")
            env = {**self.env, **func_yaml_envs(folder / "func.yaml", self.env)}
            self.launch(processes.function_process(name, port, self.log(name), env), port)
            say(f"{name}: http://127.0.0.1:{port}  (log: {self.log(name)})")

    def broker(self) -> None:
        port = urlsplit(self.env["K_SINK"]).port or 80
        if processes.port_open(port):
            raise StackError(f"port {port} for the broker is taken: is another `make run` up?")
        self.launch(processes.broker_process(port, self.log("broker"), self.env), port)
        say(f"broker: {self.env['K_SINK']}  (log: {self.log('broker')})")

    def nginx(self) -> None:
        if processes.port_open(NGINX_PORT):
            raise StackError(f"port {NGINX_PORT} is taken: is another `make run` up?")
        upstreams = {name: urlsplit(self.env[f"{name.upper()}_URL"]).netloc for name in LOCAL_PORTS}
        nginx = nginx_process(STATE / "nginx", NGINX_PORT, self.log("nginx"), upstreams)
        self.launch(nginx, NGINX_PORT)

    def prometheus(self) -> None:
        """Prometheus scraping every function and the broker, when it is installed."""
        binary = prometheus.installed()
        if binary is None:
            say(prometheus.INSTALL_HINT)
            return
        if processes.port_open(PROMETHEUS_PORT):
            say(f"port {PROMETHEUS_PORT} is taken: Prometheus not started (PROMETHEUS_PORT=...)")
            return
        targets = {name: urlsplit(self.env[f"{name.upper()}_URL"]).netloc for name in LOCAL_PORTS}
        targets["broker"] = urlsplit(self.env["K_SINK"]).netloc
        process = prometheus.prometheus_process(
            STATE / "prometheus", PROMETHEUS_PORT, self.log("prometheus"), targets, binary
        )
        self.launch(process, PROMETHEUS_PORT)
        say(
            f"Prometheus: http://127.0.0.1:{PROMETHEUS_PORT}/  (alerts: /alerts, "
            f"log: {self.log('prometheus')})"
        )

    def stop(self) -> None:
        for supervised in reversed(self.started):
            supervised.process.stop()
        self.started.clear()


def main() -> int:
    stack = Stack()
    stop_on_ctrl_c()
    try:
        stack.data_tier()
        stack.seed()
        stack.functions()
        stack.broker()
        stack.nginx()
        stack.prometheus()
        say(f"RoboShop is up: http://localhost:{NGINX_PORT}/  (Ctrl-C stops it)")
        say(f"API reference: http://localhost:{NGINX_PORT}/docs/   chaos switches: make chaos")
        stack.supervise()
        return 0
    except StackError as exc:
        print(f"!! {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"!! {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        say("stopping what this runner started")
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
