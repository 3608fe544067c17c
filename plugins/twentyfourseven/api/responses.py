"""Turning an API response that is not a success into the matching typed error."""

from __future__ import annotations

import httpx
from pydantic import ValidationError as PydanticValidationError

from .errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    BadRequestIssue,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    ServerError,
    ValidationIssue,
)
from .payloads import ErrorBody, parse_json

_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def read_error_body(response: httpx.Response) -> ErrorBody:
    """The documented ``{"error": …, "trackingId": …}`` body, or an empty one."""
    try:
        return ErrorBody.model_validate(parse_json(response.content))
    except (ValueError, PydanticValidationError):
        return ErrorBody()


def error_from_response(
    response: httpx.Response, *, method: str, url: str, retry_after: float | None = None
) -> ApiError:
    """The typed error for a 4xx/5xx response, carrying status, trackingId and X-Trace-Id."""
    body = read_error_body(response)
    detail = body.error
    common = {
        "status_code": response.status_code,
        "tracking_id": body.tracking_id,
        "trace_id": response.headers.get("X-Trace-Id"),
        "method": method,
        "url": url,
    }
    payload = (detail.payload if detail else None) or {}
    name = detail.name if detail else None
    summary = (detail.message if detail else None) or response.reason_phrase or "request failed"

    if response.status_code == 400 and name == "ValidationError":
        issues = tuple(
            ValidationIssue(path=str(item.get("path", "")), keyword=str(item.get("keyword", "")))
            for item in payload.get("validationErrors") or []
            if isinstance(item, dict)
        )
        listed = ", ".join(f"{i.path} ({i.keyword})" for i in issues) or "no details given"
        message = f"request failed validation: {listed}"
        return RequestValidationError(message, issues=issues, **common)
    if response.status_code == 429:
        return RateLimitError("rate limited", retry_after=retry_after, **common)
    if response.status_code in _BY_STATUS:
        return _BY_STATUS[response.status_code](summary, **common)
    if response.status_code >= 500:
        return ServerError(summary, **common)
    bad_request_issues = tuple(
        BadRequestIssue(
            type=str(item.get("type", "")),
            message=str(item.get("message", "")),
            arguments=tuple(str(a) for a in item.get("arguments") or []),
        )
        for item in payload.get("errors") or []
        if isinstance(item, dict)
    )
    if bad_request_issues:
        summary = "; ".join(f"{i.type}: {i.message}" for i in bad_request_issues)
    return BadRequestError(summary, issues=bad_request_issues, **common)
