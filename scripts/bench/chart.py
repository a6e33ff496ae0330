"""The chart of a bench run: each throughput and cold-start figure as a multiple of R1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scripts.bench.figures import Figure


def draw(figures: Sequence[Figure], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [f for f in figures if f.ratio is not None and f.unit in ("req/s", "ms")]
    height = max(2.0, 0.28 * len(shown) + 1)
    fig, ax = plt.subplots(figsize=(9, height))
    names = [f"{f.section}: {f.name}" for f in shown]
    colours = ["#888888" if f.met is None else ("#2e7d32" if f.met else "#c62828") for f in shown]
    ax.barh(names, [f.ratio or 0 for f in shown], color=colours)
    for row, f in enumerate(shown):
        if f.target is not None and f.target.unit == "x R1":
            ax.plot([f.target.bound] * 2, [row - 0.4, row + 0.4], color="black", linewidth=1.5)
    ax.axvline(1.0, color="#1565c0", linestyle="--", linewidth=1)
    ax.invert_yaxis()
    ax.set_xlabel("x R1 (functions-framework hello world, same run, one core); | the target")
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
