"""`python3 -m scripts.stack.setup run|test|bench`: what `make run` / `make test` / `make bench`
need from the machine.

Runs before the virtual environment exists, so it uses the standard library only.
It looks at the machine (programs, servers listening, root or passwordless
sudo), works out every step needed - Debian packages to install, the shared
servers the tests use to start, MariaDB's root login over TCP - and then either
does them all with a progress line each, or, when it may not (not root, no
passwordless sudo), changes nothing and prints the one command to run.

`--machine FILE` reads a description of a machine (JSON, the fields of Machine)
instead of looking at this one, and only prints the plan: the tests use it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Debian keeps servers in sbin, which is not on a normal user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
PROGRAMS = (
    "apt-get",
    "sudo",
    "nginx",
    "redis-server",
    "mariadbd",
    "mariadb",
    "rabbitmq-server",
    "rabbitmqctl",
    "chromium",
    "kubectl",
    "promtool",
    "wrk",
    "node",
    "npm",
)
APT_ENV = "DEBIAN_FRONTEND=noninteractive"
APT_INSTALL = "apt-get install -y -qq --no-install-recommends"
KUBECTL_HELP = (
    "kubectl is not a Debian package: install it as https://kubernetes.io/docs/tasks/tools/ "
    "says (the manifest tests render the overlays with `kubectl kustomize`)"
)
# Debian's MariaDB lets root in through the socket only, and the tests and seeds log
# in over TCP. Root gets an empty password for local logins only where it has no
# password of its own ('invalid'); a root with a real password is left alone.
MARIADB_ROOT_LOGIN = " ".join(
    [
        # no server on the port: nothing to do (make run starts a private one)
        "! mariadb-admin --protocol=TCP -h 127.0.0.1 -P {port} ping >/dev/null 2>&1",
        "|| mariadb --protocol=TCP -h 127.0.0.1 -P {port} -u root --password= -e 'SELECT 1'",
        ">/dev/null 2>&1",
        "|| { mariadb --protocol=SOCKET -h localhost {socket}-u root -N -e",
        "\"SELECT JSON_VALUE(priv, '$.authentication_string') FROM mysql.global_priv",
        "WHERE user = 'root' AND host = 'localhost'\" | grep -qx invalid",
        "&& mariadb --protocol=SOCKET -h localhost {socket}-u root -e",
        '"ALTER USER root@localhost IDENTIFIED VIA unix_socket',
        "OR mysql_native_password USING PASSWORD('')\"; }",
        '|| { echo "MariaDB\'s root has a password: set MYSQL_ADMIN_PASSWORD and MYSQL_PASSWORD";',
        "exit 1; }",
    ]
)


def mariadb_root_login(port: int, socket: str | None = None) -> str:
    """The MariaDB step for the server on `port`, whose socket is `socket` (default: the
    system server's, where OS root logs in as MariaDB's root)."""
    return MARIADB_ROOT_LOGIN.replace("{port}", str(port)).replace(
        "{socket}", f"--socket={socket} " if socket else ""
    )


def service_ports(environ: dict[str, str] | None = None) -> dict[str, int]:
    """Where the stack looks for each server: the same variables and defaults as
    scripts/stack/run.py (a test keeps the two in step)."""
    environ = dict(os.environ if environ is None else environ)

    def port(url: str, default: int) -> int:
        return urlsplit(url).port or default

    return {
        "redis": port(environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0", 6379),
        "mysql": int(environ.get("MYSQL_PORT") or 3306),
        "rabbitmq": port(environ.get("AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/", 5672),
    }


@dataclass(frozen=True)
class Machine:
    programs: frozenset[str]
    python_venv: bool  # python3 can make a virtual environment (venv and ensurepip)
    root: bool
    passwordless_sudo: bool
    listening: frozenset[int] = frozenset()
    distro: str = "debian"
    ports: dict[str, int] = field(default_factory=service_ports)
    # False when MariaDB listens but refuses root without a password over TCP;
    # None when that is not known (no server, or no client to ask with).
    mariadb_root_login: bool | None = None

    @classmethod
    def describe(cls, data: dict[str, Any]) -> Machine:
        return cls(
            programs=frozenset(data.get("programs", [])),
            python_venv=bool(data.get("python_venv", True)),
            root=bool(data.get("root", False)),
            passwordless_sudo=bool(data.get("passwordless_sudo", False)),
            listening=frozenset(int(p) for p in data.get("listening", [])),
            distro=str(data.get("distro", "debian")),
            mariadb_root_login=data.get("mariadb_root_login"),
        )

    @classmethod
    def probe(cls) -> Machine:
        programs = frozenset(p for p in PROGRAMS if shutil.which(p, path=SEARCH_PATH))
        ports = service_ports()
        listening = frozenset(p for p in ports.values() if _port_open(p))
        root = os.geteuid() == 0
        return cls(
            programs=programs,
            python_venv=_python_venv(),
            root=root,
            passwordless_sudo=not root and "sudo" in programs and _sudo_without_password(),
            listening=listening,
            distro=_distro(),
            ports=ports,
            mariadb_root_login=_mariadb_root_login(ports["mysql"])
            if ports["mysql"] in listening and "mariadb" in programs
            else None,
        )

    def has(self, program: str) -> bool:
        return program in self.programs

    def serves(self, store: str) -> bool:
        return self.ports[store] in self.listening


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _python_venv() -> bool:
    found = subprocess.run(
        [sys.executable, "-c", "import ensurepip, venv"], capture_output=True, check=False
    )
    return found.returncode == 0


def _sudo_without_password() -> bool:
    found = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
    return found.returncode == 0


def _distro() -> str:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return "unknown"
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return fields.get("ID", "unknown").strip('"')


def _mariadb_root_login(port: int) -> bool:
    user = os.environ.get("MYSQL_ADMIN_USER") or "root"
    password = os.environ.get("MYSQL_ADMIN_PASSWORD") or ""
    found = subprocess.run(
        [
            *("mariadb", "--protocol=TCP", "-h", "127.0.0.1", "-P", str(port)),
            *("-u", user, f"--password={password}", "-e", "SELECT 1"),
        ],
        capture_output=True,
        check=False,
        timeout=20,
        env={**os.environ, "PATH": SEARCH_PATH},
    )
    return found.returncode == 0


# ---- what each goal needs ----


@dataclass(frozen=True)
class Package:
    name: str
    why: str


@dataclass(frozen=True)
class Step:
    say: str
    command: str  # one shell command, run as root
    installs: bool = False


@dataclass
class Plan:
    goal: str
    missing: list[Package] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # what no command here can fix

    def one_command(self) -> str:
        """Every step as one line for a user to run with sudo (one apt-get install for all)."""
        parts = []
        if self.missing:
            names = " ".join(package.name for package in self.missing)
            parts += ["apt-get update -qq", f"{APT_ENV} {APT_INSTALL} {names}"]
        parts += [step.command for step in self.steps if not step.installs]
        return f"sudo sh -c {shlex.quote(' && '.join(parts))}"


def _chromium(machine: Machine) -> str:
    # Ubuntu has no `chromium` package; its chromium-browser installs the snap.
    return "chromium-browser" if machine.distro == "ubuntu" else "chromium"


def needed_packages(goal: str, machine: Machine) -> list[Package]:
    wanted: list[Package] = []
    if not machine.python_venv:
        wanted.append(Package("python3-venv", "the virtual environment"))
    if not machine.has("nginx"):
        wanted.append(Package("nginx", "serves the storefront and /api/"))
    # A server already listening where the stack looks for it is used as it is.
    servers = (
        ("redis", "redis-server", "redis-server", "carts"),
        ("mysql", "mariadbd", "mariadb-server", "cities and ratings"),
        ("rabbitmq", "rabbitmq-server", "rabbitmq-server", "the event broker"),
    )
    for store, program, package, why in servers:
        if not machine.has(program) and not machine.serves(store):
            wanted.append(Package(package, why))
    if goal in ("run", "test") and not machine.has("promtool"):
        # make run scrapes the shop with it; make test checks the rules with its promtool.
        wanted.append(Package("prometheus", "graphs and alerts; promtool checks the rules"))
    no_rabbitmqctl = not machine.has("rabbitmqctl")
    if (
        goal in ("test", "bench")
        and no_rabbitmqctl
        and all(p.name != "rabbitmq-server" for p in wanted)
    ):
        wanted.append(Package("rabbitmq-server", "rabbitmqctl makes the tests' vhosts"))
    if goal == "test" and not machine.has("chromium"):
        wanted.append(Package(_chromium(machine), "the storefront tests' browser"))
    # make lint runs Biome on the storefront's JavaScript, installed by npm into web/.
    if goal == "test" and not machine.has("node"):
        wanted.append(Package("nodejs", "runs the storefront's linter"))
    if goal == "test" and not machine.has("npm"):
        wanted.append(Package("npm", "installs the storefront's linter"))
    # The benchmarks' load generator (the test suite runs a tiny benchmark too).
    if goal in ("test", "bench") and not machine.has("wrk"):
        wanted.append(Package("wrk", "the benchmarks' load generator"))
    return wanted


def plan(goal: str, machine: Machine) -> Plan:
    made = Plan(goal, needed_packages(goal, machine))
    if goal == "test" and not machine.has("kubectl"):
        made.blocked.append(KUBECTL_HELP)
    if made.missing and not machine.has("apt-get"):
        names = " ".join(p.name for p in made.missing)
        made.blocked.append(f"this is not a Debian or Ubuntu machine: install {names} yourself")
    if made.missing:
        made.steps.append(Step("updating the package lists", "apt-get update -qq", installs=True))
    for package in made.missing:
        made.steps.append(
            Step(
                f"installing {package.name} ({package.why})",
                f"{APT_ENV} {APT_INSTALL} {package.name}",
                installs=True,
            )
        )
    if goal in ("test", "bench"):
        # The tests and benchmarks use the machine's own servers (each in a namespace of its own).
        for store, service in (
            ("redis", "redis-server"),
            ("mysql", "mariadb"),
            ("rabbitmq", "rabbitmq-server"),
        ):
            if not machine.serves(store):
                made.steps.append(Step(f"starting {service}", f"/etc/init.d/{service} start"))
    installs_mariadb = any(p.name == "mariadb-server" for p in made.missing)
    if machine.mariadb_root_login is False or installs_mariadb:
        made.steps.append(
            Step(
                "letting root log in to MariaDB over TCP without a password, as the tests do",
                mariadb_root_login(machine.ports["mysql"]),
            )
        )
    return made


# ---- doing it ----


def report(made: Plan, machine: Machine) -> str | None:
    """What to tell a user who must act, or None when the plan can just run."""
    if made.blocked:
        lines = [f"!! make {made.goal} can't set this machine up by itself:"]
        lines += [f"   - {reason}" for reason in made.blocked]
        if made.steps:
            lines.append(f"   Then run once: {made.one_command()}")
        lines.append("   Nothing was changed.")
        return "\n".join(lines)
    if made.steps and not (machine.root or machine.passwordless_sudo):
        lines = [f"!! make {made.goal} needs what this machine lacks:"]
        lines += [f"   - {package.name}: {package.why}" for package in made.missing]
        lines += [f"   - {step.say}" for step in made.steps if not step.installs]
        lines.append("   Nothing was changed. Run this once, then make " + made.goal + " again:")
        lines.append(f"     {made.one_command()}")
        return "\n".join(lines)
    return None


def execute(made: Plan, machine: Machine, log: Path) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    prefix = [] if machine.root else ["sudo", "-n"]
    for number, step in enumerate(made.steps, 1):
        print(f"==> [{number}/{len(made.steps)}] {step.say}", flush=True)
        with log.open("ab") as out:
            done = subprocess.run(
                [*prefix, "sh", "-c", step.command],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                check=False,
                env={**os.environ, "PATH": SEARCH_PATH},
            )
        if done.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            print(f"!! failed ({done.returncode}): {step.command}\n{tail}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m scripts.stack.setup", description=__doc__)
    parser.add_argument("goal", choices=["run", "test", "bench"])
    parser.add_argument("--machine", type=Path, help="a machine description (JSON): plan only")
    args = parser.parse_args(argv)
    if args.machine:
        machine = Machine.describe(json.loads(args.machine.read_text()))
    else:
        machine = Machine.probe()
    made = plan(args.goal, machine)
    message = report(made, machine)
    if message:
        print(message, file=sys.stderr)
        return 1
    if args.machine:
        for number, step in enumerate(made.steps, 1):
            print(f"==> [{number}/{len(made.steps)}] {step.say}: {step.command}")
        return 0
    if not made.steps:
        return 0
    print(f"==> setting up this machine for make {args.goal}", flush=True)
    state = Path(os.environ.get("ROBOSHOP_STATE") or Path(__file__).resolve().parents[2] / ".state")
    return execute(made, machine, state / "logs" / "setup.log")


if __name__ == "__main__":
    sys.exit(main())
