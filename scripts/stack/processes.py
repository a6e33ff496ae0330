"""The processes of the local stack, one at a time: how each is started and stopped.

Each `*_command` builds the command line of a private server instance that keeps
its files under a folder of ours and listens on a port of ours, so that the
machine's own servers are never touched. scripts/stack/shop.py starts them together.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from scripts.stack.ports import free_port
from scripts.stack.wait import until

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


class StackError(RuntimeError):
    """Something the local stack needs is missing or would not start."""


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Process:
    """A child process with its log file, stopped with its whole process group."""

    name: str
    argv: Sequence[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT
    # Run in the child before exec (scripts/stack/cgroup.py: join a CPU-limited cgroup).
    preexec: Callable[[], None] | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                list(self.argv),
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=self.preexec,
            )
        return self

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_for_port(self, port: int, timeout: float = 30.0) -> None:
        def listening() -> bool:
            if port_open(port):
                return True
            if not self.running():
                raise StackError(f"{self.name} exited; see {self.log}:\n{self.tail()}")
            return False

        until(listening, timeout, f"{self.name} to listen on port {port}", 0.1, error=StackError)

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """Stop at once, as a crash would."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# As in the function image (Dockerfile): glibc hands blocks of 1 MiB and more straight back
# to the kernel once freed. Without it, each thread's arena keeps the 16 MiB of its last
# password hash, and a few concurrent logins hold the user function at its memory limit.
MALLOC = {"MALLOC_MMAP_THRESHOLD_": "1048576"}


def function_process(name: str, port: int, log: Path, env: dict[str, str]) -> Process:
    """A function served as in the cluster: granian (`python -m kit.serve`), WORKERS x THREADS."""
    settings = {
        "FUNCTION": name,
        "SOURCE": str(ROOT / "functions" / name / "main.py"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    defaults = {"WORKERS": "1", "THREADS": "4", "K_SERVICE": name, **MALLOC}
    full_env = {**defaults, **env, **settings}
    return Process(name, [sys.executable, "-m", "kit.serve"], log, full_env)


def broker_process(port: int, log: Path, env: dict[str, str]) -> Process:
    """The dev broker (`python -m scripts.stack.broker`) with its ingress on `port`."""
    full_env = {**env, "BROKER_PORT": str(port)}
    return Process("broker", [sys.executable, "-m", "scripts.stack.broker", "serve"], log, full_env)


def seed(stores: Sequence[str], env: dict[str, str], quiet: bool = False) -> None:
    """`python -m scripts.jobs.seed <stores>` (every store when none is named) with `env` added."""
    subprocess.run(
        [sys.executable, "-m", "scripts.jobs.seed", *stores],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=quiet,
    )


def require(program: str, install_hint: str) -> str:
    found = shutil.which(program) or shutil.which(program, path=str(VENV_BIN))
    if not found:
        raise StackError(f"{program} is not installed: {install_hint}")
    return found


def mongo_command(port: int, data_dir: Path) -> list[str]:
    """`mongod` when installed, else the embedded nx-27017 (MongoDB wire protocol on SQLite)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    mongod = shutil.which("mongod")
    if mongod:
        return [mongod, "--bind_ip", "127.0.0.1", "--port", str(port), "--dbpath", str(data_dir)]
    nx = require("nx-27017", "pip install -r requirements.txt (it provides nx-27017)")
    return [
        nx,
        "--data-dir",
        str(data_dir),
        "-p",
        str(port),
        "--log-file",
        str(data_dir / "nx-27017.log"),
        "--pid-file",
        str(data_dir / "nx-27017.pid"),
    ]


def redis_command(port: int, data_dir: Path) -> list[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    server = require("redis-server", "apt-get install redis-server")
    return [
        server,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--appendonly",
        "yes",
    ]


def mariadb_command(port: int, data_dir: Path) -> list[str]:
    """A private MariaDB; its data folder is initialised on first use (root, no password)."""
    server = require("mariadbd", "apt-get install mariadb-server")
    if not (data_dir / "mysql").exists():
        install = require("mariadb-install-db", "apt-get install mariadb-server")
        data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                install,
                "--no-defaults",
                f"--datadir={data_dir}",
                "--user=root",
                "--skip-test-db",
                "--auth-root-authentication-method=normal",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
    return [
        server,
        "--no-defaults",
        f"--datadir={data_dir}",
        "--user=root",
        "--bind-address=127.0.0.1",
        f"--port={port}",
        f"--socket={data_dir}/mysqld.sock",
        f"--pid-file={data_dir}/mysqld.pid",
        "--skip-log-bin",
    ]


def rabbitmq_process(port: int, data_dir: Path, log: Path) -> Process:
    """A private RabbitMQ node (guest/guest on loopback), named after its port."""
    server = require("rabbitmq-server", "apt-get install rabbitmq-server")
    # Debian's rabbitmq-server wrapper switches to the rabbitmq user, which can't write
    # our folders: run the server script behind it directly, as ourselves.
    direct = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    if direct.exists():
        server = str(direct)
    (data_dir / "mnesia").mkdir(parents=True, exist_ok=True)
    node = f"roboshop-{port}@localhost"
    env = {
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_DIST_PORT": str(free_port()),
        "RABBITMQ_MNESIA_BASE": str(data_dir / "mnesia"),
        "RABBITMQ_LOG_BASE": str(data_dir / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(data_dir / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(data_dir / "rabbitmq"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(data_dir / "advanced.config"),
        "RABBITMQ_PID_FILE": str(data_dir / "rabbitmq.pid"),
        "ERL_CRASH_DUMP": str(data_dir / "erl_crash.dump"),
    }
    (data_dir / "enabled_plugins").write_text("[].\n")
    (data_dir / "rabbitmq.conf").write_text("loopback_users = none\n")
    return Process("rabbitmq", [server], log, env)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def vhost(name: str) -> Iterator[str]:
    """A vhost on the machine's RabbitMQ for guest, deleted afterwards; yields its AMQP URL:
    a test's or a benchmark's broker takes no other's events."""
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@127.0.0.1:5672/{quote(name, safe='')}"
    finally:
        _rabbitmqctl("delete_vhost", name)


DATA_SERVERS = {"mongodb": mongo_command, "redis": redis_command, "mysql": mariadb_command}


def data_process(name: str, port: int, data_dir: Path, log: Path) -> Process:
    """A private data server (mongodb, redis, mysql or rabbitmq) keeping its data in `data_dir`."""
    if name == "rabbitmq":
        return rabbitmq_process(port, data_dir, log)
    return Process(name, DATA_SERVERS[name](port, data_dir), log)
