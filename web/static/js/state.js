// What the shop remembers in this browser, so a reload keeps the shopper's cart and login.

const KEYS = {
  anon: "roboshop.anonymous",
  anonItems: "roboshop.anonymousItems",
  session: "roboshop.session",
  pay: "roboshop.payKey",
  votes: "roboshop.votes",
  wayBack: "roboshop.wayBack",
  destination: "roboshop.destination",
  awaited: "roboshop.awaitedOrders",
};

function read(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

function write(key, value) {
  if (value === null || value === undefined) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(value));
}

export function anonymousId() {
  return read(KEYS.anon);
}

export function setAnonymousId(id) {
  write(KEYS.anon, id);
}

// How many robots the anonymous cart held when last seen; null when not known (yet).
export function anonymousItems() {
  const count = read(KEYS.anonItems);
  return Number.isInteger(count) ? count : null;
}

export function setAnonymousItems(count) {
  write(KEYS.anonItems, count);
}

// Once merged into a user's cart, the anonymous cart is gone: its id is never asked for again.
export function forgetAnonymousCart() {
  write(KEYS.anon, null);
  write(KEYS.anonItems, null);
}

export function session() {
  return read(KEYS.session) || {};
}

export function setSession(value) {
  write(KEYS.session, value);
}

export function userName() {
  return session().name || null;
}

// The cart belongs to the logged-in user, else to this browser's anonymous id.
export function cartId() {
  return userName() || anonymousId();
}

// The ratings API answers a robot's mean, not the shopper's own vote, so the shopper's
// own score on each robot is remembered here, in this browser.
function votes() {
  const found = read(KEYS.votes);
  return found && typeof found === "object" && !Array.isArray(found) ? found : {};
}

export function ownScore(sku) {
  const score = votes()[sku];
  return Number.isInteger(score) && score >= 1 && score <= 5 ? score : null;
}

export function setOwnScore(sku, score) {
  write(KEYS.votes, { ...votes(), [sku]: score });
}

// One key per checkout attempt: a retried payment is never charged twice.
export function paymentKey() {
  let key = read(KEYS.pay);
  if (!key) {
    key = uuid4();
    write(KEYS.pay, key);
  }
  return key;
}

export function forgetPaymentKey() {
  write(KEYS.pay, null);
}

// crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
function uuid4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The logged-in shopper's orders paid for but not yet in the history (the event on its way):
// the orders page follows the history until each shows. Another shopper's are not theirs.
export function awaitedOrders() {
  const found = read(KEYS.awaited);
  if (!found || found.user !== userName() || !Array.isArray(found.ids)) return [];
  return found.ids.filter((id) => typeof id === "string");
}

export function setAwaitedOrders(ids) {
  write(KEYS.awaited, ids.length ? { user: userName(), ids } : null);
}

// Where a login or registration returns to (this tab only), else the home page.
export function wayBack() {
  return sessionStorage.getItem(KEYS.wayBack) || "#/";
}

export function setWayBack(hash) {
  if (hash) sessionStorage.setItem(KEYS.wayBack, hash);
  else sessionStorage.removeItem(KEYS.wayBack);
}

// The city the cart is shipped to ({uuid}), so that a cart merged at login, which drops its
// shipping line, can be shipped there again.
export function destination() {
  const found = read(KEYS.destination);
  return found && (typeof found.uuid === "string" || Number.isInteger(found.uuid)) ? found : null;
}

export function setDestination(value) {
  write(KEYS.destination, value);
}
