"""The client's exception tree.

Every error from talking to the API is one of these: httpx errors and responses
that fail the models are translated (``raise ... from exc``). A request body that
fails the models raises pydantic's ``ValidationError`` (a ``ValueError``) before
anything is sent. Messages name the method, the URL and the API's identifiers,
and never the client secret or a token.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One entry of a ValidationError payload: the invalid field's path and the rule it broke."""

    path: str
    keyword: str


@dataclass(frozen=True, slots=True)
class BadRequestIssue:
    """One entry of a BadRequestError payload (e.g. type NoLines)."""

    type: str
    message: str
    arguments: tuple[str, ...] = ()


class TwentyFourSevenOfficeError(Exception):
    """Base of every error this package raises."""


class ConfigurationError(TwentyFourSevenOfficeError, ValueError):
    """A client setting refused when the client is built, before anything is sent."""


class InvalidOrderIdError(TwentyFourSevenOfficeError, ValueError):
    """An order ID that is not a positive 32-bit integer; raised before it is requested."""


class ApiError(TwentyFourSevenOfficeError):
    """A request to the API failed; carries the HTTP status and the API's identifiers."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        tracking_id: str | None = None,
        trace_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.tracking_id = tracking_id
        self.trace_id = trace_id
        self.method = method
        self.url = url
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.method} {self.url}: " if self.method and self.url else ""
        ids = [
            f"{label}={value}"
            for label, value in (
                ("status", self.status_code),
                ("trackingId", self.tracking_id),
                ("traceId", self.trace_id),
            )
            if value is not None
        ]
        return f"{where}{self.message}" + (f" ({', '.join(ids)})" if ids else "")

    @property
    def error_type(self) -> str:
        """The class name, as recorded in ledgers and failed-order tables."""
        return type(self).__name__


class AuthenticationError(ApiError):
    """401, or the token endpoint refused the client credentials."""


class PermissionDeniedError(ApiError):
    """403: the token lacks the scope this endpoint needs."""


class NotFoundError(ApiError):
    """404: the order (or line) does not exist, or was deleted."""


class ConflictError(ApiError):
    """409: the order is in a state that does not allow the change (e.g. invoiced)."""


class RequestValidationError(ApiError):
    """400 ValidationError: fields of the request broke the schema; see ``issues``."""

    def __init__(self, message: str, *, issues: tuple[ValidationIssue, ...] = (), **kw) -> None:
        self.issues = issues
        super().__init__(message, **kw)


class BadRequestError(ApiError):
    """400 BadRequestError (or any other 4xx): the API refused the request; see ``issues``."""

    def __init__(self, message: str, *, issues: tuple[BadRequestIssue, ...] = (), **kw) -> None:
        self.issues = issues
        super().__init__(message, **kw)


class RateLimitError(ApiError):
    """429 after every retry was spent."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(ApiError):
    """5xx after every retry was spent (or a non-idempotent request that must not be resent)."""


class ResponseFormatError(ApiError):
    """The response body is not the JSON the API documents."""


class TransportError(ApiError):
    """Connection failure or timeout: no HTTP status was received."""
