// Register, log in, and the order history of the logged-in shopper.

import { h, replace, money, whileBusy } from "../dom.js";
import * as shop from "../shop.js";
import { ApiError } from "../api.js";
import { awaitedOrders, setAwaitedOrders, userName, wayBack } from "../state.js";
import { goThenNotify, notify, report } from "../notice.js";

function field(id, label, attrs) {
  return [h("label", { for: id }, label), h("input", { id, name: id, required: true, ...attrs })];
}

function accountChanged() {
  window.dispatchEvent(new Event("roboshop:account"));
}

// Back to where the shopper came from (the checkout), else to the shop.
function welcome() {
  accountChanged();
  goThenNotify(wayBack(), `Welcome, ${userName()}! Your cart came with you.`);
}

async function logIn(name, password) {
  await shop.login(name, password);
  welcome();
}

export function loginView(main) {
  document.title = "Log in · RoboShop";
  const form = h("form", { class: "account-form", novalidate: false },
    field("name", "User name", { autocomplete: "username" }),
    field("password", "Password", { type: "password", autocomplete: "current-password" }),
    h("button", { type: "submit", class: "primary" }, "Log in"),
  );
  const submit = form.querySelector("button[type=submit]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    whileBusy(submit, async () => {
      try {
        await logIn(form.elements.name.value.trim(), form.elements.password.value);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) notify("That user name and password don't match. Please try again.");
        else report(error);
      }
    });
  });
  replace(main, h("h1", {}, "Log in"), form, h("p", {}, "New here? ", h("a", { href: "#/register" }, "Create an account.")));
}

export function registerView(main) {
  document.title = "Register · RoboShop";
  const form = h("form", { class: "account-form" },
    field("name", "User name", { autocomplete: "username", maxlength: 64, pattern: "[A-Za-z0-9._\\-]+", "aria-describedby": "name-help" }),
    h("p", { id: "name-help", class: "help" }, "Letters, digits, dot, dash and underscore."),
    field("email", "Email", { type: "email", autocomplete: "email" }),
    field("password", "Password", { type: "password", autocomplete: "new-password", minlength: 8, "aria-describedby": "password-help" }),
    h("p", { id: "password-help", class: "help" }, "At least 8 characters."),
    h("button", { type: "submit", class: "primary" }, "Register"),
  );
  const submit = form.querySelector("button[type=submit]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const { name, email, password } = form.elements;
    whileBusy(submit, async () => {
      try {
        await shop.register(name.value.trim(), email.value.trim(), password.value);
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) notify("That user name is taken. Please choose another.");
        else report(error);
        return;
      }
      welcome();
    });
  });
  replace(main, h("h1", {}, "Create an account"), form, h("p", {}, "Have an account? ", h("a", { href: "#/login" }, "Log in.")));
}

const STATUSES = new Set(["placed", "paid", "dispatched", "cancelled"]);
// An order not yet dispatched (or cancelled) is looked at again this often while shown.
const WATCH_MS = 2000;

// A cancelled order's reason (a code from the order events) as the shopper reads it.
const REASONS = {
  out_of_stock: "A robot in it sold out before it could be set aside. Nothing was charged.",
  payment_declined: "The card payment was declined. Nothing was charged.",
  authorisation_lapsed: "The card authorisation ran out before the payment was taken. Nothing was charged.",
};

function statusBadge(status) {
  const known = STATUSES.has(status) ? status : "placed";
  return h("span", { class: `status ${known}` }, status || "placed");
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

function placedText(entry) {
  const placed = entry.placed ? new Date(entry.placed) : null;
  return placed && !Number.isNaN(placed.getTime()) ? `Placed ${when.format(placed)}` : null;
}

function destinationText(entry) {
  return entry.destination ? `To ${entry.destination}` : null;
}

function reasonText(entry) {
  if (entry.status !== "cancelled") return null;
  return REASONS[entry.reason] || "This order was cancelled. Nothing of it was shipped.";
}

function line(item) {
  const what = item.sku === shop.SHIPPING_SKU ? item.name.replace(/^shipping/, "Shipping") : `${item.qty} × ${item.name}`;
  return h("li", {}, `${what}: ${money(item.subtotal ?? item.price)}`);
}

function order(entry) {
  const items = entry.cart?.items || [];
  // The robots first, then the shipping line, as the cart shows them.
  const lines = [...items.filter((item) => item.sku !== shop.SHIPPING_SKU), ...items.filter((item) => item.sku === shop.SHIPPING_SKU)];
  const facts = [placedText(entry), destinationText(entry)].filter(Boolean);
  const reason = reasonText(entry);
  return h("li", { class: "order-card", "data-order": entry.orderid },
    h("p", {}, h("strong", {}, "Order "), h("code", {}, entry.orderid), " ", statusBadge(entry.status)),
    facts.length ? h("p", { class: "order-facts" }, facts.join(" · ")) : null,
    h("ul", { class: "order-lines" }, lines.map(line)),
    reason ? h("p", { class: "reason" }, reason) : null,
    h("p", {}, `Total ${money(entry.cart?.total)}`),
  );
}

function settled(entry) {
  return entry.status === "dispatched" || entry.status === "cancelled";
}

function drawOrders(main, shown) {
  const more = shown.more
    ? h("button", { type: "button", class: "older", onclick: (event) => whileBusy(event.currentTarget, () => showOlder(main, shown)) }, "Show older orders")
    : null;
  const coming = stillAwaited(shown.orders).length;
  replace(
    main,
    h("h1", {}, "Your orders"),
    coming ? h("p", { class: "coming", role: "status" }, coming === 1 ? "Your new order shows here in a moment." : `Your ${coming} new orders show here in a moment.`) : null,
    shown.orders.length
      ? h("ol", { class: "orders", reversed: true, "aria-live": "polite" }, shown.orders.map(order))
      : coming ? null : h("p", { class: "empty" }, "No orders yet."),
    more,
  );
}

// The next page of history below the orders shown.
async function showOlder(main, shown) {
  let older;
  try {
    older = await shop.history(shown.orders.length);
  } catch (error) {
    report(error);
    return;
  }
  const known = new Set(shown.orders.map((entry) => entry.orderid));
  shown.orders = [...shown.orders, ...older.filter((entry) => !known.has(entry.orderid))];
  shown.more = older.length === shop.HISTORY_PAGE;
  drawOrders(main, shown);
  main.querySelector(".older")?.focus();
}

// The newest orders as the history has them now, the older ones shown as they were: the
// orders on their way are the newest, so the first page holds them.
function merged(orders, fresh) {
  const byId = new Set(fresh.map((entry) => entry.orderid));
  return [...fresh, ...orders.filter((entry) => !byId.has(entry.orderid))];
}

// Paid orders the history doesn't hold yet (their event is on the way); those it holds now
// are no longer awaited.
function stillAwaited(orders) {
  const listed = new Set(orders.map((entry) => entry.orderid));
  const awaited = awaitedOrders().filter((id) => !listed.has(id));
  setAwaitedOrders(awaited);
  return awaited;
}

// The list follows its orders by itself while one is on its way (no Refresh to press),
// and stops asking once every order paid shows and is dispatched or cancelled.
function watch(main, shown) {
  if (shown.orders.every(settled) && !stillAwaited(shown.orders).length) return;
  setTimeout(async () => {
    if (!main.isConnected) return;
    let fresh;
    try {
      fresh = merged(shown.orders, await shop.history());
    } catch (error) {
      // A session that ended or changed hands: nothing more to follow on this page.
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return;
      fresh = shown.orders; // the shop is unavailable for a moment: ask again at the next tick
    }
    if (!main.isConnected) return;
    if (JSON.stringify(fresh) !== JSON.stringify(shown.orders)) {
      shown.orders = fresh;
      const focused = document.activeElement && main.contains(document.activeElement);
      drawOrders(main, shown);
      if (focused) main.querySelector("h1")?.focus({ preventScroll: true });
    }
    watch(main, shown);
  }, WATCH_MS);
}

export async function ordersView(main) {
  document.title = "Your orders · RoboShop";
  if (!userName()) {
    replace(main, h("h1", {}, "Your orders"), h("p", {}, h("a", { href: "#/login" }, "Log in"), " to see your orders."));
    return;
  }
  let orders;
  try {
    orders = await shop.history();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await shop.logout();
      accountChanged();
      replace(main, h("h1", {}, "Your orders"), h("p", {}, "Your session has ended. ", h("a", { href: "#/login" }, "Log in again.")));
      return;
    }
    report(error);
    orders = [];
  }
  const shown = { orders, more: orders.length === shop.HISTORY_PAGE };
  drawOrders(main, shown);
  watch(main, shown);
}
