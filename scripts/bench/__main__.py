"""`make bench`: the shop's figures as ratios to R1, each beside its target (issue 12).

R1 is functions-framework's hello world with its defaults, measured in the same run.
R2 and R3, the floors (scripts/bench/floor.py), are a bare Flask route served as the
functions are, without and with one Redis GET: each route's figure has its ratio to its
floor and the CPU per request it spends above it. Every server (R1, R2, R3, each
function, nginx) runs pinned to CPU 0 and wrk to CPU 1; each figure is the median of
`--runs` runs alternated with R1's and the floors', after a warm-up, with the CPU time
per request of the server's process tree (from /proc) beside it.

    python -m scripts.bench [--only catalogue,cart] [--seconds 2] [--runs 3]

Sections: catalogue, user, cart, shipping, ratings, login, memory (after the loads
before it), cold, cold-quota (under each function's CPU limit), growth, pipeline, flags,
tracing. Written to bench-results/: bench.json,
bench.md (the table), bench.png (the chart), and a copy of the JSON named by the time. A
run of every section also writes docs/benchmarks/results.md and results.png (`--docs`),
stamped with the date and the machine: the results the repository shows are a whole run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench import chart, report
from scripts.bench.figures import summary, table, to_json
from scripts.bench.sections import SECTIONS, Bench, Settings
from scripts.bench.shop import shop, start_reference
from scripts.stack.processes import ROOT, StackError

RESULTS = ROOT / "bench-results"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", default="", help="comma-separated sections (default: all)")
    parser.add_argument("--seconds", type=int, default=Settings.seconds, help="per run")
    parser.add_argument("--warmup", type=int, default=Settings.warmup)
    parser.add_argument("--runs", type=int, default=Settings.runs)
    parser.add_argument("--connections", type=int, default=Settings.connections)
    parser.add_argument("--cold-runs", type=int, default=Settings.cold_runs)
    parser.add_argument("--pipeline-seconds", type=float, default=Settings.pipeline_seconds)
    parser.add_argument(
        "--cpu-limits",
        default=Settings.cpu_limits,
        help="cold-quota: these CPU limits (e.g. 1000m,500m) instead of the manifests'",
    )
    parser.add_argument(
        "--cities", default="", help="seed only these countries' cities (e.g. gb): quick runs"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--docs", type=Path, default=report.DOCS, help="the results page, after a whole run"
    )
    args = parser.parse_args(argv)
    chosen = [name for name in args.only.split(",") if name] or list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    args.sections = chosen
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    settings = Settings(
        args.seconds,
        args.warmup,
        args.runs,
        args.connections,
        args.cold_runs,
        args.pipeline_seconds,
        args.cpu_limits,
    )
    started = time.monotonic()
    took: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="roboshop-bench-") as folder:
        work = Path(folder)
        try:
            with shop(work, args.cities) as running:
                took["shop up"] = round(time.monotonic() - started, 1)
                print(f"==> the shop is up ({took['shop up']} s)", flush=True)
                floors = running.start_floors()  # stopped with the shop
                r1, _ = start_reference(running.logs)
                bench = Bench(running, r1, settings, work, floors)
                try:
                    for name in args.sections:
                        print(f"==> {name}", flush=True)
                        began = time.monotonic()
                        SECTIONS[name](bench)
                        took[name] = round(time.monotonic() - began, 1)
                        print(f"    {name}: {took[name]} s", flush=True)
                finally:
                    r1.stop()
        except StackError as exc:
            print(f"!! {exc}", file=sys.stderr)
            return 1
    context = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.monotonic() - started, 1),
        "settings": vars(settings),
        "sections": took,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    document = to_json(bench.figures, context)
    (args.out / "bench.json").write_text(document)
    (args.out / time.strftime("bench-%Y%m%d-%H%M%S.json")).write_text(document)
    rendered = table(bench.figures)
    (args.out / "bench.md").write_text(rendered)
    chart.draw(bench.figures, args.out / "bench.png")
    print(rendered)
    print(summary(bench.figures))
    print(f"{context['seconds']} s; written to {args.out}/bench.json, bench.md, bench.png")
    if args.sections == list(SECTIONS):
        write_page(bench, rendered, args.docs)
    else:
        print(f"   (some sections only: {args.docs} keeps the results of the last whole run)")
    return 0


def write_page(bench: Bench, rendered: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    day = time.strftime("%Y-%m-%d")
    text = report.page(rendered, summary(bench.figures), day, report.machine())
    (folder / report.PAGE.name).write_text(text)
    chart.draw(bench.figures, folder / report.CHART.name)
    print(f"   the results page: {folder / report.PAGE.name}, {report.CHART.name}")


if __name__ == "__main__":
    sys.exit(main())
