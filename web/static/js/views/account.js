// Register, log in, and the order history of the logged-in shopper.

import { h, replace, money, whileBusy } from "../dom.js";
import * as shop from "../shop.js";
import { ApiError } from "../api.js";
import { userName, wayBack } from "../state.js";
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

function statusBadge(status) {
  const known = STATUSES.has(status) ? status : "placed";
  return h("span", { class: `status ${known}` }, status || "placed");
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

function placedText(entry) {
  const placed = entry.placed ? new Date(entry.placed) : null;
  return placed && !Number.isNaN(placed.getTime()) ? `Placed ${when.format(placed)}` : null;
}

// Where it goes: the order's own field where history has one, else its cart's shipping line.
function destinationText(entry) {
  const ship = (entry.cart?.items || []).find((item) => item.sku === shop.SHIPPING_SKU);
  const name = entry.destination || ship?.name?.replace(/^shipping to /, "");
  return name ? `To ${name}` : null;
}

function order(entry) {
  const robots = (entry.cart?.items || []).filter((item) => item.sku !== shop.SHIPPING_SKU);
  const facts = [placedText(entry), destinationText(entry)].filter(Boolean);
  return h("li", { class: "order-card", "data-order": entry.orderid },
    h("p", {}, h("strong", {}, "Order "), h("code", {}, entry.orderid), " ", statusBadge(entry.status)),
    facts.length ? h("p", { class: "order-facts" }, facts.join(" · ")) : null,
    h("ul", {}, robots.map((item) => h("li", {}, `${item.qty} × ${item.name}`))),
    entry.reason ? h("p", { class: "reason" }, entry.reason) : null,
    h("p", {}, `Total ${money(entry.cart?.total)}`),
  );
}

function settled(entry) {
  return entry.status === "dispatched" || entry.status === "cancelled";
}

function drawOrders(main, orders) {
  replace(
    main,
    h("h1", {}, "Your orders"),
    orders.length
      ? h("ol", { class: "orders", reversed: true, "aria-live": "polite" }, [...orders].reverse().map(order))
      : h("p", { class: "empty" }, "No orders yet."),
  );
}

// The list follows its orders by itself while one is on its way: no Refresh to press.
function watch(main, orders) {
  if (!orders.some((entry) => !settled(entry))) return;
  setTimeout(async () => {
    if (!main.isConnected) return;
    const fresh = await shop.history().catch(() => null);
    if (!fresh || !main.isConnected) return;
    const focused = document.activeElement && main.contains(document.activeElement);
    drawOrders(main, fresh);
    if (focused) main.querySelector("h1")?.focus({ preventScroll: true });
    watch(main, fresh);
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
  drawOrders(main, orders);
  watch(main, orders);
}
