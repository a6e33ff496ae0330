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


def over_quota(objects: list[m.Obj]) -> list[str]:
    return [p for p in a.quota_problems(objects) if "the shop needs" in p]


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
    assert over_quota(scaled(m.render("prod"), command)) == []


def with_max(command: kubectl.Command, most: int) -> kubectl.Command:
    args = list(command.args)
    args[args.index("--scale-max") + 1] = str(most)
    return kubectl.Command(command.where, command.line, tuple(args), tool="kn")


def test_the_maxima_the_readme_names_are_the_quotas_edges() -> None:
    """13 on prod, 3 on dev, as knative/README.md says: one more is past the quota."""
    (shown,) = [c for c in kn_updates() if "--scale-max" in c.args]
    most = int(shown.args[shown.args.index("--scale-max") + 1])
    for overlay, edge in (("prod", most), ("dev", 3)):
        assert over_quota(scaled(m.render(overlay), with_max(shown, edge))) == [], overlay
        assert over_quota(scaled(m.render(overlay), with_max(shown, edge + 1))), overlay
    assert "on dev, 3." in " ".join((m.KNATIVE / "README.md").read_text().split())
