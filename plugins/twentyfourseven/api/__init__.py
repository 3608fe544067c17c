"""Client for the 24SevenOffice (Finago Office) REST API: sales orders and their lines.

Pure httpx and pydantic; no Airflow import (``twentyfourseven.hooks`` adapts it).
"""

from .bulk import InvalidRecord, OrderOutcome, OutcomeStatus, read_orders
from .client import TwentyFourSevenOfficeClient
from .errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    BadRequestIssue,
    ConfigurationError,
    ConflictError,
    InvalidOrderIdError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    ResponseFormatError,
    ServerError,
    TransportError,
    TwentyFourSevenOfficeError,
    ValidationIssue,
)
from .ids import check_order_id
from .query import SalesOrderQuery
from .retry import RetryPolicy

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "BadRequestIssue",
    "ConfigurationError",
    "ConflictError",
    "InvalidOrderIdError",
    "InvalidRecord",
    "NotFoundError",
    "OrderOutcome",
    "OutcomeStatus",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "ResponseFormatError",
    "RetryPolicy",
    "SalesOrderQuery",
    "ServerError",
    "TransportError",
    "TwentyFourSevenOfficeClient",
    "TwentyFourSevenOfficeError",
    "ValidationIssue",
    "check_order_id",
    "read_orders",
]
