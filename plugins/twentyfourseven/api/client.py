"""The 24SevenOffice REST API client: OAuth2, retries, rate budget, typed results.

Synchronous httpx underneath; one client is safe to share between threads (the
bulk reader does), and every request it sends, retries included, draws from one
rate budget. No Airflow import: the hook in ``twentyfourseven.hooks`` builds
this client from an Airflow connection.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from . import constants
from .auth import AccessToken, TokenCache
from .bulk import OrderOutcome, read_orders
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ResponseFormatError,
    TransportError,
)
from .ids import check_order_id
from .pagination import ListingPages, pages
from .payloads import (
    SalesOrder,
    SalesOrderCreate,
    SalesOrderExtended,
    SalesOrderLine,
    describe_validation_error,
    dumps_json,
    parse_json,
)
from .query import SalesOrderQuery, query_timestamp
from .ratelimit import RateLimiter
from .resources import SALES_ORDERS, Child, Resource
from .responses import error_from_response, read_error_body
from .retry import IDEMPOTENT_METHODS, RetryPolicy, is_retryable_status, parse_retry_after

log = logging.getLogger(__name__)

# Failures in which the request never reached the server: safe to resend even a POST.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class TwentyFourSevenOfficeClient:
    """Client for one 24SevenOffice organization.

    ``rate_limit`` is the budget in requests per second for everything this client
    sends (``None``: unlimited); ``rate_burst`` how many missed slots the limiter
    may make up at once after threads woke late (see
    :class:`~twentyfourseven.api.ratelimit.RateLimiter`); ``max_concurrency``
    bounds parallel requests of the bulk reader; ``timeout`` applies to every
    request. ``transport`` replaces
    the network (``httpx.MockTransport`` in tests); ``sleep`` and ``clock`` replace
    waiting and time.
    ``on_new_token`` is called with every token obtained, so a caller can register
    it with a log masker. TLS certificates are verified for every host but
    loopback; ``verify_tls=False`` turns that off, with a warning in the log.
    ``base_url`` and ``token_url`` must be ``https://``, or ``http://`` to a
    loopback host: anything else raises :class:`ConfigurationError` before a
    request is sent, since the client secret and the bearer token would cross
    the network in clear text. ``allow_insecure_http=True`` admits plain HTTP to
    any host (a test proxy), with a warning in the log each time.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        organization_id: str,
        *,
        base_url: str = constants.API_BASE_URL,
        token_url: str = constants.TOKEN_URL,
        audience: str = constants.AUDIENCE,
        rate_limit: float | None = constants.DEFAULT_RATE_LIMIT,
        rate_burst: int = constants.DEFAULT_RATE_BURST,
        max_concurrency: int = constants.DEFAULT_MAX_CONCURRENCY,
        timeout: float = constants.DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_new_token: Callable[[str], None] | None = None,
        verify_tls: bool = True,
        allow_insecure_http: bool = False,
    ) -> None:
        if not client_id or not client_secret or not organization_id:
            raise ValueError("client_id, client_secret and organization_id are all required")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        _check_transport_security(
            {"base_url": base_url, "token_url": token_url}, allow_insecure_http
        )
        self.client_id = client_id
        self.organization_id = str(organization_id)
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        self.audience = audience
        self.max_concurrency = max_concurrency
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(rate_limit, burst=rate_burst, clock=clock, sleep=sleep)
        self._secret = client_secret
        self._sleep = sleep
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, constants.DEFAULT_CONNECT_TIMEOUT)),
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
            headers={"User-Agent": constants.USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
            verify=self._verify_tls(verify_tls),
        )
        self._tokens = TokenCache(self._fetch_token, clock=clock, on_new_token=on_new_token)
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()

    def _verify_tls(self, verify_tls: bool) -> bool:
        hosts = sorted({httpx.URL(url).host for url in (self.base_url, self.token_url)})
        if all(is_loopback(host) for host in hosts):
            return False  # a local sandbox or proxy: no public certificate to check
        if not verify_tls:
            log.warning(
                "TLS certificate verification is OFF for %s (verify_tls=false): "
                "traffic can be intercepted; use only for testing",
                ", ".join(hosts),
            )
        return verify_tls

    def __repr__(self) -> str:
        return (
            f"<TwentyFourSevenOfficeClient organization={self.organization_id} "
            f"base_url={self.base_url}>"
        )

    def __enter__(self) -> TwentyFourSevenOfficeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def stats(self) -> dict[str, int]:
        """Counts so far: ``requests`` sent (retries included), ``retries``,
        ``token_requests``, ``rate_limited`` (429s received), ``status_<code>``."""
        with self._stats_lock:
            return dict(self._stats)

    def _count(self, *keys: str) -> None:
        with self._stats_lock:
            self._stats.update(keys)

    # --- sales orders ------------------------------------------------------------

    def create_sales_order(self, order: SalesOrderCreate | dict[str, Any]) -> SalesOrderExtended:
        """``POST /salesorders``; never resent once it may have reached the API."""
        body = order if isinstance(order, SalesOrderCreate) else SalesOrderCreate(**order)
        response, data = self._call("POST", SALES_ORDERS.path, content=dumps_json(body.to_api()))
        return self._validate(SalesOrderExtended, data, response, "POST")

    def get_sales_order(self, order_id: int) -> SalesOrderExtended:
        """``GET /salesorders/{id}``: the extended order."""
        return self.get_record(SALES_ORDERS, check_order_id(order_id))

    def get_sales_order_lines(self, order_id: int) -> list[SalesOrderLine]:
        """``GET /salesorders/{id}/lines``: every line of the order (the API does not page)."""
        return self.get_children(SALES_ORDERS, check_order_id(order_id))

    def list_sales_order_pages(
        self,
        query: SalesOrderQuery | None = None,
        /,
        *,
        page_size: int = constants.DEFAULT_PAGE_SIZE,
        **filters: Any,
    ) -> ListingPages:
        """``GET /salesorders``: each page as the JSON array received, lazily.

        Filters are a :class:`SalesOrderQuery` or its fields as keywords; see
        :meth:`list_pages`.
        """
        params = (query or SalesOrderQuery(**filters)).params()
        return self.list_pages(SALES_ORDERS, params=params, page_size=page_size)

    def list_sales_orders(
        self,
        query: SalesOrderQuery | None = None,
        /,
        *,
        page_size: int = constants.DEFAULT_PAGE_SIZE,
        on_invalid: Callable[[Any, PydanticValidationError], None] | None = None,
        **filters: Any,
    ) -> Iterator[SalesOrder]:
        """``GET /salesorders``: every listed order, validated, lazily.

        Filters as for :meth:`list_sales_order_pages`, e.g.
        ``list_sales_orders(modified_from=watermark, status="Invoice")``; invalid
        orders as for :meth:`list_records`.
        """
        params = (query or SalesOrderQuery(**filters)).params()
        return self.list_records(
            SALES_ORDERS, params=params, page_size=page_size, on_invalid=on_invalid
        )

    # --- any described resource ----------------------------------------------------

    def list_pages(
        self,
        resource: Resource,
        *,
        since: dt.datetime | None = None,
        params: dict[str, Any] | None = None,
        page_size: int = constants.DEFAULT_PAGE_SIZE,
    ) -> ListingPages:
        """``GET`` the resource's list: each page as the JSON array received, lazily.

        Pages follow the resource's paging style; ``since`` lists only records changed
        from then (the resource's ``cursor``; a resource without one refuses it).
        Numbers are exact ``Decimal``; nothing is validated. Once the first page
        has arrived, the result's ``server_time`` holds its ``Date`` header (the
        API's clock when the listing was taken; None if it sent none).
        """
        query = _listing_params(resource, since, params)
        return ListingPages(self._pages(resource, query, page_size))

    def list_records(
        self,
        resource: Resource,
        *,
        since: dt.datetime | None = None,
        params: dict[str, Any] | None = None,
        page_size: int = constants.DEFAULT_PAGE_SIZE,
        on_invalid: Callable[[Any, PydanticValidationError], None] | None = None,
    ) -> Iterator[Any]:
        """Every listed record as the resource's model, lazily (see :meth:`list_pages`).

        A record that fails validation goes to ``on_invalid`` (with its raw JSON)
        when given, and raises :class:`ResponseFormatError` otherwise.
        """
        query = _listing_params(resource, since, params)
        for response, items in self._pages(resource, query, page_size):
            for item in items:
                try:
                    yield resource.model.model_validate(item)
                except PydanticValidationError as exc:
                    if on_invalid is None:
                        reason = describe_validation_error(exc)
                        raise ResponseFormatError(
                            f"listed {resource.name} record failed validation: {reason}",
                            **_ids(response, "GET"),
                        ) from exc
                    on_invalid(item, exc)

    def get_record(self, resource: Resource, record_id: int | str) -> Any:
        """``GET {path}/{id}``: one record as the resource's detail model."""
        response, data = self._get_json(resource.item_path(record_id))
        return self._validate(resource.detail_model or resource.model, data, response, "GET")

    def get_children(
        self, resource: Resource, record_id: int | str, child: Child | None = None
    ) -> list[Any]:
        """``GET {path}/{id}/{child}``: every child record (the first child by default)."""
        child = child or resource.children[0]
        response, data = self._get_json(resource.child_path(child, record_id))
        return self._validate(child.list_model, data, response, "GET")

    def _pages(
        self, resource: Resource, params: dict[str, Any], page_size: int
    ) -> Iterator[tuple[httpx.Response, list[Any]]]:
        listed = pages(
            resource.paging,
            lambda url, query: self._call("GET", url, params=query),
            self.base_url + resource.path,
            params,
            page_size,
        )
        for response, items in listed:
            if not isinstance(items, list):
                raise ResponseFormatError(
                    f"expected a JSON array of {resource.name}, got {type(items).__name__}",
                    **_ids(response, "GET"),
                )
            yield response, items

    def read_orders(
        self, order_ids: Iterable[int | str], *, header: bool = True, lines: bool = True
    ) -> Iterator[OrderOutcome]:
        """Bulk-read many orders; see :func:`twentyfourseven.api.bulk.read_orders`."""
        return read_orders(self, order_ids, header=header, lines=lines)

    def get_json(self, path: str) -> Any:
        """``GET`` an API path and return its body parsed exactly (Decimals for numbers)."""
        return self._get_json(path)[1]

    # --- transport -----------------------------------------------------------------

    def _get_json(self, path: str) -> tuple[httpx.Response, Any]:
        return self._call("GET", path)

    def _validate(self, model: Any, data: Any, response: httpx.Response, method: str) -> Any:
        try:
            if isinstance(model, TypeAdapter):
                return model.validate_python(data)
            return model.model_validate(data)
        except PydanticValidationError as exc:
            raise ResponseFormatError(
                f"response failed validation: {describe_validation_error(exc)}",
                **_ids(response, method),
            ) from exc

    def _fetch_token(self) -> AccessToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
            "audience": self.audience,
            "login_organization": self.organization_id,
        }
        self._count("token_requests")
        response, data = self._call("POST", self.token_url, data=form, authenticate=False)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError(
                "token endpoint answered without an access_token", **_ids(response, "POST")
            )
        try:
            expires_in = float(data.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_in = 3600.0
        log.info(
            "Obtained access token for organization %s (expires in %.0f s)",
            self.organization_id,
            expires_in,
        )
        return AccessToken(token, max(expires_in, 0.0))

    def _call(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        authenticate: bool = True,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[httpx.Response, Any]:
        """Send with retries; return a 2xx response and its body parsed exactly.

        Anything else raises the typed error. Token requests are treated as
        idempotent (they change nothing) and do not draw from the API's rate
        budget, which the API counts on its own host.
        """
        target = httpx.URL(url if str(url).startswith("http") else self.base_url + str(url))
        where = str(target.copy_with(query=None))  # the cursor in a query is noise in logs
        idempotent = method in IDEMPOTENT_METHODS or not authenticate
        base_headers = {"Content-Type": "application/json"} if "content" in kwargs else {}
        attempt = 0
        refreshed_after_401 = False
        while True:
            attempt += 1
            headers = dict(base_headers)
            token = None
            if authenticate:
                token = self._tokens.get()
                if self.limiter.acquire() > 0:
                    # The wait for a slot may be long (many threads, a 429 pause): send
                    # the token that is valid now, renewed if it fell due meanwhile.
                    token = self._tokens.get()
                headers["Authorization"] = f"Bearer {token}"
            self._count("requests")
            try:
                response = self._http.request(
                    method, target, params=params, headers=headers, **kwargs
                )
            except httpx.TransportError as exc:
                kind = type(exc).__name__
                retryable = idempotent or isinstance(exc, _NEVER_SENT)
                if retryable and attempt < self.retry.max_attempts:
                    self._wait(attempt, None, f"{method} {where}: {kind}")
                    continue
                raise TransportError(
                    f"{kind} after {attempt} attempt(s)", method=method, url=where
                ) from exc
            self._count(f"status_{response.status_code}")

            if response.status_code == 401 and authenticate and not refreshed_after_401:
                # An expired or revoked token: one fresh token, then the same request.
                refreshed_after_401 = True
                self._tokens.invalidate(token or "")
                attempt -= 1
                continue
            if response.is_success:
                try:
                    data = parse_json(response.content) if response.content else None
                except ValueError as exc:
                    if idempotent and attempt < self.retry.max_attempts:
                        self._wait(attempt, None, f"{method} {where}: malformed JSON body")
                        continue
                    raise ResponseFormatError(
                        f"response body is not valid JSON after {attempt} attempt(s)",
                        **_ids(response, method),
                    ) from exc
                return response, data

            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if response.status_code == 429:
                self._count("rate_limited")
            retryable = is_retryable_status(response.status_code, idempotent=idempotent)
            if retryable and attempt < self.retry.max_attempts:
                tracking_id = read_error_body(response).tracking_id
                reason = f"{method} {where}: HTTP {response.status_code}" + (
                    f" (trackingId={tracking_id})" if tracking_id else ""
                )
                # A 429 is about the budget every thread shares: all of them wait
                # it out in the rate limiter, rather than this thread alone.
                shared = response.status_code == 429 and authenticate
                self._wait(attempt, self.retry.delay(attempt, retry_after), reason, shared=shared)
                continue
            error = error_from_response(response, method=method, url=where, retry_after=retry_after)
            if not authenticate and response.status_code < 500:
                raise AuthenticationError(
                    "token endpoint refused the client credentials for organization "
                    f"{self.organization_id}: {error.message}",
                    **_ids(response, method),
                ) from error
            raise error

    def _wait(
        self, attempt: int, delay: float | None, reason: str, *, shared: bool = False
    ) -> None:
        seconds = self.retry.delay(attempt) if delay is None else delay
        self._count("retries")
        log.warning(
            "Retrying %s (attempt %d of %d) in %.2f s",
            reason,
            attempt + 1,
            self.retry.max_attempts,
            seconds,
        )
        if shared:
            self.limiter.pause(seconds)
        else:
            self._sleep(seconds)


def _listing_params(
    resource: Resource, since: dt.datetime | None, params: dict[str, Any] | None
) -> dict[str, Any]:
    """The listing's query: ``params``, and ``since`` as the resource's cursor."""
    query = dict(params or {})
    if since is not None:
        if resource.cursor is None:
            raise ValueError(f"{resource.name} has no change-time filter; list it whole")
        query[resource.cursor] = query_timestamp(since)
    return query


def _ids(response: httpx.Response, method: str) -> dict[str, Any]:
    return {
        "status_code": response.status_code,
        "trace_id": response.headers.get("X-Trace-Id"),
        "method": method,
        "url": str(response.request.url.copy_with(query=None)) if response.request else None,
    }


def _check_transport_security(urls: dict[str, str], allow_insecure_http: bool) -> None:
    """Refuse URLs the secret or a token must not be sent to; see the class docstring.

    Errors name the setting and the host only: a URL may carry credentials.
    """
    insecure = []
    for setting, raw in urls.items():
        try:
            url = httpx.URL(raw)
        except httpx.InvalidURL as exc:
            raise ConfigurationError(f"{setting} is not a valid URL ({exc})") from None
        if url.scheme not in ("https", "http") or not url.host:
            raise ConfigurationError(
                f"{setting} must be an https:// URL with a host, got scheme "
                f"{url.scheme or '(none)'!r} and host {url.host or '(none)'!r}"
            )
        if url.scheme == "http" and not is_loopback(url.host):
            insecure.append((setting, url.host))
    if not insecure:
        return
    described = ", ".join(f"{setting} to {host}" for setting, host in insecure)
    if not allow_insecure_http:
        raise ConfigurationError(
            f"plain HTTP refused for {described}: the client secret and the bearer "
            "token would travel unencrypted. Use https://; plain HTTP is allowed only "
            "to loopback hosts, or with allow_insecure_http for a test proxy"
        )
    log.warning(
        "Sending the client secret and bearer tokens over plain HTTP (%s) because "
        "allow_insecure_http is set: anyone on the network path can read them; "
        "use only for testing",
        described,
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
