"""The CPU limit each function's process gets in the cluster, as the bench and the
cold-checkout test read it from a rendered overlay (knative/checks/cpulimits.py)."""

from __future__ import annotations

import copy

import pytest

from knative.checks import cpulimits
from knative.checks import manifests as m
from knative.checks.cluster import CPU, quantity
from scripts.stack.processes import ROOT

FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/main.py"))


@pytest.mark.parametrize("overlay", m.OVERLAY_FOLDERS)
def test_every_function_has_the_limit_its_own_container_states(overlay: str) -> None:
    objects = m.render(overlay)
    found = cpulimits.function_cpu_limits(objects)
    assert sorted(found) == FUNCTIONS
    for name, service in m.ksvcs(objects).items():
        container = service["spec"]["template"]["spec"]["containers"][0]
        assert found[name] == quantity(container["resources"]["limits"]["cpu"], CPU), name
    assert cpulimits.rendered(overlay) == found


def _without_cpu_limit(objects: list[m.Obj], function: str) -> list[m.Obj]:
    broken = copy.deepcopy(objects)
    service = m.ksvcs(broken)[function]
    del service["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"]
    return broken


def test_a_function_without_a_limit_gets_the_limit_ranges_default() -> None:
    objects = _without_cpu_limit(m.render("dev"), "cart")
    limit_range = m.find(objects, "LimitRange", "roboshop")
    default = limit_range["spec"]["limits"][0]["default"]["cpu"]
    assert cpulimits.function_cpu_limits(objects)["cart"] == quantity(default, CPU)


def test_without_a_limit_range_either_it_has_none() -> None:
    objects = [o for o in _without_cpu_limit(m.render("dev"), "cart") if o["kind"] != "LimitRange"]
    found = cpulimits.function_cpu_limits(objects)
    assert found["cart"] is None
    assert found["catalogue"] is not None
