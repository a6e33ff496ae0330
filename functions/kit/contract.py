"""What the functions agree on between them (CONTRACT.md): the shipping line and the
order.placed payload, written once for every function that makes or reads them."""

from __future__ import annotations

# The sku of the cart's shipping line: cart writes it, payment requires and prices it.
SHIPPING_SKU = "SHIP"
