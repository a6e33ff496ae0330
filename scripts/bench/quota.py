"""Cold starts under the CPU limit of each function's Knative Service (issue 21).

Each function is started as the stack starts it (Shop.function), inside a cgroup of its
own whose CFS quota is the CPU limit its container carries in the rendered dev and prod
overlays (knative/checks/cpulimits.py), or the limits given with `--cpu-limits` instead;
R1 runs under the same quota beside it. A figure is process start to the first 200 on
the function's route, the median of `cold_runs`, judged against an absolute second: a
scale from zero waits for exactly that. Byte code is compiled before the first start, as
the image compiles it at build, so that no measured start compiles anything.
"""

from __future__ import annotations

import compileall
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from knative.checks import cpulimits
from scripts.bench import proc
from scripts.bench.figures import Figure, median, ratio
from scripts.bench.shop import HELLO, Shop, Start, start_reference
from scripts.bench.targets import COLD_START_UNDER_LIMIT
from scripts.stack import cgroup
from scripts.stack.processes import ROOT

OVERLAYS = ("dev", "prod")
# The weight of a measured start against the machine's other processes: ten of them, so
# that what holds it back is its quota, not a busy machine's load (a node with CPU to
# spare, as a scale from zero hopes for). The quota caps it whatever the weight.
SHARES = 10 * cgroup.DEFAULT_SHARES
SECTION = "cold start under the CPU limit"
# Start one cold process within a cgroup, until its first 200.
Starter = Callable[[cgroup.CpuCgroup], Start]


@dataclass
class Quota:
    """One CPU limit and the functions measured under it; `source` says whose limit it is."""

    millicpu: int
    functions: list[str]
    source: str


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    throttled: list[float] = field(default_factory=list)


def parse_limits(text: str) -> list[int]:
    """`--cpu-limits 1000m,500m` (Kubernetes quantities) as millicores."""
    from knative.checks.cluster import CPU, quantity

    return [quantity(part, CPU) for part in text.split(",") if part.strip()]


def from_manifests(found: dict[str, dict[str, int | None]], functions: list[str]) -> list[Quota]:
    """A Quota per distinct limit the overlays give the functions, naming the overlays."""
    by_limit: dict[int, dict[str, list[str]]] = {}
    for function in functions:
        for overlay, limits in found.items():
            millicpu = limits.get(function)
            if millicpu is not None:
                by_limit.setdefault(millicpu, {}).setdefault(function, []).append(overlay)
    quotas = []
    for millicpu, where in sorted(by_limit.items(), reverse=True):
        overlays = sorted({o for names in where.values() for o in names})
        quotas.append(Quota(millicpu, list(where), f"the manifests' limit ({', '.join(overlays)})"))
    return quotas


def plan(functions: list[str], override: str) -> tuple[list[Quota], list[str]]:
    """What to measure, and what to say about it first."""
    if override:
        return [
            Quota(m, list(functions), "--cpu-limits, not the manifests")
            for m in parse_limits(override)
        ], []
    found = {overlay: cpulimits.rendered(overlay) for overlay in OVERLAYS}
    said = []
    if all(found[o] == found[OVERLAYS[0]] for o in OVERLAYS):
        said.append(f"{' and '.join(OVERLAYS)} give every function the same CPU limit")
    unlimited = [f for f in functions if all(found[o].get(f) is None for o in OVERLAYS)]
    if unlimited:
        said.append(f"no CPU limit, not measured here: {', '.join(unlimited)}")
    return from_manifests(found, functions), said


def compile_bytecode() -> None:
    """The functions' and R1's byte code, as the image compiles /app at build. The
    interpreter's library and the packages of .venv come compiled (pip compiles what it
    installs)."""
    compileall.compile_dir(ROOT / "functions", quiet=1)
    compileall.compile_file(HELLO, quiet=1)


def once(millicpu: int, name: str, start: Starter, runs: Runs) -> None:
    with cgroup.cpu_quota(millicpu, name, SHARES) as group:
        started = start(group)
        runs.seconds.append(started.seconds)
        runs.cpu.append(started.cpu_seconds)
        runs.throttled.append(group.throttled_seconds())


def measure(shop: Shop, cart_id: str, cold_runs: int, override: str = "") -> list[Figure]:
    """The figures of every Quota; none (and a line saying why) where no cgroup can be made."""
    from scripts.bench.sections import COLD_STARTS

    try:
        with cgroup.cpu_quota(1000, "probe"):
            pass
    except cgroup.CgroupUnavailable as exc:
        print(f"    skipped: no CPU quota can be set here: {exc}", flush=True)
        return []
    quotas, said = plan(sorted({c.function for c in COLD_STARTS}), override)
    for line in said:
        print(f"    {line}", flush=True)
    compile_bytecode()
    figures = []
    for quota in quotas:
        label = f"{quota.millicpu}m"
        starts = [c for c in COLD_STARTS if c.function in quota.functions]
        r1, each = Runs(), {c.label: Runs() for c in starts}
        for _ in range(cold_runs):
            once(quota.millicpu, "R1", functools.partial(_reference, shop), r1)
            for variant in starts:
                start = functools.partial(variant.start, shop, cart_id)
                once(quota.millicpu, variant.function, start, each[variant.label])
        reference_s = median(r1.seconds)
        figures.append(
            Figure(SECTION, f"R1 at {label}", reference_s * 1000, "ms", ratio=1.0, note=_note(r1))
        )
        for name, runs in each.items():
            value = median(runs.seconds)
            figures.append(
                Figure(
                    SECTION,
                    f"{name} at {label}",
                    value * 1000,
                    "ms",
                    ratio=ratio(value, reference_s),
                    target=COLD_START_UNDER_LIMIT,
                    judged=value,
                    note=f"{quota.source}; {_note(runs)}",
                    extra={
                        "runs_s": runs.seconds,
                        "cpu_s": runs.cpu,
                        "throttled_s": runs.throttled,
                    },
                )
            )
    return figures


def _reference(shop: Shop, group: cgroup.CpuCgroup) -> Start:
    server, seconds = start_reference(shop.logs, group)
    try:
        return Start(seconds, proc.cpu_seconds([server.pid]))
    finally:
        server.stop()


def _note(runs: Runs) -> str:
    return f"CPU {median(runs.cpu):.2f} s, throttled {median(runs.throttled):.2f} s"
