"""Each part of `make bench`: what it loads, how, and the figures it makes.

Throughput: every path at its function's port and through nginx, warmed up, then `runs`
rounds, each one R1 run, then a run of each floor the paths are compared with (R2, R3:
scripts/bench/floor.py), then a run of each path; medians of the rounds. The targets are
issue 12's and 25's.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import urllib3

from scripts.bench import proc
from scripts.bench.figures import Figure, Target, ledger, median, percentile, ratio
from scripts.bench.shop import (
    BIG_CATALOGUE,
    SMALL_CITIES,
    Server,
    Shop,
    Start,
    start_reference,
    wait_for_200,
)
from scripts.bench.targets import (
    CART_ADD,
    CATALOGUE_READS,
    COLD_START,
    NOTHING_DUPLICATED,
    NOTHING_LOST,
    PIPELINE_LAG,
    PIPELINE_RATE,
    PSS_PER_FUNCTION,
    SESSION_READS,
    THROUGH_NGINX,
    memory_limit_mib,
    within_memory_limit,
)
from scripts.bench.wrk import Measured, Request, post_json, rotating, wrk
from scripts.stack import cgroup, ports, processes
from scripts.stack.processes import ROOT
from scripts.stack.shop import FUNCTIONS
from user.orders import HISTORY_PAGE_MAX as PAGE


@dataclass
class Settings:
    seconds: int = 2
    warmup: int = 1
    runs: int = 3
    connections: int = 8
    cold_runs: int = 5
    pipeline_seconds: float = 8.0
    # CPU limits to start the functions under instead of their manifests' (cold-quota).
    cpu_limits: str = ""


@dataclass
class Path_:
    """One thing to load: `request` against `base`, CPU counted over `servers`' trees."""

    name: str
    base: str
    request: Request
    servers: list[int]
    connections: int = 0
    # The floor it is compared with: R2 (no store), R3 (one store round trip), or none.
    floor: str = ""
    # Called before each run for the request to send (cart adds: fresh carts each run).
    fresh: Callable[[], Request] | None = None
    runs: list[Measured] = field(default_factory=list)
    warm: list[Measured] = field(default_factory=list)

    def rate(self) -> float:
        return median([m.run.per_second for m in self.runs])

    def cpu_ms(self) -> float | None:
        cpu = [m.cpu_ms for m in self.runs if m.cpu_ms is not None]
        return median(cpu) if cpu else None

    def figure(
        self,
        section: str,
        reference: Path_,
        target: Target | None = None,
        floor: Path_ | None = None,
    ) -> Figure:
        rate, cpu_ms = self.rate(), self.cpu_ms()
        p50, p99 = (
            median([m.run.p50_ms for m in self.runs]),
            median([m.run.p99_ms for m in self.runs]),
        )
        floor_cpu = floor.cpu_ms() if floor else None
        return Figure(
            section,
            self.name,
            rate,
            "req/s",
            ratio=ratio(rate, reference.rate()),
            cpu_ms=cpu_ms,
            floor=self.floor if floor else "",
            floor_ratio=ratio(rate, floor.rate()) if floor else None,
            cpu_above_floor_ms=round(cpu_ms - floor_cpu, 3)
            if cpu_ms is not None and floor_cpu is not None
            else None,
            target=target,
            note="" if rate else f"none completed in {self.runs[0].run.seconds:g} s",
            p50_ms=p50,
            p99_ms=p99,
            extra={
                "p50_x_r1": ratio(p50, median([m.run.p50_ms for m in reference.runs])),
                "p99_x_r1": ratio(p99, median([m.run.p99_ms for m in reference.runs])),
                "failed": sum(m.run.non_2xx + m.run.socket_errors for m in self.runs),
            },
        )


class Bench:
    def __init__(
        self, shop: Shop, r1: Server, settings: Settings, work: Path, floors: dict[str, Server]
    ) -> None:
        self.shop, self.r1, self.settings, self.work = shop, r1, settings, work
        self.floors = floors
        self.figures: list[Figure] = []
        self.http = urllib3.PoolManager(maxsize=32)

    # ---- helpers ----

    def call(self, method: str, url: str, body: Any = None, token: str = "") -> Any:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        answer = self.http.request(
            method,
            url,
            body=None if body is None else json.dumps(body),
            headers=headers,
            timeout=30,
            retries=False,
        )
        if answer.status != 200:
            raise RuntimeError(f"{method} {url}: {answer.status} {answer.data[:300]!r}")
        return json.loads(answer.data) if answer.data[:1] in (b"{", b"[") else answer.data

    def anonymous_ids(self, count: int) -> list[str]:
        return [self.call("GET", self.shop.url("user") + "/uniqueid")["uuid"] for _ in range(count)]

    def register(self) -> tuple[str, str, str]:
        name, password = f"bench-{uuid.uuid4().hex[:10]}", "bench-" + uuid.uuid4().hex
        body = {"name": name, "password": password, "email": f"{name}@example.com"}
        answer = self.call("POST", self.shop.url("user") + "/register", body)
        return name, password, answer["token"]

    def reference(self) -> Path_:
        return Path_("R1 hello world", self.r1.url, Request("/"), [self.r1.pid])

    def floor(self, name: str) -> Path_:
        server = self.floors[name]
        return Path_(FLOOR_NAMES[name], server.url, Request("/"), [server.pid])

    def direct_and_nginx(
        self, function: str, name: str, path: str, floor: str = ""
    ) -> tuple[Path_, Path_]:
        """The path at the function's port and through nginx (/api/<function>/...), both
        compared with `floor` (through nginx, nginx's CPU is in what is above it)."""
        pid = self.shop.pid(function)
        nginx = [pid, self.shop.pid("nginx")]
        return (
            Path_(name, self.shop.url(function), Request(path), [pid], floor=floor),
            Path_(
                f"{name} via nginx",
                self.shop.stack.nginx_url,
                Request(f"/api/{function}{path}"),
                nginx,
                floor=floor,
            ),
        )

    def measure(self, path: Path_, seconds: int) -> Measured:
        if path.fresh:
            path.request = path.fresh()
        return wrk(
            path.base,
            path.request,
            seconds,
            path.connections or self.settings.connections,
            path.servers,
            self.work,
        )

    def rounds(self, paths: list[Path_]) -> tuple[Path_, dict[str, Path_]]:
        """Warm every path up, then the rounds (R1 first in each, then the floors the paths
        are compared with); R1's runs and the floors' are returned."""
        reference = self.reference()
        floors = {name: self.floor(name) for name in sorted({p.floor for p in paths if p.floor})}
        ahead = [reference, *floors.values()]
        for path in [*ahead, *paths]:
            path.warm.append(self.measure(path, self.settings.warmup))
        for _ in range(self.settings.runs):
            for path in [*ahead, *paths]:
                path.runs.append(self.measure(path, self.settings.seconds))
        return reference, floors

    def throughput(
        self, section: str, pairs: Sequence[tuple[tuple[Path_, Path_], Target | None]]
    ) -> None:
        reference, floors = self.rounds([p for pair, _ in pairs for p in pair])
        self.figures.append(reference.figure(section, reference))
        self.figures += [floor.figure(section, reference) for floor in floors.values()]
        for (direct, nginx), target in pairs:
            floor = floors.get(direct.floor)
            self.figures.append(direct.figure(section, reference, target, floor))
            through = nginx.figure(section, reference, THROUGH_NGINX, floor)
            through.judged = ratio(nginx.rate(), direct.rate())
            self.figures.append(through)

    # ---- the sections ----

    def catalogue(self) -> None:
        paths = [
            ("products", "/products"),
            ("product", "/product/RMC"),
            ("categories", "/categories"),
            ("search", "/search/robot"),
        ]
        self.throughput(
            "catalogue",
            [
                (self.direct_and_nginx("catalogue", name, path, "R2"), CATALOGUE_READS)
                for name, path in paths
            ],
        )

    def user(self) -> None:
        self.throughput(
            "user",
            [(self.direct_and_nginx("user", "uniqueid", "/uniqueid", "R3"), SESSION_READS)],
        )

    def cart(self) -> None:
        (held,) = self.anonymous_ids(1)
        self.call("GET", f"{self.shop.url('cart')}/add/{held}/RMC/1")
        carts: list[str] = []
        adds = (
            self.cart_adds("cart add", "/add/", carts),
            self.cart_adds("cart add via nginx", "/api/cart/add/", carts),
        )
        pairs = [
            (self.direct_and_nginx("cart", "cart get", f"/cart/{held}", "R3"), SESSION_READS),
            (adds, CART_ADD),
        ]
        self.throughput("cart", pairs)
        self.lost_updates(list(adds), carts)

    def cart_adds(self, name: str, prefix: str, carts: list[str]) -> Path_:
        """Adds of one robot from every connection, spread over carts made afresh for each
        run (a line holds at most 1000): `carts` collects every cart used."""
        direct = prefix == "/add/"
        servers = [self.shop.pid("cart"), self.shop.pid("catalogue")]
        if not direct:
            servers.append(self.shop.pid("nginx"))

        def fresh() -> Request:
            made = self.anonymous_ids(4)
            carts.extend(made)
            return rotating(prefix, made, "/RMC/1")

        base = self.shop.url("cart") if direct else self.shop.stack.nginx_url
        # More than one round trip (the catalogue's price, the cart's update): R3 is the
        # least it can cost.
        return Path_(name, base, Request(prefix), servers, floor="R3", fresh=fresh)

    def lost_updates(self, paths: list[Path_], carts: list[str]) -> None:
        """Each add answered 200 is one more robot in its cart: sum the carts and compare.
        A cart may hold a few more: adds still in flight when wrk stopped."""
        runs = [m for p in paths for m in [*p.warm, *p.runs]]
        answered = sum(m.run.requests - m.run.non_2xx for m in runs)
        counted = 0
        for cart_id in carts:
            cart = self.call("GET", f"{self.shop.url('cart')}/cart/{cart_id}")
            counted += sum(i["qty"] for i in cart["items"] if i["sku"] == "RMC")
        lost = max(0, answered - counted)
        self.figures.append(
            Figure(
                "cart",
                "cart add: updates lost",
                lost,
                "lost",
                target=NOTHING_LOST,
                judged=lost,
                note=f"{answered} adds answered 200, {counted} robots in the carts",
                extra={"answered": answered, "in_carts": counted},
            )
        )

    def shipping(self) -> None:
        base = self.shop.url("shipping")
        london = self.call("GET", base + "/match/gb/lon")[0]["uuid"]
        self.throughput(
            "shipping",
            [
                (self.direct_and_nginx("shipping", "match", "/match/gb/lon", "R3"), None),
                (self.direct_and_nginx("shipping", "calc", f"/calc/{london}", "R3"), None),
            ],
        )

    def ratings(self) -> None:
        self.throughput(
            "ratings",
            [(self.direct_and_nginx("ratings", "fetch", "/api/fetch/RMC", "R3"), None)],
        )

    def login(self) -> None:
        """Logins back to back from 4 and 16 clients; the user function's peak memory."""
        name, password, _ = self.register()
        pid = self.shop.pid("user")
        limit = memory_limit_mib("user")
        paths = []
        for clients in (4, 16):
            paths.append(
                Path_(
                    f"login, {clients} concurrent",
                    self.shop.url("user"),
                    post_json("/login", {"name": name, "password": password}),
                    [pid],
                    connections=clients,
                )
            )
        reference = self.reference()
        self.measure(reference, self.settings.warmup)
        for _ in range(self.settings.runs):
            reference.runs.append(self.measure(reference, self.settings.seconds))
        # A login is a slow password hash on purpose: 16 of them at once on one core take
        # seconds each, so these runs are longer for enough of them to complete.
        seconds = max(4 * self.settings.seconds, 8)
        for path in paths:
            with proc.PeakMemory(pid) as peak:
                for _ in range(self.settings.runs):
                    path.runs.append(self.measure(path, seconds))
            self.figures.append(path.figure("login", reference))
            target = within_memory_limit("user") if path.connections == 4 else None
            self.figures.append(
                Figure(
                    "login",
                    f"user peak PSS, {path.connections} concurrent logins",
                    peak.pss,
                    "MiB",
                    target=target,
                    judged=peak.pss,
                    note=f"peak RSS {peak.rss} MiB; limit {limit:g} Mi",
                    extra={"rss_mib": peak.rss},
                )
            )

    def memory(self) -> None:
        """RSS and PSS of each function's process tree, after the loads above."""
        r1_rss, r1_pss = proc.memory_mib(self.r1.pid)
        self.figures.append(
            Figure("memory", "R1 PSS", r1_pss, "MiB", ratio=1.0, note=f"RSS {r1_rss} MiB")
        )
        for name, process in self.shop.stack.processes.items():
            if name not in FUNCTIONS or process.popen is None:
                continue
            rss, pss = proc.memory_mib(process.popen.pid)
            self.figures.append(
                Figure(
                    "memory",
                    f"{name} PSS",
                    pss,
                    "MiB",
                    ratio=ratio(pss, r1_pss),
                    target=PSS_PER_FUNCTION,
                    judged=pss,
                    note=f"RSS {rss} MiB",
                    extra={"rss_mib": rss},
                )
            )

    def cold(self) -> None:
        """Process start to the first 200 on a real route, median of `cold_runs`, against R1."""
        (cart_id,) = self.anonymous_ids(1)
        self.call("GET", f"{self.shop.url('cart')}/add/{cart_id}/RMC/1")
        starts: dict[str, list[float]] = {"R1": []}
        for _ in range(self.settings.cold_runs):
            server, seconds = start_reference(self.shop.logs)
            server.stop()
            starts["R1"].append(seconds)
            for variant in COLD_STARTS:
                starts.setdefault(variant.label, []).append(
                    variant.start(self.shop, cart_id).seconds
                )
        r1 = median(starts.pop("R1"))
        self.figures.append(Figure("cold start", "R1", r1 * 1000, "ms", ratio=1.0))
        for label, runs in starts.items():
            value = median(runs)
            self.figures.append(
                Figure(
                    "cold start",
                    label,
                    value * 1000,
                    "ms",
                    ratio=ratio(value, r1),
                    target=COLD_START,
                )
            )

    def growth(self) -> None:
        """The same reads with more data: match at every city (234,908) vs 9,779 (gb, pl);
        catalogue at 10,000 products vs 11, its search of one word that every one of the
        10,000 holds and of two (an OR, each product scored on both)."""
        small_cities = self.shop.start_extra("shipping", self.seed_small_cities(), "/match/gb/lon")
        big_catalogue = self.shop.start_extra("catalogue", self.seed_big_catalogue(), "/products")
        every = int(self.call("GET", self.shop.url("shipping") + "/count"))
        catalogue_pid = self.shop.pid("catalogue")
        fewer = int(self.call("GET", small_cities.url + "/count"))
        pairs = [
            (
                f"match, {every:,} cities",
                self.shop.url("shipping"),
                "/match/gb/lon",
                self.shop.pid("shipping"),
            ),
            (f"match, {fewer:,} cities", small_cities.url, "/match/gb/lon", small_cities.pid),
            ("products, 11", self.shop.url("catalogue"), "/products", self.shop.pid("catalogue")),
            ("products, 10,000", big_catalogue.url, "/products", big_catalogue.pid),
            ("search, 11", self.shop.url("catalogue"), "/search/robot", self.shop.pid("catalogue")),
            ("search, 10,000", big_catalogue.url, "/search/robot", big_catalogue.pid),
            ("search of two words, 11", self.shop.url("catalogue"), TWO_WORDS, catalogue_pid),
            ("search of two words, 10,000", big_catalogue.url, TWO_WORDS, big_catalogue.pid),
        ]
        paths = [Path_(name, base, Request(path), [pid]) for name, base, path, pid in pairs]
        reference, _ = self.rounds(paths)
        grown_pairs = (
            (paths[0], paths[1]),
            (paths[3], paths[2]),
            (paths[5], paths[4]),
            (paths[7], paths[6]),
        )
        for big, small in grown_pairs:
            self.figures.append(small.figure("data growth", reference))
            grown = big.figure("data growth", reference)
            grown.judged = ratio(big.rate(), small.rate())
            alone, small_alone = self.one_request_ms(big), self.one_request_ms(small)
            said = (
                f"{grown.judged:g}x the smaller set's throughput; one request alone "
                f"{alone:.0f} ms against {small_alone:.0f} ms"
            )
            grown.note = f"{grown.note}; {said}" if grown.note else said
            grown.extra |= {"one_request_ms": alone, "smaller_one_request_ms": small_alone}
            self.figures.append(grown)

    def one_request_ms(self, path: Path_) -> float:
        """How long one request takes with nothing else running (median of 3): a figure
        even where a run under load completes none."""
        took = []
        for _ in range(3):
            started = time.perf_counter()
            self.call("GET", path.base + path.request.path)
            took.append((time.perf_counter() - started) * 1000)
        return round(median(took), 1)

    def seed_small_cities(self) -> dict[str, str]:
        namespace = f"{self.shop.namespace}small_"
        env = {**self.shop.env, "DATA_NAMESPACE": namespace, "SEED_COUNTRIES": SMALL_CITIES}
        processes.seed(["cities"], env, quiet=True)
        return {"DATA_NAMESPACE": namespace}

    def seed_big_catalogue(self) -> dict[str, str]:
        import pymongo

        namespace = f"{self.shop.namespace}big_"
        processes.seed(["catalogue"], {**self.shop.env, "DATA_NAMESPACE": namespace}, quiet=True)
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            self.shop.env["MONGO_URL"]
        )
        products = client[f"{namespace}catalogue"]["products"]
        rng = random.Random(57)
        words = ["robot", "droid", "cyborg", "android", "machine", "unit", "helper", "probe"]
        products.insert_many(
            [
                {
                    "sku": f"GEN-{n:05d}",
                    "name": f"{rng.choice(words).title()} {n}",
                    "description": " ".join(rng.choice(words) for _ in range(12)),
                    "price": round(rng.uniform(10, 5000), 2),
                    "instock": rng.randint(0, 100),
                    "categories": [rng.choice(["Robot", "Artificial Intelligence"])],
                }
                for n in range(BIG_CATALOGUE - 11)
            ]
        )
        client.close()
        return {"DATA_NAMESPACE": namespace}

    def pipeline(self) -> None:
        """Shoppers each pay for one order after another; every order is followed until
        its user's history shows it dispatched. Orders per second from the first pay to
        the last dispatch, the lag of each order, and the ledger of the whole run."""
        shoppers = [self.register() for _ in range(16)]
        city = self.call("GET", self.shop.url("shipping") + "/match/gb/lon")[0]["uuid"]
        paid: dict[str, float] = {}
        lock = threading.Lock()
        began = time.monotonic()
        stop_at = began + self.settings.pipeline_seconds

        def shop_for(name: str, token: str) -> None:
            while time.monotonic() < stop_at:
                self.call("GET", f"{self.shop.url('cart')}/add/{name}/RMC/1", token=token)
                cart = self.call(
                    "POST", f"{self.shop.url('shipping')}/confirm/{name}", {"uuid": city}, token
                )
                orderid = self.pay(name, cart, token)
                with lock:
                    paid[orderid] = time.monotonic()

        threads = [threading.Thread(target=shop_for, args=(n, t)) for n, _, t in shoppers]
        for thread in threads:
            thread.start()
        dispatched, seen = self.follow(shoppers, paid, threads)
        lags = [dispatched[o] - paid[o] for o in paid if o in dispatched]
        last = max(dispatched.values(), default=began)
        rate = len(dispatched) / (last - began) if dispatched else 0.0
        book = ledger(paid, seen)
        self.figures += [
            Figure(
                "pipeline",
                "orders paid to dispatched",
                rate,
                "orders/s",
                target=PIPELINE_RATE,
                judged=rate,
                note=f"{book.placed} orders, 16 shoppers",
            ),
            Figure(
                "pipeline",
                "pay to dispatched in history, p99",
                percentile(lags, 0.99) if lags else 0.0,
                "s",
                target=PIPELINE_LAG,
                judged=percentile(lags, 0.99) if lags else float("inf"),
                note=f"p50 {statistics.median(lags) if lags else 0:.3f} s",
            ),
            Figure(
                "pipeline",
                "orders lost",
                book.lost,
                "lost",
                target=NOTHING_LOST,
                judged=book.lost,
                note=f"placed {book.placed}, dispatched {book.dispatched}",
                extra={"duplicated": book.duplicated},
            ),
            Figure(
                "pipeline",
                "orders duplicated",
                book.duplicated,
                "dup",
                target=NOTHING_DUPLICATED,
                judged=book.duplicated,
            ),
        ]

    def pay(self, name: str, cart: Any, token: str) -> str:
        """Pay the cart; a cart still held for the previous order (its event not yet taken
        by the cart) is paid again a moment later."""
        while True:
            answer = self.http.request(
                "POST",
                f"{self.shop.url('payment')}/pay/{name}",
                body=json.dumps(cart),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
                timeout=30,
                retries=False,
            )
            if answer.status == 200:
                return str(json.loads(answer.data)["orderid"])
            if answer.status != 409:
                raise RuntimeError(f"pay: {answer.status} {answer.data[:300]!r}")
            time.sleep(0.01)

    def follow(
        self,
        shoppers: list[tuple[str, str, str]],
        paid: dict[str, float],
        threads: list[threading.Thread],
    ) -> tuple[dict[str, float], list[str]]:
        """Poll every history until the shoppers stopped and every paid order shows
        dispatched (30 s at most after they stopped); when each was first seen so."""
        dispatched: dict[str, float] = {}
        seen: list[str] = []
        deadline: float | None = None
        while True:
            seen = []
            for name, _, token in shoppers:
                for order in self.history(name, token):
                    if order.get("status") == "dispatched":
                        seen.append(order["orderid"])
                        dispatched.setdefault(order["orderid"], time.monotonic())
            if not any(t.is_alive() for t in threads):
                deadline = deadline or time.monotonic() + 30
                if set(paid) <= set(dispatched) or time.monotonic() > deadline:
                    return dispatched, seen
            time.sleep(0.05)

    def history(self, name: str, token: str) -> list[dict[str, Any]]:
        """All the user's orders, page after page; none yet (404) before the first one is
        recorded. An order placed meanwhile moves the older ones a page on: one seen twice
        is kept once (the store keeps one document per order id)."""
        orders: list[dict[str, Any]] = []
        offset = 0
        while True:
            answer = self.http.request(
                "GET",
                f"{self.shop.url('user')}/history/{name}?limit={PAGE}&offset={offset}",
                headers={"Authorization": f"Bearer {token}"},
                retries=False,
            )
            if answer.status == 404:
                return []
            if answer.status != 200:
                raise RuntimeError(f"history: {answer.status} {answer.data[:300]!r}")
            page: list[dict[str, Any]] = json.loads(answer.data)["history"]
            known = {order["orderid"] for order in orders}
            orders += [order for order in page if order["orderid"] not in known]
            offset += len(page)
            if len(page) < PAGE:
                return orders

    def tracing(self) -> None:
        """scripts/otel.py: what OpenTelemetry costs a cold start. The default image
        (lean) has none of it, so tracing off costs it nothing; the figures beside it are an
        image built with TRACING=otel, not exporting (the kit keeps out what redis-py
        would load of it) and exporting."""
        from scripts.bench import otel

        lean, *others = otel.measure()
        self.figures.append(
            Figure("tracing", f"{lean.function}: {lean.setup}", lean.ms, "ms", ratio=1.0)
        )
        for found in others:
            self.figures.append(
                Figure(
                    "tracing",
                    f"{found.function}: {found.setup}",
                    found.ms,
                    "ms",
                    ratio=ratio(found.ms, lean.ms),
                    note=f"{found.rss_mib - lean.rss_mib:+.1f} MiB",
                )
            )

    def cold_quota(self) -> None:
        """scripts/bench/quota.py: cold starts under each function's own CPU limit."""
        from scripts.bench import quota

        (cart_id,) = self.anonymous_ids(1)
        self.call("GET", f"{self.shop.url('cart')}/add/{cart_id}/RMC/1")
        self.figures += quota.measure(
            self.shop, cart_id, self.settings.cold_runs, self.settings.cpu_limits
        )

    def flags(self) -> None:
        """scripts/bench/flags.py: what the chaos switches cost a function."""
        subprocess.run([sys.executable, "-m", "scripts.bench.flags"], cwd=ROOT, check=True)
        found = json.loads((ROOT / "bench-results" / "flags.json").read_text())
        for variant, figures in found.items():
            if variant == "in-process" or figures is None:
                continue
            self.figures.append(
                Figure(
                    "chaos flags",
                    f"import: {variant}",
                    figures["import_ms"],
                    "ms",
                    note=f"+{figures['added_mib']} MiB",
                )
            )
        extra = found["in-process"]
        self.figures.append(
            Figure(
                "chaos flags",
                "one evaluation",
                extra["evaluation_us"],
                "us",
                note=f"a changed file seen after {extra['switch_seen_s']} s",
            )
        )


@dataclass(frozen=True)
class ColdStart:
    """A function started afresh until its first 200 on `route` (`{cart}`: a cart that
    exists); `env` for a variant (e.g. a feature switched on)."""

    function: str
    route: str
    env: dict[str, str] = field(default_factory=dict)
    variant: str = ""

    @property
    def label(self) -> str:
        return f"{self.function}{', ' + self.variant if self.variant else ''}"

    def start(self, shop: Shop, cart_id: str, group: cgroup.CpuCgroup | None = None) -> Start:
        """The process started (inside `group`, when given) until its first 200, stopped."""
        port = ports.free_port()
        process = shop.function(self.function, port, self.env)
        if group is not None:
            process = cgroup.limited(process, group)
        started = time.perf_counter()
        process.start()
        try:
            wait_for_200(f"http://127.0.0.1:{port}{self.route.format(cart=cart_id)}", process)
            assert process.popen is not None
            return Start(time.perf_counter() - started, proc.cpu_seconds([process.popen.pid]))
        finally:
            process.stop()


TWO_WORDS = "/search/medical%20robot"
FLOOR_NAMES = {
    "R2": "R2 Flask on granian",
    "R3": "R3 Flask on granian + Redis GET",
}

# One line per cold start measured; a variant is the same function with env added, e.g.
# ColdStart("user", "/uniqueid", {"OTEL_SDK_DISABLED": "false"}, "OpenTelemetry on").
COLD_STARTS = [
    ColdStart("catalogue", "/products"),
    ColdStart("cart", "/cart/{cart}"),
    ColdStart("user", "/uniqueid"),
    ColdStart("shipping", "/codes"),
    ColdStart("ratings", "/api/fetch/RMC"),
    ColdStart("payment", "/health"),
    ColdStart("dispatch", "/health"),
    ColdStart("deadletters", "/dead-letters"),
]

SECTIONS: dict[str, Callable[[Bench], None]] = {
    "catalogue": Bench.catalogue,
    "user": Bench.user,
    "cart": Bench.cart,
    "shipping": Bench.shipping,
    "ratings": Bench.ratings,
    "login": Bench.login,
    "memory": Bench.memory,
    "cold": Bench.cold,
    "cold-quota": Bench.cold_quota,
    "growth": Bench.growth,
    "pipeline": Bench.pipeline,
    "flags": Bench.flags,
    "tracing": Bench.tracing,
}
