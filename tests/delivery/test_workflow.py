"""The GitHub Actions workflow, validated offline: what it runs, names and pins is real."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

import pytest

from scripts.ops import release
from scripts.stack.processes import ROOT
from tests.delivery import workflow as w

PATH = w.WORKFLOWS / "ci.yml"


@pytest.fixture
def flow() -> w.Workflow:
    return w.load(PATH)


def test_there_is_one_workflow_and_it_parses(flow: w.Workflow) -> None:
    assert sorted(p.name for p in w.WORKFLOWS.iterdir()) == ["ci.yml"]
    assert set(flow["jobs"]) == {"test", "plan", "images", "release"}


def test_every_push_and_pull_request_runs_make_test_through_ci_run(flow: w.Workflow) -> None:
    assert flow["on"]["push"]["branches"] == ["**"]
    assert "pull_request" in flow["on"]
    test = flow["jobs"]["test"]
    assert "if" not in test
    assert [s["run"] for s in test["steps"] if s.get("run") == ".ci/run"] == [".ci/run"]
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)
    # a fresh Debian, as docs/development.md promises; `make test` sets it up
    assert test["container"].startswith("debian:")


def test_a_tag_builds_pushes_and_publishes(flow: w.Workflow) -> None:
    assert flow["on"]["push"]["tags"] == ["v*"]
    plan, images, published = (flow["jobs"][name] for name in ("plan", "images", "release"))
    for job in (plan, images, published):
        assert job["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert images["needs"] == ["test", "plan"] and published["needs"] == "images"
    matrix = w.build_matrix(flow, "images")["include"]
    assert [entry["image"] for entry in matrix] == release.images()
    [build] = [s for s in images["steps"] if s.get("uses", "").startswith("docker/build-push")]
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64"
    assert build["with"]["push"] is True
    assert build["with"]["tags"].endswith(":${{ steps.names.outputs.version }}")
    assert "VERSION=${{ steps.names.outputs.version }}" in build["with"]["build-args"]
    assert any(s.get("uses", "").startswith("docker/setup-qemu") for s in images["steps"])
    scripts = " ".join(str(s.get("run", "")) for s in published["steps"])
    assert "python3 -m scripts.ops.release" in scripts and "gh release upload" in scripts


def test_permissions_are_the_least_each_job_needs(flow: w.Workflow) -> None:
    assert flow["permissions"] == {"contents": "read"}
    assert "permissions" not in flow["jobs"]["test"]
    assert flow["jobs"]["images"]["permissions"] == {"contents": "read", "packages": "write"}
    assert flow["jobs"]["release"]["permissions"] == {"contents": "write"}
    for _, step in w.steps(flow):
        if step.get("uses", "").startswith("actions/checkout"):
            assert step["with"]["persist-credentials"] is False


def test_every_action_is_pinned_to_its_recorded_commit(flow: w.Workflow) -> None:
    assert w.pinning_problems(PATH.read_text(), flow, w.lock()) == []
    used = {step["uses"].split("@")[0] for _, step in w.steps(flow) if "uses" in step}
    assert used == set(w.lock()), "the lock records exactly the actions in use"
    for pin in w.lock().values():
        assert re.fullmatch(r"[0-9a-f]{40}", pin["sha"]) and re.fullmatch(
            r"v\d+\.\d+\.\d+", pin["tag"]
        )


def test_everything_the_workflow_names_exists(flow: w.Workflow) -> None:
    assert w.naming_problems(flow) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "@v7", "not pinned to a commit"),
        ("@3d3c42e5aac5ba805825da76410c181273ba90b1", "@" + "a" * 40, "the lock has"),
        ("# v7.0.1", "# v6.0.0", "the lock says v7.0.1"),
        ("docker/login-action@", "someone/login-action@", "not in the actions lock"),
        ("persist-credentials: false", "persist-credential: false", "has no input"),
    ],
)
def test_the_pin_check_sees_a_bad_pin(old: str, new: str, expected: str) -> None:
    text = PATH.read_text().replace(old, new, 1)
    problems = w.pinning_problems(text, w.parse(text), w.lock())
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("job", "run", "expected"),
    [
        ("test", "make tset", "make tset: no such target"),
        ("test", "python3 -m scripts.nothing_here", "no such module"),
        ("release", "cat knative/overlays/staging/kustomization.yaml", "no such path"),
    ],
)
def test_the_naming_check_sees_what_does_not_exist(
    flow: w.Workflow, job: str, run: str, expected: str
) -> None:
    broken = copy.deepcopy(flow)
    broken["jobs"][job]["steps"].append({"run": run})
    assert any(expected in p for p in w.naming_problems(broken))


def test_the_image_matrix_is_found_in_the_tree_not_written_in_the_workflow(
    flow: w.Workflow,
) -> None:
    """A new function (a folder with main.py) is built by the next release, unedited."""
    assert isinstance(flow["jobs"]["images"]["strategy"]["matrix"], str)
    matrix = w.build_matrix(flow, "images")["include"]
    functions = sorted(p.parent.name for p in (ROOT / "functions").glob("*/main.py"))
    assert [e["image"] for e in matrix if e["target"] == "function"] == functions
    assert {e["image"]: (e["context"], e["target"]) for e in matrix if e["image"] in
            ("seed", "web")} == {"seed": (".", "seed"), "web": ("web", "")}  # fmt: skip


def test_the_naming_check_sees_a_missing_stage(flow: w.Workflow) -> None:
    broken = copy.deepcopy(flow)
    broken["jobs"]["images"]["strategy"]["matrix"] = {
        "include": [{"image": "cart", "context": ".", "target": "functon"}]
    }
    assert any("no stage functon" in p for p in w.naming_problems(broken))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f["jobs"]["images"].update(needs="test"), "which it doesn't need"),
        (lambda f: f["jobs"]["plan"].update(outputs={}), "has no output 'matrix'"),
        (lambda f: f["jobs"]["plan"]["steps"][-1].update(id="other"), "has no step 'list'"),
        (lambda f: f["jobs"]["plan"]["steps"][-1].update(run="exit 3"), "failed"),
        (lambda f: f["jobs"]["plan"]["steps"][-1].update(run="echo x=1 >> $GITHUB_OUTPUT"),
         "wrote no 'matrix'"),
    ],
)  # fmt: skip
def test_the_matrix_check_sees_a_broken_link_to_its_step(
    flow: w.Workflow, change: Callable[[w.Workflow], None], expected: str
) -> None:
    broken = copy.deepcopy(flow)
    change(broken)
    assert any(expected in p for p in w.naming_problems(broken))
