"""`make run`: the whole shop on this machine, stopped again by Ctrl-C.

Data servers already listening at the configured address are reused; missing
ones are started privately under .state/ from the installed server (MongoDB:
`mongod`, else the embedded nx-27017). Then the stores are seeded, every
function is served by functions-framework on its own port, and nginx fronts
them all on http://localhost:8080. Ctrl-C stops what this runner started and
nothing else.
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
from pathlib import Path
from urllib.parse import urlsplit

from kit import LOCAL_PORTS, namespaced
from scripts import localstack
from scripts.localstack import ROOT, Process, StackError
from scripts.nginx_conf import nginx_process

STATE = Path(os.environ.get("ROBOSHOP_STATE") or ROOT / ".state")
_ENV_REF = re.compile(r"\{\{\s*env:(\w+)\s*\}\}")
NGINX_PORT = int(os.environ.get("NGINX_PORT", "8080"))

# Every function and the stack itself read these; the environment overrides each one.
DEFAULTS = {
    "MONGO_URL": "mongodb://127.0.0.1:27017",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "MYSQL_HOST": "127.0.0.1",
    "MYSQL_PORT": "3306",
    "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
    "K_SINK": "http://127.0.0.1:8010/",  # the dev broker's ingress (scripts/broker)
    "SEED_DEMO_USERS": "true",  # the published demo accounts: here, never in production
    "WORKERS": "1",
    "THREADS": "4",
    **{f"{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in LOCAL_PORTS.items()},
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


class Stack:
    def __init__(self) -> None:
        self.env = {key: os.environ.get(key) or value for key, value in DEFAULTS.items()}
        self.env["SESSION_SECRET"] = os.environ.get("SESSION_SECRET") or local_secret()
        # The seed step creates these functions' own MySQL users; a stack with a
        # DATA_NAMESPACE (a test's) gets users of its own, never re-keying the shared ones.
        for function in ("shipping", "ratings"):
            user, password = f"{function.upper()}_MYSQL_USER", f"{function.upper()}_MYSQL_PASSWORD"
            secret = f"{function}-mysql-password"
            self.env[user] = os.environ.get(user) or namespaced(function)
            self.env[password] = os.environ.get(password) or local_secret(secret)
        self.started: list[Process] = []

    def launch(self, process: Process, port: int, timeout: float = 60.0) -> None:
        self.started.append(process.start())
        process.wait_for_port(port, timeout)

    def data_server(self, name: str, url: str, start: Callable[[int, Path], Process]) -> None:
        port = urlsplit(url).port
        if port is None:
            raise StackError(f"{name}: the URL {url} names no port")
        if localstack.port_open(port):
            say(f"{name}: reusing the server listening on port {port}")
            return
        say(f"{name}: starting a private server on port {port} (data in {STATE / name})")
        self.launch(start(port, STATE / name), port)

    def data_tier(self) -> None:
        def server(build: Callable[[int, Path], list[str]], name: str) -> Callable[..., Process]:
            return lambda port, folder: Process(name, build(port, folder), self.log(name))

        mysql_url = f"mysql://{self.env['MYSQL_HOST']}:{self.env['MYSQL_PORT']}"
        self.data_server(
            "mongodb", self.env["MONGO_URL"], server(localstack.mongo_command, "mongodb")
        )
        self.data_server("redis", self.env["REDIS_URL"], server(localstack.redis_command, "redis"))
        self.data_server("mysql", mysql_url, server(localstack.mariadb_command, "mysql"))
        self.data_server(
            "rabbitmq",
            self.env["AMQP_URL"],
            lambda port, folder: localstack.rabbitmq_process(
                "roboshop", port, folder, self.log("rabbitmq")
            ),
        )

    @staticmethod
    def log(name: str) -> Path:
        return STATE / "logs" / f"{name}.log"

    def seed(self) -> None:
        say("seeding the stores (idempotent)")
        localstack.seed([], self.env)

    def functions(self) -> None:
        for name in LOCAL_PORTS:
            folder = ROOT / "functions" / name
            if not (folder / "main.py").exists():
                continue
            port = urlsplit(self.env[f"{name.upper()}_URL"]).port or 80
            if localstack.port_open(port):
                raise StackError(f"port {port} for {name} is taken: is another `make run` up?")
            env = {**self.env, **func_yaml_envs(folder / "func.yaml", self.env)}
            self.launch(localstack.function_process(name, port, self.log(name), env), port)
            say(f"{name}: http://127.0.0.1:{port}  (log: {self.log(name)})")

    def broker(self) -> None:
        port = urlsplit(self.env["K_SINK"]).port or 80
        if localstack.port_open(port):
            raise StackError(f"port {port} for the broker is taken: is another `make run` up?")
        self.launch(localstack.broker_process(port, self.log("broker"), self.env), port)
        say(f"broker: {self.env['K_SINK']}  (log: {self.log('broker')})")

    def nginx(self) -> None:
        if localstack.port_open(NGINX_PORT):
            raise StackError(f"port {NGINX_PORT} is taken: is another `make run` up?")
        upstreams = {name: urlsplit(self.env[f"{name.upper()}_URL"]).netloc for name in LOCAL_PORTS}
        nginx = nginx_process(STATE / "nginx", NGINX_PORT, self.log("nginx"), upstreams)
        self.launch(nginx, NGINX_PORT)

    def stop(self) -> None:
        for process in reversed(self.started):
            process.stop()
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
        say(f"RoboShop is up: http://localhost:{NGINX_PORT}/  (Ctrl-C stops it)")
        while all(process.running() for process in stack.started):
            time.sleep(1)
        dead = [process for process in stack.started if not process.running()]
        for process in dead:
            print(f"!! {process.name} stopped; last lines of {process.log}:\n{process.tail()}")
        return 1
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
