"""What the cold-quota section measures: each function under the CPU limit its overlays give
it (scripts/bench/quota.py), or under the limits asked for instead."""

from __future__ import annotations

from knative.checks import cpulimits
from scripts.bench import quota


def test_each_distinct_limit_is_one_quota_naming_its_overlays() -> None:
    found: dict[str, dict[str, int | None]] = {
        "dev": {"cart": 1000, "catalogue": 1000, "user": None},
        "prod": {"cart": 2000, "catalogue": 1000, "user": None},
    }
    quotas = quota.from_manifests(found, ["cart", "catalogue", "user"])
    assert [(q.millicpu, q.functions) for q in quotas] == [
        (2000, ["cart"]),
        (1000, ["cart", "catalogue"]),
    ]
    assert quotas[0].source == "the manifests' limit (prod)"
    assert quotas[1].source == "the manifests' limit (dev, prod)"


def test_the_manifests_limits_are_read_from_both_overlays() -> None:
    functions = ["cart", "payment"]
    quotas, said = quota.plan(functions, "")
    limits = {overlay: cpulimits.rendered(overlay) for overlay in quota.OVERLAYS}
    wanted = {(limits[o][f], f) for o in quota.OVERLAYS for f in functions}
    assert {(q.millicpu, f) for q in quotas for f in q.functions} == wanted
    same = limits["dev"] == limits["prod"]
    assert ("dev and prod give every function the same CPU limit" in said) == same


def test_limits_given_replace_the_manifests() -> None:
    quotas, said = quota.plan(["cart"], "1000m, 0.5,100m")
    assert [(q.millicpu, q.functions) for q in quotas] == [
        (1000, ["cart"]),
        (500, ["cart"]),
        (100, ["cart"]),
    ]
    assert said == [] and all("not the manifests" in q.source for q in quotas)
