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
    login_failures_per_name: Annotated[
        int, About("wrong passwords allowed per user name in a window, then 429", minimum=1)
    ] = 5
    login_failures_per_client: Annotated[
        int, About("wrong passwords allowed per client address in a window, then 429", minimum=1)
    ] = 20
    login_window_seconds: Annotated[int, About("the window of those counts", minimum=1)] = 60
    orders_per_user: Annotated[
        int,
        About(
            "orders one user's history holds at most; the order events of more are kept"
            " as dead letters",
            minimum=1,
        ),
    ] = 1000
