"""The memory fault knob: `/memory` holds another block, `/free` lets all of them go.

It lets an operator watch a function grow towards its memory limit (and be
restarted at it). MEMORY_KNOB_MAX_MIB caps what it will hold, so a stray loop
of calls can't take the whole machine down with it.
"""

from __future__ import annotations

import threading

from kit import ApiError
from shipping.settings import ShippingSettings

BLOCK_BYTES = 25 * 1024 * 1024
_MIB = 1024 * 1024

_held: list[bytearray] = []
_leaked: list[bytearray] = []
_lock = threading.Lock()


def held_bytes() -> int:
    return sum(len(block) for block in _held) + sum(len(block) for block in _leaked)


def _answer() -> dict[str, int]:
    held = held_bytes()
    return {"held_bytes": held, "held_mib": held // _MIB, "blocks": len(_held)}


def hold() -> dict[str, int]:
    """Hold another 25 MiB, every page written so that it is really resident."""
    with _lock:
        limit = ShippingSettings.current().memory_knob_max_mib * _MIB
        if held_bytes() + BLOCK_BYTES > limit:
            raise ApiError(409, "limit_reached", f"already holding {held_bytes() // _MIB} MiB")
        _held.append(bytearray(b"\x01") * BLOCK_BYTES)
        return _answer()


def leak(kib: int) -> None:
    """The chaos switch `shipping-memory-leak`: every request keeps `kib` more, up to
    MEMORY_KNOB_MAX_MIB; switched off (0), what it kept is let go."""
    if kib <= 0 and not _leaked:
        return
    with _lock:
        if kib <= 0:
            _leaked.clear()
            return
        limit = ShippingSettings.current().memory_knob_max_mib * _MIB
        if held_bytes() + kib * 1024 <= limit:
            _leaked.append(bytearray(b"\x01") * (kib * 1024))


def free() -> dict[str, int]:
    with _lock:
        _held.clear()
        return _answer()
