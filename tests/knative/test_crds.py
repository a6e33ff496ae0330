"""The pinned upstream schemas are found and unchanged; a gap is a failure, never a skip."""

from __future__ import annotations

import shutil
from pathlib import Path

from knative.checks import CRDS, schemas


def test_every_pinned_schema_is_present_and_unchanged() -> None:
    assert schemas.problems() == []
    assert {source.license for source in schemas.sources()} <= {"Apache-2.0", "MPL-2.0"}


def test_every_custom_kind_the_overlays_use_has_a_schema() -> None:
    from knative.checks import manifests as m

    custom = {
        m.kind_of(obj)
        for overlay in m.OVERLAYS
        for obj in m.render(overlay)
        if "." in obj["apiVersion"].split("/")[0] and not obj["apiVersion"].endswith(".k8s.io/v1")
    }
    assert custom and custom <= set(schemas.crd_schemas())


def test_a_missing_a_changed_and_an_unpinned_schema_are_each_reported(tmp_path: Path) -> None:
    copy = tmp_path / "crds"
    shutil.copytree(CRDS, copy)
    (copy / "eventing-trigger.yaml").unlink()
    with (copy / "rabbitmq-brokerconfig.yaml").open("a") as changed:
        changed.write("# edited\n")
    (copy / "extra.yaml").write_text("kind: CustomResourceDefinition\n")
    found = schemas.problems(copy)
    assert len(found) == 3
    assert "eventing-trigger.yaml is missing" in found[0]
    assert "rabbitmq-brokerconfig.yaml is not knative-extensions/eventing-rabbitmq@" in found[1]
    assert "extra.yaml is in" in found[2]
    (nowhere,) = schemas.problems(tmp_path / "nowhere")
    assert nowhere.startswith(f"no schema folder at {tmp_path / 'nowhere'}")
