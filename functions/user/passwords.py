"""Salted scrypt password hashes: slow to guess, never stored or logged in clear.

Hashes are werkzeug.security's, `scrypt:<n>:<r>:<p>$<salt>$<key>`, so their cost can
change without breaking the hashes already stored; a login with a hash of other
parameters stores it again with today's. So does a login with a hash of the shop's
own earlier format, `scrypt$<n>$<r>$<p>$<salt>$<key>` (salt and key base64url),
which is still read: accounts made before keep logging in.

scrypt's memory is 128 x n x r bytes a hash, whatever p: n=2**14, r=8 is 16 MiB,
and p=3 runs it three times over (about 0.12 s of one core), as OWASP's
password storage advice trades memory for passes. At most
PASSWORD_HASHES_AT_ONCE hashes run at once in a process (default 2, 32 MiB),
so concurrent logins can't push the function past its memory limit. Beside them at
most PASSWORD_HASH_WAITERS wait, each at most PASSWORD_HASH_WAIT_MS; any other
login or registration is answered 503 `busy` with Retry-After at once. So hashes hold
at most hashes + waiters of the server's THREADS, and the cheap routes (`/uniqueid`,
`/check`, `/history`) always find a thread instead of queueing behind them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from werkzeug.security import check_password_hash, generate_password_hash

from kit import ApiError
from user.settings import UserSettings

COST = 2**14
BLOCK_SIZE = 8
PARALLELISM = 3
METHOD = f"scrypt:{COST}:{BLOCK_SIZE}:{PARALLELISM}"
# werkzeug's salt is letters and digits: 22 of them hold 128 bits, as 16 random bytes did.
SALT_CHARS = 22
_EARLIER = "scrypt$"
_EARLIER_KEY_BYTES = 32
_EARLIER_MAX_MEMORY_BYTES = 64 * 1024 * 1024

BUSY_RETRY_SECONDS = 1


class Slots:
    """`hashes` run at once, `waiters` more may wait `wait_ms` for one; the rest are busy."""

    def __init__(self, hashes: int, waiters: int, wait_ms: int) -> None:
        self.key = (hashes, waiters, wait_ms)
        self._running = threading.BoundedSemaphore(hashes)
        self._admitted = threading.BoundedSemaphore(hashes + waiters)
        self._wait_seconds = wait_ms / 1000

    @contextmanager
    def held(self) -> Iterator[None]:
        if not self._admitted.acquire(blocking=False):
            raise busy()
        try:
            if not self._running.acquire(timeout=self._wait_seconds):
                raise busy()
            try:
                yield
            finally:
                self._running.release()
        finally:
            self._admitted.release()


def busy() -> ApiError:
    return ApiError(
        503,
        "busy",
        "too many passwords being checked: try again in a moment",
        {"Retry-After": str(BUSY_RETRY_SECONDS)},
    )


_slots_now: Slots | None = None
_slots_lock = threading.Lock()


def _slots() -> AbstractContextManager[None]:
    """A hash slot for the block; made again when the settings change (a test's restart)."""
    global _slots_now
    settings = UserSettings.current()
    key = (
        settings.password_hashes_at_once,
        settings.password_hash_waiters,
        settings.password_hash_wait_ms,
    )
    with _slots_lock:
        if _slots_now is None or _slots_now.key != key:
            _slots_now = Slots(*key)
        slots = _slots_now
    return slots.held()


def hash_password(password: str) -> str:
    """A new salted hash of `password`, safe to store."""
    with _slots():
        return generate_password_hash(password, METHOD, SALT_CHARS)


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` produced `stored`, compared in constant time."""
    if stored.startswith(_EARLIER):
        return _verify_earlier(password, stored)
    try:
        with _slots():
            return check_password_hash(stored, password)
    except ValueError:  # a method werkzeug doesn't know: no password of ours
        return False


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _verify_earlier(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, key = stored.split("$")
        with _slots():
            derived = hashlib.scrypt(
                password.encode(),
                salt=_unb64(salt),
                n=int(n),
                r=int(r),
                p=int(p),
                maxmem=_EARLIER_MAX_MEMORY_BYTES,
                dklen=_EARLIER_KEY_BYTES,
            )
        return hmac.compare_digest(derived, _unb64(key))
    except ValueError:
        return False


def outdated(stored: str) -> bool:
    """Whether a stored hash was made otherwise than today's are."""
    return not stored.startswith(f"{METHOD}$")


def burn_time(password: str) -> None:
    """Spend what a real check costs, so that an unknown name can't be told by speed."""
    hash_password(password)
