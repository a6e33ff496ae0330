"""The components for other clusters, on top of an overlay: the pull secret reaches every pod.
(prod+pull-secret is also one of m.OVERLAYS: every suite renders it and holds it to every rule.)"""

from __future__ import annotations

from knative.checks import manifests as m


def test_the_pull_secret_reaches_every_pod_and_only_with_the_component() -> None:
    objects = m.render("prod+pull-secret")
    accounts = {m.name_of(o): o for o in objects if o["kind"] == "ServiceAccount"}
    for obj, _, spec in m.pod_specs(objects):
        account = accounts[spec["serviceAccountName"]]
        assert account.get("imagePullSecrets") == [{"name": "registry-credentials"}], m.label(obj)
    assert len(list(m.pod_specs(objects))) >= 15
    plain = [o for o in m.render("prod") if o["kind"] == "ServiceAccount"]
    assert plain and not [o for o in plain if "imagePullSecrets" in o]
