"""A CPU limit for a local process, as a container gets one: a private cgroup with a quota.

The kubelet turns a container's CPU limit into CFS bandwidth control: a quota of
limit x 100 ms of CPU time every 100 ms period (cgroup v1 `cpu.cfs_quota_us` and
`cpu.cfs_period_us`, v2 `cpu.max`), which throttles the whole process tree once it is
spent. `cpu_quota` makes such a cgroup for one process tree and removes it afterwards;
`limited` starts a Process inside it: the child joins between fork and exec, so the
interpreter's own start is counted, as in a container, and every process it forks
(granian's worker) is inside too.

Making a cgroup takes root (or a delegated hierarchy) and a mounted cpu controller;
where there is neither, `cpu_quota` raises CgroupUnavailable saying which.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scripts.stack.processes import Process

# The CFS period the kubelet uses (its cpuCFSQuotaPeriod default), in microseconds.
PERIOD_US = 100_000
# The kernel refuses a quota under 1 ms; the kubelet raises smaller ones to it.
MIN_QUOTA_US = 1_000
# cgroup v1's cpu.shares of a group left as it is: one process's weight.
DEFAULT_SHARES = 1024
MOUNTINFO = Path("/proc/self/mountinfo")


class CgroupUnavailable(RuntimeError):
    """No CPU cgroup can be made here (not root, no cpu controller)."""


@dataclass(frozen=True)
class Hierarchy:
    """Where the cpu controller is mounted, and which cgroup version it is."""

    root: Path
    version: int


@dataclass(frozen=True)
class CpuCgroup:
    path: Path
    version: int
    millicpu: int

    def join(self) -> None:
        """Move the calling process into this cgroup (a Popen preexec_fn: it runs in the
        child before exec). Plain os calls only: nothing that could take a lock the parent's
        other threads held at fork."""
        fd = os.open(self.path / "cgroup.procs", os.O_WRONLY)
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)

    def pids(self) -> list[int]:
        return [int(pid) for pid in (self.path / "cgroup.procs").read_text().split()]

    def throttled_seconds(self) -> float:
        """CPU time the processes wanted and the quota held back, so far."""
        stat = dict(
            line.split() for line in (self.path / "cpu.stat").read_text().splitlines() if line
        )
        if self.version == 1:
            return int(stat.get("throttled_time", 0)) / 1e9
        return int(stat.get("throttled_usec", 0)) / 1e6


def v2_weight(shares: int) -> int:
    """cgroup v2's cpu.weight for v1 cpu.shares, as runc converts them."""
    return 1 + ((shares - 2) * 9999) // 262142


def quota_us(millicpu: int) -> int:
    """The CFS quota the kubelet sets for a CPU limit of `millicpu` (its milliCPUToQuota)."""
    return max(millicpu * PERIOD_US // 1000, MIN_QUOTA_US)


def hierarchy(mountinfo: str | None = None) -> Hierarchy:
    """The mounted cpu controller: a v1 hierarchy with `cpu` among its options, else a v2
    one that offers `cpu`."""
    text = MOUNTINFO.read_text() if mountinfo is None else mountinfo
    unified = None
    for line in text.splitlines():
        # "<id> <parent> <dev> <root> <mount point> ... - <type> <source> <super options>"
        fields, _, after = line.partition(" - ")
        described = after.split()
        if len(described) < 3:
            continue
        kind, options, mount = described[0], described[2], Path(fields.split()[4])
        if kind == "cgroup" and "cpu" in options.split(","):
            return Hierarchy(mount, 1)
        if kind == "cgroup2" and unified is None:
            unified = mount
    if unified is not None and "cpu" in _read(unified / "cgroup.controllers").split():
        return Hierarchy(unified, 2)
    raise CgroupUnavailable("no cpu cgroup controller is mounted (cgroup v1 cpu or v2 cpu.max)")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _write(path: Path, value: str) -> None:
    with path.open("w") as out:
        out.write(value)


def _make(found: Hierarchy, name: str, millicpu: int, shares: int) -> CpuCgroup:
    if found.version == 2 and "cpu" not in _read(found.root / "cgroup.subtree_control").split():
        # The root cgroup may hold processes and still hand the controller to its children.
        _write(found.root / "cgroup.subtree_control", "+cpu")
    path = found.root / f"roboshop-{name}-{os.getpid()}-{secrets.token_hex(3)}"
    path.mkdir()
    group = CpuCgroup(path, found.version, millicpu)
    try:
        if found.version == 1:
            _write(path / "cpu.cfs_period_us", str(PERIOD_US))
            _write(path / "cpu.cfs_quota_us", str(quota_us(millicpu)))
            _write(path / "cpu.shares", str(shares))
        else:
            _write(path / "cpu.max", f"{quota_us(millicpu)} {PERIOD_US}")
            _write(path / "cpu.weight", str(v2_weight(shares)))
    except OSError:
        remove(group)
        raise
    return group


def remove(group: CpuCgroup, timeout: float = 10.0) -> None:
    """Remove the cgroup once its processes are gone (a stopped process leaves it as it is
    reaped): the caller stops what it started inside."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            group.path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                left = group.pids() if group.path.exists() else []
                raise CgroupUnavailable(f"{group.path} not removed ({exc}); in it: {left}") from exc
            time.sleep(0.05)


@contextmanager
def cpu_quota(millicpu: int, name: str, shares: int = DEFAULT_SHARES) -> Iterator[CpuCgroup]:
    """A cgroup of our own whose processes together get at most `millicpu` thousandths of a
    CPU, removed at the end (after the processes in it are stopped). `shares`: its weight
    against the machine's other processes while the CPU is contended (v1 cpu.shares; v2
    cpu.weight converted as runc does); the quota caps it however high."""
    if millicpu < 1:
        raise ValueError(f"a CPU limit of {millicpu}m is none")
    found = hierarchy()
    try:
        group = _make(found, name, millicpu, shares)
    except PermissionError as exc:
        raise CgroupUnavailable(
            f"no cgroup can be made under {found.root}: {exc.strerror} (it takes root)"
        ) from exc
    except OSError as exc:
        raise CgroupUnavailable(f"no cgroup can be made under {found.root}: {exc}") from exc
    try:
        yield group
    finally:
        remove(group)


def limited(process: Process, group: CpuCgroup) -> Process:
    """The same process, started inside the cgroup (joined before exec: same pid)."""
    return dataclasses.replace(process, preexec=group.join)
