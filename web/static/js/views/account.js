// Register, log in, and the order history of the logged-in shopper.

import { h, replace, money } from "../dom.js";
import * as shop from "../shop.js";
import { ApiError } from "../api.js";
import { userName } from "../state.js";
import { goThenNotify, notify, report } from "../notice.js";

function field(id, label, attrs) {
  return [h("label", { for: id }, label), h("input", { id, name: id, required: true, ...attrs })];
}

function accountChanged() {
  window.dispatchEvent(new Event("roboshop:account"));
}

function welcome() {
  accountChanged();
  goThenNotify("#/", `Welcome, ${userName()}! Your cart came with you.`);
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
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await logIn(form.elements.name.value.trim(), form.elements.password.value);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) notify("That user name and password don't match. Please try again.");
      else report(error);
    }
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
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { name, email, password } = form.elements;
    try {
      await shop.register(name.value.trim(), email.value.trim(), password.value);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) notify("That user name is taken. Please choose another.");
      else report(error);
      return;
    }
    welcome();
  });
  replace(main, h("h1", {}, "Create an account"), form, h("p", {}, "Have an account? ", h("a", { href: "#/login" }, "Log in.")));
}

function statusBadge(status) {
  const known = status === "dispatched" ? "dispatched" : "placed";
  return h("span", { class: `status ${known}` }, status || "placed");
}

function order(entry) {
  const robots = (entry.cart?.items || []).filter((item) => item.sku !== shop.SHIPPING_SKU);
  return h("li", { class: "order-card", "data-order": entry.orderid },
    h("p", {}, h("strong", {}, "Order "), h("code", {}, entry.orderid), " ", statusBadge(entry.status)),
    h("ul", {}, robots.map((item) => h("li", {}, `${item.qty} × ${item.name}`))),
    h("p", {}, `Total ${money(entry.cart?.total)}`),
  );
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
  const refresh = h("button", { type: "button", onClick: () => ordersView(main) }, "Refresh");
  replace(
    main,
    h("h1", {}, "Your orders"),
    orders.length
      ? h("ol", { class: "orders", reversed: true }, [...orders].reverse().map(order))
      : h("p", { class: "empty" }, "No orders yet."),
    h("p", {}, refresh),
  );
}
