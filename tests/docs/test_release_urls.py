"""The releases the docs install are the ones `make test` checks the manifests against:
every GitHub release URL of the docs names its project's version in versions.yaml."""

from __future__ import annotations

import re

from knative.checks import versions
from scripts.stack.processes import ROOT
from tests.docs import kubectl

_RELEASE = re.compile(r"https://github\.com/([\w.-]+/[\w.-]+)/releases/download/([^/\s]+)/")


def release_urls() -> list[tuple[str, str, str]]:
    """(page, project, version) of each release download in the docs."""
    return [
        (str(page.relative_to(ROOT)), project, version)
        for page in kubectl.pages()
        for project, version in _RELEASE.findall(page.read_text())
        if "<" not in project
    ]


def test_every_release_installed_is_the_matrix_version() -> None:
    pinned = {c.repository: c.version for c in versions.load() if c.repository}
    wrong = [
        f"{page}: {project} {version}, the matrix has {pinned.get(project, 'no row')}"
        for page, project, version in release_urls()
        if pinned.get(project) != version
    ]
    assert wrong == []


def test_the_kind_path_installs_every_project_of_the_matrix() -> None:
    installed = {project for page, project, _ in release_urls() if page == "knative/README.md"}
    assert installed == {c.repository for c in versions.load() if c.repository}
    assert {"cert-manager/cert-manager", "knative/serving"} <= installed
