"""Errors that become JSON answers: `{"error": <code>, "message": <sentence>}`."""

from __future__ import annotations


class ConfigError(RuntimeError):
    """A configuration value that can't be used."""


class ApiError(Exception):
    """An answer other than success, with the status and words the client sees."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        headers: dict[str, str] | None = None,
        fields: dict[str, str | int] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        # More for the client to act on, beside error and message (e.g. the order that won,
        # the units left in stock).
        self.fields = fields or {}

    def body(self) -> dict[str, str | int]:
        return {**self.fields, "error": self.error, "message": self.message}


class Unavailable(ApiError):
    """A dependency can't be reached: 503, and when to try again."""

    def __init__(self, dependency: str, retry_after: float = 1.0) -> None:
        seconds = max(1, round(retry_after))
        super().__init__(
            503,
            "unavailable",
            f"{dependency} is unavailable, please try again shortly",
            {"Retry-After": str(seconds)},
        )
        self.dependency = dependency
