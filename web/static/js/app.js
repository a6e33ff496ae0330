// The storefront: hash routes (#/product/RMC) rendered into <main>, header and notices.

import { h, replace, focusHeading, whileBusy } from "./dom.js";
import * as shop from "./shop.js";
import { userName, setWayBack } from "./state.js";
import { goThenNotify, clearNotice, failed } from "./notice.js";
import { listView, productView, searchView } from "./views/catalogue.js";
import { cartView } from "./views/cart.js";
import { checkoutView } from "./views/checkout.js";
import { loginView, registerView, ordersView } from "./views/account.js";

const main = document.getElementById("main");

const SEARCH = /^\/search\/(.+)$/;
const ACCOUNT_FORMS = /^\/(login|register)$/;

const routes = [
  [/^\/?$/, (page) => listView(page, null)],
  [/^\/category\/(.+)$/, (page, name) => listView(page, name)],
  [/^\/product\/(.+)$/, (page, sku) => productView(page, sku)],
  [SEARCH, (page, text) => searchView(page, text)],
  [/^\/cart$/, (page) => cartView(page)],
  [/^\/checkout$/, (page) => checkoutView(page)],
  [/^\/login$/, (page) => loginView(page)],
  [/^\/register$/, (page) => registerView(page)],
  [/^\/orders$/, (page) => ordersView(page)],
];

// Each route renders into a page of its own inside <main>. A view still waiting for the
// API when the shopper moves on finishes into its page, which is no longer shown, so a
// slow answer can never cover the page the shopper went to. A view still waiting after
// LOADING_MS says so.
// After a route change, focus moves to the new view's heading; on first load it stays
// put, so that the first Tab reaches the skip link.
const LOADING_MS = 150;

async function route(event) {
  const path = location.hash.replace(/^#/, "") || "/";
  clearNotice();
  showQuery(path);
  rememberWayBack(path, event);
  const page = h("div", { class: "page", "aria-busy": "true" });
  replace(main, page);
  const loading = setTimeout(() => {
    if (!page.childElementCount) replace(page, h("p", { class: "loading", role: "status" }, "Loading…"));
  }, LOADING_MS);
  try {
    await render(page, path);
  } finally {
    clearTimeout(loading);
    page.removeAttribute("aria-busy");
  }
  if (event && page.isConnected) {
    focusHeading(page);
    window.scrollTo(0, 0);
  }
}

async function render(page, path) {
  for (const [pattern, view] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    try {
      await view(page, ...match.slice(1).map(decodeURIComponent));
    } catch (error) {
      const message = error instanceof URIError ? "That address is not a page of the shop." : failed(error);
      replace(page, h("h1", {}, "Sorry"), h("p", {}, message, " ", h("a", { href: "#/" }, "Back to the shop")));
    }
    return;
  }
  replace(page, h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "#/" }, "Back to the shop")));
}

// A shopper who goes from the checkout to log in or register comes back to the checkout.
function rememberWayBack(path, event) {
  if (!ACCOUNT_FORMS.test(path)) {
    setWayBack(null);
    return;
  }
  const from = event?.oldURL ? new URL(event.oldURL).hash.replace(/^#/, "") : "";
  if (from === "/checkout") setWayBack("#/checkout");
}

// The search box holds the query of the results shown, and is empty on every other page.
function showQuery(path) {
  const match = SEARCH.exec(path);
  let text = "";
  try {
    text = match ? decodeURIComponent(match[1]) : "";
  } catch {
    // A hand-typed %-sequence that isn't UTF-8: the route reports it.
  }
  document.getElementById("search-text").value = text;
}

function renderAccountLinks() {
  const slot = document.getElementById("account-links");
  const name = userName();
  if (name) {
    replace(
      slot,
      h("a", { href: "#/orders" }, "Orders"),
      h("span", { class: "who", title: name }, `Hi, ${name}`),
      h("button", { type: "button", class: "link", onClick: (event) => whileBusy(event.currentTarget, signOut) }, "Log out"),
    );
  } else {
    replace(slot, h("a", { href: "#/login" }, "Log in"), h("a", { href: "#/register" }, "Register"));
  }
}

async function signOut() {
  await shop.logout().catch(() => {});
  renderAccountLinks();
  goThenNotify("#/", "You are logged out.");
}

async function renderCategories() {
  const list = document.getElementById("category-list");
  try {
    const names = await shop.categories();
    replace(
      list,
      h("li", {}, h("a", { href: "#/" }, "All robots")),
      names.map((name) => h("li", {}, h("a", { href: `#/category/${encodeURIComponent(name)}` }, name))),
    );
  } catch {
    // The product list reports the outage; the bar keeps "All robots".
  }
}

function watchCart() {
  const badge = document.getElementById("cart-count");
  const link = document.getElementById("cart-link");
  shop.onCartChange((cart) => {
    const count = shop.robotCount(cart);
    badge.textContent = String(count);
    link.setAttribute("aria-label", `Cart, ${count} item${count === 1 ? "" : "s"}`);
  });
}

function wireSearch() {
  const form = document.getElementById("search-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = form.elements.q.value.trim();
    if (text) location.hash = `#/search/${encodeURIComponent(text)}`;
  });
}

function wireSkipLink() {
  // A plain #main link would be taken for a route.
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
}

window.addEventListener("hashchange", route);
wireSkipLink();
window.addEventListener("roboshop:account", renderAccountLinks);
watchCart();
wireSearch();
renderAccountLinks();
renderCategories();
shop.cart().catch(() => {});
route(null);
