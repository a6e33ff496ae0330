"""Confirming a shipping choice: the line is priced from a real city, then added to the cart.

The cart is another function (`POST /shipping/{id}` on cart); the shopper's
Authorization and Cookie headers travel along so that a signed-in shopper's
cart accepts the change.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Request

from kit import ApiError, contract, json_body, peers
from shipping import geo, places, store


def confirm(cart_id: str, request: Request) -> Any:
    line = shipping_line(json_body(request))
    # Setting a cart's shipping line replaces it, so repeating the call is harmless.
    answer = peers.call(
        "cart",
        "POST",
        f"/shipping/{quote(cart_id, safe='')}",
        line,
        expect=(400, 401, 403, 404, 409),
        forward=request,
        retries=2,
    )
    if answer.status == 404:
        raise ApiError(404, "not_found", f"no cart with id {cart_id[:60]!r}")
    if not answer.ok:
        raise answer.refusal()
    return answer.data


def shipping_line(body: Any) -> dict[str, Any]:
    """`{distance, cost, location}` for the cart, always priced here from a real city.

    The city is the body's `uuid`, else the one its classic `location` names
    ("United Kingdom London", as classic clients write it, or "London, United
    Kingdom"); a client's cost is never used, and its distance only tells apart
    towns of one name.
    """
    if not isinstance(body, dict):
        raise ApiError(
            400, "bad_request", "send a JSON object {uuid} or {distance, cost, location}"
        )
    if "uuid" in body:
        return _line_for_city(places.find_city(str(body["uuid"])))
    return _line_for_city(places.city_at(_location(body), _distance_hint(body)))


def _distance_hint(body: dict[str, Any]) -> int | None:
    distance = body.get("distance")
    if isinstance(distance, bool) or not isinstance(distance, int | float):
        return None
    return round(distance) if 0 <= distance <= geo.MAX_DISTANCE_KM else None


def _location(body: dict[str, Any]) -> str:
    location = body.get("location")
    if not isinstance(location, str) or not location.strip():
        raise ApiError(400, "bad_request", "location must name a city: send its uuid, or its name")
    if len(location) > contract.MAX_LOCATION_CHARS:
        raise ApiError(400, "bad_request", f"location is longer than {contract.MAX_LOCATION_CHARS}")
    return location.strip()


def _line_for_city(city: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = dict(places.quote(city))
    country = store.country_name(city["code"]) or city["code"].upper()
    line["location"] = f"{city['name']}, {country}"
    return line
