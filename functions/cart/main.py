"""cart: shopping carts in Redis, priced from the catalogue, 20 % VAT included."""

from __future__ import annotations

import functions_framework
from flask import Request, Response, request

from cart import carts, inputs, order_events, products, store
from cart.carts import Cart
from kit import ApiError, FunctionApp, counter, events, json_body, sessions, stores

app = FunctionApp("cart", dependencies=[stores.redis])
items_added = counter("items_added", "Units of products added to carts.")


def require_owned(cart_id: str) -> None:
    """400 for a malformed cart id; 401/403 for a registered user's cart without their session."""
    inputs.cart_id(cart_id)
    sessions.require_owner(request, cart_id)


def no_cart(cart_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no cart {cart_id}")


def existing(cart: Cart | None, cart_id: str) -> Cart:
    if cart is None:
        raise no_cart(cart_id)
    return cart


@app.route("/cart/<cart_id>")
def get_cart(cart_id: str) -> Cart:
    require_owned(cart_id)
    return carts.public(existing(store.load(cart_id), cart_id))


@app.route("/cart/<cart_id>", methods=["DELETE"])
def delete_cart(cart_id: str) -> Response:
    require_owned(cart_id)

    def remove(current: list[Cart | None]) -> list[Cart | None]:
        existing(current[0], cart_id)
        return [None]

    unless_held([cart_id], remove)
    return Response("OK", content_type="text/plain; charset=utf-8")


@app.route("/add/<cart_id>/<sku>/<qty>")
def add(cart_id: str, sku: str, qty: str) -> Cart:
    require_owned(cart_id)
    count = inputs.qty(qty, minimum=1)

    def put(product: products.Product) -> Cart:
        return store.add(cart_id, product.sku, product.name, product.price, count, product.instock)

    try:
        stored = products.within_stock(inputs.sku(sku), put)
    except carts.TooMany:
        raise ApiError(
            400, "invalid_qty", f"at most {carts.MAX_LINE_QTY} of one product in a cart"
        ) from None
    items_added.inc(count)
    return carts.public(stored)


@app.route("/update/<cart_id>/<sku>/<qty>")
def update(cart_id: str, sku: str, qty: str) -> Cart:
    require_owned(cart_id)
    count = inputs.qty(qty, minimum=0)
    line = inputs.line_sku(sku, count)

    def set_qty(current: list[Cart | None]) -> list[Cart | None]:
        try:
            return [carts.update(existing(current[0], cart_id), line, count)]
        except carts.LineMissing:
            raise ApiError(404, "not_found", f"no {line} in cart {cart_id}") from None

    def within(product: products.Product) -> list[Cart | None]:
        carts.check_line(line, count, product.instock)
        return unless_held([cart_id], set_qty)

    if count == 0:
        return carts.public(existing(unless_held([cart_id], set_qty)[0], cart_id))
    # The new quantity is known before the change, so the stock is checked before it too.
    return carts.public(existing(products.within_stock(line, within)[0], cart_id))


@app.route("/shipping/<cart_id>", methods=["POST"])
def shipping(cart_id: str) -> Cart:
    """Shipping's alone (nginx never forwards it): the line it priced from a real city."""
    require_owned(cart_id)
    location, cost = inputs.shipping(json_body(request))

    def ship(current: list[Cart | None]) -> list[Cart | None]:
        return [carts.with_shipping(existing(current[0], cart_id), location, cost)]

    return carts.public(existing(store.change([cart_id], ship)[0], cart_id))


@app.route("/rename/<source>/<target>")
def rename(source: str, target: str) -> Cart:
    require_owned(source)
    require_owned(target)
    if source == target:
        raise ApiError(400, "invalid_id", "a cart can't be renamed to itself")

    def move(current: list[Cart | None]) -> list[Cart | None]:
        return [None, carts.merge(current[1], existing(current[0], source))]

    return carts.public(existing(unless_held([source, target], move)[1], target))


def unless_held(cart_ids: list[str], compute: store.Change) -> list[Cart | None]:
    """The shopper's change, refused 409 while a cart is held: the held cart is the order's."""
    try:
        return store.change(cart_ids, compute, unless_held=True)
    except store.Held as held:
        raise checked_out(held.cart_id, held.orderid, "is being checked out") from None


@app.route("/checkout/<cart_id>", methods=["POST"])
def checkout(cart_id: str) -> Cart:
    """Payment's alone (nginx never forwards it): the cart, held for one order.

    A cart is checked out at most once: while it is held for one order (until
    that order's event clears it), holding it for another is 409.
    """
    require_owned(cart_id)
    orderid = inputs.order_id(json_body(request))
    hold = store.hold_for_checkout(cart_id, orderid)
    if hold.cart is not None:
        return carts.public(hold.cart)
    if hold.held_by is not None:
        raise checked_out(cart_id, hold.held_by, "is already being checked out")
    if hold.emptied_by is not None:
        # A second checkout that lost the race to an order which has emptied the cart.
        raise checked_out(cart_id, hold.emptied_by, "was just checked out")
    raise no_cart(cart_id)


def checked_out(cart_id: str, orderid: str, how: str) -> ApiError:
    return ApiError(
        409,
        "checkout_in_progress",
        f"cart {cart_id} {how} as order {orderid}",
        fields={"orderid": orderid},
    )


@app.route("/checkout/<cart_id>/<orderid>", methods=["DELETE"])
def release_checkout(cart_id: str, orderid: str) -> tuple[str, int]:
    """Payment's alone: the order did not happen, so the cart is free again."""
    require_owned(cart_id)
    store.release_checkout(cart_id, orderid)
    return "", 204


events.route(app, "/events/order-placed", events.ORDER_PLACED, order_events.placed)


@functions_framework.http
def cart(req: Request) -> Response:
    return app(req)
