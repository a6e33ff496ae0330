"""The runner's own processes: Ctrl-C reaches it from a background job, nginx can read the shop."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import urllib3

from scripts.stack.nginx import worker_user
from scripts.stack.ports import free_port
from scripts.stack.processes import ROOT, Process

pytestmark = pytest.mark.served

WAIT_FOR_CTRL_C = """
import time
from scripts.stack.run import stop_on_ctrl_c
stop_on_ctrl_c()
print("ready", flush=True)
time.sleep(60)
"""


def ignore_sigint() -> None:
    # What a shell does to a job started with `&` when job control is off (scripts, CI).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_stops_a_runner_started_as_a_background_job() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", WAIT_FOR_CTRL_C],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=ignore_sigint,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        child.send_signal(signal.SIGINT)
        child.wait(10)
    finally:
        child.kill()
        child.wait()
    assert child.stderr is not None and b"KeyboardInterrupt" in child.stderr.read()


SITE_CONF = """\
{user}
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 16; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="only root's nginx hands its workers to nobody")
def test_nginx_started_by_root_serves_a_checkout_in_a_private_folder(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    private = tmp_path / "private"
    (private / "site").mkdir(parents=True)
    private.chmod(0o700)
    (private / "site" / "index.html").write_text("<h1>RoboShop</h1>")
    prefix = tmp_path / "nginx"
    (prefix / "tmp").mkdir(parents=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        SITE_CONF.format(user=worker_user(), prefix=prefix, port=port, root=private / "site")
    )
    argv = [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]
    server = Process("nginx", argv, tmp_path / "nginx.log").start()
    try:
        server.wait_for_port(port, 10)
        response = urllib3.request("GET", f"http://127.0.0.1:{port}/", timeout=5)
    finally:
        server.stop()
    assert response.status == 200, server.tail()
    assert b"RoboShop" in response.data
