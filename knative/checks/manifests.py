"""Rendering the overlays, validating objects, and the reviewer's rules.

Each rule takes the rendered objects and returns its findings (empty: accepted),
so a test can feed it a deliberately broken copy and see it object.
"""

from __future__ import annotations

import copy
import functools
import os
import pickle
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import yaml

from knative.checks import ROOT, codeenv, schemas, versions

KNATIVE = ROOT / "knative"
# `<overlay>+<component>`: the overlay with an optional component of knative/components
# added, as docs/operations.md says to add it.
# The overlays' folders, and what the tests render: each overlay, dev with the load Job, and
# prod pulling from a private registry.
OVERLAY_FOLDERS = ("dev", "prod")
OVERLAYS = (*OVERLAY_FOLDERS, "dev+load", "prod+pull-secret")
NAMESPACE = "roboshop"
DOMAIN = f"{NAMESPACE}.svc.cluster.local"

Obj = dict[str, Any]
Rule = Callable[[list[Obj]], list[str]]

KSVC = ("serving.knative.dev/v1", "Service")
WORKLOADS = {"Deployment", "StatefulSet", "Job", "DaemonSet"}
# Pods that run to completion: no probes to ask of them.
RUN_ONCE = {"Job", "CronJob"}
RESERVED_ENV = {"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"}
# Set by Knative itself, or by a SinkBinding whose subject is the function.
PLATFORM_ENV = {"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"}
# Only tests set it: every store name gets it as a prefix. Unset in a cluster.
TEST_ONLY_ENV = "DATA_NAMESPACE"
SCALE = "autoscaling.knative.dev/"


def _with_components(overlay: str, components: list[str], folder: Path) -> Path:
    """A kustomization in `folder` that is the overlay plus the components (kustomize takes
    another root's folder by a relative path only)."""
    up = Path(os.path.relpath(KNATIVE, folder))
    lines = [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        f"namespace: {NAMESPACE}",
        "resources:",
        f"  - {up / 'overlays' / overlay}",
        "components:",
        *[f"  - {up / 'components' / name}" for name in components],
    ]
    (folder / "kustomization.yaml").write_text("\n".join(lines) + "\n")
    return folder


@functools.cache
def _render(overlay: str) -> str:
    base, *components = overlay.split("+")
    with tempfile.TemporaryDirectory(prefix="roboshop-kustomize-") as folder:
        # The base alone too: what its own quota is sized for.
        root = KNATIVE / "base" if base == "base" else KNATIVE / "overlays" / base
        if components:
            root = _with_components(base, components, Path(folder))
        done = subprocess.run(
            ["kubectl", "kustomize", str(root)], capture_output=True, text=True, check=False
        )
    if done.returncode != 0:
        raise AssertionError(f"kubectl kustomize {overlay} failed:\n{done.stderr}")
    return done.stdout


def render(overlay: str) -> list[Obj]:
    """The overlay's objects (a fresh copy each call: tests may break them)."""
    return list(pickle.loads(_parsed(overlay)))


@functools.cache
def _parsed(overlay: str) -> bytes:
    """The overlay's objects parsed once, kept pickled: unpickling a copy is a hundred times
    quicker than parsing the YAML again."""
    return pickle.dumps(
        [doc for doc in yaml.load_all(_render(overlay), Loader=schemas.LOADER) if doc]
    )


def kind_of(obj: Obj) -> tuple[str, str]:
    return (obj.get("apiVersion", ""), obj.get("kind", ""))


def name_of(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("name", ""))


def label(obj: Obj) -> str:
    return f"{obj.get('kind')}/{name_of(obj)}"


# ---- schemas ----


def schema_problems(obj: Obj) -> list[str]:
    schema = schemas.crd_schemas().get(kind_of(obj))
    if schema is not None:
        validator = jsonschema.Draft7Validator(schema)
        return [
            f"{label(obj)}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(obj)
        ]
    if "." in obj.get("apiVersion", "").split("/")[0] and not obj["apiVersion"].startswith(
        ("apps/", "batch/", "policy/", "autoscaling/", "networking.k8s.io/")
    ):
        return [f"{label(obj)}: no schema for {obj['apiVersion']} {obj['kind']}"]
    try:
        # The matrix's Kubernetes (versions.yaml), the oldest the shop supports.
        kubernetes = "{}.{}".format(*versions.minor("Kubernetes"))
        kubernetes_validate.validate(obj, kubernetes, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = "/".join(map(str, error.absolute_path))
        return [f"{label(obj)}: {where}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{label(obj)}: no schema for {obj['apiVersion']} {obj['kind']}"]
    return []


# ---- walking pods ----


def pod_template(obj: Obj) -> Obj | None:
    """The pod template of a function or workload (a CronJob's is its Job's); None for others."""
    if kind_of(obj) == KSVC or obj.get("kind") in WORKLOADS:
        return dict(obj["spec"]["template"])
    if obj.get("kind") == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"])
    return None


def pod_specs(objects: list[Obj]) -> Iterator[tuple[Obj, Obj, Obj]]:
    """(object, pod template metadata, pod spec) of every workload and function."""
    for obj in objects:
        template = pod_template(obj)
        if template is not None:
            yield obj, template.get("metadata", {}), template["spec"]


def containers(spec: Obj) -> list[Obj]:
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def ksvcs(objects: list[Obj]) -> dict[str, Obj]:
    return {name_of(o): o for o in objects if kind_of(o) == KSVC}


def _find(objects: list[Obj], kind: str, name: str) -> Obj | None:
    for obj in objects:
        if obj.get("kind") == kind and name_of(obj) == name:
            return obj
    return None


def find(objects: list[Obj], kind: str, name: str) -> Obj:
    """The object of that kind and name; AssertionError when the manifests have none."""
    found = _find(objects, kind, name)
    assert found is not None, f"no {kind} {name} in the manifests"
    return found


# The Secrets an operator creates for prod, and the example file that lists their keys.
EXTERNAL_SECRETS = {
    "roboshop-secrets": "secrets.env.example",
    "broker-rabbitmq": "broker-rabbitmq.env.example",
}


def example_keys(file: str) -> set[str]:
    example = KNATIVE / "overlays" / "prod" / file
    return {
        line.split("=", 1)[0].strip()
        for line in example.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }


def external_secrets(objects: list[Obj]) -> dict[str, set[str]]:
    """Secrets the overlay expects the operator to create: name -> keys (from the example)."""
    return {
        name: example_keys(file)
        for name, file in EXTERNAL_SECRETS.items()
        if _find(objects, "Secret", name) is None
    }


def _data_keys(obj: Obj) -> set[str]:
    return set(obj.get("data") or {}) | set(obj.get("stringData") or {})


def _keys_of(objects: list[Obj], kind: str, name: str) -> set[str] | None:
    found = _find(objects, kind, name)
    if found is not None:
        return _data_keys(found)
    if kind == "Secret":
        return external_secrets(objects).get(name)
    return None


# `$(NAME)` in a value is the kubelet's reference to an earlier variable.
_DEPENDENT = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def env_sources(objects: list[Obj], container: Obj) -> dict[str, str | None]:
    """Name -> literal value (None when it comes from a Secret or a reference)."""
    values: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        for kind, ref in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if ref in source:
                found = _find(objects, kind, source[ref]["name"])
                data = (found or {}).get("data") or {}
                for key in _keys_of(objects, kind, source[ref]["name"]) or set():
                    values[source.get("prefix", "") + key] = (
                        data.get(key) if kind == "ConfigMap" else None
                    )
    for item in container.get("env", []):
        value = item.get("value")
        if value is not None:
            value = re.sub(
                r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: values.get(m[1]) or "x", value
            )
        values[item["name"]] = value
    return values


# ---- the rules ----


def rule_scale_bounds(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in ksvcs(objects).values():
        notes = obj["spec"]["template"].get("metadata", {}).get("annotations", {})
        try:
            low = int(notes.get(SCALE + "min-scale", "0"))
            high = int(notes.get(SCALE + "max-scale", "0"))
        except (TypeError, ValueError):
            problems.append(f"{label(obj)}: scale bounds are not whole numbers")
            continue
        if SCALE + "max-scale" not in notes:
            problems.append(f"{label(obj)}: no max-scale")
        elif low > high:
            problems.append(f"{label(obj)}: min-scale {low} > max-scale {high}")
    return problems


def _metadata_maps(obj: Obj) -> Iterator[tuple[str, Obj]]:
    yield "metadata", obj.get("metadata", {})
    template = obj.get("spec", {}).get("template") if isinstance(obj.get("spec"), dict) else None
    if isinstance(template, dict):
        yield "template", template.get("metadata", {})


def rule_annotations_are_strings(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in objects:
        for where, meta in _metadata_maps(obj):
            for field in ("annotations", "labels"):
                for key, value in (meta.get(field) or {}).items():
                    if not isinstance(value, str):
                        problems.append(f"{label(obj)}: {where} {field} {key} is not a string")
    return problems


def rule_no_reserved_env(objects: list[Obj]) -> list[str]:
    problems = []
    for obj, _, spec in pod_specs(objects):
        for container in containers(spec):
            for item in container.get("env", []):
                if kind_of(obj) == KSVC and item["name"] in RESERVED_ENV:
                    problems.append(f"{label(obj)}: sets reserved env {item['name']}")
    return problems


def _ref_exists(objects: list[Obj], ref: Obj) -> bool:
    return any(
        obj.get("kind") == ref.get("kind")
        and obj.get("apiVersion") == ref.get("apiVersion")
        and name_of(obj) == ref.get("name")
        for obj in objects
    )


def _hosts(objects: list[Obj]) -> set[str]:
    """Host names that resolve in the cluster: core Services and Knative Services."""
    names = {name_of(o) for o in objects if kind_of(o) in (("v1", "Service"), KSVC)}
    names |= {name_of(o) for o in objects if o.get("kind") == "RabbitmqCluster"}
    return {f"{name}.{DOMAIN}" for name in names}


def _host_of(value: str) -> str:
    if "://" in value:
        return urlsplit(value).hostname or ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def rule_references_exist(objects: list[Obj]) -> list[str]:
    """Triggers, sinks, bindings and broker configs name real objects; *_URL,
    *_HOST and *_UPSTREAM values name real Services."""
    problems = []
    for obj in objects:
        spec = obj.get("spec") or {}
        refs = []
        if obj.get("kind") == "Trigger":
            refs.append(("subscriber", spec.get("subscriber", {}).get("ref")))
            if not _find(objects, "Broker", spec.get("broker", "")):
                problems.append(f"{label(obj)}: no Broker {spec.get('broker')}")
        if obj.get("kind") in ("Trigger", "Broker"):
            dead = (spec.get("delivery") or {}).get("deadLetterSink") or {}
            refs.append(("deadLetterSink", dead.get("ref")))
        if obj.get("kind") == "Broker":
            refs.append(("config", spec.get("config")))
        if obj.get("kind") == "SinkBinding":
            refs.append(("subject", spec.get("subject")))
            refs.append(("sink", spec.get("sink", {}).get("ref")))
        problems += _rabbitmq_reference_problems(objects, obj)
        for what, ref in refs:
            if ref and not _ref_exists(objects, ref):
                problems.append(f"{label(obj)}: {what} {ref.get('kind')}/{ref.get('name')} missing")
    hosts = _hosts(objects)
    for obj, _, spec in pod_specs(objects):
        for container in containers(spec):
            for name, value in env_sources(objects, container).items():
                if not value or not name.endswith(("_URL", "_HOST", "_UPSTREAM")):
                    continue
                host = _host_of(value)
                if host.endswith(".cluster.local") and host not in hosts:
                    problems.append(f"{label(obj)}: {name} points at {host}, which nothing serves")
                elif not host.endswith(".cluster.local"):
                    problems.append(f"{label(obj)}: {name}={value!r} is not a cluster address")
    return problems


# What the topology operator and eventing-rabbitmq read from a connection Secret, and
# from a User's imported credentials.
CONNECTION_KEYS = {"uri", "username", "password"}
CREDENTIAL_KEYS = {"username", "password"}
TOPOLOGY_KINDS = {"RabbitmqBrokerConfig", "Vhost", "User", "Permission"}


def _secret_problems(objects: list[Obj], obj: Obj, name: str, keys: set[str]) -> list[str]:
    found = _keys_of(objects, "Secret", name)
    if found is None:
        return [f"{label(obj)}: Secret {name} missing"]
    if keys - found:
        return [f"{label(obj)}: Secret {name} lacks {', '.join(sorted(keys - found))}"]
    uri = _secret_value(objects, name, "uri")
    if "uri" in keys and uri is not None and _host_of(uri) not in _hosts(objects):
        return [f"{label(obj)}: Secret {name}'s uri names {_host_of(uri)}, which nothing serves"]
    return []


def _secret_value(objects: list[Obj], name: str, key: str) -> str | None:
    import base64

    found = _find(objects, "Secret", name)
    if found is not None and key in (found.get("data") or {}):
        return base64.b64decode(found["data"][key]).decode()
    if name in EXTERNAL_SECRETS:
        example = KNATIVE / "overlays" / "prod" / EXTERNAL_SECRETS[name]
        for line in example.read_text().splitlines():
            if line.startswith(f"{key}="):
                return line.split("=", 1)[1].strip()
    return None


def _rabbitmq_reference_problems(objects: list[Obj], obj: Obj) -> list[str]:
    """RabbitMQ clusters, connection Secrets, users and vhosts the topology objects name."""
    if obj.get("kind") not in TOPOLOGY_KINDS:
        return []
    spec = obj.get("spec") or {}
    reference = spec.get("rabbitmqClusterReference") or {}
    problems = []
    if reference.get("connectionSecret"):
        name = reference["connectionSecret"]["name"]
        problems += _secret_problems(objects, obj, name, CONNECTION_KEYS)
    elif not _find(objects, "RabbitmqCluster", reference.get("name", "")):
        problems.append(f"{label(obj)}: no RabbitmqCluster {reference.get('name', '')}")
    if obj["kind"] == "User" and spec.get("importCredentialsSecret"):
        name = spec["importCredentialsSecret"]["name"]
        problems += _secret_problems(objects, obj, name, CREDENTIAL_KEYS)
    vhosts = {o["spec"]["name"] for o in objects if o.get("kind") == "Vhost"}
    named = obj["kind"] in ("Permission", "RabbitmqBrokerConfig") and spec.get("vhost")
    if named and spec["vhost"] not in vhosts:
        problems.append(f"{label(obj)}: no Vhost named {spec['vhost']}")
    if obj["kind"] == "Permission":
        user = (spec.get("userReference") or {}).get("name", "")
        if not _find(objects, "User", user):
            problems.append(f"{label(obj)}: no User {user}")
    return problems


def _matches(selector: Obj, labels: Obj) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def rule_selectors_match(objects: list[Obj]) -> list[str]:
    problems = []
    pods = [(obj, meta.get("labels", {})) for obj, meta, _ in pod_specs(objects)]
    for obj in objects:
        spec = obj.get("spec") or {}
        selector = spec.get("selector", {})
        if kind_of(obj) == ("v1", "Service") and not any(
            _matches(selector, pod) for _, pod in pods
        ):
            problems.append(f"{label(obj)}: selector matches no pod template")
        if obj.get("kind") in ("Deployment", "StatefulSet"):
            own = spec["template"].get("metadata", {}).get("labels", {})
            if not _matches(spec["selector"].get("matchLabels", {}), own):
                problems.append(f"{label(obj)}: selector does not match its own pods")
            if obj["kind"] == "StatefulSet" and not any(
                kind_of(o) == ("v1", "Service") and name_of(o) == spec.get("serviceName")
                for o in objects
            ):
                problems.append(f"{label(obj)}: no governing Service {spec.get('serviceName')}")
        if obj.get("kind") == "PodDisruptionBudget":
            selector = spec["selector"].get("matchLabels", {})
            if not any(_matches(selector, lbl) for _, lbl in pods):
                problems.append(f"{label(obj)}: selector matches no pod template")
        if obj.get("kind") == "HorizontalPodAutoscaler":
            target = spec["scaleTargetRef"]
            if not _find(objects, target["kind"], target["name"]):
                problems.append(f"{label(obj)}: scales a missing {target['kind']}")
    return problems


_VOLUME_SOURCES = (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName"))


def rule_env_sources_exist(objects: list[Obj]) -> list[str]:
    """ConfigMaps, Secrets, keys, service accounts and volumes that pods use exist."""
    problems = []
    accounts = {name_of(o) for o in objects if o.get("kind") == "ServiceAccount"}
    for obj, _, spec in pod_specs(objects):
        account = spec.get("serviceAccountName")
        if account not in accounts:
            problems.append(f"{label(obj)}: service account {account!r} missing")
        for container in containers(spec):
            for source in container.get("envFrom", []):
                for kind, ref in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                    if ref in source and _keys_of(objects, kind, source[ref]["name"]) is None:
                        problems.append(f"{label(obj)}: {kind} {source[ref]['name']} missing")
            for item in container.get("env", []):
                frm = item.get("valueFrom", {})
                for kind, ref in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                    if ref not in frm:
                        continue
                    keys = _keys_of(objects, kind, frm[ref]["name"])
                    if keys is None or frm[ref]["key"] not in keys:
                        problems.append(
                            f"{label(obj)}: {item['name']} from missing "
                            f"{kind} {frm[ref]['name']}/{frm[ref]['key']}"
                        )
        for volume in spec.get("volumes", []):
            for kind, key, field in (
                ("ConfigMap", "configMap", "name"),
                ("Secret", "secret", "secretName"),
            ):
                if key in volume and _keys_of(objects, kind, volume[key][field]) is None:
                    problems.append(f"{label(obj)}: volume {kind} {volume[key][field]} missing")
    return problems


def bound_sink(objects: list[Obj], function: str) -> bool:
    return any(
        o.get("kind") == "SinkBinding"
        and o["spec"].get("subject", {}).get("name") == function
        and o["spec"]["subject"].get("kind") == "Service"
        for o in objects
    )


def rule_code_env_has_source(objects: list[Obj]) -> list[str]:
    """Every variable a function's code must be given is set on its Knative Service."""
    problems = []
    services = ksvcs(objects)
    for function in codeenv.function_names():
        service = services.get(function)
        if service is None:
            problems.append(f"function {function} has no Knative Service")
            continue
        container = service["spec"]["template"]["spec"]["containers"][0]
        provided = set(env_sources(objects, container)) | PLATFORM_ENV
        if bound_sink(objects, function):
            provided.add("K_SINK")
        if TEST_ONLY_ENV in provided:
            problems.append(f"{label(service)}: {TEST_ONLY_ENV} must stay unset in a cluster")
        for name in sorted(codeenv.required_env(function) - provided - {TEST_ONLY_ENV}):
            problems.append(f"{label(service)}: its code reads {name}, which nothing sets")
    return problems


_VERSION_TAG = re.compile(r":v?\d+(\.\d+){1,2}([-.][A-Za-z0-9.]+)?$")


def _images(objects: list[Obj]) -> Iterator[tuple[Obj, str]]:
    for obj, _, spec in pod_specs(objects):
        for container in containers(spec):
            yield obj, container.get("image", "")
    for obj in objects:
        if obj.get("kind") == "RabbitmqCluster":
            yield obj, obj["spec"].get("image", "")


def rule_pinned_images(objects: list[Obj]) -> list[str]:
    return [
        f"{label(obj)}: image {image!r} is not pinned to a version"
        for obj, image in _images(objects)
        if "@sha256:" not in image and not _VERSION_TAG.search(image)
    ]


def _security_problems(pod: Obj, container: Obj) -> list[str]:
    ctx, pod_ctx = container.get("securityContext", {}), pod.get("securityContext", {})
    missing = []
    if not (ctx.get("runAsNonRoot") or pod_ctx.get("runAsNonRoot")):
        missing.append("runAsNonRoot")
    if ctx.get("readOnlyRootFilesystem") is not True:
        missing.append("readOnlyRootFilesystem")
    if ctx.get("allowPrivilegeEscalation") is not False:
        missing.append("allowPrivilegeEscalation: false")
    if "ALL" not in ctx.get("capabilities", {}).get("drop", []):
        missing.append("capabilities drop ALL")
    seccomp = ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}
    if seccomp.get("type") != "RuntimeDefault":
        missing.append("seccompProfile RuntimeDefault")
    return missing


def rule_hardened_workloads(objects: list[Obj]) -> list[str]:
    """Probes (not for run-once Jobs), requests and limits, and the security context."""
    problems = []
    for obj, _, spec in pod_specs(objects):
        for container in containers(spec):
            where = f"{label(obj)} container {container.get('name')}"
            if obj["kind"] not in RUN_ONCE:
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in container:
                        problems.append(f"{where}: no {probe}")
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(part, {}):
                        problems.append(f"{where}: no {resource} {part}")
            for missing in _security_problems(spec, container):
                problems.append(f"{where}: security context lacks {missing}")
    return problems


def _shutdown_inside(shutdown: str | None, grace: int) -> bool:
    try:
        return 0 < int(shutdown or 0) < grace
    except ValueError:
        return False


def rule_knative_functions(objects: list[Obj]) -> list[str]:
    """Concurrency matches the worker threads; timeout, with the server's shutdown inside it
    (Knative makes timeoutSeconds the pod's grace period); cluster-local; /tmp writable."""
    problems = []
    for obj in ksvcs(objects).values():
        spec = obj["spec"]["template"]["spec"]
        container = spec["containers"][0]
        values = env_sources(objects, container)
        try:
            threads = int(values.get("WORKERS") or 0) * int(values.get("THREADS") or 0)
        except ValueError:
            threads = 0
        if not threads or spec.get("containerConcurrency") != threads:
            problems.append(f"{label(obj)}: containerConcurrency is not WORKERS x THREADS")
        if not spec.get("timeoutSeconds"):
            problems.append(f"{label(obj)}: no timeoutSeconds")
        elif not _shutdown_inside(values.get("SHUTDOWN_SECONDS"), spec["timeoutSeconds"]):
            problems.append(f"{label(obj)}: SHUTDOWN_SECONDS is not under timeoutSeconds")
        visibility = obj["metadata"].get("labels", {}).get("networking.knative.dev/visibility")
        if visibility != "cluster-local":
            problems.append(f"{label(obj)}: not cluster-local")
        tmp = {m["name"] for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"}
        if not any(v["name"] in tmp and "emptyDir" in v for v in spec.get("volumes", [])):
            problems.append(f"{label(obj)}: no emptyDir at /tmp")
    return problems


def rule_no_secret_on_command_line(objects: list[Obj]) -> list[str]:
    """A Secret's value never reaches a command line (`ps`, the pod spec): `$(VAR)` in
    command or args expands there, so a variable from a Secret may only be read inside."""
    problems = []
    for obj, _, spec in pod_specs(objects):
        for container in containers(spec):
            secret = {
                item["name"]
                for item in container.get("env", [])
                if "secretKeyRef" in item.get("valueFrom", {})
            }
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    keys = _keys_of(objects, "Secret", source["secretRef"]["name"]) or set()
                    secret |= {source.get("prefix", "") + key for key in keys}
            words = [*container.get("command", []), *container.get("args", [])]
            for name in sorted({n for w in words for n in _DEPENDENT.findall(str(w))} & secret):
                problems.append(
                    f"{label(obj)} container {container.get('name')}: {name} on its command line"
                )
    return problems


# Registries Knative Serving doesn't resolve to digests (config-deployment's default
# registries-skipping-tag-resolving): an image built and loaded on the node runs as is.
LOCAL_REGISTRIES = ("dev.local/", "kind.local/", "ko.local/")


def our_images(objects: list[Obj]) -> list[tuple[Obj, str]]:
    return [(obj, image) for obj, image in _images(objects) if "roboshop/" in image]


# Where prod and the restore Job name our images until a registry is set: `.invalid` never
# resolves, so an image left there fails to pull instead of coming from someone's registry.
PLACEHOLDER_REGISTRY = "registry.invalid"


def registry_of(image: str) -> str | None:
    """The registry an image names; None when it names none and the runtime asks Docker Hub
    (the part before the first `/` is a registry when it has a `.` or `:` or is localhost)."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return None


def rule_our_images_name_a_registry(objects: list[Obj]) -> list[str]:
    """An image of ours without a registry is Docker Hub's `roboshop/...`: nobody's we know."""
    return [
        f"{label(obj)}: image {image!r} names no registry (Docker Hub's would be pulled)"
        for obj, image in our_images(objects)
        if registry_of(image) is None
    ]


RULES: dict[str, Rule] = {
    "scale_bounds": rule_scale_bounds,
    "annotations_are_strings": rule_annotations_are_strings,
    "no_reserved_env": rule_no_reserved_env,
    "references_exist": rule_references_exist,
    "selectors_match": rule_selectors_match,
    "env_sources_exist": rule_env_sources_exist,
    "code_env_has_source": rule_code_env_has_source,
    "pinned_images": rule_pinned_images,
    "our_images_name_a_registry": rule_our_images_name_a_registry,
    "hardened_workloads": rule_hardened_workloads,
    "knative_functions": rule_knative_functions,
    "no_secret_on_command_line": rule_no_secret_on_command_line,
}


def broken(objects: list[Obj], kind: str, name: str) -> tuple[list[Obj], Obj]:
    """A deep copy of the objects, and the named object in it, to break in a test."""
    copied = copy.deepcopy(objects)
    target = _find(copied, kind, name)
    assert target is not None, f"{kind}/{name} not rendered"
    return copied, target


def template_path() -> Path:
    return ROOT / "web" / "nginx" / "default.conf.template"
