"""Stock taken by orders: reserved on order.placed, given back on order.cancelled.

Each line of an order takes its units with one conditional update of the product,
`{sku, instock >= qty, reserved_for not holding the order}`, that lowers `instock` and
adds the order id to `reserved_for` in the same step: MongoDB (and nx-27017) apply it to
the document atomically, so concurrent orders never take more than there is, and a
redelivered order finds its mark and takes nothing again. An order gets all its lines or
none: when one can't be had, what the others took is given back. Giving back is the same
kind of update the other way, marked in `returned_for`, so it happens once however often
it is asked for, and an order whose units were given back is never reserved again.

The marks are kept for good (two string arrays per product, an order id each): a demo
shop's order count fits a document many times over; a real one would prune old marks.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from catalogue import store
from kit.contract import SHIPPING_SKU, PlacedOrder


class Line(Enum):
    """What an order holds of one product."""

    NONE = "none"  # nothing taken
    HELD = "held"  # taken, not given back
    RETURNED = "returned"  # taken, then given back


def wanted(order: PlacedOrder) -> list[tuple[str, int]]:
    """The units of each product the order needs, by sku (the shipping line is none)."""
    quantities: dict[str, int] = {}
    for item in order["cart"]["items"]:
        if item["sku"] != SHIPPING_SKU:
            quantities[item["sku"]] = quantities.get(item["sku"], 0) + item["qty"]
    return sorted(quantities.items())


def _take(sku: str, qty: int, orderid: str) -> bool:
    taken = store.collection().update_one(
        {"sku": sku, "instock": {"$gte": qty}, "reserved_for": {"$nin": [orderid]}},
        {"$inc": {"instock": -qty}, "$push": {"reserved_for": orderid}},
    )
    return taken.modified_count == 1


def line_of(sku: str, orderid: str) -> Line:
    found: dict[str, Any] | None = store.collection().find_one(
        {"sku": sku, "reserved_for": orderid}, {"_id": 0, "returned_for": 1}
    )
    if found is None:
        return Line.NONE
    return Line.RETURNED if orderid in found.get("returned_for", []) else Line.HELD


def reserve(orderid: str, lines: list[tuple[str, int]]) -> bool:
    """Take every line's units for the order, or none of them; whether it has them now."""
    for sku, qty in lines:
        if _take(sku, qty, orderid) or line_of(sku, orderid) is Line.HELD:
            continue
        # Not enough (or no such product), or the order's units were given back already.
        give_back(orderid, lines)
        return False
    return True


def give_back(orderid: str, lines: list[tuple[str, int]]) -> None:
    """Return what the order holds of each line, once."""
    for sku, qty in lines:
        store.collection().update_one(
            {"sku": sku, "reserved_for": orderid, "returned_for": {"$nin": [orderid]}},
            {"$inc": {"instock": qty}, "$push": {"returned_for": orderid}},
        )
