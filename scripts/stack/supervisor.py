"""Keeping a stack's processes running, as Kubernetes restarts a crashed container: a process
that dies is started again after a pause that doubles while it keeps dying."""

from __future__ import annotations

import time
from dataclasses import dataclass

from scripts.stack import processes
from scripts.stack.processes import Process
from scripts.stack.shop import Say, Stack, port_of

# Kubernetes' CrashLoopBackOff: 10 s doubling to 5 min; locally 1 s doubling to 30 s, and a
# process that stayed up this long is forgiven its earlier crashes.
FIRST_BACKOFF, MAX_BACKOFF, STABLE_AFTER = 1.0, 30.0, 60.0


@dataclass
class Supervised:
    """A started process, its port, and when it may be started again after a crash."""

    process: Process
    port: int
    say: Say
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None
    restarts: int = 0
    announced: bool = True

    def watch(self, now: float) -> None:
        """Restart it once its pause is over; say when a restarted one answers again."""
        if self.process.running():
            if not self.announced and processes.port_open(self.port):
                self.announced = True
                self.say(f"{self.process.name} is back on port {self.port}")
            if now - self.started_at > STABLE_AFTER:
                self.backoff = FIRST_BACKOFF
            return
        if self.restart_at is None:
            code = self.process.popen.returncode if self.process.popen else None
            print(
                f"!! {self.process.name} exited (code {code}); restarting it in "
                f"{self.backoff:.0f}s, as Kubernetes would. Last lines of {self.process.log}:\n"
                f"{self.process.tail()}",
                flush=True,
            )
            self.restart_at = now + self.backoff
            self.backoff = min(MAX_BACKOFF, self.backoff * 2)
        elif now >= self.restart_at:
            self.restarts += 1
            self.say(f"restarting {self.process.name} (restart {self.restarts})")
            self.process.start()
            self.started_at, self.restart_at, self.announced = now, None, False


def supervise(stack: Stack) -> None:
    """Keep every process the stack started running, until interrupted."""
    now = time.monotonic()
    watched = [
        Supervised(process, port_of(stack.urls[name]), stack.say, now)
        for name, process in stack.processes.items()
    ]
    while True:
        now = time.monotonic()
        for supervised in watched:
            supervised.watch(now)
        time.sleep(0.5)
