"""The docs' `kn` commands use kn 1.22's flags, and a `--scale-max` they show fits prod's
quota: applied to the rendered overlay, the offline model's quota check still passes."""

from __future__ import annotations

import pytest

from knative.checks import admission as a
from knative.checks import manifests as m
from tests.docs import kubectl

# kn 1.22 (pkg/commands/service/configuration_edit_flags.go) hides these as deprecated.
DEPRECATED = {"--concurrency-target", "--concurrency-utilization", "--min-scale", "--max-scale"}
SCALE = {"--scale-min": "min-scale", "--scale-max": "max-scale", "--scale-target": "target"}


def kn_updates() -> list[kubectl.Command]:
    return [
        command
        for line in kubectl.in_docs(kubectl.pages(), "kn")
        for command in line
        if command and command.args[:2] == ("service", "update")
    ]


def scaled(objects: list[m.Obj], command: kubectl.Command) -> list[m.Obj]:
    """The objects with the command's scale annotations on its Service."""
    args = list(command.args)
    template = m.ksvcs(objects)[args[2]]["spec"]["template"]
    notes = template["metadata"]["annotations"]
    for flag, annotation in SCALE.items():
        if flag in args:
            notes[m.SCALE + annotation] = args[args.index(flag) + 1]
    return objects


def test_no_kn_line_uses_a_deprecated_flag() -> None:
    lines = [line for line in kubectl.in_docs(kubectl.pages(), "kn") for c in line if c]
    assert lines
    used = [
        str(c)
        for line in lines
        for c in line
        if c and DEPRECATED & {w.split("=")[0] for w in c.args}
    ]
    assert used == []


@pytest.mark.parametrize("command", kn_updates(), ids=str)
def test_a_documented_scale_fits_prods_quota(command: kubectl.Command) -> None:
    assert a.quota_short(scaled(m.render("prod"), command)) == []


def test_the_readmes_scale_max_is_the_most_prods_quota_holds() -> None:
    """As knative/README.md says of its example; docs/capacity.md has every function's."""
    (shown,) = [c for c in kn_updates() if "--scale-max" in c.args]
    most = int(shown.args[shown.args.index("--scale-max") + 1])
    assert a.most_scale(m.render("prod"), shown.args[2]) == most
