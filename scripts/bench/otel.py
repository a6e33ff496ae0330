"""What tracing costs a cold start: one function loaded and its first request answered,
in three set-ups:

- lean: the default function image, without the tracing packages
  (functions/requirements-tracing.txt), OTEL_EXPORTER_OTLP_ENDPOINT unset: the kit's own ids;
- installed: an image built with TRACING=otel, the endpoint unset. Nothing loads
  OpenTelemetry then: the kit keeps out the metrics redis-py probes for on import;
- exporting: that image with the endpoint set (the SDK, the OTLP/HTTP exporter and the
  store instrumentations).

`make bench` calls `measure()`; alone: `python -m scripts.bench.otel [--runs N]`. Each run
is a fresh interpreter, so imports are cold as in a new pod (byte code already compiled,
as in the image). The figures are medians: milliseconds from the interpreter's start to
the first answer, and the peak memory (RSS) then.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass

from scripts.stack.ports import free_port
from scripts.stack.processes import ROOT

# Interpreter start to first answer, measured inside the child: the spawn itself is noise.
_CHILD = """
import time
started = time.perf_counter()
import json, resource, sys
if sys.argv[3] == "lean":
    sys.modules["opentelemetry"] = None  # as if not installed: every import of it fails
import functions_framework
app = functions_framework.create_app(target=sys.argv[1], source=sys.argv[2])
answer = app.test_client().get("/health/live")
elapsed = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
loaded = any(name.startswith("opentelemetry.sdk") for name in sys.modules if sys.modules[name])
print(json.dumps({"ms": elapsed * 1000, "rss_mib": rss, "status": answer.status_code,
                  "sdk": loaded}), flush=True)
import os
os._exit(0)
"""


SETUPS = ("lean", "installed", "exporting")


@dataclass
class ColdStart:
    function: str
    setup: str
    runs: int
    ms: float
    rss_mib: float


def _run(function: str, setup: str) -> dict[str, float]:
    env = {
        **os.environ,
        "LOG_LEVEL": "error",
        "K_SERVICE": function,
        # Required at start by every function that takes a session or a signed event.
        "SESSION_SECRET": os.environ.get("SESSION_SECRET") or secrets.token_urlsafe(48),
    }
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    if setup == "exporting":
        # Nothing listens there: the spans of the one request are never waited for.
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"
    source = ROOT / "functions" / function / "main.py"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, function, str(source), setup],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["status"] != 200 or figures["sdk"] != (setup == "exporting"):
        raise RuntimeError(f"{function} ({setup}): unexpected {figures}")
    return figures


def measure(function: str = "cart", runs: int = 7) -> list[ColdStart]:
    """Median cold start and memory of `function` in each set-up; the runs interleave, so
    that the machine's load at the time weighs on all alike."""
    samples: dict[str, list[dict[str, float]]] = {setup: [] for setup in SETUPS}
    for _ in range(runs):
        for setup in SETUPS:
            samples[setup].append(_run(function, setup))
    results = []
    for setup in SETUPS:
        results.append(
            ColdStart(
                function,
                setup,
                runs,
                round(statistics.median(s["ms"] for s in samples[setup]), 1),
                round(statistics.median(s["rss_mib"] for s in samples[setup]), 1),
            )
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.otel", description=__doc__)
    parser.add_argument("--function", default="cart")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    results = measure(args.function, args.runs)
    lean = results[0]
    for figures in results:
        print(json.dumps(asdict(figures)))
    for figures in results[1:]:
        print(
            f"{figures.setup}: {figures.ms - lean.ms:+.1f} ms, "
            f"{figures.rss_mib - lean.rss_mib:+.1f} MiB against lean"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
