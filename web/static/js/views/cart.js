// The cart: lines with quantity changes, the shipping line, the total and its VAT.

import { h, replace, money, imageFor, whileBusy } from "../dom.js";
import * as shop from "../shop.js";
import { notify, report } from "../notice.js";
import { isStockRefusal, stockRefusal } from "./catalogue.js";

export function totals(cart) {
  return h(
    "dl",
    { class: "totals" },
    h("dt", {}, "Total"),
    h("dd", { class: "total", id: "cart-total" }, money(cart.total)),
    h("dt", {}, "of which VAT (20 %)"),
    h("dd", { id: "cart-tax" }, money(cart.tax)),
  );
}

function quantityInput(item, main) {
  const id = `qty-${item.sku}`;
  const input = h("input", { id, type: "number", min: 0, value: item.qty, inputmode: "numeric", class: "qty" });
  input.addEventListener("change", async () => {
    const qty = Number(input.value);
    if (!Number.isInteger(qty) || qty < 0) {
      notify("Quantities are whole numbers; 0 removes the robot.");
      input.value = String(item.qty);
      return;
    }
    await whileBusy(input, async () => {
      try {
        draw(main, await shop.update(item.sku, qty));
        notify(qty === 0 ? `${item.name} removed from your cart.` : `${item.name}: quantity ${qty}.`, "ok");
      } catch (error) {
        input.value = String(item.qty);
        if (isStockRefusal(error)) notify(stockRefusal(error, item.name));
        else report(error);
      }
    });
    document.getElementById(id)?.focus();
  });
  return [h("label", { for: id, class: "visually-hidden" }, `Quantity of ${item.name}`), input];
}

function line(item, main) {
  if (item.sku === shop.SHIPPING_SKU) {
    return h("tr", { class: "ship" }, h("td", {}), h("th", { scope: "row" }, item.name), h("td", {}, ""), h("td", { class: "num" }, money(item.subtotal)), h("td", {}));
  }
  const remove = h("button", {
    type: "button",
    class: "link",
    "aria-label": `Remove ${item.name}`,
    onClick: () => whileBusy(remove, async () => {
      try {
        draw(main, await shop.update(item.sku, 0));
        notify(`${item.name} removed from your cart.`, "ok");
      } catch (error) {
        report(error);
      }
    }),
  }, "Remove");
  return h(
    "tr",
    {},
    h("td", {}, h("img", { src: imageFor(item.sku), alt: "", width: 64, height: 48 })),
    h("th", { scope: "row" }, h("a", { href: `#/product/${encodeURIComponent(item.sku)}` }, item.name), h("div", { class: "unit" }, `${money(item.price)} each`)),
    h("td", {}, quantityInput(item, main)),
    h("td", { class: "num" }, money(item.subtotal)),
    h("td", {}, remove),
  );
}

function draw(main, cart) {
  const robots = cart.items.filter((item) => item.sku !== shop.SHIPPING_SKU);
  if (!robots.length) {
    replace(main, h("h1", {}, "Your cart"), h("p", { class: "empty" }, "Your cart is empty. ", h("a", { href: "#/" }, "Find a robot.")));
    return;
  }
  replace(
    main,
    h("h1", {}, "Your cart"),
    h("table", { class: "cart" },
      h("caption", { class: "visually-hidden" }, "Robots in your cart"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Picture")), h("th", { scope: "col" }, "Robot"), h("th", { scope: "col" }, "Quantity"), h("th", { scope: "col", class: "num" }, "Subtotal"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody", {}, cart.items.map((item) => line(item, main))),
    ),
    totals(cart),
    h("p", { class: "actions" }, h("a", { href: "#/", class: "button" }, "Keep shopping"), h("a", { href: "#/checkout", class: "button primary" }, "Checkout")),
  );
}

export async function cartView(main) {
  document.title = "Cart · RoboShop";
  draw(main, await shop.cart());
}
