"""Salted scrypt password hashes: slow to guess, never stored or logged in clear.

A stored hash reads `scrypt$<n>$<r>$<p>$<salt>$<key>` (salt and key base64url),
so its cost can change without breaking the hashes already stored; a login
with a hash of other parameters stores it again with today's.

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
import secrets
import threading

from user.settings import UserSettings

COST = 2**14
BLOCK_SIZE = 8
PARALLELISM = 3
SALT_BYTES = 16
KEY_BYTES = 32
_MAX_MEMORY_BYTES = 64 * 1024 * 1024
_SCHEME = "scrypt"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_hashing: threading.BoundedSemaphore | None = None
_hashing_lock = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    global _hashing
    with _hashing_lock:
        if _hashing is None:
            _hashing = threading.BoundedSemaphore(UserSettings.current().password_hashes_at_once)
        return _hashing


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    with _slots():
        return hashlib.scrypt(
            password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEMORY_BYTES, dklen=KEY_BYTES
        )


def hash_password(password: str) -> str:
    """A new salted hash of `password`, safe to store."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, COST, BLOCK_SIZE, PARALLELISM)
    return f"{_SCHEME}${COST}${BLOCK_SIZE}${PARALLELISM}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` produced `stored`, compared in constant time."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != _SCHEME:
            return False
        derived = _derive(password, _unb64(salt), int(n), int(r), int(p))
        return hmac.compare_digest(derived, _unb64(key))
    except ValueError:
        return False


def outdated(stored: str) -> bool:
    """Whether a stored hash was made with other parameters than today's."""
    return stored.split("$")[1:4] != [str(COST), str(BLOCK_SIZE), str(PARALLELISM)]


def burn_time(password: str) -> None:
    """Spend what a real check costs, so that an unknown name can't be told by speed."""
    _derive(password, b"\0" * SALT_BYTES, COST, BLOCK_SIZE, PARALLELISM)
