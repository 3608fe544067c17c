"""Constants of the 24SevenOffice REST API and this client's defaults, in one place."""

from __future__ import annotations

API_BASE_URL = "https://rest.api.24sevenoffice.com/v1"
TOKEN_URL = "https://login.24sevenoffice.com/oauth/token"  # noqa: S105 (a URL, not a secret)
AUDIENCE = "https://api.24sevenoffice.com"


INT32_MAX = 2**31 - 1

# The vendor publishes no rate limit for the REST API (the older SOAP API allowed
# 7,200 requests/hour, i.e. 2/s); 5/s is a conservative default per organization.
DEFAULT_RATE_LIMIT = 5.0
# Missed request slots the limiter may make up at once. 1: none, requests stay
# exactly 1/R apart, which any server limiter of R admits; raise it only as far as
# the API's limiter admits bursts (the sandbox's bucket holds a second's budget).
DEFAULT_RATE_BURST = 1
# Tasks that split one budget cannot coordinate their requests: each keeps its own
# spacing, but on the wire their requests drift together, and at exactly the limit
# any cluster finds the server's bucket empty (a 429). Shared, the budget is spent at
# this fraction, so the bucket refills faster than the tasks together drain it.
SHARED_BUDGET_HEADROOM = 0.9
DEFAULT_MAX_CONCURRENCY = 8
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_PAGE_SIZE = 100

# Retries: exponential backoff with full jitter, bounded in count and in delay.
DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_MAX = 30.0
# A Retry-After beyond this is treated as absurd and capped; the run should not
# sleep for an hour because a proxy said so.
RETRY_AFTER_MAX = 120.0

# Renew a token this long before the server says it expires, but never earlier
# than TOKEN_REFRESH_FRACTION of its lifetime (short-lived tokens in tests).
TOKEN_REFRESH_MARGIN = 60.0
TOKEN_REFRESH_FRACTION = 0.9

USER_AGENT = "twentyfourseven-airflow/0.1"
