"""What a release publishes: the prod overlay and the restore Job, on the release's images."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from knative.checks import manifests as m
from scripts.ops import release
from scripts.stack.processes import ROOT

REGISTRY = "ghcr.io/example/roboshop"


def run_release(version: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.ops.release", "--version", version, "--registry", REGISTRY,
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_a_release_is_built_of_every_function_seed_and_web() -> None:
    functions = sorted(p.parent.name for p in (ROOT / "functions").glob("*/main.py"))
    assert release.images() == [*functions, "seed", "web"]
    assert "kit" not in release.images()


def test_the_release_manifests_use_only_the_releases_images(tmp_path: Path) -> None:
    done = run_release("v0.2.0", tmp_path)
    assert done.returncode == 0, done.stderr
    shop = [d for d in yaml.safe_load_all((tmp_path / "roboshop-0.2.0.yaml").read_text()) if d]
    restore = [
        d for d in yaml.safe_load_all((tmp_path / "roboshop-restore-0.2.0.yaml").read_text())
    ]
    ours = [
        c["image"]
        for obj, _, spec in m.pod_specs([*shop, *restore])
        for c in m.containers(spec)
        if c["image"].startswith(REGISTRY)
    ]
    # every function, the four seed Jobs, nginx, the backup CronJob and the restore Job
    functions = len(list((ROOT / "functions").glob("*/main.py")))
    assert len(ours) == functions + 4 + 1 + 1 + 1
    assert all(image.endswith(":0.2.0") for image in ours)
    assert {i.rsplit(":", 1)[0].rsplit("/", 1)[1] for i in ours} == set(release.images())
    assert not [obj for obj in shop if obj["kind"] == "Secret"]
    rendered = (tmp_path / "roboshop-0.2.0.yaml").read_text()
    assert f"image: {REGISTRY}/seed:0.2.0" in rendered.split("kind: CronJob")[1]


def test_an_image_left_behind_is_caught() -> None:
    text = "\n".join(
        [
            f"image: {REGISTRY}/cart:0.2.0",
            "  image: roboshop/user:0.1.0",
            f"- image: {REGISTRY}/seed:0.1.9",
        ]
    )
    assert release.check(text, REGISTRY, "0.2.0") == [
        "roboshop/user:0.1.0",
        f"{REGISTRY}/seed:0.1.9",
    ]


def test_a_version_must_look_like_one(tmp_path: Path) -> None:
    done = run_release("latest", tmp_path)
    assert done.returncode == 2 and "not a version" in done.stderr


def test_without_matrix_the_release_needs_its_version_registry_and_folder() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.ops.release", "--version", "0.2.0"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--matrix alone" in done.stderr
