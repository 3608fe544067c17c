"""Error bodies as the real API sends them, and the translation of pydantic and
FastAPI validation errors into the API's ``ValidationError`` payload.

Shapes (official document, schemas ``ValidationError``, ``BadRequestError``,
``Error``)::

    {"error": {"name": "ValidationError",
               "payload": {"validationErrors": [{"path": "customer.name", "keyword": "required"}]}},
     "trackingId": "..."}
    {"error": {"name": "BadRequestError",
               "payload": {"errors": [{"type": "NoLines", "message": "...", "arguments": [...]}]}},
     "trackingId": "..."}
    {"error": {"name": "NotFoundError", "message": "..."}, "trackingId": "..."}
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Response

from twentyfourseven.api.payloads import dumps_json

# pydantic error type → JSON Schema keyword (what an ajv-style validator reports)
_KEYWORDS = {
    "missing": "required",
    "extra_forbidden": "additionalProperties",
    "string_too_short": "minLength",
    "string_too_long": "maxLength",
    "too_short": "minItems",
    "too_long": "maxItems",
    "greater_than_equal": "minimum",
    "greater_than": "exclusiveMinimum",
    "less_than_equal": "maximum",
    "less_than": "exclusiveMaximum",
    "multiple_of": "multipleOf",
    "string_pattern_mismatch": "pattern",
    "enum": "enum",
    "literal_error": "enum",
    "union_tag_invalid": "discriminator",
    "union_tag_not_found": "discriminator",
    "date_from_datetime_parsing": "format",
    "date_parsing": "format",
    "datetime_parsing": "format",
    "datetime_from_date_parsing": "format",
    "value_error": "format",
    "finite_number": "type",
}


def tracking_id() -> str:
    return secrets.token_hex(8)


class ApiProblem(Exception):
    """Raised by a handler to answer with an API error body."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return json_response(self.body, status=self.status, headers=self.headers)


def json_response(
    body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response with Decimals written as exact JSON numbers."""
    return Response(
        content=dumps_json(body),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def error_body(name: str, message: str) -> dict[str, Any]:
    return {"error": {"name": name, "message": message}, "trackingId": tracking_id()}


def validation_error(issues: Iterable[tuple[str, str]]) -> ApiProblem:
    """400 ValidationError with ``(path, keyword)`` issues."""
    items = [{"path": path, "keyword": keyword} for path, keyword in issues]
    body = {
        "error": {"name": "ValidationError", "payload": {"validationErrors": items}},
        "trackingId": tracking_id(),
    }
    return ApiProblem(400, body)


def bad_request(error_type: str, message: str, arguments: Sequence[str] = ()) -> ApiProblem:
    """400 BadRequestError with one error (types: DepartmentMissing, ProjectMissing, NoLines)."""
    error = {"type": error_type, "message": message, "arguments": list(arguments)}
    body = {
        "error": {"name": "BadRequestError", "payload": {"errors": [error]}},
        "trackingId": tracking_id(),
    }
    return ApiProblem(400, body)


def not_found(message: str) -> ApiProblem:
    return ApiProblem(404, error_body("NotFoundError", message))


def conflict(message: str) -> ApiProblem:
    return ApiProblem(409, error_body("ConflictError", message))


def unauthorized(message: str) -> ApiProblem:
    return ApiProblem(
        401,
        error_body("UnauthorizedError", message),
        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def issues_from_pydantic(errors: Iterable[Mapping[str, Any]], *, skip: int = 0) -> list:
    """``(path, keyword)`` pairs from pydantic/FastAPI errors.

    ``skip`` drops leading location parts (FastAPI prefixes "body", "query", "path").
    Discriminated unions insert the tag (e.g. "NumberOfDays") into the location;
    it is not a field, so it is dropped.
    """
    issues = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())[skip:]]
        loc = [part for part in loc if part not in _UNION_TAGS and not part.startswith("function-")]
        keyword = _KEYWORDS.get(err.get("type", ""), "type")
        issues.append((".".join(loc), keyword))
    return issues


_UNION_TAGS = frozenset({"NumberOfDays", "OutMonthPlusDays", "FixedDate"})
