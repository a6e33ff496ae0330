"""Every `kubectl` line of the README, docs/ and knative/README.md parses: run against a
kubeconfig that points nowhere, each fails on the connection, never on its arguments.
And no line asks for two resource types where kubectl reads one."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from knative.checks import manifests as m
from scripts.stack.processes import ROOT
from tests.docs import kubectl

# Types the docs name, beyond the shop's own kinds.
CORE_TYPES = {"pod", "deployment", "deploy", "job", "service", "svc", "ksvc", "configmap", "secret"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A copy of the checkout to run in, with the files the docs have the reader make
    first (`cp ....env.example ....env`), and kubectl's environment."""
    folder = tmp_path_factory.mktemp("kubectl-lines")
    work = folder / "checkout"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in ("knative", ".git", ".venv"):
            (work / entry.name).symlink_to(entry)
    tracked = subprocess.run(
        ["git", "ls-files", "knative"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    for name in tracked.stdout.split():  # not a local secrets.env
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, work / name)
        if name.endswith(".env.example"):
            shutil.copy(ROOT / name, work / name.removesuffix(".example"))
    return work, kubectl.environment(folder, os.environ)


def resource_types() -> set[str]:
    kinds = {obj["kind"].lower() for overlay in m.OVERLAY_FOLDERS for obj in m.render(overlay)}
    singular = kinds | CORE_TYPES
    return singular | {f"{name}s" for name in singular}


@pytest.mark.parametrize("page", kubectl.pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_kubectl_line_fails_on_the_connection_not_its_arguments(
    page: Path, sandbox: tuple[Path, dict[str, str]]
) -> None:
    work, env = sandbox
    assert kubectl.run_lines(list(kubectl.in_docs([page])), work, env) == []


def test_no_line_names_a_second_resource_type_as_a_name() -> None:
    types = resource_types()
    found = [
        problem
        for line in kubectl.in_docs(kubectl.pages())
        for command in line
        if command and (problem := kubectl.names_a_type(command, types))
    ]
    assert found == []


def test_the_cluster_path_is_all_found() -> None:
    """The lines the kind path depends on are among those run, so the check can't go blind."""
    found = [str(c) for line in kubectl.in_docs(kubectl.pages()) for c in line if c]
    readme = [line for line in found if line.startswith("knative/README.md")]
    assert len(readme) >= 30, readme
    assert any(" wait " in line and "sinkbinding" in line for line in readme), readme
    assert any(" delete " in line and "rabbitmqbrokerconfig" in line for line in readme), readme
    assert any(line.startswith("docs/operations.md") for line in found)


# ---- the checks themselves, on pages made for them ----


USAGE_ERRORS = (
    "# Page\n\n"
    "    kubectl -n roboshop get pods                      # parses: refused\n"
    "    kubectl -n roboshop wait --for=condition=Ready broker/default trigger --all\n"
    "    kubectl apply -f https://github.com/x/y/releases/download/v1/z.yaml\n\n"
    "Prose names `kubectl logs` and runs `kubectl -n roboshop scale --bogus`.\n"
)
PIPES_AND_REDIRECTS = (
    "```sh\n"
    "kubectl kustomize knative/restore \\\n"
    "  | kubectl set env --local -f - A=b -o yaml > restore.yaml\n"
    "for ns in a b; do\n"
    "  kubectl -n $ns get ksvc -o json | python3 x.py | kubectl apply -f -; done\n"
    "```\n"
)


def write(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text)
    return page


def test_a_usage_error_is_told_from_a_connection_error(
    tmp_path: Path, sandbox: tuple[Path, dict[str, str]]
) -> None:
    work, env = sandbox
    page = write(tmp_path, USAGE_ERRORS)
    problems = kubectl.run_lines(list(kubectl.in_docs([page])), work, env)
    assert len(problems) == 2, problems
    assert "wait --for=condition=Ready broker/default trigger --all" in problems[0]
    assert "no need to specify a resource type" in problems[0]
    assert "scale --bogus" in problems[1] and "unknown flag" in problems[1]


def test_a_pipe_feeds_what_kubectl_printed_and_a_redirect_writes_it(
    tmp_path: Path, sandbox: tuple[Path, dict[str, str]]
) -> None:
    work, env = sandbox
    lines = list(kubectl.in_docs([write(tmp_path, PIPES_AND_REDIRECTS)]))
    assert [[c and c.args[0] for c in line] for line in lines] == [
        ["kustomize", "set"],
        ["-n", None, "apply"],
    ]
    assert lines[0][1] and lines[0][1].reads == 0 and lines[0][1].redirect == "restore.yaml"
    assert lines[1][2] and lines[1][2].piped and lines[1][2].reads is None
    assert [p for line in lines for p in kubectl.run_line(line, work, env)] == []
    assert "name: restore" in (work / "restore.yaml").read_text()
    assert "- name: A\n" in (work / "restore.yaml").read_text()


def test_a_second_type_read_as_a_name_is_caught(tmp_path: Path) -> None:
    page = write(
        tmp_path,
        "    kubectl delete broker default rabbitmqbrokerconfig roboshop-broker-config\n"
        "    kubectl delete broker/default rabbitmqbrokerconfig/roboshop-broker-config\n"
        "    kubectl -n roboshop get ksvc catalogue -o json\n",
    )
    types = resource_types()
    found = [kubectl.names_a_type(c, types) for line in kubectl.in_docs([page]) for c in line if c]
    assert found[1:] == [None, None]
    assert found[0] and "rabbitmqbrokerconfig is read as a broker name" in found[0]
