// Building DOM nodes from data: text is always set as text, never parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      node.className = value;
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

const euro = new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" });

export function money(amount) {
  return euro.format(Number(amount) || 0);
}

export function imageFor(sku) {
  return `/images/${encodeURIComponent(sku)}.svg`;
}

// A control whose request is in flight is disabled (and says so) until the answer is in:
// a second press can't send the request twice.
export async function whileBusy(control, work) {
  if (control.disabled) return undefined;
  control.disabled = true;
  control.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    control.disabled = false;
    control.removeAttribute("aria-busy");
  }
}

// After a route change (or a view that changes in place, as a paid checkout does), focus
// lands on the new view's heading, so a screen reader starts reading there.
export function focusHeading(container) {
  const title = container.querySelector("h1") || container;
  if (title !== container) title.tabIndex = -1;
  title.focus({ preventScroll: true });
}
