"""What `make bench` judges its figures by (issues 12 and 25), and the page that lists them.

The sections judge each figure with these Targets, and docs/benchmarks/targets.md is
printed from GOALS (python -m scripts.docs), so the page can't say one thing while the
bench checks another.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from scripts.bench.figures import AT_LEAST, AT_MOST, BELOW, Target
from scripts.stack.processes import ROOT

CATALOGUE_READS = Target(AT_LEAST, 1.5)
SESSION_READS = Target(AT_LEAST, 1.3)
# Issue 25 raised it from issue 12's 0.5.
CART_ADD = Target(AT_LEAST, 0.6)
THROUGH_NGINX = Target(AT_LEAST, 0.8, "x direct")
COLD_START = Target(AT_MOST, 1.3)
# A scale from zero waits for the whole start: a second, whatever R1 takes (issue 21).
COLD_START_UNDER_LIMIT = Target(AT_MOST, 1.0, "s")
PSS_PER_FUNCTION = Target(AT_MOST, 50, "MiB")
NOTHING_LOST = Target(AT_MOST, 0, "lost")
NOTHING_DUPLICATED = Target(AT_MOST, 0, "dup")
PIPELINE_RATE = Target(AT_LEAST, 50, "orders/s")
PIPELINE_LAG = Target(BELOW, 2, "s p99")


def memory_limit_mib(function: str) -> float:
    """The function's memory limit in the cluster (its func.yaml mirrors the manifests)."""
    spec = yaml.safe_load((ROOT / "functions" / function / "func.yaml").read_text())
    limit = str(spec["deploy"]["options"]["resources"]["limits"]["memory"])
    return float(limit.removesuffix("Mi"))


def within_memory_limit(function: str) -> Target:
    return Target(AT_MOST, memory_limit_mib(function), "MiB")


@dataclass(frozen=True)
class Goal:
    section: str
    measured: str
    target: Target
    note: str = ""


def goals() -> list[Goal]:
    """Every target a section judges by, in the order of the sections."""
    return [
        Goal("catalogue", "products, product, categories, search", CATALOGUE_READS),
        Goal("catalogue, user, cart, shipping, ratings", "each path through nginx",
             THROUGH_NGINX),
        Goal("user", "uniqueid", SESSION_READS),
        Goal("cart", "cart get", SESSION_READS),
        Goal("cart", "cart add (one robot to carts made for the run)", CART_ADD),
        Goal("cart", "robots in the carts against adds answered 200", NOTHING_LOST),
        Goal("login", "user's peak PSS under 4 concurrent logins", within_memory_limit("user"),
             "user's memory limit, read from its func.yaml"),
        Goal("memory", "PSS of each function's process tree after the loads", PSS_PER_FUNCTION),
        Goal("cold", "process start to the first 200 on a real route", COLD_START),
        Goal("cold-quota", "the same inside a cgroup with the function's CPU limit",
             COLD_START_UNDER_LIMIT, "the limit read from the rendered dev and prod overlays"),
        Goal("pipeline", "orders paid to dispatched, per second", PIPELINE_RATE),
        Goal("pipeline", "pay to dispatched in the user's history, p99", PIPELINE_LAG),
        Goal("pipeline", "orders paid and never dispatched", NOTHING_LOST),
        Goal("pipeline", "orders dispatched twice", NOTHING_DUPLICATED),
    ]  # fmt: skip
