// Checkout: where to ship (country, then a city found as you type), its cost, then payment.

import { h, replace, money } from "../dom.js";
import * as shop from "../shop.js";
import { ApiError } from "../api.js";
import { userName } from "../state.js";
import { notify, report } from "../notice.js";
import { totals } from "./cart.js";

const DEBOUNCE_MS = 300;
const MIN_CHARS = 3;

function hasShipping(cart) {
  return cart.items.some((item) => item.sku === shop.SHIPPING_SKU);
}

function payFailure(error) {
  if (!(error instanceof ApiError)) return "Something went wrong. Please try again.";
  if (error.status === 402) return "Your payment was declined. Nothing was charged; please try again or use another payment method.";
  if (error.status === 400) return "Your order can't be paid yet: please check the cart and choose where to ship it.";
  if (error.status === 502 && error.code !== "bad_gateway") return "The payment service failed to answer. Nothing was charged; please try again.";
  if (error.status === 503 || error.status === 502) return "The shop is unavailable right now. No order was placed and nothing was charged; please try again in a moment.";
  if (error.status === 0 || error.status === 504) return "We lost the connection while paying. Press Pay again: you will not be charged twice.";
  return error.message;
}

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
      replace(results, choices(found).map(({ place, hint }) => h("li", {}, h("button", { type: "button", class: "choice", onClick: () => onChoose(place, country) }, h("span", { class: "choice-name" }, place.name), hint && h("span", { class: "choice-hint" }, ` (${hint})`)))));
    } catch (error) {
      if (ticket === asked) report(error);
    }
  }

  country.addEventListener("change", () => {
    city.disabled = !country.value;
    city.value = "";
    replace(results);
    if (country.value) city.focus();
  });
  city.addEventListener("input", () => {
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
      replace(
        quote,
        h("p", {}, `Shipping to ${location}: ${distance} km from our warehouse, `, h("strong", { id: "ship-cost" }, money(cost)), "."),
        h("button", {
          type: "button",
          class: "primary",
          onClick: async () => {
            try {
              // Only the city goes back: shipping computes the line itself, so it can't be forged.
              onShipped(await shop.confirmShipping({ uuid: place.uuid }));
            } catch (error) {
              report(error);
            }
          },
        }, "Confirm shipping"),
      );
    } catch (error) {
      report(error);
    }
  };
  return h("section", { class: "step", "aria-labelledby": "ship-title" }, h("h2", { id: "ship-title" }, "1. Where should we ship?"), citySearch(choose), quote);
}

function paymentStep(main, cart) {
  const ship = cart.items.find((item) => item.sku === shop.SHIPPING_SKU);
  const button = h("button", { type: "button", class: "primary", id: "pay" }, `Pay ${money(cart.total)}`);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const { orderid } = await shop.pay(cart);
      done(main, orderid);
    } catch (error) {
      notify(payFailure(error));
      button.disabled = false;
    }
  });
  return h("section", { class: "step", "aria-labelledby": "pay-title" },
    h("h2", { id: "pay-title" }, "2. Pay"),
    h("p", {}, ship.name),
    totals(cart),
    button,
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
  main.focus();
}

export async function checkoutView(main) {
  document.title = "Checkout · RoboShop";
  const cart = await shop.cart();
  if (!cart.items.some((item) => item.sku !== shop.SHIPPING_SKU)) {
    replace(main, h("h1", {}, "Checkout"), h("p", { class: "empty" }, "Your cart is empty. ", h("a", { href: "#/" }, "Find a robot.")));
    return;
  }
  const payment = h("div", { id: "payment" });
  const showPayment = (current) => {
    replace(payment, hasShipping(current) ? paymentStep(main, current) : null);
    if (hasShipping(current)) document.getElementById("pay")?.focus();
  };
  replace(main, h("h1", {}, "Checkout"), shippingStep(showPayment), payment);
  showPayment(cart);
}
