"""Seed the user function's store: the indexes, and the demo accounts where they belong.

The demo accounts (user/password, stan/bigbrain, partner-57/worktogether) have published
passwords, so they are made only when SEED_DEMO_USERS is `true`: `make run` and the dev
overlay's seed Job say so, the prod overlay doesn't. They are marked as demo accounts, which
the user function refuses to log in unless DEMO_ACCOUNTS is `allowed`. Each is created only
when its name is free, so a second run leaves every stored hash (and any password changed
since) as it was.
"""

from __future__ import annotations

from kit import env
from user import passwords, store

DEMO_USERS = (
    ("user", "user@example.com", "password"),
    ("stan", "stan@example.com", "bigbrain"),
    ("partner-57", "partner-57@example.com", "worktogether"),
)
SWITCH = "SEED_DEMO_USERS"


def demo_wanted() -> bool:
    value = env(SWITCH, "false").strip().lower()
    if value not in ("true", "false"):
        raise SystemExit(f"{SWITCH} must be true or false, not {value!r}")
    return value == "true"


def seed(demo: bool | None = None) -> int:
    """Create the indexes and, if wanted, any missing demo user; returns how many there are."""
    store.ensure_indexes()
    if not (demo_wanted() if demo is None else demo):
        return 0
    for name, email, password in DEMO_USERS:
        if not store.user_exists(name):
            store.insert_user(name, email, passwords.hash_password(password), demo=True)
    return len(DEMO_USERS)
