"""knative/rollout.py: canary, blue-green, promotion and rollback of the prod catalogue."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from knative.checks import manifests as m

SCRIPT = m.KNATIVE / "rollout.py"


def _run(ksvc: m.Obj, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        input=json.dumps(ksvc),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def running() -> m.Obj:
    ksvc = m.ksvcs(m.render("prod"))["catalogue"]
    ksvc["status"] = {"latestReadyRevisionName": "catalogue-00001"}
    return ksvc


def _rolled(ksvc: m.Obj, *args: str) -> m.Obj:
    done = _run(ksvc, *args)
    assert done.returncode == 0, done.stderr
    result: m.Obj = json.loads(done.stdout)
    assert m.schema_problems(result) == []
    assert "status" not in result
    assert sum(t["percent"] for t in result["spec"]["traffic"]) == 100
    return result


def _split(ksvc: m.Obj) -> list[tuple[str, str, int]]:
    return [(t["tag"], t["revisionName"], t["percent"]) for t in ksvc["spec"]["traffic"]]


def test_canary_splits_traffic_by_tag(running: m.Obj) -> None:
    result = _rolled(running, "canary", "--tag", "0.2.0", "--percent", "20")
    assert result["spec"]["template"]["metadata"]["name"] == "catalogue-v0-2-0"
    assert result["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "registry.invalid/roboshop/catalogue:0.2.0"
    )
    assert _split(result) == [
        ("stable", "catalogue-00001", 80),
        ("canary", "catalogue-v0-2-0", 20),
    ]
    assert m.rule_pinned_images([result]) == []


def test_blue_green_then_promote_then_roll_back(running: m.Obj) -> None:
    green = _rolled(running, "green", "--tag", "0.2.0")
    assert _split(green) == [("blue", "catalogue-00001", 100), ("green", "catalogue-v0-2-0", 0)]
    promoted = _rolled(running, "promote", "--tag", "0.2.0")
    assert _split(promoted) == [
        ("previous", "catalogue-00001", 0),
        ("current", "catalogue-v0-2-0", 100),
    ]
    back = _rolled(promoted, "rollback")
    assert _split(back) == [("current", "catalogue-00001", 100)]


@pytest.mark.parametrize(
    "args",
    [
        ["canary"],
        ["canary", "--tag", "0.2.0", "--percent", "120"],
        ["rollback"],
    ],
)
def test_refuses_what_it_cannot_do(running: m.Obj, args: list[str]) -> None:
    done = _run(running, *args)
    assert done.returncode != 0
    assert done.stderr.strip()


def test_needs_a_running_revision(running: m.Obj) -> None:
    del running["status"]
    done = _run(running, "canary", "--tag", "0.2.0")
    assert done.returncode != 0
    assert "--stable" in done.stderr
