"""Seed the user function's store: three demo accounts and the indexes.

Each account is created only when its name is free, so a second run leaves
every stored hash (and any password changed since) as it was.
"""

from __future__ import annotations

from user import passwords, store

SEED_USERS = (
    ("user", "user@example.com", "password"),
    ("stan", "stan@example.com", "bigbrain"),
    ("partner-57", "partner-57@example.com", "worktogether"),
)


def seed() -> int:
    """Create the indexes and any missing seed user; returns how many seed users exist."""
    store.ensure_indexes()
    for name, email, password in SEED_USERS:
        if not store.user_exists(name):
            store.insert_user(name, email, passwords.hash_password(password))
    return len(SEED_USERS)
