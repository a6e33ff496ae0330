"""The shop under test and R1, each server pinned to the server core.

The functions, nginx and the dev broker are started by the same library as `make run` and
the tests (scripts/stack/shop.py), so whatever serves a function there - the server, its
settings - is what is measured here. The data servers are private (MongoDB-wire) or the
machine's own (Redis, MariaDB, RabbitMQ), inside a data namespace of this run's, removed
at the end.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import urllib3

from kit.stores import MySQLSettings, RedisSettings
from scripts.bench import floor
from scripts.stack import ports, processes
from scripts.stack.broker import triggers
from scripts.stack.cgroup import CpuCgroup, limited
from scripts.stack.processes import MALLOC, ROOT, VENV_BIN, Process
from scripts.stack.shop import SHOP, Stack, pinned
from scripts.stack.wait import until

SERVER_CPU = "0"
HELLO = ROOT / "scripts" / "bench" / "hello.py"
# Where the shipping match and the catalogue are measured at two sizes.
SMALL_CITIES = "gb,pl"  # 9,779 of the gazetteer's 234,908 cities
BIG_CATALOGUE = 10_000


def wait_for_200(url: str, process: Process, timeout: float = 60) -> float:
    """Seconds from now until `url` first answers 200 (polled every 5 ms)."""
    started = time.perf_counter()

    def status() -> int | None:
        seen = None
        try:
            # No kept-alive connection: a server stops at once, not after its keep-alive.
            answer = urllib3.request(
                "GET", url, headers={"Connection": "close"}, timeout=2, retries=False
            )
            seen = answer.status
        except urllib3.exceptions.HTTPError:
            pass
        if seen != 200 and not process.running():
            raise processes.StackError(f"{process.name} exited:\n{process.tail()}")
        return seen

    what = f"{url} to answer 200"
    until(status, timeout, what, 0.005, done=lambda seen: seen == 200, error=processes.StackError)
    return time.perf_counter() - started


def reference_process(port: int, log: Path) -> Process:
    """R1: functions-framework's hello world with its defaults (gunicorn, one worker,
    4 threads per CPU), set here so that the caller's WORKERS/THREADS can't change it."""
    argv = [
        str(VENV_BIN / "functions-framework"),
        *("--target", "hello", "--source", str(HELLO)),
        *("--host", "127.0.0.1", "--port", str(port)),
    ]
    defaults = {"WORKERS": "1", "THREADS": str((os.cpu_count() or 1) * 4)}
    return pinned(Process("R1", argv, log, defaults), SERVER_CPU)


@dataclass(frozen=True)
class Start:
    """A cold start: seconds from the process's start to its first 200, and the CPU time
    its process tree had used by then (what a CPU quota rations)."""

    seconds: float
    cpu_seconds: float


@dataclass
class Server:
    process: Process
    url: str

    @property
    def pid(self) -> int:
        assert self.process.popen is not None
        return self.process.popen.pid

    def stop(self) -> None:
        self.process.stop()


def start_reference(logs: Path, group: CpuCgroup | None = None) -> tuple[Server, float]:
    """R1 started (inside `group`, when given), and the seconds until its first 200."""
    port = ports.free_port()
    process = reference_process(port, logs / f"R1-{port}.log")
    process = (process if group is None else limited(process, group)).start()
    url = f"http://127.0.0.1:{port}"
    return Server(process, url), wait_for_200(url + "/", process)


def floor_process(name: str, port: int, log: Path, env: dict[str, str]) -> Process:
    """R2 or R3 (scripts/bench/floor.py) with a function's environment: the same server,
    workers, threads and allocator settings (scripts/stack/processes.function_process)."""
    argv = [sys.executable, "-m", "scripts.bench.floor", name.lower()]
    settings = {"HOST": "127.0.0.1", "PORT": str(port)}
    return pinned(Process(name, argv, log, {**MALLOC, **env, **settings}), SERVER_CPU)


@dataclass
class Shop:
    stack: Stack
    namespace: str
    extra: list[Server] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return self.stack.environ

    @property
    def logs(self) -> Path:
        return self.stack.logs

    def pid(self, name: str) -> int:
        popen = self.stack.processes[name].popen
        assert popen is not None
        return popen.pid

    def url(self, name: str) -> str:
        return self.stack.urls[name]

    def function(self, name: str, port: int, env: dict[str, str] | None = None) -> Process:
        """A fresh process of the function as the stack starts it, with `env` added."""
        return self.stack.process(name, port, env)

    def start_extra(self, name: str, env: dict[str, str], probe: str) -> Server:
        """Another process of the function beside the stack's (other data), on its own port."""
        process, url = self.stack.another(name, env)
        server = Server(process, url)
        self.extra.append(server)
        wait_for_200(server.url + probe, process)
        return server

    def start_floors(self) -> dict[str, Server]:
        """R2 and R3, up; R3's key written first, in the run's namespace (removed at the end)."""
        import redis

        key = f"{self.namespace}floor"
        client = redis.Redis.from_url(self.env["REDIS_URL"])
        client.set(key, "world")
        client.close()
        env = {**self.env, floor.KEY_VARIABLE: key}
        started: dict[str, Server] = {}
        for name in ("R2", "R3"):
            port = ports.free_port()
            process = floor_process(name, port, self.logs / f"{name}-{port}.log", env).start()
            started[name] = Server(process, f"http://127.0.0.1:{port}")
            self.extra.append(started[name])
            wait_for_200(started[name].url + "/", process)
        return started


def bench_env(namespace: str) -> dict[str, str]:
    """As the shop runs (make run, the cluster): the catalogue's cache and the function's own
    log level; no test's card limit, so that no benchmark order is declined. The per-client
    limits are lifted, since every benchmark client is one address: what is measured is what
    a request costs, not how soon one client is told to wait (tests/user, tests/ratings test
    that). Logins may all wait for a hash slot, so "login, 16 concurrent" still measures 16
    logins queued on the hashes, not how many are turned away busy."""
    return {
        "MYSQL_USER": MySQLSettings.current().mysql_user,
        "MYSQL_PASSWORD": MySQLSettings.current().mysql_password,
        "DATA_NAMESPACE": namespace,
        "SESSION_SECRET": secrets.token_urlsafe(48),
        "WORKERS": "1",
        "THREADS": "4",
        "PAYMENT_DECLINE_ABOVE_EUR": str(10**9),
        "LOGIN_ATTEMPTS_PER_CLIENT": str(10**9),
        "ANONYMOUS_IDS_PER_CLIENT": str(10**9),
        # THREADS less the two hashes: every request thread may wait for a slot.
        "PASSWORD_HASH_WAITERS": "2",
        "PASSWORD_HASH_WAIT_MS": str(10**6),
        # wrk's thousands of requests a second come from one address: nginx's per-client
        # limits are raised out of its way, so the figures are nginx's and the functions'.
        "NGINX_LIMIT_SCALE": "10000",
    }


def dispatch_threads() -> str:
    """Threads for the one dispatch process: as many as its Trigger delivers at once.

    Its fulfilment is a wait (up to DISPATCH_DELAY_MS, 150 ms on average) that holds a
    request thread. On the cluster the autoscaler gives dispatch pods for every event its
    dispatcher has in flight (4 requests a pod, max-scale 3: 12); one local process of 4
    threads holds 4 of the 8 and capped the pipeline at about 4 / 0.15 s = 27 orders/s.
    """
    found, _ = triggers.load()
    return str(max(t.parallelism for t in found if t.name.startswith("dispatch-")))


def machine_urls(amqp_url: str) -> dict[str, str]:
    """The machine's Redis and MariaDB (as configured), and a RabbitMQ vhost of this run's."""
    mysql = MySQLSettings.current()
    return {
        "redis": RedisSettings.current().redis_url,
        "mysql": f"mysql://{mysql.mysql_host}:{mysql.mysql_port}",
        "rabbitmq": amqp_url,
    }


def forget(namespace: str, env: dict[str, str]) -> None:
    """Every Redis key, MariaDB database and user this run made."""
    import pymysql
    import redis

    from scripts.jobs.seed import _mysql

    client = redis.Redis.from_url(env["REDIS_URL"])
    keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
    conn = pymysql.connect(
        host=env["MYSQL_HOST"],
        port=int(env["MYSQL_PORT"]),
        user=env["MYSQL_USER"],
        password=env.get("MYSQL_PASSWORD", ""),
    )
    _mysql.drop_namespace(conn, namespace)
    conn.close()


# The robot every section buys: orders take stock now, and a bench places thousands.
BOUGHT = "RMC"
BENCH_STOCK = 100_000_000


def restock(env: dict[str, str]) -> None:
    """The bought robot stocked far beyond a run's orders, as `make stock` would."""
    subprocess.run(
        [sys.executable, "-m", "scripts.ops.stock", BOUGHT, str(BENCH_STOCK)],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )


@contextmanager
def shop(work: Path, cities: str = "") -> Iterator[Shop]:
    """The whole shop, seeded (every city unless `cities` names countries), pinned, up."""
    namespace = f"bench{secrets.token_hex(4)}_"
    with processes.vhost(f"{namespace}broker") as amqp_url:
        stack = Stack(
            bench_env(namespace),
            work,
            machine_urls(amqp_url),
            overrides={"dispatch": {"THREADS": dispatch_threads()}},
            pin=SERVER_CPU,
        )
        running = Shop(stack, namespace)
        try:
            stack.start(["mongodb"])
            seeding = {**stack.environ, "SEED_COUNTRIES": cities} if cities else stack.environ
            processes.seed(["catalogue", "users", "ratings", "cities"], seeding, quiet=True)
            restock(stack.environ)
            stack.start(SHOP)
            yield running
        finally:
            for server in running.extra:
                server.stop()
            stack.stop_all()
            forget(namespace, stack.environ)
