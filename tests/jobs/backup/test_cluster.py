"""The backup CronJob and the restore Job, as the cluster would take them.

The overlay tests don't walk a CronJob's pods (knative/checks/manifests.pod_specs
knows Jobs, not CronJobs), so here each backup pod goes through the same rules as
every other workload, the LimitRange, and the NetworkPolicies it needs.
"""

from __future__ import annotations

import copy
import functools
import subprocess
from typing import Any

import pytest
import yaml

from knative.checks import manifests as m
from scripts.jobs.backup.__main__ import _parser

STORES = {"mongodb": 27017, "redis": 6379, "mysql": 3306}
# Pods that no manifest of ours templates: the RabbitMQ operator labels its nodes so.
OPERATOR_PODS = {
    "rabbitmq": {"app.kubernetes.io/name": "rabbitmq", "app.kubernetes.io/component": "rabbitmq"}
}


@functools.cache
def _restore_rendered() -> str:
    done = subprocess.run(
        ["kubectl", "kustomize", str(m.KNATIVE / "restore")],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def restore_objects() -> list[m.Obj]:
    return [doc for doc in yaml.safe_load_all(_restore_rendered()) if doc]


def as_job(cronjob: m.Obj) -> m.Obj:
    """The Job a CronJob makes, named after it, for the workload rules."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {**copy.deepcopy(cronjob["spec"]["jobTemplate"]["metadata"]),
                     "name": m.name_of(cronjob)},
        "spec": copy.deepcopy(cronjob["spec"]["jobTemplate"]["spec"]),
    }  # fmt: skip


@pytest.fixture(params=m.OVERLAYS)
def shop(request: pytest.FixtureRequest) -> list[m.Obj]:
    return m.render(request.param)


def backup_pods(shop: list[m.Obj]) -> list[m.Obj]:
    """The backup Job (from the CronJob) and the restore Job, beside the overlay's objects."""
    [cronjob] = [o for o in shop if o["kind"] == "CronJob"]
    return [as_job(cronjob), *restore_objects()]


def test_the_restore_job_is_never_part_of_the_shop(shop: list[m.Obj]) -> None:
    assert not [o for o in shop if m.name_of(o) == "restore"]
    [cronjob] = [o for o in shop if o["kind"] == "CronJob"]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert cronjob["spec"]["schedule"] == "30 2 * * *"


def test_the_restore_objects_match_their_schemas() -> None:
    problems = [p for obj in restore_objects() for p in m.schema_problems(obj)]
    assert problems == []


@pytest.mark.parametrize("rule", sorted(m.RULES))
def test_the_backup_pods_pass_every_workload_rule(shop: list[m.Obj], rule: str) -> None:
    assert m.RULES[rule]([*shop, *backup_pods(shop)]) == []


def test_the_rules_see_a_broken_backup_pod(shop: list[m.Obj]) -> None:
    job, _ = backup_pods(shop)
    del job["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    job["spec"]["template"]["spec"]["containers"][0]["env"][2]["valueFrom"]["secretKeyRef"][
        "key"
    ] = "NO_SUCH_KEY"
    problems = m.rule_hardened_workloads([job]) + m.rule_env_sources_exist([*shop, job])
    assert any("no cpu limits" in p for p in problems)
    assert any("NO_SUCH_KEY" in p for p in problems)


def _quantity(text: str) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for unit, factor in units.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def test_every_backup_container_fits_the_limit_range(shop: list[m.Obj]) -> None:
    [limits] = [o for o in shop if o["kind"] == "LimitRange"]
    [container_max] = [
        item["max"] for item in limits["spec"]["limits"] if item["type"] == "Container"
    ]
    for job in backup_pods(shop):
        for container in m.containers(job["spec"]["template"]["spec"]):
            resources = container["resources"]
            for resource, most in container_max.items():
                assert _quantity(resources["limits"][resource]) <= _quantity(most)
                assert _quantity(resources["requests"][resource]) <= _quantity(
                    resources["limits"][resource]
                )
    [claim] = [o for o in shop if o["kind"] == "PersistentVolumeClaim"]
    [claim_max] = [
        i["max"] for i in limits["spec"]["limits"] if i["type"] == "PersistentVolumeClaim"
    ]
    assert _quantity(claim["spec"]["resources"]["requests"]["storage"]) <= _quantity(
        claim_max["storage"]
    )


def test_both_jobs_run_the_backup_command_on_the_backups_volume(shop: list[m.Obj]) -> None:
    [claim] = [o for o in shop if o["kind"] == "PersistentVolumeClaim"]
    for job in backup_pods(shop):
        spec = job["spec"]["template"]["spec"]
        [container] = spec["containers"]
        assert container["command"] == ["python", "-m", "scripts.jobs.backup"]
        values = {item["name"]: item.get("value") for item in container["env"]}
        args = [values.get(a[2:-1], a) if a.startswith("$(") else a for a in container["args"]]
        parsed = _parser().parse_args(args)
        assert parsed.command in ("create", "restore")
        [volume] = [v for v in spec["volumes"] if "persistentVolumeClaim" in v]
        assert volume["persistentVolumeClaim"]["claimName"] == m.name_of(claim)
        [mount] = [x for x in container["volumeMounts"] if x["name"] == volume["name"]]
        assert mount["mountPath"] == values["BACKUP_DIR"]
        # every store address and credential the backup code reads is given
        assert {"MONGO_URL", "REDIS_URL", "MYSQL_HOST", "MYSQL_ADMIN_PASSWORD"} <= set(values)
        assert "DATA_NAMESPACE" not in values


# ---- the flows the backup pods need, through the rendered NetworkPolicies ----


def _selects(selector: m.Obj, labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        present = expression["key"] in labels
        if (
            expression["operator"] == "In"
            and labels.get(expression["key"]) not in expression["values"]
        ):
            return False
        if expression["operator"] == "Exists" and not present:
            return False
        if expression["operator"] == "DoesNotExist" and present:
            return False
    return True


def _peer_allows(peers: list[m.Obj] | None, labels: dict[str, str]) -> bool:
    if peers is None:
        return True  # no `from`/`to`: any peer
    return any(
        "podSelector" in peer and "namespaceSelector" not in peer
        and _selects(peer["podSelector"], labels)
        for peer in peers
    )  # fmt: skip


def _port_allows(ports: list[m.Obj] | None, port: int) -> bool:
    return ports is None or any(p.get("port") == port for p in ports)


def allowed(
    policies: list[m.Obj], source: dict[str, str], target: dict[str, str], port: int
) -> bool:
    """Whether the namespace's policies let `source` pods open `port` on `target` pods."""

    def direction(kind: str, selected: dict[str, str], other: dict[str, str]) -> bool:
        mine = [
            policy
            for policy in policies
            if kind in policy["spec"].get("policyTypes", [])
            and _selects(policy["spec"]["podSelector"], selected)
        ]
        rules_key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
        return not mine or any(
            _peer_allows(rule.get(peers_key), other) and _port_allows(rule.get("ports"), port)
            for policy in mine
            for rule in policy["spec"].get(rules_key, [])
        )

    return direction("Egress", source, target) and direction("Ingress", target, source)


def _pod_labels(shop: list[m.Obj], name: str) -> dict[str, str]:
    for _, meta, _ in m.pod_specs(shop):
        if meta.get("labels", {}).get("app.kubernetes.io/name") == name:
            return dict(meta["labels"])
    if name in OPERATOR_PODS:
        return OPERATOR_PODS[name]
    raise AssertionError(f"no pod named {name}")


def test_backup_pods_reach_every_store_and_nothing_else(shop: list[m.Obj]) -> None:
    policies = [o for o in shop if o["kind"] == "NetworkPolicy"]
    for job in backup_pods(shop):
        labels = job["spec"]["template"]["metadata"]["labels"]
        for store, port in STORES.items():
            assert allowed(policies, labels, _pod_labels(shop, store), port), store
        for other in ("cart", "web", "rabbitmq"):
            target = _pod_labels(shop, other)
            assert not any(allowed(policies, labels, target, p) for p in (80, 8080, 5672))
        # and nobody else gets into the stores through the backup's policies
        assert not allowed(policies, _pod_labels(shop, "web"), _pod_labels(shop, "mysql"), 3306)


def test_the_flow_check_sees_a_missing_policy(shop: list[m.Obj]) -> None:
    policies = [
        o for o in shop if o["kind"] == "NetworkPolicy" and m.name_of(o) != "redis-from-backup"
    ]
    labels: dict[str, Any] = backup_pods(shop)[0]["spec"]["template"]["metadata"]["labels"]
    assert not allowed(policies, labels, _pod_labels(shop, "redis"), 6379)
