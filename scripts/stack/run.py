"""`make run`: the whole shop on this machine, stopped again by Ctrl-C.

Data servers already listening at the configured address are reused; missing
ones are started privately under .state/ from the installed server (MongoDB:
`mongod`, else the embedded nx-27017). Then the stores are seeded, every
function is served by granian (kit.serve) on its own port, and nginx fronts
them all on http://localhost:8080 (scripts/stack/shop.py). A process that dies
is started again, after a pause that doubles while it keeps dying, as Kubernetes
restarts a crashed container (scripts/stack/supervisor.py). Ctrl-C stops what
this runner started and nothing else.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from kit import LOCAL_PORTS, namespaced, peer_url
from kit.events import SinkSettings
from kit.stores import MongoSettings, MySQLSettings, RedisSettings
from scripts.stack import processes
from scripts.stack.broker.settings import BrokerSettings
from scripts.stack.processes import ROOT, StackError
from scripts.stack.shop import DATA, ORDER, Stack, port_of
from scripts.stack.supervisor import supervise

STATE = Path(os.environ.get("ROBOSHOP_STATE") or ROOT / ".state")

# What only the local stack sets: the published demo accounts, never in production.
LOCAL_ONLY = {"SEED_DEMO_USERS": "true", "DEMO_ACCOUNTS": "allowed"}


def addresses() -> dict[str, str]:
    """Where each process of the shop listens, by name: the functions' and the broker's own
    settings (the environment, else the defaults that fit this machine), NGINX_PORT and
    PROMETHEUS_PORT."""
    mysql = MySQLSettings.current()
    nginx = int(os.environ.get("NGINX_PORT") or "8080")
    prometheus = int(os.environ.get("PROMETHEUS_PORT") or "9090")
    return {
        "mongodb": MongoSettings.current().mongo_url,
        "redis": RedisSettings.current().redis_url,
        "mysql": f"mysql://{mysql.mysql_host}:{mysql.mysql_port}",
        "rabbitmq": BrokerSettings.current().amqp_url,
        "broker": SinkSettings.current().k_sink,
        **{name: peer_url(name) for name in LOCAL_PORTS},
        "nginx": f"http://127.0.0.1:{nginx}",
        "prometheus": f"http://127.0.0.1:{prometheus}",
    }


def local_secret(name: str = "session-secret") -> str:
    """A secret of the local stack (session signing, ...): made once, kept out of git in .state/."""
    path = STATE / name
    if not path.exists():
        STATE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def stop_on_ctrl_c() -> None:
    """Ctrl-C (SIGINT) stops the stack, also when the runner was started in the background:
    a shell starts background jobs with SIGINT ignored, and Python keeps it ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def local_env() -> dict[str, str]:
    """What only the local stack gives its processes, beside the addresses."""
    env = {key: os.environ.get(key) or value for key, value in LOCAL_ONLY.items()}
    env["SESSION_SECRET"] = os.environ.get("SESSION_SECRET") or local_secret()
    # The seed step creates these functions' own MySQL users; a stack with a
    # DATA_NAMESPACE (a test's) gets users of its own, never re-keying the shared ones.
    for function in ("shipping", "ratings"):
        user, password = f"{function.upper()}_MYSQL_USER", f"{function.upper()}_MYSQL_PASSWORD"
        secret = f"{function}-mysql-password"
        env[user] = os.environ.get(user) or namespaced(function)
        env[password] = os.environ.get(password) or local_secret(secret)
    # nginx's: its limits times this (real ones unless set), a proxy in front of it.
    for nginx_setting in ("NGINX_LIMIT_SCALE", "TRUSTED_PROXY"):
        if os.environ.get(nginx_setting):
            env[nginx_setting] = os.environ[nginx_setting]
    # The chaos switches (`make chaos`) the functions and the broker read.
    env["FLAGS_FILE"] = os.environ.get("FLAGS_FILE") or str(STATE / "flags.json")
    return env


def stack() -> Stack:
    """`make run`'s stack: every process at the address its settings give, under .state/."""
    return Stack(local_env(), STATE, urls=addresses(), say=say)


def main() -> int:
    shop = stack()
    stop_on_ctrl_c()
    try:
        shop.start(DATA)
        say("seeding the stores (idempotent)")
        processes.seed([], shop.environ)
        shop.start(name for name in ORDER if name not in DATA)
        site = f"http://localhost:{port_of(shop.nginx_url)}"
        say(f"RoboShop is up: {site}/  (Ctrl-C stops it)")
        say(f"API reference: {site}/docs/   chaos switches: make chaos")
        supervise(shop)
        return 0
    except StackError as exc:
        print(f"!! {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"!! {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        say("stopping what this runner started")
        shop.stop_all()


if __name__ == "__main__":
    sys.exit(main())
