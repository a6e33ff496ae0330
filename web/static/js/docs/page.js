// The API reference page: the spec rendered as a list of operations by tag, each with its
// parameters, body and answers, and the shared schemas at the end. It reads
// /api/openapi.json, which scripts/docs/openapi_json.py makes from web/openapi.yaml.

import { h, replace } from "../dom.js";

const SPEC_URL = "/api/openapi.json";
const METHODS = ["get", "put", "post", "delete", "patch"];

// `code` spans and nothing else: the spec's descriptions are short prose.
function prose(text) {
  if (!text) return null;
  const parts = String(text).trim().split(/(`[^`]*`)/);
  return h("p", { class: "prose" }, parts.map((part) =>
    part.startsWith("`") && part.endsWith("`") && part.length > 1 ? h("code", {}, part.slice(1, -1)) : part));
}

function refName(ref) {
  return ref.split("/").pop();
}

function resolve(spec, node) {
  let current = node;
  for (let hops = 0; current?.$ref && hops < 10; hops += 1) {
    const path = current.$ref.replace(/^#\//, "").split("/");
    current = path.reduce((at, key) => (at ? at[key] : undefined), spec);
  }
  return current || {};
}

// A one-line summary of a schema: its type and the rules that bound it.
function schemaLine(schema) {
  if (!schema || Object.keys(schema).length === 0) return h("span", { class: "type" }, "any");
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return h("a", { class: "type", href: `#schema-${name}` }, name);
  }
  const bits = [];
  if (schema.type === "array") {
    bits.push(h("span", { class: "type" }, "array of "), schemaLine(schema.items));
  } else if (schema.anyOf || schema.oneOf) {
    const choices = schema.anyOf || schema.oneOf;
    choices.forEach((choice, i) => {
      if (i) bits.push(" or ");
      bits.push(choice.required ? `{${choice.required.join(", ")}, ...}` : schemaLine(choice));
    });
  } else if (schema.type === "object" && schema.properties) {
    // Its fields, named: "object" alone tells a reader nothing.
    bits.push(h("code", {}, `{${Object.keys(schema.properties).join(", ")}}`));
  } else if (schema.const !== undefined) {
    bits.push(h("code", {}, JSON.stringify(schema.const)));
  } else {
    const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type || "any";
    bits.push(h("span", { class: "type" }, type));
  }
  const rules = [];
  if (schema.enum) rules.push(`one of ${schema.enum.join(", ")}`);
  if (schema.pattern) rules.push(`matches ${schema.pattern}`);
  if (schema.minLength !== undefined) rules.push(`${schema.minLength}+ chars`);
  if (schema.maxLength !== undefined) rules.push(`at most ${schema.maxLength} chars`);
  if (schema.minimum !== undefined) rules.push(`>= ${schema.minimum}`);
  if (schema.maximum !== undefined) rules.push(`<= ${schema.maximum}`);
  if (schema.format) rules.push(schema.format);
  if (rules.length) bits.push(h("span", { class: "rules" }, ` (${rules.join("; ")})`));
  return h("span", {}, bits);
}

function propertiesTable(spec, schema) {
  const resolved = resolve(spec, schema);
  const properties = resolved.properties || {};
  const names = Object.keys(properties);
  if (names.length === 0) return null;
  const required = new Set(resolved.required || []);
  return h("table", { class: "fields" },
    h("thead", {}, h("tr", {}, h("th", {}, "field"), h("th", {}, "type"), h("th", {}, ""))),
    h("tbody", {}, names.map((name) => h("tr", {},
      h("td", {}, h("code", {}, name)),
      h("td", {}, schemaLine(properties[name]), prose(properties[name].description)),
      h("td", {}, required.has(name) ? "required" : "")))));
}

function parameters(spec, operation, shared) {
  const all = [...(shared || []), ...(operation.parameters || [])].map((p) => resolve(spec, p));
  if (all.length === 0) return null;
  return h("section", {},
    h("h4", {}, "Parameters"),
    h("table", { class: "fields" },
      h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "in"), h("th", {}, "type"), h("th", {}, "example"))),
      h("tbody", {}, all.map((p) => h("tr", {},
        h("td", {}, h("code", {}, p.name), p.required ? " *" : ""),
        h("td", {}, p.in),
        h("td", {}, schemaLine(p.schema), prose(p.description)),
        h("td", {}, p.example === undefined ? "" : h("code", {}, String(p.example))))))));
}

function requestBody(spec, operation) {
  const body = operation.requestBody && resolve(spec, operation.requestBody);
  if (!body?.content) return null;
  return h("section", {},
    h("h4", {}, `Body${body.required ? "" : " (optional)"}`),
    Object.entries(body.content).map(([media, content]) => h("div", {},
      h("p", {}, h("code", {}, media), " ", schemaLine(content.schema)),
      propertiesTable(spec, content.schema),
      content.example === undefined ? null : h("pre", {}, JSON.stringify(content.example, null, 2)))));
}

function responses(spec, operation) {
  return h("section", {},
    h("h4", {}, "Answers"),
    h("dl", { class: "answers" }, Object.entries(operation.responses || {}).flatMap(([status, ref]) => {
      const answer = resolve(spec, ref);
      const content = Object.entries(answer.content || {});
      const headers = Object.keys(answer.headers || {});
      return [
        h("dt", { class: `status s${status[0]}xx` }, status),
        h("dd", {},
          prose(answer.description),
          content.map(([media, c]) => [
            h("p", { class: "media" }, h("code", {}, media), " ", schemaLine(c.schema)),
            inlineFields(spec, c.schema)]),
          headers.length ? h("p", { class: "media" }, "headers: ", headers.map((name) => h("code", {}, name, " "))) : null,
          links(answer.links)),
      ];
    })));
}

// A body described in place (pay's {orderid}, uniqueid's {uuid}) has no schema of its own
// below to link to: its fields are listed here. A named schema is a link instead.
function inlineFields(spec, schema) {
  if (!schema || schema.$ref) return null;
  const shape = schema.type === "array" && schema.items && !schema.items.$ref ? schema.items : schema;
  return shape.properties ? propertiesTable(spec, shape) : null;
}

// What an answer leads to: the operation a value of it can be passed to.
function links(found) {
  const entries = Object.entries(found || {});
  if (entries.length === 0) return null;
  return h("div", { class: "links" },
    h("p", { class: "media" }, "Links:"),
    h("ul", {}, entries.map(([name, link]) => h("li", {},
      h("strong", {}, name), " → ",
      link.operationId ? h("a", { href: `#${operationAnchors.get(link.operationId) || ""}` }, link.operationId) : h("code", {}, link.operationRef || ""),
      Object.entries(link.parameters || {}).map(([param, value]) => [" ", h("code", {}, `${param} = ${value}`)]),
      link.description ? [" ", prose(link.description)] : null))));
}

// One line to try the operation from a shell: path parameters filled with their examples
// (else left as {name}), the example body when the description has one.
function curlLine(spec, path, method, operation, shared) {
  const params = [...(shared || []), ...(operation.parameters || [])].map((p) => resolve(spec, p));
  let url = path;
  for (const p of params.filter((param) => param.in === "path" && param.example !== undefined)) {
    url = url.replace(`{${p.name}}`, encodeURIComponent(String(p.example)));
  }
  const parts = ["curl", "-i"];
  if (method !== "get") parts.push("-X", method.toUpperCase());
  parts.push(quote(`${location.origin}${url}`));
  for (const p of params.filter((param) => param.in === "header" && param.required)) {
    parts.push("-H", quote(`${p.name}: ${p.example ?? "..."}`));
  }
  const body = operation.requestBody && resolve(spec, operation.requestBody);
  const json = body?.content?.["application/json"];
  if (json) {
    parts.push("-H", quote("Content-Type: application/json"));
    parts.push("-d", quote(JSON.stringify(json.example ?? {})));
  }
  return h("pre", { class: "curl", tabindex: "0", "aria-label": `curl for ${method.toUpperCase()} ${path}` }, h("code", {}, parts.join(" ")));
}

function quote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

const operationAnchors = new Map();

function operationId(method, path) {
  return `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

function operationCard(spec, path, method, operation, shared) {
  const security = (operation.security || []).flatMap((s) => Object.keys(s));
  return h("article", { class: "operation", id: operationId(method, path) },
    h("h3", {}, h("span", { class: `method ${method}` }, method.toUpperCase()), " ", h("code", {}, path)),
    h("p", { class: "summary" }, operation.summary || ""),
    prose(operation.description),
    security.length ? h("p", { class: "security" }, "Session: ", security.join(" or "),
      (operation.security || []).some((s) => Object.keys(s).length === 0) ? " (not needed for an anonymous cart)" : "") : null,
    curlLine(spec, path, method, operation, shared),
    parameters(spec, operation, shared),
    requestBody(spec, operation),
    responses(spec, operation));
}

function operations(spec) {
  const found = [];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      if (item[method]) found.push({ path, method, operation: item[method], shared: item.parameters });
    }
  }
  return found;
}

function schemasSection(spec) {
  const schemas = spec.components?.schemas || {};
  return h("section", { class: "schemas" },
    h("h2", { id: "schemas" }, "Schemas"),
    Object.entries(schemas).map(([name, schema]) => h("article", { class: "schema", id: `schema-${name}` },
      h("h3", {}, name, " ", schemaLine({ ...schema, $ref: undefined })),
      prose(schema.description),
      propertiesTable(spec, schema))));
}

function render(spec) {
  const all = operations(spec);
  for (const { path, method, operation } of all) {
    if (operation.operationId) operationAnchors.set(operation.operationId, operationId(method, path));
  }
  const tags = (spec.tags || []).map((tag) => tag.name);
  const byTag = new Map(tags.map((tag) => [tag, []]));
  for (const op of all) {
    const tag = (op.operation.tags || ["other"])[0];
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push(op);
  }
  const description = (name) => (spec.tags || []).find((t) => t.name === name)?.description;
  replace(document.getElementById("toc"),
    [...byTag].map(([tag, ops]) => h("div", {},
      h("a", { class: "tag", href: `#tag-${tag}` }, tag),
      h("ul", {}, ops.map(({ path, method }) => h("li", {},
        h("a", { href: `#${operationId(method, path)}` }, h("span", { class: `method ${method}` }, method.toUpperCase()), " ", path.replace(/^\/api\/[^/]+/, ""))))))),
    h("a", { class: "tag", href: "#schemas" }, "schemas"));
  replace(document.getElementById("spec"),
    h("h1", {}, spec.info.title, " ", h("small", {}, spec.info.version)),
    h("p", { class: "summary" }, spec.info.summary || ""),
    prose(spec.info.description),
    [...byTag].map(([tag, ops]) => h("section", { class: "tag-section" },
      h("h2", { id: `tag-${tag}` }, tag),
      prose(description(tag)),
      ops.map(({ path, method, operation, shared }) => operationCard(spec, path, method, operation, shared)))),
    schemasSection(spec));
  document.body.dataset.operations = String(all.length);
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

async function main() {
  try {
    const response = await fetch(SPEC_URL, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${SPEC_URL} answered ${response.status}`);
    render(await response.json());
  } catch (error) {
    replace(document.getElementById("spec"), h("p", { class: "error", role: "alert" }, `The API description could not be shown: ${error.message}`));
    document.body.dataset.operations = "error";
  }
}

main();
