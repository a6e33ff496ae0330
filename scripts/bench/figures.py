"""The pure part of `make bench`: medians, ratios to R1, targets, wrk's output, the table.

Nothing here starts a process or reads the clock, so all of it is unit-tested.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# What a figure is compared with, in the words (issue 12, "Targets").
AT_LEAST, AT_MOST, BELOW = ">=", "<=", "<"


@dataclass(frozen=True)
class Target:
    op: str
    bound: float
    unit: str = "x R1"

    def met(self, value: float) -> bool:
        if self.op == AT_LEAST:
            return value >= self.bound
        if self.op == AT_MOST:
            return value <= self.bound
        if self.op == BELOW:
            return value < self.bound
        raise ValueError(f"unknown comparison {self.op!r}")

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g} {self.unit}".strip()


@dataclass
class Figure:
    """One line of the table: `value` (in `unit`), what the target judges (`judged`, by
    default the ratio to R1), and the server's CPU per request beside it; for a route, the
    floor it is compared with (R2, R3: scripts/bench/floor.py), its throughput as a
    multiple of the floor's and the CPU per request it spends above the floor's."""

    section: str
    name: str
    value: float
    unit: str
    ratio: float | None = None
    cpu_ms: float | None = None
    floor: str = ""
    floor_ratio: float | None = None
    cpu_above_floor_ms: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    target: Target | None = None
    judged: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        measured = self.judged if self.judged is not None else self.ratio
        return None if measured is None else self.target.met(measured)


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no runs to take the median of")
    return float(statistics.median(values))


def ratio(value: float, reference: float) -> float:
    """`value` as a multiple of the reference (R1's figure in the same run); 0 when the
    reference is 0 (nothing completed), which no target accepts."""
    if reference < 0:
        raise ValueError(f"a negative reference {reference}")
    return round(value / reference, 3) if reference else 0.0


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> WrkRun:
    """wrk's report (run with --latency): throughput, p50, p99 and the failures it counts."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not done or not rate:
        raise ValueError(f"not a wrk report:\n{output}")
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkRun(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000,
        per_second=float(rate.group(1)),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def cpu_ticks(stat: str) -> int:
    """User + system clock ticks of one process from its /proc/<pid>/stat line, its
    reaped children's included (a server that forks a worker and waits for it)."""
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return utime + stime + cutime + cstime


def memory_kib(text: str, key: str) -> int:
    """`key:` (VmRSS, Pss, ...) in kB from a /proc status or smaps_rollup text; 0 if absent."""
    found = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(found.group(1)) if found else 0


@dataclass(frozen=True)
class Ledger:
    """Orders placed against orders seen dispatched in the users' histories."""

    placed: int
    dispatched: int
    lost: int
    duplicated: int


def ledger(placed: Iterable[str], seen: Iterable[str]) -> Ledger:
    paid, found = list(placed), list(seen)
    counts: dict[str, int] = {}
    for orderid in found:
        counts[orderid] = counts.get(orderid, 0) + 1
    return Ledger(
        placed=len(paid),
        dispatched=len(counts),
        lost=len(set(paid) - set(counts)),
        duplicated=sum(n - 1 for n in counts.values()),
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0.99: p99) of the values."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return float(ordered[int(rank) - 1])


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def verdict(figure: Figure) -> str:
    met = figure.met
    return "" if met is None else ("met" if met else "NOT MET")


def _floor_cell(f: Figure) -> str:
    return "-" if f.floor_ratio is None else f"{f.floor_ratio:.2f} x {f.floor}"


def table(figures: Sequence[Figure]) -> str:
    """The Markdown table: each figure, its ratio to R1 and to its floor, CPU per request
    and how much of it is above the floor's, its target."""
    lines = [
        "| section | figure | value | x R1 | x floor | p50 ms | p99 ms | CPU ms/req"
        " | above floor | target | |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for f in figures:
        value = f"{f.value:.2f} {f.unit}".strip()
        judged = f" (judged {f.judged:.3g})" if f.judged is not None else ""
        target = f"{f.target}{judged}" if f.target else ""
        note = f" - {f.note}" if f.note else ""
        lines.append(
            f"| {f.section} | {f.name}{note} | {value} | {_cell(f.ratio)} | {_floor_cell(f)} | "
            f"{_cell(f.p50_ms)} | {_cell(f.p99_ms)} | {_cell(f.cpu_ms, 3)} | "
            f"{_cell(f.cpu_above_floor_ms, 3)} | {target} | {verdict(f)} |"
        )
    return "\n".join(lines) + "\n"


def summary(figures: Sequence[Figure]) -> str:
    judged = [f for f in figures if f.met is not None]
    missed = [f for f in judged if not f.met]
    return f"{len(judged) - len(missed)} of {len(judged)} targets met" + (
        ": not met - " + "; ".join(f"{f.section} {f.name}" for f in missed) if missed else ""
    )


def to_json(figures: Sequence[Figure], context: dict[str, Any]) -> str:
    rows = []
    for f in figures:
        row = asdict(f)
        row["target"] = str(f.target) if f.target else None
        row["met"] = f.met
        rows.append(row)
    return json.dumps({**context, "figures": rows}, indent=2) + "\n"
