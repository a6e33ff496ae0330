// Reading the plain YAML that web/openapi.yaml is written in, without a library: block
// mappings and sequences, plain and quoted scalars, flow lists and maps ([a, b], {}),
// `|` and `>` block text, full-line comments. Anchors, tags, several documents and
// keys that are not scalars are not YAML this file uses, and are refused.
// tests/contract checks that this reads the spec exactly as PyYAML does.

export class YamlError extends Error {
  constructor(message, line) {
    super(`line ${line + 1}: ${message}`);
  }
}

export function parseYaml(text) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const reader = { lines, index: 0 };
  skipBlank(reader);
  if (reader.index >= lines.length) return null;
  const value = parseBlock(reader, indentOf(lines[reader.index]));
  skipBlank(reader);
  if (reader.index < lines.length) throw new YamlError("unexpected indentation", reader.index);
  return value;
}

function indentOf(line) {
  return line.length - line.trimStart().length;
}

function isBlank(line) {
  const trimmed = line.trim();
  return trimmed === "" || trimmed.startsWith("#");
}

function skipBlank(reader) {
  while (reader.index < reader.lines.length && isBlank(reader.lines[reader.index])) reader.index += 1;
}

function parseBlock(reader, indent) {
  const first = reader.lines[reader.index].slice(indent);
  return first === "-" || first.startsWith("- ") ? parseSequence(reader, indent) : parseMapping(reader, indent);
}

function parseSequence(reader, indent) {
  const items = [];
  while (reader.index < reader.lines.length) {
    const line = reader.lines[reader.index];
    if (indentOf(line) !== indent) break;
    const rest = line.slice(indent);
    if (!(rest === "-" || rest.startsWith("- "))) break;
    const content = rest.slice(1).trimStart();
    if (content === "") {
      reader.index += 1;
      items.push(nested(reader, indent));
    } else if (splitKey(content, reader.index) !== null) {
      // "- key: value" opens a mapping whose keys line up after the dash.
      const inner = indent + (rest.length - content.length);
      reader.lines[reader.index] = " ".repeat(inner) + content;
      items.push(parseMapping(reader, inner));
    } else {
      reader.index += 1;
      items.push(parseInline(content, reader.index - 1));
    }
    skipBlank(reader);
  }
  return items;
}

function parseMapping(reader, indent) {
  const map = {};
  while (reader.index < reader.lines.length) {
    const line = reader.lines[reader.index];
    const lineIndent = indentOf(line);
    if (lineIndent < indent) break;
    if (lineIndent > indent) throw new YamlError("unexpected indentation", reader.index);
    const entry = splitKey(line.slice(indent), reader.index);
    if (entry === null) throw new YamlError("expected `key: value`", reader.index);
    const [key, rest] = entry;
    if (Object.hasOwn(map, key)) throw new YamlError(`duplicate key ${key}`, reader.index);
    const at = reader.index;
    reader.index += 1;
    if (rest === "") {
      map[key] = nested(reader, indent, true);
    } else if (rest === "|" || rest === ">") {
      map[key] = blockText(reader, indent, rest === ">");
    } else {
      map[key] = parseInline(rest, at);
    }
    skipBlank(reader);
  }
  return map;
}

// The value under a key or dash with nothing after it: a deeper block, or null. A
// sequence may sit at its key's own indentation, as YAML allows.
function nested(reader, indent, sequenceMayAlign = false) {
  skipBlank(reader);
  if (reader.index >= reader.lines.length) return null;
  const line = reader.lines[reader.index];
  const deeper = indentOf(line);
  const dash = line.slice(deeper) === "-" || line.slice(deeper).startsWith("- ");
  if (deeper > indent || (sequenceMayAlign && deeper === indent && dash)) return parseBlock(reader, deeper);
  return null;
}

// `key: rest` with the key unquoted, or null when the text is not a mapping entry.
function splitKey(text, line) {
  let key;
  let after;
  if (text.startsWith('"') || text.startsWith("'")) {
    const [value, end] = quoted(text, 0, line);
    if (text[end] !== ":") return null;
    key = value;
    after = end + 1;
  } else {
    const colon = text.search(/:( |$)/);
    if (colon <= 0 || /^[[{]/.test(text)) return null;
    key = text.slice(0, colon).trim();
    after = colon + 1;
  }
  if (after < text.length && text[after] !== " ") return null;
  return [key, stripComment(text.slice(after)).trim()];
}

function stripComment(text) {
  let quote = null;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\" && quote === '"') i += 1;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === "#" && (i === 0 || text[i - 1] === " ")) {
      return text.slice(0, i);
    }
  }
  return text;
}

function blockText(reader, indent, folded) {
  const body = [];
  let textIndent = null;
  while (reader.index < reader.lines.length) {
    const line = reader.lines[reader.index];
    if (line.trim() === "") {
      body.push("");
      reader.index += 1;
      continue;
    }
    const lineIndent = indentOf(line);
    if (lineIndent <= indent) break;
    if (textIndent === null) textIndent = lineIndent;
    if (lineIndent < textIndent) break;
    body.push(line.slice(textIndent));
    reader.index += 1;
  }
  while (body.length && body[body.length - 1] === "") body.pop();
  if (!folded) return body.length ? `${body.join("\n")}\n` : "";
  // Folded: lines of a paragraph join with a space, each blank line is one line break.
  let out = "";
  for (let i = 0; i < body.length; i += 1) {
    if (body[i].startsWith(" ")) throw new YamlError("more-indented lines in folded text", reader.index);
    if (i > 0 && body[i] === "") out += "\n";
    else if (i > 0 && body[i - 1] !== "") out += " ";
    out += body[i];
  }
  return body.length ? `${out}\n` : "";
}

function parseInline(text, line) {
  const flow = { text, pos: 0, line };
  const value = flowValue(flow, false);
  if (flow.text.slice(flow.pos).trim() !== "") throw new YamlError(`unexpected ${flow.text.slice(flow.pos)}`, line);
  return value;
}

function flowValue(flow, inFlow) {
  space(flow);
  const ch = flow.text[flow.pos];
  if (ch === "[") return flowList(flow);
  if (ch === "{") return flowMap(flow);
  if (ch === '"' || ch === "'") {
    const [value, end] = quoted(flow.text, flow.pos, flow.line);
    flow.pos = end;
    return value;
  }
  if (ch === "&" || ch === "*" || ch === "!") throw new YamlError("anchors, aliases and tags are not read", flow.line);
  const stop = inFlow ? /[,\]}]|: /g : /$/g;
  stop.lastIndex = flow.pos;
  const found = stop.exec(flow.text);
  const end = found ? found.index : flow.text.length;
  const raw = flow.text.slice(flow.pos, end).trim();
  flow.pos = end;
  return plain(raw);
}

function flowList(flow) {
  flow.pos += 1;
  const items = [];
  space(flow);
  if (flow.text[flow.pos] === "]") {
    flow.pos += 1;
    return items;
  }
  for (;;) {
    items.push(flowValue(flow, true));
    space(flow);
    const ch = flow.text[flow.pos];
    flow.pos += 1;
    if (ch === "]") return items;
    if (ch !== ",") throw new YamlError("expected , or ] in a flow list", flow.line);
  }
}

function flowMap(flow) {
  flow.pos += 1;
  const map = {};
  space(flow);
  if (flow.text[flow.pos] === "}") {
    flow.pos += 1;
    return map;
  }
  for (;;) {
    const key = flowValue(flow, true);
    space(flow);
    if (flow.text[flow.pos] !== ":") throw new YamlError("expected : in a flow map", flow.line);
    flow.pos += 1;
    map[String(key)] = flowValue(flow, true);
    space(flow);
    const ch = flow.text[flow.pos];
    flow.pos += 1;
    if (ch === "}") return map;
    if (ch !== ",") throw new YamlError("expected , or } in a flow map", flow.line);
  }
}

function space(flow) {
  while (flow.text[flow.pos] === " ") flow.pos += 1;
}

const ESCAPES = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "/": "/", "0": "\0", " ": " ", e: "\x1b" };

// A quoted scalar starting at `start`: its value and the index after the closing quote.
function quoted(text, start, line) {
  const quote = text[start];
  let out = "";
  for (let i = start + 1; i < text.length; i += 1) {
    const ch = text[i];
    if (quote === "'" && ch === "'") {
      if (text[i + 1] === "'") {
        out += "'";
        i += 1;
        continue;
      }
      return [out, i + 1];
    }
    if (quote === '"' && ch === '"') return [out, i + 1];
    if (quote === '"' && ch === "\\") {
      const next = text[i + 1];
      if (next === "u" || next === "x") {
        const size = next === "u" ? 4 : 2;
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 2 + size), 16));
        i += 1 + size;
      } else if (Object.hasOwn(ESCAPES, next)) {
        out += ESCAPES[next];
        i += 1;
      } else {
        throw new YamlError(`unknown escape \\${next}`, line);
      }
      continue;
    }
    out += ch;
  }
  throw new YamlError("unterminated quoted text", line);
}

// Plain scalars as YAML 1.1 (PyYAML) reads the ones this file uses.
function plain(raw) {
  if (raw === "" || raw === "~" || raw === "null" || raw === "Null" || raw === "NULL") return null;
  if (/^(true|True|TRUE)$/.test(raw)) return true;
  if (/^(false|False|FALSE)$/.test(raw)) return false;
  if (/^(yes|no|on|off|y|n)$/i.test(raw)) throw new YamlError(`quote ${raw}: YAML 1.1 reads it as a boolean`, 0);
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(raw)) return Number(raw.replace(/_/g, ""));
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]+([eE][-+][0-9]+)?$/.test(raw)) return Number(raw.replace(/_/g, ""));
  return raw;
}
