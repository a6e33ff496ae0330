"""The OpenAPI description (web/openapi.yaml) as the tests read it: its operations, and
whether an answer is one the description allows (status, media type, body, headers)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from scripts.stack.processes import ROOT

SPEC_FILE = ROOT / "web" / "openapi.yaml"
NGINX_TEMPLATE = ROOT / "web" / "nginx" / "default.conf.template"
METHODS = ("get", "put", "post", "delete", "patch")
_SPEC_URI = "urn:roboshop:openapi"


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text())
    return loaded


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str

    @property
    def body(self) -> dict[str, Any]:
        found: dict[str, Any] = spec()["paths"][self.path][self.method.lower()]
        return found

    def declared_statuses(self) -> set[str]:
        return set(self.body["responses"])

    def url(self, **params: str) -> str:
        """The path with its parameters filled in, each %-escaped (a `raw:` prefix sends
        the rest as it is, for paths that must reach nginx spelled a certain way)."""

        def fill(match: re.Match[str]) -> str:
            value = params[match.group(1)]
            return value[4:] if value.startswith("raw:") else quote(value, safe="")

        return re.sub(r"\{([^}]+)\}", fill, self.path)


@cache
def operations() -> dict[str, Operation]:
    found = {}
    for path, item in spec()["paths"].items():
        for method in METHODS:
            if method in item:
                operation_id = item[method]["operationId"]
                found[operation_id] = Operation(operation_id, method.upper(), path)
    return found


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
    return registry


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def schema_errors(pointer: str, instance: Any) -> list[str]:
    """Why `instance` breaks the schema at the spec's JSON pointer `pointer` (none: it fits)."""
    validator = Draft202012Validator({"$ref": f"{_SPEC_URI}#{pointer}"}, registry=_registry())
    errors = validator.iter_errors(instance)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def conformance(
    operation: Operation, status: int, headers: dict[str, str], data: bytes
) -> list[str]:
    """Every way this answer breaks the description of the operation (none: it conforms)."""
    responses = operation.body["responses"]
    if str(status) not in responses:
        return [f"status {status} is not declared (declared: {sorted(responses)})"]
    answer = _resolved(responses[str(status)])
    problems: list[str] = []
    lowered = {name.lower(): value for name, value in headers.items()}
    for name, header in (answer.get("headers") or {}).items():
        header = _resolved(header)
        value = lowered.get(name.lower())
        if value is None:
            if header.get("required"):
                problems.append(f"header {name} is missing")
            continue
        pattern = (header.get("schema") or {}).get("pattern")
        if pattern and not re.search(pattern, value):
            problems.append(f"header {name}={value!r} does not match {pattern}")
    content = answer.get("content")
    if not content:
        if data:
            problems.append(f"no body is declared, got {data[:80]!r}")
        return problems
    media = lowered.get("content-type", "").split(";")[0].strip()
    if media not in content:
        return [*problems, f"content type {media!r} is not declared ({sorted(content)})"]
    body: Any = data.decode()
    if media == "application/json":
        try:
            body = json.loads(data)
        except ValueError:
            return [*problems, f"the body is not JSON: {data[:80]!r}"]
    responses_ref = _response_pointer(operation, str(status))
    pointer = _pointer(*responses_ref, "content", media, "schema")
    return problems + schema_errors("/" + pointer, body)


def _response_pointer(operation: Operation, status: str) -> list[str]:
    """Where the answer's description lives: under the operation, or the component it names."""
    node = operation.body["responses"][status]
    if "$ref" in node:
        ref: str = node["$ref"]
        return ref.removeprefix("#/").split("/")
    return ["paths", operation.path, operation.method.lower(), "responses", status]


def public_functions() -> list[str]:
    """The functions nginx routes `/api/<function>/` to, as its template says."""
    found: list[str] = re.findall(r"location /api/([a-z]+)/ \{", NGINX_TEMPLATE.read_text())
    return found


def hidden_routes() -> re.Pattern[str]:
    """The `location ~ ^/api/(...)` that nginx answers 404 itself: routes kept from the public."""
    found = re.search(r"location ~ (\^/api/\S+) \{", NGINX_TEMPLATE.read_text())
    assert found, "the template has no location for the routes it keeps from the public"
    return re.compile(found.group(1))
