"""The one application error type; the API and the pages map it to their answers.

Every failure a person can cause carries a stable ``code`` for programs, a translated
``message`` for people and, for bad input, ``details`` keyed by field name.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext


class HuyingError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str | Promise, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.details = details or {}


class InvalidInput(HuyingError):
    """Bad input; ``details`` maps each field to a list of messages.

    The message defaults to the one every form shows above its field errors.
    """

    code = "invalid_input"
    http_status = 422

    def __init__(
        self, message: str | Promise | None = None, *, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message or gettext("Please correct the errors below."), details=details)

    @classmethod
    def for_field(cls, field: str, message: str | Promise) -> InvalidInput:
        return cls(details={field: [str(message)]})


class NotFound(HuyingError):
    code = "not_found"
    http_status = 404


class Forbidden(HuyingError):
    code = "forbidden"
    http_status = 403


class TransitionNotAllowed(HuyingError):
    code = "transition_not_allowed"
    http_status = 409


class IdempotencyConflict(HuyingError):
    code = "idempotency_conflict"
    http_status = 409


class RateLimited(HuyingError):
    """Too many tries from one client or for one phone; try again after ``retry_after`` s."""

    code = "rate_limited"
    http_status = 429

    def __init__(
        self,
        message: str | Promise,
        *,
        retry_after: int,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after
