"""docs/benchmarks/targets.md: the targets `make bench` judges by, from scripts/bench/targets.py."""

from __future__ import annotations

from scripts.bench import targets
from scripts.docs import pages

PAGE = pages.DOCS / "benchmarks" / "targets.md"


def page() -> str:
    rows = ["| section | what is measured | target | note |", "|---|---|---|---|"]
    rows += [
        f"| {g.section} | {g.measured} | {pages.cell(str(g.target))} | {g.note} |"
        for g in targets.goals()
    ]
    return "\n".join(
        [
            pages.banner("python -m scripts.docs", "scripts/bench/targets.py"),
            "# Benchmark targets",
            "",
            "What each figure of `make bench` is judged by (issues 12 and 25). `x R1` is a"
            " multiple of R1, functions-framework's hello world measured in the same run;"
            " `x direct` a multiple of the same path at the function's own port. How they are"
            " measured: [benchmarks.md](../benchmarks.md); the latest whole run:"
            " [results.md](results.md).",
            "",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    pages.write(PAGE, page)
