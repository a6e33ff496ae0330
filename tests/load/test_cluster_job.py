"""The load component's Job runs the very locustfile `make load` runs, with the Locust
version requirements.txt pins, against the storefront's Service."""

from __future__ import annotations

import re

from knative.checks import manifests as m
from scripts.bench import load
from scripts.stack.processes import ROOT


def test_the_job_runs_our_locustfile_and_pinned_locust() -> None:
    objects = m.render("dev+load")
    (job,) = [o for o in objects if o["kind"] == "Job" and m.name_of(o) == "load"]
    (config,) = [o for o in objects if m.name_of(o).startswith("load-locustfile")]
    assert config["data"]["locustfile.py"] == load.LOCUSTFILE.read_text()
    (container,) = job["spec"]["template"]["spec"]["containers"]
    pinned = re.search(r"^locust==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert pinned is not None
    assert container["image"] == f"locustio/locust:{pinned.group(1)}"
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["LOCUST_HOST"] == f"http://web.{m.DOMAIN}"


def test_the_component_is_never_part_of_the_shop() -> None:
    for overlay in ("dev", "prod"):
        assert not [o for o in m.render(overlay) if m.name_of(o) == "load"]
