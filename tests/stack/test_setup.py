"""The machine set-up of `make run` / `make test`, against machine descriptions.

Nothing is installed here: plans are made for described machines, the command
line is run with `--machine`, and `execute` runs harmless stand-in steps. The one
step that changes a server (MariaDB's root login) runs against a private MariaDB.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.stack import setup
from scripts.stack.ports import free_port
from scripts.stack.processes import ROOT, Process
from scripts.stack.setup import Machine, Plan, Step

EVERYTHING = [
    "apt-get", "sudo", "nginx", "redis-server", "mariadbd", "mariadb", "rabbitmq-server",
    "rabbitmqctl", "chromium", "kubectl", "promtool", "wrk", "node", "npm",
]  # fmt: skip
SHARED_PORTS = [6379, 3306, 5672]


def machine(**facts: Any) -> Machine:
    described: dict[str, Any] = {"programs": ["apt-get", "kubectl"], "python_venv": False}
    described.update(facts)
    return Machine.describe(described)


def packages(made: Plan) -> list[str]:
    return [p.name for p in made.missing]


def test_a_fresh_debian_machine_gets_everything_for_the_tests_with_a_line_per_step() -> None:
    made = setup.plan("test", machine(root=True))
    assert packages(made) == [
        "python3-venv", "nginx", "redis-server", "mariadb-server", "rabbitmq-server",
        "prometheus", "chromium", "nodejs", "npm", "wrk",
    ]  # fmt: skip
    says = [step.say for step in made.steps]
    assert says[0] == "updating the package lists"
    assert says[1:11] == [f"installing {p.name} ({p.why})" for p in made.missing]
    assert says[11:14] == ["starting redis-server", "starting mariadb", "starting rabbitmq-server"]
    assert "MariaDB over TCP" in says[14] and len(says) == 15
    assert setup.report(made, machine(root=True)) is None  # root: it just runs


def test_make_run_needs_no_browser_kubectl_or_running_servers() -> None:
    made = setup.plan("run", machine(root=True, programs=["apt-get"]))
    assert packages(made) == [
        "python3-venv", "nginx", "redis-server", "mariadb-server", "rabbitmq-server", "prometheus",
    ]  # fmt: skip
    assert not [step for step in made.steps if step.say.startswith("starting")]
    assert made.blocked == []


def test_this_kind_of_machine_needs_nothing() -> None:
    ready = machine(programs=EVERYTHING, python_venv=True, listening=SHARED_PORTS)
    for goal in ("run", "test", "bench"):
        assert setup.plan(goal, ready).steps == []


def test_servers_already_listening_are_used_instead_of_installed() -> None:
    made = setup.plan(
        "run", machine(programs=["apt-get", "nginx", "promtool"], listening=SHARED_PORTS)
    )
    assert packages(made) == ["python3-venv"]
    # the tests also need rabbitmqctl, which only Debian's rabbitmq-server brings
    assert "rabbitmq-server" in packages(setup.plan("test", machine(listening=SHARED_PORTS)))


def test_a_stopped_server_is_started_for_the_tests() -> None:
    stopped = machine(programs=EVERYTHING, python_venv=True, listening=[6379, 5672])
    made = setup.plan("test", stopped)
    assert [s.command for s in made.steps] == ["/etc/init.d/mariadb start"]


def test_a_mariadb_that_refuses_root_gets_the_login_step() -> None:
    refusing = machine(
        programs=EVERYTHING, python_venv=True, listening=SHARED_PORTS, mariadb_root_login=False
    )
    [step] = setup.plan("run", refusing).steps
    assert "grep -qx invalid" in step.command  # only a root without a password of its own


def test_without_root_or_sudo_nothing_is_changed_and_one_command_is_printed(
    tmp_path: Path,
) -> None:
    user = machine(root=False, passwordless_sudo=False)
    made = setup.plan("test", user)
    message = setup.report(made, user)
    assert message is not None
    assert "Nothing was changed" in message and "nginx: serves the storefront" in message
    [command] = [line.strip() for line in message.splitlines() if line.strip().startswith("sudo")]
    assert command == made.one_command()
    assert subprocess.run(["sh", "-n", "-c", command], check=False).returncode == 0
    sudo, sh, c, script = shlex.split(command)
    assert (sudo, sh, c) == ("sudo", "sh", "-c")
    installs = "apt-get install -y -qq --no-install-recommends " + " ".join(packages(made))
    others = [step.command for step in made.steps if not step.installs]
    assert script.split(" && ")[:2] == [
        "apt-get update -qq",
        f"DEBIAN_FRONTEND=noninteractive {installs}",
    ]
    assert script.endswith(" && ".join(others[-1:]))


def test_passwordless_sudo_is_as_good_as_root() -> None:
    sudoer = machine(root=False, passwordless_sudo=True)
    assert setup.report(setup.plan("test", sudoer), sudoer) is None


def test_what_no_package_can_fix_stops_before_anything() -> None:
    no_kubectl = machine(root=True, programs=["apt-get"])
    made = setup.plan("test", no_kubectl)
    message = setup.report(made, no_kubectl)
    assert message is not None and "kubectl is not a Debian package" in message
    assert "Nothing was changed" in message
    not_debian = machine(root=True, programs=["kubectl"])
    message = setup.report(setup.plan("run", not_debian), not_debian)
    assert message is not None and "not a Debian or Ubuntu machine" in message


def test_a_node_without_npm_gets_npm_alone_and_only_for_the_tests() -> None:
    # Debian's nodejs comes without npm; NodeSource's brings its own (this machine's).
    ready = [*EVERYTHING]
    ready.remove("npm")
    with_node = machine(programs=ready, python_venv=True, listening=SHARED_PORTS)
    assert packages(setup.plan("test", with_node)) == ["npm"]
    assert packages(setup.plan("run", with_node)) == []
    assert packages(setup.plan("bench", with_node)) == []


def test_ubuntu_gets_its_own_chromium_package() -> None:
    assert "chromium-browser" in packages(setup.plan("test", machine(distro="ubuntu")))


def test_the_ports_are_the_runners(monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts.stack.run import addresses
    from scripts.stack.shop import environment

    assert setup.service_ports({}) == setup.service_ports(environment(addresses()))
    moved = {"REDIS_URL": "redis://127.0.0.1:6390/0", "MYSQL_PORT": "3307"}
    assert setup.service_ports(moved)["redis"] == 6390
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/0")
    # redis listening on the configured port: no redis-server needed
    assert "redis-server" not in packages(setup.plan("run", machine(listening=[6390])))


def run_setup(tmp_path: Path, goal: str, **facts: Any) -> subprocess.CompletedProcess[str]:
    described = tmp_path / "machine.json"
    described.write_text(json.dumps({"programs": ["apt-get", "kubectl"], **facts}))
    return subprocess.run(
        [sys.executable, "-m", "scripts.stack.setup", goal, "--machine", str(described)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_command_line_plans_for_a_described_machine(tmp_path: Path) -> None:
    done = run_setup(tmp_path, "test", root=True, python_venv=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "==> [1/14] updating the package lists: apt-get update -qq"
    assert any("installing chromium" in line for line in lines)
    refused = run_setup(tmp_path, "run", root=False, python_venv=False)
    assert refused.returncode == 1 and "sudo sh -c" in refused.stderr


def test_execute_runs_each_step_with_a_progress_line_and_stops_at_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "done.txt"
    made = Plan("test", steps=[
        Step("first", f"echo one >> {out}"),
        Step("second", f"echo two >> {out}; exit 3"),
        Step("third", f"echo three >> {out}"),
    ])  # fmt: skip
    assert setup.execute(made, machine(root=True), tmp_path / "setup.log") == 1
    assert out.read_text().split() == ["one", "two"]
    printed = capsys.readouterr()
    assert "==> [1/3] first" in printed.out and "==> [2/3] second" in printed.out
    assert "third" not in printed.out and "failed (3)" in printed.err


def test_make_bench_gets_wrk_and_the_shared_servers_but_no_browser() -> None:
    made = setup.plan("bench", machine(root=True, programs=["apt-get", "nginx"], python_venv=True))
    assert packages(made) == ["redis-server", "mariadb-server", "rabbitmq-server", "wrk"]
    assert "starting rabbitmq-server" in [step.say for step in made.steps]
    assert made.blocked == []


def test_make_sets_the_machine_up_before_anything_else() -> None:
    for goal in ("run", "test", "bench"):
        planned = subprocess.run(
            ["make", "--no-print-directory", "-n", goal],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        assert f"scripts.stack.setup {goal}" in planned[0], planned[:3]


@pytest.mark.served
@pytest.mark.skipif(os.geteuid() != 0, reason="socket login as MariaDB's root needs OS root")
def test_the_mariadb_step_opens_root_over_tcp_only_where_root_has_no_password(
    tmp_path: Path,
) -> None:
    """A private MariaDB made as Debian makes it (root through the socket only)."""
    data, port = tmp_path / "mariadb", free_port()
    subprocess.run(
        [
            shutil.which("mariadb-install-db", path=setup.SEARCH_PATH) or "mariadb-install-db",
            "--no-defaults", f"--datadir={data}", "--user=root", "--skip-test-db",
            "--auth-root-authentication-method=socket",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    socket_path = data / "mysqld.sock"
    server = Process(
        "mariadb",
        [
            shutil.which("mariadbd", path=setup.SEARCH_PATH) or "mariadbd",
            "--no-defaults", f"--datadir={data}", "--user=root", "--bind-address=127.0.0.1",
            f"--port={port}", f"--socket={socket_path}", "--skip-log-bin",
        ],
        tmp_path / "mariadb.log",
    )  # fmt: skip
    server.start().wait_for_port(port)
    env = dict(os.environ)
    login = ["mariadb", "--protocol=TCP", "-h", "127.0.0.1", "-P", str(port), "-u", "root"]
    try:
        assert subprocess.run([*login, "--password=", "-e", "SELECT 1"], env=env).returncode != 0
        step = setup.mariadb_root_login(port, str(socket_path))
        assert subprocess.run(["sh", "-c", step], env=env).returncode == 0
        assert subprocess.run([*login, "--password=", "-e", "SELECT 1"], env=env).returncode == 0
        # a root with a password of its own is never touched
        subprocess.run(
            [
                *("mariadb", "-h", "localhost", f"--socket={socket_path}", "-u", "root"),
                *("-e", "ALTER USER root@localhost IDENTIFIED BY 's3cret'"),
            ],
            env=env,
            check=True,
        )
        again = subprocess.run(["sh", "-c", step], env=env, capture_output=True, text=True)
        assert again.returncode == 1 and "root has a password" in again.stdout
        assert subprocess.run([*login, "--password=s3cret", "-e", "SELECT 1"]).returncode == 0
    finally:
        server.stop()
