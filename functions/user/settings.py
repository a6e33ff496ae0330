"""What user reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit.settings import About, Settings


@dataclass(frozen=True)
class UserSettings(Settings):
    password_hashes_at_once: Annotated[
        int, About("password hashes (16 MiB each) computed at once", minimum=1)
    ] = 2
    password_hash_waiters: Annotated[
        int,
        About(
            "logins and registrations that may wait for a hash slot; more are 503 `busy`"
            " (keep hashes plus waiters under THREADS, so cheap routes always find a thread)",
            minimum=0,
        ),
    ] = 1
    password_hash_wait_ms: Annotated[
        int, About("how long one waits for a hash slot before its answer is 503 `busy`", minimum=1)
    ] = 1000
    login_attempts_per_client: Annotated[
        int,
        About(
            "logins and registrations, right or wrong, allowed per client address in a window,"
            " then 429",
            minimum=1,
        ),
    ] = 120
    login_failures_per_client: Annotated[
        int, About("wrong passwords allowed per client address in a window, then 429", minimum=1)
    ] = 20
    login_free_failures: Annotated[
        int,
        About(
            "wrong passwords for one name from one client before its next try must wait",
            minimum=0,
        ),
    ] = 3
    login_backoff_first_seconds: Annotated[
        float, About("the first such wait; each further wrong password doubles it", minimum=0.1)
    ] = 1.0
    login_backoff_max_seconds: Annotated[int, About("the longest such wait", minimum=1)] = 30
    login_window_seconds: Annotated[int, About("the window of those counts", minimum=1)] = 60
    anonymous_ids_per_client: Annotated[
        int,
        About("anonymous ids `/uniqueid` issues per client address a minute, then 429", minimum=1),
    ] = 120
    demo_accounts: Annotated[
        str,
        About(
            "`allowed` only where the seeded demo accounts, whose passwords are published,"
            " may log in (`make run`, the dev overlay); elsewhere their logins are 403",
            choices=("refused", "allowed"),
        ),
    ] = "refused"
    orders_per_user: Annotated[
        int,
        About(
            "orders one user's history holds at most; the order events of more are kept"
            " as dead letters",
            minimum=1,
        ),
    ] = 1000
