"""Salted scrypt password hashes: slow to guess, never stored or logged in clear.

A stored hash reads `scrypt$<n>$<r>$<p>$<salt>$<key>` (salt and key base64url),
so its cost can be raised later without breaking the hashes already stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# 32 MiB and about 0.1 s a hash on one core: costly to guess in bulk, affordable per login.
COST = 2**15
BLOCK_SIZE = 8
PARALLELISM = 1
SALT_BYTES = 16
KEY_BYTES = 32
_MAX_MEMORY = 64 * 1024 * 1024
_SCHEME = "scrypt"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEMORY, dklen=KEY_BYTES
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


def burn_time(password: str) -> None:
    """Spend what a real check costs, so that an unknown name can't be told by speed."""
    _derive(password, b"\0" * SALT_BYTES, COST, BLOCK_SIZE, PARALLELISM)
