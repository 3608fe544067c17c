"""The Jinja environment of the report's pages (``templates/``, shipped as package data).

Autoescape is on, and every value a template writes goes through :func:`esc`
(the environment's ``finalize``); what is markup already (a chart drawn by
``charts.svg.j2``, the page's own CSS and scripts) passes as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).with_name("templates")


def esc(value: object) -> str:
    """Text or attribute value, escaped for HTML and inline SVG (quotes included)."""
    return escape(str(value), quote=True)


def trusted(text: str) -> Markup:
    """Text a template writes as it is: the page's own files, or text already escaped."""
    return Markup(text)  # noqa: S704 (never called on text from the data unescaped)


def _escaped(value: Any) -> Any:
    # esc rather than autoescape's own markupsafe.escape: the pages have always escaped
    # quotes as html.escape does (&quot;, &#x27;), and one function for every page and
    # chart keeps them so.
    return value if hasattr(value, "__html__") else trusted(esc(value))


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        finalize=_escaped,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def macro(template: str, name: str) -> Callable[..., Markup]:
    """A macro of ``template``, to call from Python: it returns markup."""
    return getattr(environment().get_template(template).module, name)


@cache
def asset(name: str) -> str:
    """A CSS or JavaScript file of ``templates/``, inlined into a page as it is."""
    return (TEMPLATES / name).read_text(encoding="utf-8")
