"""A CPU limit for a local process (scripts/stack/cgroup.py): the cgroup made, joined
before exec by the process and its children, throttled at its quota, removed afterwards;
refused, with the reason, where none can be made. This machine must be able to make one:
the bench and the cold-checkout test depend on it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.stack import cgroup
from scripts.stack.processes import Process

V1 = (
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
)
SHARED = "25 1 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
# Burns `argv[1]` seconds of CPU, in a forked child as well when asked (`argv[2]`).
BURN = """
import os, sys, time
def burn(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
if len(sys.argv) > 2:
    child = os.fork()
    if child == 0:
        burn(float(sys.argv[1])); os._exit(0)
    burn(float(sys.argv[1])); os.waitpid(child, 0)
else:
    burn(float(sys.argv[1]))
"""


def test_the_cpu_controller_is_found_in_either_version(tmp_path: Path) -> None:
    assert cgroup.hierarchy(V1) == cgroup.Hierarchy(Path("/sys/fs/cgroup/cpu"), 1)
    assert cgroup.hierarchy(SHARED) == cgroup.Hierarchy(Path("/sys/fs/cgroup/cpu,cpuacct"), 1)
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    unified = f"26 1 0:23 / {tmp_path} rw - cgroup2 cgroup2 rw\n"
    assert cgroup.hierarchy(unified) == cgroup.Hierarchy(tmp_path, 2)


def test_without_a_cpu_controller_no_cgroup_is_made(tmp_path: Path) -> None:
    (tmp_path / "cgroup.controllers").write_text("memory pids\n")
    for mounts in (V1.splitlines()[1], f"26 1 0:23 / {tmp_path} rw - cgroup2 cgroup2 rw", ""):
        with pytest.raises(cgroup.CgroupUnavailable, match="no cpu cgroup controller"):
            cgroup.hierarchy(mounts)


def test_a_limit_is_the_quota_the_kubelet_sets() -> None:
    assert cgroup.quota_us(1000) == 100_000
    assert cgroup.quota_us(100) == 10_000
    assert cgroup.quota_us(2500) == 250_000
    assert cgroup.quota_us(5) == 1_000  # the kernel's least
    assert (cgroup.v2_weight(2), cgroup.v2_weight(1024), cgroup.v2_weight(262144)) == (1, 39, 10000)


def _burn(group: cgroup.CpuCgroup, seconds: float, fork: bool = False) -> float:
    argv = [sys.executable, "-c", BURN, str(seconds), *(["fork"] if fork else [])]
    started = time.monotonic()
    subprocess.run(argv, check=True, preexec_fn=group.join)
    return time.monotonic() - started


def test_a_process_and_its_children_are_held_to_the_quota() -> None:
    with cgroup.cpu_quota(100, "test-quota") as group:
        quota = (group.path / ("cpu.cfs_quota_us" if group.version == 1 else "cpu.max")).read_text()
        assert quota.split()[0] == "10000"
        # 0.2 s of CPU in each of two processes at a tenth of a CPU: about 4 s, throttled.
        took = _burn(group, 0.2, fork=True)
        assert took > 2.0, took
        assert group.throttled_seconds() > 1.0
    assert not group.path.exists()


def test_a_quota_that_does_not_bind_throttles_nothing() -> None:
    with cgroup.cpu_quota(2000, "test-free") as group:
        _burn(group, 0.2)
        assert group.throttled_seconds() == 0
    assert not group.path.exists()


@pytest.mark.served
def test_a_limited_process_joins_before_exec(tmp_path: Path) -> None:
    log = tmp_path / "cgroup.log"
    argv = [sys.executable, "-c", "print(open('/proc/self/cgroup').read())"]
    with cgroup.cpu_quota(500, "test-join") as group:
        process = cgroup.limited(Process("joins", argv, log), group).start()
        assert process.popen is not None
        assert process.popen.wait(10) == 0
    lines = log.read_text().splitlines()
    assert any(line.endswith(f"/{group.path.name}") for line in lines), lines


def test_without_root_the_reason_is_said() -> None:
    """As a user the cgroup hierarchy does not delegate to (effective uid nobody for the
    moment: root gets its capabilities back with its uid)."""
    if os.geteuid() != 0:
        pytest.fail("this test runs as root, as the bench and the cold-checkout test must")
    os.seteuid(65534)
    try:
        with (
            pytest.raises(cgroup.CgroupUnavailable, match="it takes root"),
            cgroup.cpu_quota(100, "test-nobody"),
        ):
            pass
    finally:
        os.seteuid(0)
