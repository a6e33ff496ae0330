"""Checking the GitHub Actions workflows offline: each check returns its findings.

What a workflow names must exist here: make targets, python modules, paths,
Dockerfile stages; every action is pinned to the commit recorded for its tag in
.github/actions-lock.json, and is given only inputs its action.yml declares. A build
matrix made by an earlier job (`fromJSON(needs.<job>.outputs.<name>)`) is made here by
running that job's step, as the runner would, and checked like a written one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from scripts.stack.processes import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
LOCK = ROOT / ".github" / "actions-lock.json"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_USES_LINE = re.compile(r"^\s*(?:-\s*)?uses:\s*([^@\s]+)@(\S+)(?:\s*#\s*(\S+))?\s*$")
_MAKE = re.compile(r"(?:^|[;&|(]\s*|\s)make\s+((?:[A-Za-z][\w-]*\s*)+)")
_MODULE = re.compile(r"python3?\s+-m\s+([\w.]+)")
_FROM_JOB = re.compile(r"^\$\{\{\s*fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)\s*\}\}$")
_STEP_OUTPUT = re.compile(r"^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$")
_RULE = re.compile(r"^([A-Za-z][\w.%-]*(?:\s+[A-Za-z][\w.%-]*)*)\s*:(?!=)", re.MULTILINE)

Workflow = dict[str, Any]


def load(path: Path) -> Workflow:
    return parse(path.read_text())


def parse(text: str) -> Workflow:
    loaded: dict[Any, Any] = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as true.
    if True in loaded:
        loaded["on"] = loaded.pop(True)
    return {str(key): value for key, value in loaded.items()}


def lock() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = json.loads(LOCK.read_text())["actions"]
    return found


def steps(workflow: Workflow) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_name, job in workflow.get("jobs", {}).items():
        for step in job.get("steps", []):
            yield job_name, step


class MatrixError(ValueError):
    """A matrix expression that leads to no job, output or step."""


def build_matrix(workflow: Workflow, job_name: str) -> dict[str, Any]:
    """The job's strategy.matrix: as written, or made by running the step it comes from."""
    job = workflow["jobs"][job_name]
    matrix = job.get("strategy", {}).get("matrix", {})
    if not isinstance(matrix, str):
        return dict(matrix)
    found = _FROM_JOB.match(matrix.strip())
    if not found:
        raise MatrixError(f"{job_name}: a matrix expression this check can't follow: {matrix}")
    source, output = found.groups()
    needs = job.get("needs", [])
    if source not in (needs if isinstance(needs, list) else [needs]):
        raise MatrixError(f"{job_name}: the matrix comes from {source}, which it doesn't need")
    made = workflow["jobs"].get(source, {}).get("outputs", {}).get(output)
    step_ref = _STEP_OUTPUT.match(str(made or "").strip())
    if not step_ref:
        raise MatrixError(f"{job_name}: {source} has no output {output!r} from a step")
    step_id, key = step_ref.groups()
    steps_by_id = {s.get("id"): s for s in workflow["jobs"][source].get("steps", [])}
    if step_id not in steps_by_id:
        raise MatrixError(f"{job_name}: {source} has no step {step_id!r}")
    outputs = run_step(steps_by_id[step_id])
    if key not in outputs:
        raise MatrixError(f"{job_name}: step {step_id!r} of {source} wrote no {key!r}")
    made_matrix: dict[str, Any] = json.loads(outputs[key])
    return made_matrix


def run_step(step: dict[str, Any]) -> dict[str, str]:
    """A `run` step's script under bash in the checkout, and the outputs it wrote."""
    with tempfile.NamedTemporaryFile("r", suffix=".out") as written:
        env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": written.name}
        done = subprocess.run(
            ["bash", "-e", "-c", str(step["run"])],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise MatrixError(f"step {step.get('id')!r} failed: {done.stderr[-2000:]}")
        lines = written.read().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {name for match in _RULE.findall(text) for name in match.split()}


def pinning_problems(text: str, workflow: Workflow, pins: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for line in text.splitlines():
        found = _USES_LINE.match(line)
        if not found:
            continue
        action, ref, comment = found.groups()
        pin = pins.get(action)
        if pin is None:
            problems.append(f"{action}: not in the actions lock")
        elif not _SHA.match(ref):
            problems.append(f"{action}@{ref}: not pinned to a commit")
        elif ref != pin["sha"]:
            problems.append(f"{action}@{ref}: the lock has {pin['sha']} for {pin['tag']}")
        elif comment != pin["tag"]:
            problems.append(f"{action}@{ref}: commented {comment!r}, the lock says {pin['tag']}")
    for job, step in steps(workflow):
        if "uses" not in step:
            continue
        action = step["uses"].split("@")[0]
        inputs = set((pins.get(action) or {}).get("inputs", []))
        for key in sorted(set(step.get("with") or {}) - inputs):
            problems.append(f"{job}: {action} has no input {key!r}")
    return problems


def naming_problems(workflow: Workflow) -> list[str]:
    """make targets, python modules and files named in run steps; build contexts and stages."""
    problems = []
    targets = make_targets()
    for job, step in steps(workflow):
        script = str(step.get("run", ""))
        for group in _MAKE.findall(script):
            for target in group.split():
                if target not in targets:
                    problems.append(f"{job}: make {target}: no such target")
        for module in _MODULE.findall(script):
            path = ROOT / Path(*module.split("."))
            if not (path.with_suffix(".py").exists() or (path / "__main__.py").exists()):
                problems.append(f"{job}: python -m {module}: no such module")
        for word in re.findall(r"(?<![\w/.$-])\.?[\w-]+/[\w./-]*", script):
            if word.split("/")[0] in _TOP_LEVEL and not (ROOT / word).exists():
                problems.append(f"{job}: {word}: no such path")
    for job_name in workflow.get("jobs", {}):
        try:
            entries = build_matrix(workflow, job_name).get("include", [])
        except MatrixError as exc:
            problems.append(str(exc))
            continue
        for entry in entries:
            context = ROOT / str(entry.get("context", "."))
            dockerfile = context / "Dockerfile"
            if not dockerfile.exists():
                problems.append(f"{job_name}: {entry}: no Dockerfile in {context}")
                continue
            target = entry.get("target")
            if target and not re.search(rf"^FROM\s+\S+\s+AS\s+{target}\s*$", dockerfile.read_text(),
                                        re.MULTILINE | re.IGNORECASE):  # fmt: skip
                problems.append(f"{job_name}: {entry['image']}: no stage {target} in {dockerfile}")
    return problems


_TOP_LEVEL = {p.name for p in ROOT.iterdir()} - {".git", ".venv", ".state"}
