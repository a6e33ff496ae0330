// Browsing: product lists (all, by category, search hits) and the product page.

import { h, replace, money, imageFor, whileBusy } from "../dom.js";
import * as shop from "../shop.js";
import { ApiError } from "../api.js";
import { notify, report } from "../notice.js";

// Low enough that the shopper should know how many there are.
const LOW_STOCK = 5;

function stockText(instock) {
  if (instock <= 0) return "Out of stock";
  if (instock < LOW_STOCK) return `Only ${instock} in stock`;
  return "In stock";
}

// The sentence for a line the cart refused beyond the stock (409 out_of_stock).
export function stockRefusal(error, name) {
  if (error.left === null || error.left <= 0) return `Sorry, ${name} is out of stock right now.`;
  return `Sorry, only ${error.left} of ${name} ${error.left === 1 ? "is" : "are"} in stock.`;
}

export function isStockRefusal(error) {
  return error instanceof ApiError && error.code === "out_of_stock";
}

function card(product) {
  const href = `#/product/${encodeURIComponent(product.sku)}`;
  return h(
    "li",
    { class: "card" },
    h("a", { href, class: "card-link" },
      h("img", { src: imageFor(product.sku), alt: `Drawing of ${product.name}`, width: 240, height: 180, loading: "lazy" }),
      h("span", { class: "card-name" }, product.name),
    ),
    h("p", { class: "card-meta" },
      h("span", { class: "price" }, money(product.price)),
      h("span", { class: product.instock > 0 ? "stock" : "stock out" }, stockText(product.instock)),
    ),
  );
}

function grid(items) {
  if (!items.length) return h("p", { class: "empty" }, "No robots found.");
  return h("ul", { class: "grid", "aria-label": "Products" }, items.map(card));
}

export async function listView(main, category) {
  const items = category ? await shop.inCategory(category) : await shop.products();
  const title = category || "All robots";
  document.title = `${title} · RoboShop`;
  replace(
    main,
    h("h1", {}, title),
    category ? null : h("p", { class: "lead" }, "Robots for every job, drawn by us, shipped from our warehouse."),
    grid(items),
  );
}

export async function searchView(main, text) {
  const items = await shop.search(text);
  document.title = `Search: ${text} · RoboShop`;
  replace(
    main,
    h("h1", {}, `Search results for “${text}”`),
    h("p", { class: "lead", role: "status" }, `${items.length} robot${items.length === 1 ? "" : "s"} found.`),
    grid(items),
  );
}

function stars(value) {
  const full = Math.round(value);
  return "★".repeat(full) + "☆".repeat(5 - full);
}

function countText(count) {
  return `${count} rating${count === 1 ? "" : "s"}`;
}

function ratingLine(summary) {
  if (!summary) return h("p", { class: "rating", id: "rating-summary" }, "Ratings are unavailable right now.");
  if (!summary.rating_count) return h("p", { class: "rating", id: "rating-summary" }, "Not rated yet. Be the first!");
  const avg = Number(summary.avg_rating).toFixed(1);
  return h(
    "p",
    { class: "rating", id: "rating-summary" },
    h("span", { "aria-hidden": "true", class: "stars" }, stars(summary.avg_rating)),
    ` ${avg} out of 5 from ${countText(summary.rating_count)}`,
  );
}

function averageText(summary) {
  if (!summary) return "";
  if (!summary.rating_count) return "No ratings yet";
  return `Average ${Number(summary.avg_rating).toFixed(1)} from ${countText(summary.rating_count)}`;
}

// One Tab stop for the five stars (the shopper's own score, else the first): arrow keys,
// Home and End move between them as in a radio group; Enter or Space votes.
const STEPS = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1 };

function moveFocus(event, buttons, index) {
  let next = index + (STEPS[event.key] || 0);
  if (event.key === "Home") next = 0;
  if (event.key === "End") next = buttons.length - 1;
  if (next === index || next < 0 || next >= buttons.length) return;
  event.preventDefault();
  rove(buttons, next);
  buttons[next].focus();
}

function rove(buttons, index) {
  buttons.forEach((button, at) => {
    button.tabIndex = at === index ? 0 : -1;
  });
}

// The shopper's own score fills its stars and presses its button; the average stays beside it.
function ratingWidget(sku, summary, summaryNode) {
  const status = h("p", { class: "vote-status", role: "status" });
  const average = h("span", { class: "vote-average", id: "vote-average" });
  const buttons = [1, 2, 3, 4, 5].map((score) =>
    h("button", {
      type: "button",
      class: "star",
      "aria-label": `Rate ${score} out of 5`,
      title: `${score} out of 5`,
      onClick: () => vote(score),
      onKeydown: (event) => moveFocus(event, buttons, score - 1),
    }),
  );
  const show = (mine, current) => {
    buttons.forEach((button, index) => {
      button.classList.toggle("filled", mine !== null && index < mine);
      button.setAttribute("aria-pressed", String(index + 1 === mine));
    });
    if (!buttons.some((button) => button === document.activeElement)) rove(buttons, mine ? mine - 1 : 0);
    average.textContent = averageText(current);
  };
  let voting = false;
  const vote = async (score) => {
    if (voting) return; // one vote in flight at a time
    voting = true;
    row.setAttribute("aria-busy", "true");
    try {
      await shop.rate(sku, score);
    } catch (error) {
      report(error);
      return;
    } finally {
      voting = false;
      row.removeAttribute("aria-busy");
    }
    const current = await shop.rating(sku).catch(() => null);
    status.textContent = `Thank you! You rated it ${score} out of 5.`;
    const line = ratingLine(current);
    summaryNode.replaceWith(line);
    summaryNode = line;
    show(score, current);
  };
  const row = h("div", { class: "stars-input", role: "group", "aria-label": "Stars" }, buttons);
  const mine = shop.ownScore(sku);
  status.textContent = mine ? `You rated it ${mine} out of 5.` : "Choose from 1 to 5 stars.";
  show(mine, summary);
  return h(
    "fieldset",
    { class: "vote" },
    h("legend", {}, "Your rating"),
    h("div", { class: "star-row" }, row, average),
    status,
  );
}

function buyForm(product, stockLine) {
  if (product.instock <= 0) {
    return h("p", { class: "out", role: "status" }, "This robot is out of stock. Check back soon!");
  }
  const qty = h("input", { id: "qty", name: "qty", type: "number", min: 1, max: product.instock, value: 1, inputmode: "numeric", required: true });
  const add = h("button", { type: "submit", class: "primary" }, "Add to cart");
  const form = h("form", { class: "buy" }, h("label", { for: "qty" }, "Quantity"), qty, add);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const count = Number(qty.value);
    if (!Number.isInteger(count) || count < 1) {
      notify("Please choose a quantity of 1 or more.");
      return;
    }
    whileBusy(add, async () => {
      try {
        await shop.add(product.sku, count);
        notify(`Added ${count} × ${product.name} to your cart.`, "ok");
      } catch (error) {
        if (!isStockRefusal(error)) {
          report(error);
          return;
        }
        notify(stockRefusal(error, product.name));
        if (error.left !== null) {
          // The page shows the stock the cart was refused by, not the one it was loaded with.
          stockLine.textContent = stockText(error.left);
          stockLine.className = error.left > 0 ? "stock" : "stock out";
          qty.max = String(Math.max(error.left, 1));
        }
      }
    });
  });
  return form;
}

export async function productView(main, sku) {
  let product;
  try {
    product = await shop.product(sku);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      replace(main, h("h1", {}, "No such robot"), h("p", {}, "We don't sell a robot with that code. ", h("a", { href: "#/" }, "See all robots.")));
      return;
    }
    throw error;
  }
  const summary = await shop.rating(sku).catch(() => null);
  document.title = `${product.name} · RoboShop`;
  const summaryNode = ratingLine(summary);
  const stockLine = h("p", { class: product.instock > 0 ? "stock" : "stock out" }, stockText(product.instock));
  replace(
    main,
    h("article", { class: "product" },
      h("img", { class: "hero", src: imageFor(product.sku), alt: `Drawing of ${product.name}`, width: 480, height: 360 }),
      h("div", { class: "details" },
        h("h1", {}, product.name),
        h("p", { class: "price big" }, money(product.price)),
        stockLine,
        summaryNode,
        h("p", { class: "description" }, product.description),
        buyForm(product, stockLine),
        ratingWidget(product.sku, summary, summaryNode),
        h("p", { class: "tags" }, (product.categories || []).map((c) => h("a", { href: `#/category/${encodeURIComponent(c)}`, class: "tag" }, c))),
      ),
    ),
  );
}
