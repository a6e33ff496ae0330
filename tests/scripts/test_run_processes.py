"""The runner's own processes: Ctrl-C reaches it from a background job."""

from __future__ import annotations

import signal
import subprocess
import sys

from scripts.localstack import ROOT

WAIT_FOR_CTRL_C = """
import time
from scripts.run import stop_on_ctrl_c
stop_on_ctrl_c()
print("ready", flush=True)
time.sleep(60)
"""


def ignore_sigint() -> None:
    # What a shell does to a job started with `&` when job control is off (scripts, CI).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_stops_a_runner_started_as_a_background_job() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", WAIT_FOR_CTRL_C],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=ignore_sigint,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        child.send_signal(signal.SIGINT)
        child.wait(10)
    finally:
        child.kill()
        child.wait()
    assert child.stderr is not None and b"KeyboardInterrupt" in child.stderr.read()
