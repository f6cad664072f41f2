"""Every rejection is an ApiError: an HTTP status and a JSON body {error, message[, details]}."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self, status: int, error: str, message: str, details: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out
