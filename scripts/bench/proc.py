"""What a server's process tree spends, from /proc: CPU time, RSS and PSS."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

from scripts.bench.figures import cpu_ticks, memory_kib

TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """The process and all its descendants (a server's workers, taskset's child)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:  # the process exited between listing and reading
        return ""


def cpu_seconds(pids: list[int]) -> float:
    """CPU time the processes (and every descendant) have used so far."""
    total = 0
    for pid in {each for root in pids for each in tree(root)}:
        stat = _read(f"/proc/{pid}/stat")
        if stat:
            total += cpu_ticks(stat)
    return total / TICKS


def memory_mib(pid: int) -> tuple[float, float]:
    """RSS and PSS of the process tree in MiB (PSS counts shared pages once, as a
    container's memory accounting comes close to)."""
    rss = pss = 0
    for each in tree(pid):
        rss += memory_kib(_read(f"/proc/{each}/status"), "VmRSS")
        pss += memory_kib(_read(f"/proc/{each}/smaps_rollup"), "Pss")
    return round(rss / 1024, 1), round(pss / 1024, 1)


class PeakMemory:
    """The highest RSS and PSS of a process tree while the block runs (sampled every 20 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.rss, self.pss = memory_mib(pid)
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            rss, pss = memory_mib(self.pid)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)

    def __enter__(self) -> PeakMemory:
        self._sampler.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._sampler.join()
