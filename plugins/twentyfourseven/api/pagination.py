"""The API's paging styles, each one small generator of (response, body) pages:
cursor paging by the RFC 8288 ``Link: <…>; rel="next"`` header, ``page``/``limit``
numbering, and a plain array in one response."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .errors import ResponseFormatError
from .resources import Paging


def next_page_url(response: httpx.Response) -> httpx.URL | None:
    """The absolute URL of the next page, or None on the last page."""
    link = response.links.get("next", {}).get("url")
    return response.url.join(link) if link else None


Page = tuple[httpx.Response, Any]


def paginate(
    fetch: Callable[[httpx.URL | str, dict | None], Page],
    url: httpx.URL | str,
    params: dict | None,
) -> Iterator[Page]:
    """Yield each page (response, parsed body) lazily, following ``rel="next"`` to the end.

    The next link carries the cursor and the filters, so only the first request
    takes ``params``. A link to another origin is refused: it would be sent our
    bearer token. A link back to the same page would loop forever and is refused.
    """
    origin: tuple[str, str, int | None] | None = None
    while True:
        response, body = fetch(url, params)
        if origin is None:
            origin = (response.url.scheme, response.url.host, response.url.port)
        yield response, body
        following = next_page_url(response)
        if following is None:
            return
        if (following.scheme, following.host, following.port) != origin:
            raise ResponseFormatError(
                f"next-page link points to another origin ({following.host}); not followed"
            )
        if following == response.url:
            raise ResponseFormatError("next-page link points to the same page; paging stopped")
        url, params = following, None


def paginate_numbered(
    fetch: Callable[[httpx.URL | str, dict | None], Page],
    url: httpx.URL | str,
    params: dict | None,
    page_size: int,
) -> Iterator[Page]:
    """Yield pages ``page=1, 2, …`` of ``limit=page_size`` until one is short or empty.

    A page that repeats the previous one (a server ignoring ``page``) would loop
    forever and is refused.
    """
    previous: Any = None
    for number in itertools.count(1):
        response, body = fetch(url, {**(params or {}), "page": number, "limit": page_size})
        if number > 1 and body and body == previous:
            raise ResponseFormatError(f"page {number} repeats page {number - 1}; paging stopped")
        yield response, body
        if not isinstance(body, list) or len(body) < page_size:
            return
        previous = body


def pages(
    paging: Paging,
    fetch: Callable[[httpx.URL | str, dict | None], Page],
    url: httpx.URL | str,
    params: dict | None,
    page_size: int,
) -> Iterator[Page]:
    """The pages of one listing in the resource's paging style."""
    if paging is Paging.LINK:
        return paginate(fetch, url, {**(params or {}), "limit": page_size})
    if paging is Paging.PAGE:
        return paginate_numbered(fetch, url, params, page_size)
    return iter([fetch(url, params)])


def server_time(response: httpx.Response) -> dt.datetime | None:
    """The response's ``Date`` header (the server's clock, UTC), or None if absent or
    unreadable."""
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class ListingPages:
    """The pages of one listing (each the JSON array received), fetched as iterated.

    ``server_time`` is the ``Date`` of the first page's response once it has
    arrived: when, by the server's clock, the listing was taken. An order changed
    after that moment may be missing from later pages (the cursor has passed it),
    so nothing this listing saw says anything about later times.
    """

    def __init__(self, pages: Iterator[tuple[httpx.Response, list[Any]]]) -> None:
        self._pages = pages
        self.server_time: dt.datetime | None = None

    def __iter__(self) -> Iterator[list[Any]]:
        for response, items in self._pages:
            if self.server_time is None:
                self.server_time = server_time(response)
            yield items
