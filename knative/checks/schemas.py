"""The pinned upstream schemas: where they are, that they are the pinned ones, and loading them.

The CRDs and the func.yaml schema are upstream data, vendored unchanged under
knative/checks/crds/ at the release tags of the version matrix (versions.yaml)
(sources.json says which file came from where, with its checksum). ROBOSHOP_CRDS
may name another folder holding the same files. Nothing here skips: a schema
that is missing or not the pinned one is a failure, so no manifest goes unchecked.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knative.checks import CRDS, ROOT

# libyaml's loader where PyYAML was built with it: ten times the pure-Python one's speed on
# the CRDs and the rendered overlays, the same documents.
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The list of pinned files always comes from the repository, wherever the files are read.
SOURCES = ROOT / "knative" / "checks" / "crds" / "sources.json"
FUNC_SCHEMA = "func_yaml-schema.json"

_OBJECT_ROOT = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
}


@dataclass(frozen=True)
class Source:
    file: str
    repository: str
    tag: str
    commit: str
    path: str
    license: str
    sha256: str


def sources() -> list[Source]:
    return [Source(**row) for row in json.loads(SOURCES.read_text())]


def problems(folder: Path = CRDS) -> list[str]:
    """Why the schemas in `folder` are not exactly the pinned ones (empty: they are)."""
    if not folder.is_dir():
        return [f"no schema folder at {folder} (set ROBOSHOP_CRDS, or restore knative/checks/crds)"]
    found = []
    for source in sources():
        path = folder / source.file
        if not path.is_file():
            found.append(f"{source.file} is missing from {folder}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != source.sha256:
            found.append(
                f"{source.file} is not {source.repository}@{source.tag}:{source.path} "
                f"(sha256 differs)"
            )
    pinned = {source.file for source in sources()}
    listed = {p.name for p in folder.iterdir() if p.suffix in (".yaml", ".json")}
    extra = listed - pinned - {SOURCES.name}
    found += [f"{name} is in {folder} but not pinned in sources.json" for name in sorted(extra)]
    return found


def _checked(folder: Path) -> Path:
    wrong = problems(folder)
    if wrong:
        raise AssertionError("the pinned upstream schemas are not usable:\n" + "\n".join(wrong))
    return folder


def _strict(schema: Any) -> Any:
    """Reject unknown fields, as `kubectl apply --validate=strict` does for CRDs."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@functools.cache
def crd_schemas(folder: Path = CRDS) -> dict[tuple[str, str], Any]:
    """(apiVersion, kind) -> strict JSON schema of every served version of every pinned CRD."""
    schemas: dict[tuple[str, str], Any] = {}
    for path in sorted(_checked(folder).glob("*.yaml")):
        for doc in yaml.load_all(path.read_text(), Loader=LOADER):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if not version.get("served", True):
                    continue
                api_version = f"{spec['group']}/{version['name']}"
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                # The API server accepts these on every object, listed or not.
                schema.setdefault("properties", {}).update(_OBJECT_ROOT)
                schemas[(api_version, spec["names"]["kind"])] = _strict(schema)
    return schemas


@functools.cache
def func_schema(folder: Path = CRDS) -> Any:
    """Knative func's JSON schema of func.yaml."""
    return json.loads((_checked(folder) / FUNC_SCHEMA).read_text())
