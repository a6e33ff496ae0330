"""`make bench`: requests per second, latency, cold start and memory of the functions.

Not a test: it prints figures and saves them to bench-results/<time>.json so that a
change can be measured before and after. Each scenario runs one function under
functions-framework (gunicorn, WORKERS=1, THREADS=4 as in the cluster) against
private data servers, and loads it from a pool of client threads.

    python -m scripts.bench [--requests N] [--clients C]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

import urllib3

from kit import LOCAL_PORTS
from scripts import localstack
from scripts.localstack import ROOT, Process

NO_CACHE = {"CATALOGUE_CACHE_SECONDS": "0"}


@dataclass
class Figures:
    scenario: str
    requests: int
    errors: int
    per_second: float
    p50_ms: float
    p95_ms: float
    rss_mib: float


@dataclass
class Scenario:
    name: str
    function: str
    path: str  # `{client}` becomes the client thread's number
    env: dict[str, str]
    peers: tuple[str, ...] = ()


SCENARIOS = [
    Scenario("catalogue /products, no cache", "catalogue", "/products", NO_CACHE),
    Scenario("catalogue /products, cached", "catalogue", "/products", {}),
    Scenario("catalogue /product/RMC, no cache", "catalogue", "/product/RMC", NO_CACHE),
    Scenario("catalogue /product/RMC, cached", "catalogue", "/product/RMC", {}),
    Scenario("catalogue /search/robot", "catalogue", "/search/robot", {}),
    # One cart per client: each add is a catalogue lookup and a Redis transaction.
    Scenario(
        "cart /add (catalogue + Redis)",
        "cart",
        "/add/anonymous-bench{client}/RMC/1",
        {},
        ("catalogue",),
    ),
    Scenario("cart /cart (Redis)", "cart", "/cart/anonymous-bench{client}", {}, ("catalogue",)),
]


def _tree(pid: int) -> list[int]:
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    return pids


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's worker), in MiB."""
    total = 0
    for each in _tree(pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def pss_mib(pid: int) -> float:
    """Proportional set size of the process tree: shared pages counted once, as the
    container's memory limit counts them."""
    total = 0
    for each in _tree(pid):
        for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def serve(
    function: str, env: dict[str, str], logs: Path, probe: str = "/health"
) -> tuple[Process, str, float]:
    """Start the function; returns it, its URL and the seconds until it first answered."""
    port = localstack.free_port()
    started = time.perf_counter()
    log = logs / f"{function}-{port}.log"
    process = localstack.function_process(function, port, log, {"LOG_LEVEL": "warning", **env})
    process.start()
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if urllib3.request("GET", url + probe, timeout=1, retries=False).status == 200:
                return process, url, time.perf_counter() - started
        except urllib3.exceptions.HTTPError:
            if not process.running():
                raise localstack.StackError(process.tail()) from None
        time.sleep(0.01)


def load(url: str, requests: int, clients: int) -> tuple[list[float], int, float]:
    """`requests` GETs from `clients` threads; `{client}` in the URL is the thread's number."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = requests // clients
    pool = urllib3.PoolManager(maxsize=clients)

    def client(number: int) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        target = url.replace("{client}", str(number))
        for _ in range(per_client):
            begin = time.perf_counter()
            response = pool.request("GET", target, retries=False)
            mine.append(time.perf_counter() - begin)
            failed += response.status != 200
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - began


def run(
    scenario: Scenario, base_env: dict[str, str], requests: int, clients: int, logs: Path
) -> tuple[Figures, float]:
    peers = [serve(peer, base_env, logs) for peer in scenario.peers]
    urls = {
        f"{name.upper()}_URL": url for name, (_, url, _) in zip(scenario.peers, peers, strict=True)
    }
    env = {**base_env, **urls}
    process, url, cold = serve(scenario.function, {**env, **scenario.env}, logs)
    try:
        load(url + scenario.path, clients * 10, clients)  # warm connections and caches
        latencies, errors, elapsed = load(url + scenario.path, requests, clients)
        quantiles = statistics.quantiles(latencies, n=20)
        figures = Figures(
            scenario.name,
            len(latencies),
            errors,
            round(len(latencies) / elapsed, 1),
            round(statistics.median(latencies) * 1000, 2),
            round(quantiles[18] * 1000, 2),
            rss_mib(process.popen.pid) if process.popen else 0.0,
        )
        return figures, cold
    finally:
        process.stop()
        for peer, _, _ in peers:
            peer.stop()


@dataclass
class LoginFigures:
    clients: int
    logins: int
    errors: int
    per_second: float
    p50_ms: float
    peak_rss_mib: float


def login_memory(base_env: dict[str, str], logs: Path, seconds: float = 5.0) -> list[LoginFigures]:
    """The user function under concurrent logins (each one a password hash): its peak RSS,
    sampled every 20 ms, against the 128 MiB limit it has in the cluster."""
    process, url, _ = serve("user", base_env, logs)
    figures = []
    try:
        pid = process.popen.pid if process.popen else 0
        for clients in (1, 4, 8, 16):
            login = functools.partial(post_for, url + "/login", LOGIN, clients, seconds)
            (latencies, errors, elapsed), peak = peak_rss_while(pid, login)
            figures.append(
                LoginFigures(
                    clients,
                    len(latencies),
                    errors,
                    round(len(latencies) / elapsed, 1),
                    round(statistics.median(latencies) * 1000, 1),
                    peak,
                )
            )
    finally:
        process.stop()
    return figures


LOGIN = {"name": "stan", "password": "bigbrain"}
T = TypeVar("T")


def peak_rss_while(pid: int, work: Callable[[], T]) -> tuple[T, float]:
    """What `work()` returns, and the peak PSS of the process tree while it ran."""
    peak, done = pss_mib(pid), threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, pss_mib(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        return work(), peak
    finally:
        done.set()
        sampler.join()


def post_for(
    url: str, body: dict[str, str], clients: int, seconds: float
) -> tuple[list[float], int, float]:
    """POST `body` as JSON from `clients` threads, back to back, for `seconds`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    pool = urllib3.PoolManager(maxsize=clients)
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    began = time.perf_counter()

    def client() -> None:
        nonlocal errors
        while time.perf_counter() - began < seconds:
            start = time.perf_counter()
            response = pool.request("POST", url, body=payload, headers=headers, retries=False)
            with lock:
                latencies.append(time.perf_counter() - start)
                errors += response.status != 200

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - began


def cold_starts(logs: Path) -> dict[str, float]:
    """Seconds from process start to the first `/health/live` answer, per function."""
    seconds = {}
    for function in LOCAL_PORTS:
        process, _, cold = serve(function, {}, logs, probe="/health/live")
        process.stop()
        seconds[function] = round(cold, 2)
    return seconds


def forget_bench_keys(namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="roboshop-bench-") as folder:
        work = Path(folder)
        mongo_port = localstack.free_port()
        mongo = Process(
            "mongodb", localstack.mongo_command(mongo_port, work / "mongo"), work / "mongo.log"
        ).start()
        mongo.wait_for_port(mongo_port)
        namespace = f"bench{secrets.token_hex(4)}_"
        base_env = {
            "MONGO_URL": f"mongodb://127.0.0.1:{mongo_port}",
            "DATA_NAMESPACE": namespace,
            "SESSION_SECRET": secrets.token_urlsafe(48),
        }
        try:
            localstack.seed(["catalogue", "users"], base_env, quiet=True)
            results = []
            print(
                f"{'scenario':40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}"
                f" {'RSS MiB':>8}"
            )
            for scenario in SCENARIOS:
                figures, _ = run(scenario, base_env, args.requests, args.clients, work)
                results.append(figures)
                print(
                    f"{figures.scenario:40} {figures.per_second:8.1f} {figures.p50_ms:8.2f}"
                    f" {figures.p95_ms:8.2f} {figures.errors:6d} {figures.rss_mib:8.1f}"
                )
            logins = login_memory(base_env, work)
            print("user under concurrent logins (each a 16 MiB scrypt; its limit is 128 MiB):")
            for row in logins:
                print(
                    f"  {row.clients:2d} clients: {row.per_second:6.1f} logins/s,"
                    f" p50 {row.p50_ms:6.1f} ms, peak RSS {row.peak_rss_mib:6.1f} MiB,"
                    f" errors {row.errors}"
                )
            starts = cold_starts(work)
            print("cold start to the first /health/live answer, seconds:")
            print("  " + ", ".join(f"{name} {value:.2f}" for name, value in starts.items()))
        finally:
            mongo.stop()
            forget_bench_keys(namespace)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    path = out / time.strftime("%Y%m%d-%H%M%S.json")
    path.write_text(
        json.dumps(
            {
                "results": [asdict(r) for r in results],
                "logins": [asdict(row) for row in logins],
                "cold_start_seconds": starts,
            },
            indent=2,
        )
    )
    print(f"saved {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
