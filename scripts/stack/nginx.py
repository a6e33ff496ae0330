"""Rendering web/nginx/default.conf.template for the local stack.

The same template becomes the Kubernetes ConfigMap; here its placeholders get
the local functions' addresses, and a small main configuration wraps it so
that nginx runs unprivileged with every file under one folder of ours.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from kit import LOCAL_PORTS
from scripts.stack.processes import ROOT, Process, require

TEMPLATE = ROOT / "web" / "nginx" / "default.conf.template"
WORKERS = ROOT / "web" / "nginx" / "workers.conf"
LOCAL_RESOLVER = "127.0.0.1"
# No proxy in front of the local stack: `unix:` trusts no TCP client's X-Forwarded-*.
NO_PROXY = "unix:"
_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
# What NGINX_LIMIT_SCALE multiplies: each zone's rate, each burst, the connections per client.
MAX_CONNECTION_LIMIT = 65535
_LIMITS = re.compile(r"(rate=)(\d+)(r/[sm])|(burst=)(\d+)|(limit_conn roboshop_conn )(\d+)")

MAIN_CONF = """\
{user}
pid {prefix}/nginx.pid;
error_log stderr warn;
include {workers};
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/default.conf;
}}
"""


def worker_user() -> str:
    """The `user` directive: root's workers stay root, as every other process of the stack.

    Started by root, nginx otherwise runs its workers as `nobody`, who cannot read a
    checkout inside a private folder (`mktemp -d` makes it 0700) and answers 404 for
    the whole shop.
    """
    return "user root;" if os.geteuid() == 0 else ""


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill `${NAME}` placeholders; nginx's own `$variables` are left alone."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"the nginx template needs a value for {name}")
        return values[name]

    return _PLACEHOLDER.sub(fill, template)


def limit_scale(env: Mapping[str, str]) -> int:
    """NGINX_LIMIT_SCALE: how many times the template's rate limits a local nginx allows
    (1, the real limits, unless set; the served tests and the benchmarks set more)."""
    raw = env.get("NGINX_LIMIT_SCALE") or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"NGINX_LIMIT_SCALE must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def scaled(conf: str, scale: int) -> str:
    """The rendered configuration with every rate, burst and connection limit times `scale`."""

    def times(match: re.Match[str]) -> str:
        groups = match.groups()
        if groups[0]:
            return f"{groups[0]}{int(groups[1]) * scale}{groups[2]}"
        if groups[3]:
            return f"{groups[3]}{int(groups[4]) * scale}"
        # nginx takes no connection limit above 65535: past that, none binds anyway.
        return f"{groups[5]}{min(int(groups[6]) * scale, MAX_CONNECTION_LIMIT)}"

    return conf if scale == 1 else _LIMITS.sub(times, conf)


def local_values(
    port: int, upstreams: Mapping[str, str] | None = None, trusted_proxy: str = ""
) -> dict[str, str]:
    """Template values for the local stack; `upstreams` maps a function to its host:port."""
    hosts = {name: f"127.0.0.1:{p}" for name, p in LOCAL_PORTS.items()}
    hosts.update(upstreams or {})
    values = {f"{name.upper()}_UPSTREAM": host for name, host in hosts.items()}
    # Local upstreams are IP addresses, which nginx never asks the resolver about (no
    # `resolve`: the machine's nginx may predate it); and the local stack is for this
    # machine only: nginx listens on loopback, as the functions do.
    values.update(
        NGINX_PORT=f"127.0.0.1:{port}",
        WEB_ROOT=str(ROOT / "web" / "static"),
        RESOLVER=LOCAL_RESOLVER,
        UPSTREAM_RESOLVE="",
        TRUSTED_PROXY=trusted_proxy or NO_PROXY,
    )
    return values


def nginx_process(
    prefix: Path,
    port: int,
    log: Path,
    upstreams: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Process:
    """nginx in the foreground with the local configuration written under `prefix`;
    `env` may hold NGINX_LIMIT_SCALE and TRUSTED_PROXY."""
    nginx = require("nginx", "apt-get install nginx")
    conf = render_local(prefix, port, upstreams, env)
    return Process("nginx", [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], log)


def render_local(
    prefix: Path,
    port: int,
    upstreams: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Write the local nginx configuration under `prefix`; returns the main file."""
    env = env or {}
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    values = local_values(port, upstreams, env.get("TRUSTED_PROXY", ""))
    conf = scaled(render(TEMPLATE.read_text(), values), limit_scale(env))
    (prefix / "default.conf").write_text(conf)
    main = prefix / "nginx.conf"
    main.write_text(MAIN_CONF.format(prefix=prefix, user=worker_user(), workers=WORKERS))
    return main
