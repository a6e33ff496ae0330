"""The fault drills' shop: `make run`'s own runner (scripts/stack/run.py) in front of private
Redis, MariaDB, MongoDB-wire and RabbitMQ servers on free ports (never the machine's),
started by the same library, a bounded load of shoppers checking out, and the ledger of
everything they were told."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib

from scripts.stack.processes import ROOT
from scripts.stack.shop import DATA, FUNCTIONS, Stack, port_of
from tests.origin.conftest import Answer, Visitor
from tests.support.stack import BOUGHT_BY_TESTS, TEST_STOCK

# What a shopper may wait for one answer at most (nginx gives up on a function at 30 s).
ANSWER_WITHIN = 20.0
HEAL_WITHIN = 10.0
SHOPPERS = 3
VOTE_SKU = "EPE"


def pids_listening(port: int) -> set[int]:
    """The processes holding the listening socket of a local TCP port (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    pids.add(int(entry.name))
                    break
        except OSError:
            continue
    return pids


@dataclass
class Shop:
    """The runner, what it serves, and the drills' own data servers it uses, each stopped and
    started again by a drill."""

    servers: Stack
    runner: subprocess.Popen[bytes]
    log: Path
    flags_file: Path

    @property
    def nginx(self) -> str:
        return self.servers.nginx_url

    @property
    def ports(self) -> dict[str, int]:
        """The runner's functions' ports."""
        return {name: port_of(self.servers.urls[name]) for name in FUNCTIONS}

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def redis(self) -> redis_lib.Redis:
        return redis_lib.Redis(port=port_of(self.servers.urls["redis"]), decode_responses=True)

    def kill_function(self, name: str) -> set[int]:
        pids = pids_listening(self.ports[name])
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids


def restock(env: dict[str, str]) -> None:
    """The robots the drills' shoppers buy, stocked as an operator would (`make stock`), so
    that no drill's orders sell them out: the ledger expects every order to ship."""
    for sku in BOUGHT_BY_TESTS:
        subprocess.run(
            [sys.executable, "-m", "scripts.ops.stock", sku, str(TEST_STOCK)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )


def runner_env(servers: Stack, folder: Path, flags_file: Path) -> dict[str, str]:
    """`make run`'s settings: the drills' servers, and the addresses planned beside them."""
    env = {
        **os.environ,
        **servers.environ,
        "ROBOSHOP_STATE": str(folder / "state"),
        "DATA_NAMESPACE": "",
        "MYSQL_USER": "root",
        "MYSQL_PASSWORD": "",
        "NGINX_PORT": str(port_of(servers.urls["nginx"])),
        "PROMETHEUS_PORT": str(port_of(servers.urls["prometheus"])),
        "FLAGS_FILE": str(flags_file),
        "SEED_COUNTRIES": "gb",
        "LOG_LEVEL": "warning",
        "CATALOGUE_CACHE_SECONDS": "0",
        "PEER_READ_TIMEOUT_MS": "3000",
    }
    env.pop("SHIPPING_MYSQL_USER", None)
    env.pop("RATINGS_MYSQL_USER", None)
    return env


@pytest.fixture(scope="package")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    folder = tmp_path_factory.mktemp("drills")
    flags_file = folder / "flags.json"
    with Stack({}, folder / "servers") as servers:
        servers.start(DATA)
        log = folder / "run.log"
        with log.open("ab") as out:
            runner = subprocess.Popen(
                [sys.executable, "-m", "scripts.stack.run"],
                cwd=ROOT,
                env=runner_env(servers, folder, flags_file),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        shop = Shop(servers, runner, log, flags_file)
        try:
            deadline = time.monotonic() + 300
            while "RoboShop is up" not in shop.output():
                assert runner.poll() is None, shop.output()
                assert time.monotonic() < deadline, shop.output()
                time.sleep(0.5)
            restock(runner_env(servers, folder, flags_file))
            yield shop
        finally:
            runner.send_signal(signal.SIGINT)
            try:
                runner.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(runner.pid, signal.SIGKILL)


@dataclass
class Seen:
    """One answer a shopper got, and how long it took."""

    what: str
    status: int
    seconds: float
    body: bytes
    at: float


@dataclass
class Ledger:
    """Everything the shoppers were told."""

    orders: dict[str, str] = field(default_factory=dict)  # orderid -> user
    last_paid: dict[str, bool] = field(default_factory=dict)  # user -> last step was a 200 pay
    votes: dict[str, bool] = field(default_factory=dict)  # user -> a vote got 200
    answers: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, what: str, answer: Answer, seconds: float) -> None:
        with self.lock:
            self.answers.append(Seen(what, answer.status, seconds, answer.data, time.monotonic()))


class Load:
    """Shoppers checking out in a loop (register, add, ship, pay with an Idempotency-Key
    retried as a client would, vote), until stopped."""

    def __init__(self, shop: Shop, shoppers: int = SHOPPERS) -> None:
        self.shop = shop
        self.ledger = Ledger()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.shopper, daemon=True) for _ in range(shoppers)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)

    def timed(self, who: Visitor, what: str, call: Callable[[], Answer]) -> Answer:
        started = time.monotonic()
        try:
            answer = call()
        except Exception as exc:  # a hang past the client's timeout, a dropped connection
            answer = Answer(599, who.get("/").headers, repr(exc).encode())
        self.ledger.seen(what, answer, time.monotonic() - started)
        return answer

    def shopper(self) -> None:
        who = Visitor(self.shop.nginx)
        name = f"drill-{uuid.uuid4().hex[:10]}"
        details = {"name": name, "password": "drill password", "email": f"{name}@example.com"}
        while not self.stopping.is_set():
            answer = self.timed(who, "register", lambda: who.post("/api/user/register", details))
            if answer.status == 200 or answer.status == 409:
                break
            time.sleep(0.5)
        if not who.cookies:
            login = {"name": name, "password": "drill password"}
            self.timed(who, "login", lambda: who.post("/api/user/login", login))
        while not self.stopping.is_set():
            self.checkout(who, name)
            self.stopping.wait(random.uniform(0.05, 0.2))

    def checkout(self, who: Visitor, name: str) -> None:
        ledger = self.ledger
        ledger.last_paid[name] = False
        add = self.timed(who, "add", lambda: who.get(f"/api/cart/add/{name}/RMC/1"))
        if add.status != 200:
            return
        ship = self.timed(
            who, "ship", lambda: who.post(f"/api/shipping/confirm/{name}", {"uuid": 2643743})
        )
        if ship.status != 200:
            return
        key = {"Idempotency-Key": uuid.uuid4().hex}
        for _ in range(20):  # a client retrying its payment with the same key
            paid = self.timed(who, "pay", lambda: who.post(f"/api/payment/pay/{name}", **key))
            if paid.status != 503 or self.stopping.is_set():
                break
            self.stopping.wait(0.5)
        if paid.status == 200:
            with ledger.lock:
                ledger.orders[paid.json()["orderid"]] = name
                ledger.last_paid[name] = True
        score = random.randint(1, 5)
        vote = self.timed(who, "vote", lambda: who.put(f"/api/ratings/api/rate/{VOTE_SKU}/{score}"))
        if vote.status == 200:
            ledger.votes[name] = True
        else:
            ledger.votes.setdefault(name, False)


def json_of(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None
