"""CPU time and memory of a process tree from /proc, on processes of our own."""

from __future__ import annotations

import subprocess
import sys
import time

from scripts.bench import proc, wrk
from scripts.stack.wait import until

BUSY = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


def test_cpu_of_a_tree_counts_a_busy_child_and_memory_is_read() -> None:
    spawn = f"import subprocess, sys, time; subprocess.run([sys.executable, '-c', {BUSY!r}])"
    parent = subprocess.Popen([sys.executable, "-c", spawn + "; time.sleep(30)"])
    try:
        tree = until(lambda: proc.tree(parent.pid), 20, "a child", 0.01, done=lambda t: len(t) > 1)
        assert len(tree) == 2  # the busy child is seen under the parent
        # Once the child is reaped its time stays, in the parent's children's times.
        cpu = "0.25 s of CPU in the tree"
        until(lambda: proc.cpu_seconds([parent.pid]), 20, cpu, done=lambda used: used >= 0.25)
        rss, pss = proc.memory_mib(parent.pid)
        assert rss > 1 and 0 < pss <= rss
    finally:
        parent.kill()
        parent.wait()


def test_peak_memory_samples_while_the_block_runs() -> None:
    grower = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; time.sleep(0.3); b = bytearray(64 << 20); time.sleep(30)",
        ]
    )
    try:
        with proc.PeakMemory(grower.pid) as peak:
            time.sleep(1.5)
        assert peak.rss > 64
    finally:
        grower.kill()
        grower.wait()


def test_wrk_lua_scripts_post_json_and_rotate_ids() -> None:
    login = wrk.post_json("/login", {"name": 'a"b', "password": "p"})
    assert login.path == "/login"
    assert 'wrk.method = "POST"' in login.lua and '\\"a\\\\\\"b\\"' in login.lua
    carts = wrk.rotating("/add/", ["c1", "c2"], "/RMC/1")
    assert carts.path == "/add/c1/RMC/1"
    assert 'local ids = {"c1", "c2"}' in carts.lua and '"/add/" .. ids[n % #ids + 1]' in carts.lua
