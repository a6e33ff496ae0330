"""What the chaos switches cost a function: import time, memory, one evaluation, a switch seen.

    .venv/bin/python -m scripts.bench.flags

Each variant runs in a fresh interpreter that imports the kit (what every function
imports) and then evaluates one flag, and reports the import time of the flags' part and
the resident memory it adds:
  - no flags file: kit.flags never imports the SDK;
  - OpenFeature SDK, in-memory provider fed from the flagd-format file (what kit.flags does);
  - flagd's own provider in in-process file mode, when `openfeature-provider-flagd` is
    installed (it is not a dependency: `pip install openfeature-provider-flagd` to compare).
It also times an evaluation and how long a change to the file takes to be seen. Figures
go to bench-results/flags.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts.ops import chaos
from scripts.stack.processes import ROOT

RESULTS = ROOT / "bench-results"
RUNS = 5

# Run in a child: import the kit, then the variant, and report ms and KiB added.
PROBE = r"""
import json, resource, sys, time
def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024
import kit, kit.peers
before_kib, started = rss_kib(), time.perf_counter()
variant = sys.argv[1]
if variant == "sdk":
    from kit import flags
    flags.integer("payment-failure-percent", 0)
elif variant == "none":
    from kit import flags
    flags.integer("payment-failure-percent", 0)
elif variant == "flagd":
    from openfeature import api
    from openfeature.contrib.provider.flagd import FlagdProvider
    from openfeature.contrib.provider.flagd.config import ResolverType
    api.set_provider(FlagdProvider(resolver_type=ResolverType.FILE,
                                   offline_flag_source_path=sys.argv[2]))
    api.get_client().get_integer_value("payment-failure-percent", 0)
elapsed_ms = (time.perf_counter() - started) * 1000
print(json.dumps({"ms": elapsed_ms, "kib": rss_kib() - before_kib}))
"""


def probe(variant: str, flags_file: Path) -> dict[str, Any] | None:
    env = {**os.environ, "FLAGS_FILE": str(flags_file)}
    runs = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, variant, str(flags_file)],
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            if "No module named" in out.stderr:
                return None
            raise RuntimeError(out.stderr[-2000:])
        runs.append(json.loads(out.stdout))
    runs.sort(key=lambda run: run["ms"])
    median = runs[len(runs) // 2]
    return {"import_ms": round(median["ms"], 1), "added_mib": round(median["kib"] / 1024, 1)}


def evaluation_and_switch(flags_file: Path) -> dict[str, float]:
    """Microseconds per evaluation, and seconds until a changed file is seen (in-process)."""
    import time

    os.environ["FLAGS_FILE"] = str(flags_file)
    from kit import flags

    flags.integer("payment-failure-percent", 0)
    count = 20000
    started = time.perf_counter()
    for _ in range(count):
        flags.integer("payment-failure-percent", 0)
    per_call_us = (time.perf_counter() - started) / count * 1e6
    document = chaos.all_off()
    chaos.switch(document, "payment-failure", True, "40")
    changed = time.monotonic()
    chaos.save(flags_file, document)
    while flags.integer("payment-failure-percent", 0) != 40:
        time.sleep(0.01)
    return {
        "evaluation_us": round(per_call_us, 2),
        "switch_seen_s": round(time.monotonic() - changed, 2),
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        flags_file = Path(folder) / "flags.json"
        missing = Path(folder) / "missing.json"
        chaos.save(flags_file, chaos.all_off())
        figures: dict[str, Any] = {
            "no flags file": probe("none", missing),
            "OpenFeature SDK, in-memory provider (kit.flags)": probe("sdk", flags_file),
            "flagd provider, in-process file mode": probe("flagd", flags_file),
        }
        figures["in-process"] = evaluation_and_switch(flags_file)
    print(f"{'variant':52} {'import ms':>10} {'+MiB':>6}")
    for name, found in figures.items():
        if name == "in-process":
            continue
        if found is None:
            print(f"{name:52} {'not installed (pip install openfeature-provider-flagd)':>17}")
        else:
            print(f"{name:52} {found['import_ms']:>10} {found['added_mib']:>6}")
    extra = figures["in-process"]
    seen = extra["switch_seen_s"]
    print(f"one evaluation: {extra['evaluation_us']} us; a changed file seen after {seen} s")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "flags.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
