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
so concurrent logins can't push the function past its memory limit; the rest
wait their turn.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading

from werkzeug.security import check_password_hash, generate_password_hash

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

_hashing: threading.BoundedSemaphore | None = None
_hashing_lock = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    global _hashing
    with _hashing_lock:
        if _hashing is None:
            _hashing = threading.BoundedSemaphore(UserSettings.current().password_hashes_at_once)
        return _hashing


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
