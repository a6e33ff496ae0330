// Checkout: where to ship (country, then a city found as you type), its cost, then payment.

import { h, replace, money, whileBusy, focusHeading } from "../dom.js";
import * as shop from "../shop.js";
import { ApiError } from "../api.js";
import { userName } from "../state.js";
import { report } from "../notice.js";
import { totals } from "./cart.js";

const DEBOUNCE_MS = 300;
const MIN_CHARS = 3;

// Each sentence says what happened to the money and what to do next; the shop takes cards
// through one gateway, so there is no other way to pay to suggest.
function payFailure(error) {
  if (!(error instanceof ApiError)) return "Something went wrong. Nothing was charged; please try again.";
  if (error.status === 402) return "Your card was declined. Nothing was charged; please press Pay to try again.";
  if (error.status === 400) return "Your order can't be paid yet: please check the cart and choose where to ship it.";
  if (error.status === 409) return "This cart is already being paid for. Please wait a moment, then look at your orders or press Pay again.";
  if (error.status === 502 && error.code !== "bad_gateway") return "The payment service failed to answer. Nothing was charged; please try again.";
  if (error.status === 503 || error.status === 502) return "The shop is unavailable right now. No order was placed and nothing was charged; please try again in a moment.";
  if (error.status === 0 || error.status === 504) return "We lost the connection while paying. Press Pay again: you will not be charged twice.";
  return error.message;
}

// The country list keeps the native select's keyboard: typing picks the first country of
// those letters without moving focus, as often as the shopper types; the choice takes effect
// at once (City is enabled), and Enter moves on to City as Tab does.
function citySearch(onChoose) {
  const country = h("select", { id: "country", name: "country", required: true }, h("option", { value: "" }, "Choose a country"));
  const city = h("input", { id: "city", name: "city", type: "text", autocomplete: "off", disabled: true, "aria-describedby": "city-help", "aria-controls": "city-results" });
  const results = h("ul", { id: "city-results", class: "choices", "aria-label": "Matching cities" });
  const help = h("p", { id: "city-help", class: "help", role: "status" }, "Type at least 3 letters of the city.");
  let timer = 0;
  let asked = 0;

  async function lookUp() {
    const text = city.value.trim();
    const ticket = ++asked;
    replace(results);
    if (text.length < MIN_CHARS) {
      help.textContent = "Type at least 3 letters of the city.";
      return;
    }
    try {
      const found = await shop.matchCities(country.value, text);
      if (ticket !== asked) return; // a newer keystroke has its own answer coming
      help.textContent = matchesText(found.length);
      replace(results, choices(found).map(({ place, hint }) => h("li", {}, h("button", { type: "button", class: "choice", onClick: () => choose(place) }, h("span", { class: "choice-name" }, place.name), hint && h("span", { class: "choice-hint" }, ` (${hint})`)))));
    } catch (error) {
      if (ticket === asked) report(error);
    }
  }

  // The chosen city stays in the box, marked, and the list of others closes.
  function choose(place) {
    ++asked;
    clearTimeout(timer);
    city.value = place.name;
    city.classList.add("chosen");
    replace(results);
    help.textContent = `Chosen: ${place.name}. Type again to choose another city.`;
    onChoose(place, country);
  }

  country.addEventListener("change", () => {
    city.disabled = !country.value;
    city.value = "";
    city.classList.remove("chosen");
    replace(results);
  });
  country.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && country.value) {
      event.preventDefault();
      city.focus();
    }
  });
  city.addEventListener("input", () => {
    city.classList.remove("chosen");
    clearTimeout(timer);
    timer = setTimeout(lookUp, DEBOUNCE_MS);
  });
  shop.countries().then(
    (codes) => country.append(...codes.map((c) => h("option", { value: c.code }, c.name))),
    report,
  );
  return h("div", { class: "field-group" },
    h("label", { for: "country" }, "Country"), country,
    h("label", { for: "city" }, "City"), city, help, results);
}

function matchesText(count) {
  if (!count) return "No city found with that name.";
  return count === 1 ? "1 matching city." : `${count} matching cities, largest first.`;
}

const ORDINALS = ["", "2nd ", "3rd "];

// Cities come largest first. A name shown once needs nothing more; towns sharing a name are
// told apart by their size rank among them, then by GeoNames' region code, marked as a code.
function choices(found) {
  const seen = new Map();
  for (const place of found) seen.set(place.name, (seen.get(place.name) || 0) + 1);
  const ranks = new Map();
  return found.map((place) => {
    if (seen.get(place.name) === 1) return { place, hint: "" };
    const rank = (ranks.get(place.name) || 0) + 1;
    ranks.set(place.name, rank);
    const size = `${ORDINALS[rank - 1] ?? `${rank}th `}largest`;
    return { place, hint: place.region ? `${size}, region ${place.region}` : size };
  });
}

function shippingStep(onShipped) {
  const quote = h("div", { class: "quote", "aria-live": "polite" });
  const choose = async (place, country) => {
    try {
      const { distance, cost } = await shop.shippingCost(place.uuid);
      const countryName = country.selectedOptions[0]?.textContent || place.code;
      const location = `${place.name}, ${countryName}`;
      const confirm = h("button", { type: "button", class: "primary" }, "Confirm shipping");
      confirm.addEventListener("click", () => whileBusy(confirm, async () => {
        try {
          // Only the city goes back: shipping computes the line itself, so it can't be forged.
          onShipped(await shop.confirmShipping({ uuid: place.uuid }));
        } catch (error) {
          report(error);
        }
      }));
      replace(
        quote,
        h("p", {}, `Shipping to ${location}: ${distance} km from our warehouse, `, h("strong", { id: "ship-cost" }, money(cost)), "."),
        confirm,
      );
    } catch (error) {
      report(error);
    }
  };
  return h("section", { class: "step", "aria-labelledby": "ship-title" }, h("h2", { id: "ship-title" }, "1. Where should we ship?"), citySearch(choose), quote);
}

// What is being paid for, line by line, shipping included, above the total.
function summary(cart) {
  return h("table", { class: "summary" },
    h("caption", { class: "visually-hidden" }, "What you are paying for"),
    h("tbody", {}, cart.items.map((item) => item.sku === shop.SHIPPING_SKU
      ? h("tr", { class: "ship" }, h("th", { scope: "row" }, capitalised(item.name)), h("td", { class: "num" }, money(item.subtotal)))
      : h("tr", {}, h("th", { scope: "row" }, `${item.qty} × ${item.name}`), h("td", { class: "num" }, money(item.subtotal))))));
}

function capitalised(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// A failed payment is told beside the Pay button the shopper is looking at, read out at
// once, and focused, so the button never seems to do nothing.
function paymentStep(main, cart) {
  const button = h("button", { type: "button", class: "primary", id: "pay", "aria-describedby": "pay-error" }, `Pay ${money(cart.total)}`);
  const error = h("p", { id: "pay-error", class: "pay-error", role: "alert", tabindex: "-1", hidden: true });
  button.addEventListener("click", () => whileBusy(button, async () => {
    error.hidden = true;
    error.textContent = "";
    try {
      const { orderid } = await shop.pay(cart);
      done(main, orderid);
    } catch (failure) {
      error.textContent = payFailure(failure);
      error.hidden = false;
      error.focus();
    }
  }));
  return h("section", { class: "step", "aria-labelledby": "pay-title" },
    h("h2", { id: "pay-title" }, "2. Pay"),
    summary(cart),
    totals(cart),
    h("div", { class: "pay-row" }, button, error),
  );
}

function done(main, orderid) {
  document.title = "Thank you · RoboShop";
  replace(
    main,
    h("h1", {}, "Thank you for your order!"),
    h("p", { class: "order" }, "Your order number is ", h("strong", { id: "order-id" }, orderid), "."),
    userName()
      ? h("p", {}, "Follow it in ", h("a", { href: "#/orders" }, "your orders"), ": it is dispatched within moments.")
      : h("p", {}, "Keep the order number for your records. ", h("a", { href: "#/register" }, "Register"), " next time to follow your orders."),
    h("p", {}, h("a", { href: "#/", class: "button" }, "Back to the shop")),
  );
  focusHeading(main);
}

function accountHint() {
  if (userName()) return null;
  return h("p", { class: "lead" }, h("a", { href: "#/login" }, "Log in"), " or ", h("a", { href: "#/register" }, "register"), " to follow your order; your cart and destination come with you.");
}

export async function checkoutView(main) {
  document.title = "Checkout · RoboShop";
  const cart = await shop.cart();
  if (!cart.items.some((item) => item.sku !== shop.SHIPPING_SKU)) {
    replace(main, h("h1", {}, "Checkout"), h("p", { class: "empty" }, "Your cart is empty. ", h("a", { href: "#/" }, "Find a robot.")));
    return;
  }
  const payment = h("div", { id: "payment" });
  const showPayment = (current, { focus = true } = {}) => {
    replace(payment, shop.hasShipping(current) ? paymentStep(main, current) : null);
    if (focus && shop.hasShipping(current)) document.getElementById("pay")?.focus();
  };
  replace(main, h("h1", {}, "Checkout"), accountHint(), shippingStep(showPayment), payment);
  showPayment(cart, { focus: false });
}
