"""Cursor paging by the RFC 8288 ``Link: <…>; rel="next"`` header."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx

from .errors import ResponseFormatError


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
