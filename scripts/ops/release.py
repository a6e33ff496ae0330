"""`python3 -m scripts.ops.release --version 0.2.0 --registry ghcr.io/me/roboshop --out DIR`.

`python3 -m scripts.ops.release --matrix` prints the images a release builds as the JSON
of the workflow's build matrix (`fromJSON`): one a function (a folder with main.py),
the seed image and the web image, so a new function is built without editing the workflow.

Renders what a release publishes: the prod overlay and the restore Job with every
RoboShop image (`registry.invalid/roboshop/<name>` there, a name that never resolves)
renamed to `<registry>/<name>:<version>`, as
`roboshop-<version>.yaml` and `roboshop-restore-<version>.yaml` in DIR. A cluster
applies the file as it is (GitOps: what the release holds is what runs). Standard
library and kubectl only, so a CI job can run it without the virtual environment.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KNATIVE = ROOT / "knative"
VERSION = re.compile(r"^\d+\.\d+\.\d+([-.][0-9A-Za-z.]+)?$")
_IMAGE_LINE = re.compile(r"^\s*(?:-\s*)?image:\s*['\"]?([^'\"\s]+)", re.MULTILINE)
# What the prod overlay and the restore Job call our images until they are given a registry.
PLACEHOLDER = "registry.invalid/roboshop"


def images() -> list[str]:
    """Every image a release builds: each function (a folder with main.py), seed and web."""
    functions = sorted(path.parent.name for path in (ROOT / "functions").glob("*/main.py"))
    return [*functions, "seed", "web"]


def matrix() -> list[dict[str, str]]:
    """Each image with its build context and Dockerfile stage, for the CI build matrix."""
    built = {"seed": {"context": ".", "target": "seed"}, "web": {"context": "web", "target": ""}}
    return [
        {"image": name, **built.get(name, {"context": ".", "target": "function"})}
        for name in images()
    ]


def render(kustomization: Path, registry: str, version: str) -> str:
    """`kubectl kustomize` of `kustomization` with the release's image names and tag."""
    with tempfile.TemporaryDirectory() as scratch:
        base = os.path.relpath(kustomization, scratch)
        lines = [
            "apiVersion: kustomize.config.k8s.io/v1beta1",
            "kind: Kustomization",
            "resources:",
            f"  - {base}",
            "images:",
        ]
        for name in images():
            lines += [
                f"  - name: {PLACEHOLDER}/{name}",
                f"    newName: {registry}/{name}",
                f'    newTag: "{version}"',
            ]
        (Path(scratch) / "kustomization.yaml").write_text("\n".join(lines) + "\n")
        done = subprocess.run(
            ["kubectl", "kustomize", scratch], capture_output=True, text=True, check=False
        )
    if done.returncode != 0:
        raise SystemExit(f"!! kubectl kustomize {kustomization} failed:\n{done.stderr}")
    return done.stdout


def check(rendered: str, registry: str, version: str) -> list[str]:
    """Images left unpinned to this release: none may remain."""
    ours = {f"{registry}/{name}" for name in images()}
    wrong = []
    for image in _IMAGE_LINE.findall(rendered):
        name, _, tag = image.rpartition(":")
        if image.startswith(("roboshop/", PLACEHOLDER)) or (name in ours and tag != version):
            wrong.append(image)
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m scripts.ops.release", description=__doc__)
    parser.add_argument("--matrix", action="store_true", help="print the images as JSON, only")
    parser.add_argument("--version", help="e.g. 0.2.0 (a tag v0.2.0 gives 0.2.0)")
    parser.add_argument("--registry", help="image prefix, e.g. ghcr.io/me/roboshop")
    parser.add_argument("--out", type=Path, help="folder for the rendered files")
    args = parser.parse_args(argv)
    if args.matrix:
        print(json.dumps({"include": matrix()}, separators=(",", ":")))
        return 0
    if not (args.version and args.registry and args.out):
        parser.error("--version, --registry and --out are needed (or --matrix alone)")
    version = args.version.removeprefix("v")
    if not VERSION.match(version):
        parser.error(f"{args.version!r} is not a version like 0.2.0")
    registry = args.registry.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    for source, name in (
        (KNATIVE / "overlays" / "prod", "roboshop"),
        (KNATIVE / "restore", "roboshop-restore"),
    ):
        rendered = render(source, registry, version)
        wrong = check(rendered, registry, version)
        if wrong:
            print(f"!! {source}: images not from this release: {', '.join(wrong)}", file=sys.stderr)
            return 1
        target = args.out / f"{name}-{version}.yaml"
        target.write_text(f"# RoboShop {version}: kubectl apply -f {target.name}\n{rendered}")
        print(f"==> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
