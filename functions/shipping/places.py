"""Countries and cities as the API shows them, with its input rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kit import ApiError
from kit.paging import page as paging_of
from shipping import geo, names, store
from shipping.settings import ShippingSettings

MATCH_MIN_CHARS = 3
MAX_MATCH_CHARS = 100
MATCH_RESULTS = 10
# Towns of one name in one country that a classic location can tell apart by distance.
NAMESAKES = 50
_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def country_code(code: str) -> str:
    """The code in lower case; 404 for anything that can't be a country code."""
    if not _COUNTRY_CODE.fullmatch(code):
        raise _no_country(code)
    return code.lower()


def _no_country(code: str) -> ApiError:
    return ApiError(404, "not_found", f"no country with code {code[:10]!r}")


def _found_in_country(code: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as JSON; when there are none, 404 unless the country exists.

    Asking only then saves a round trip on every answer that found something.
    """
    if not rows and not store.country_exists(code):
        raise _no_country(code)
    return [public(row) for row in rows]


def public(row: Mapping[str, Any]) -> dict[str, Any]:
    """A city row as JSON: coordinates as numbers (MySQL hands out Decimals)."""
    return {
        **row,
        "latitude": float(row["latitude"]),
        "longitude": float(row["longitude"]),
    }


def paging(args: Mapping[str, str]) -> tuple[int, int]:
    settings = ShippingSettings.current()
    return paging_of(args, settings.cities_page_default, settings.cities_page_max)


def cities(code: str, args: Mapping[str, str]) -> tuple[list[dict[str, Any]], int, int, int]:
    """One page of the country's cities, its total, limit and offset."""
    limit, offset = paging(args)
    code = country_code(code)
    found = _found_in_country(code, store.cities_in(code, limit, offset))
    return found, store.city_total(code), limit, offset


def match(code: str, text: str) -> list[dict[str, Any]]:
    """Up to 10 cities whose name starts with `text`, in any case and with or without accents."""
    typed = text.strip()
    if len(typed) < MATCH_MIN_CHARS:
        raise ApiError(400, "bad_request", f"type at least {MATCH_MIN_CHARS} characters")
    if len(typed) > MAX_MATCH_CHARS:
        raise ApiError(400, "bad_request", f"type at most {MAX_MATCH_CHARS} characters")
    code = country_code(code)
    prefix = names.fold(typed)
    # A text with nothing an ASCII name could start with finds nothing.
    found = store.cities_starting(code, prefix, MATCH_RESULTS) if prefix else []
    return _found_in_country(code, found)


def city_at(location: str, distance: int | None = None) -> dict[str, Any]:
    """The city a classic location names: "<country> <city>" or "<city>, <country>".

    Of towns sharing the name, the one `distance` km from the warehouse, else
    the most populous; 400 when the text names no city of a country we ship to.
    """
    for code, city_name in _readings(location, store.country_codes()):
        found = store.cities_named(code, names.fold(city_name), city_name, NAMESAKES)
        if found:
            at_distance = [row for row in found if quote(row)["distance"] == distance]
            return (at_distance or found)[0]
    raise ApiError(
        400,
        "unknown_location",
        f"{location[:60]!r} names no city we ship to: send the city's uuid",
    )


def _readings(location: str, countries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every (country code, city name) the text can be read as, longest country name first
    (so "Guinea-Bissau Bissau" is never read as Guinea)."""
    text = " ".join(location.split())
    lower = text.lower()
    readings: list[tuple[int, str, str]] = []
    for country in countries:
        name = str(country["name"])
        folded = name.lower()
        if lower.startswith(folded + " "):
            readings.append((len(name), country["code"], text[len(name) + 1 :]))
        if lower.endswith(", " + folded):
            readings.append((len(name), country["code"], text[: -len(name) - 2]))
    readings.sort(key=lambda reading: -reading[0])
    return [(code, city.strip()) for _, code, city in readings if city.strip()]


def find_city(uuid: str) -> dict[str, Any]:
    """The city with this uuid; 404 for an unknown one."""
    row = store.city(int(uuid)) if _WHOLE_NUMBER.fullmatch(uuid) else None
    if row is None:
        raise ApiError(404, "not_found", f"no city with uuid {uuid[:40]!r}")
    return row


def quote(city: Mapping[str, Any]) -> dict[str, float | int]:
    """Distance and cost from the warehouse to the city."""
    return geo.quote(float(city["latitude"]), float(city["longitude"]))
