"""`nginx -t` on the template as the cluster renders it: the ConfigMap's text filled
with the web Deployment's environment, as the nginx image's envsubst step does.

The resolver's name (kube-dns) does not resolve outside a cluster and nginx looks it
up at start, so for the syntax check only it becomes 127.0.0.1. The upstream names stay
as they are where this machine's nginx knows `resolve` (1.27.3+, as the web image's);
an older one checks the rest with loopback upstreams (tests/support/nginx.py), and the
upstreams' own shape is checked as text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from knative.checks import manifests as m
from scripts.stack import nginx as nginx_conf
from scripts.stack.processes import ROOT
from tests.support import nginx

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed")


def _cluster_config(objects: list[m.Obj]) -> tuple[str, dict[str, str]]:
    web = m.find(objects, "Deployment", "web")
    assert web is not None
    pod = web["spec"]["template"]["spec"]
    [container] = pod["containers"]
    mount = next(v for v in container["volumeMounts"] if v["mountPath"] == "/etc/nginx/templates")
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    config = m.find(objects, "ConfigMap", volume["configMap"]["name"])
    assert config is not None
    [template] = [text for key, text in config["data"].items() if key.endswith(".template")]
    values = {item["name"]: item["value"] for item in container["env"] if "value" in item}
    return template, values


def _nginx_test(
    prefix: Path, template: str, values: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    (prefix / "default.conf").write_text(nginx_conf.render(template, values))
    main = nginx_conf.MAIN_CONF.format(
        prefix=prefix, user=nginx_conf.worker_user(), workers=nginx_conf.WORKERS
    )
    (prefix / "nginx.conf").write_text(main)
    return subprocess.run(
        ["nginx", "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("overlay", m.OVERLAYS)
def test_rendered_template_passes_nginx_t(tmp_path: Path, overlay: str) -> None:
    template, values = _cluster_config(m.render(overlay))
    assert template == m.template_path().read_text()
    assert values["RESOLVER"].endswith(".cluster.local")
    values = nginx.checkable({**values, "RESOLVER": "127.0.0.1"})
    done = _nginx_test(tmp_path, template, values)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_every_placeholder_has_a_value_in_the_deployment() -> None:
    template, values = _cluster_config(m.render("prod"))
    nginx_conf.render(template, values)  # raises KeyError on a missing one
    with pytest.raises(KeyError, match="CART_UPSTREAM"):
        nginx_conf.render(template, {k: v for k, v in values.items() if k != "CART_UPSTREAM"})


def test_broken_template_fails_nginx_t(tmp_path: Path) -> None:
    template, values = _cluster_config(m.render("prod"))
    broken = template.replace("proxy_http_version 1.1;", "proxy_http_version 1.1", 1)
    assert broken != template
    done = _nginx_test(tmp_path, broken, nginx.checkable({**values, "RESOLVER": "127.0.0.1"}))
    assert done.returncode != 0


def test_cluster_upstreams_are_resolved_while_running_and_kept_alive() -> None:
    template, values = _cluster_config(m.render("prod"))
    rendered = nginx_conf.render(template, values)
    upstreams = re.findall(r"upstream (\w+) \{([^}]*)\}", rendered)
    assert {name for name, _ in upstreams} == {
        f"roboshop_{name}"
        for name in ("catalogue", "cart", "user", "shipping", "ratings", "payment")
    }
    for name, body in upstreams:
        function = name.removeprefix("roboshop_")
        assert f"zone {name} " in body
        assert f"server {function}.roboshop.svc.cluster.local resolve;" in body
        assert re.search(r"keepalive \d+;", body)
        assert f"proxy_pass http://{name};" in rendered
    assert "proxy_pass http://$" not in rendered
    assert 'proxy_set_header Connection "";' in rendered


def test_the_web_image_has_an_nginx_that_resolves_upstreams() -> None:
    dockerfile = (ROOT / "web" / "Dockerfile").read_text()
    found = re.search(r"^FROM nginxinc/nginx-unprivileged:(\d+)\.(\d+)\.(\d+)-", dockerfile, re.M)
    assert found is not None
    assert tuple(int(part) for part in found.groups()) >= nginx.RESOLVE_SINCE
