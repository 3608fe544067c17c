"""The Jinja environment of the report's pages (``templates/``, shipped as package data).

Autoescape is on, and every value a template writes goes through
:func:`.svg.esc` (the environment's ``finalize``), so text in the templates and
text in the SVG charts are escaped by the same function; what is markup already
(the charts, the page's own CSS and scripts) passes as it is.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .svg import esc

TEMPLATES = Path(__file__).with_name("templates")


def trusted(text: str) -> Markup:
    """Text a template writes as it is: the page's own files, or text already escaped."""
    return Markup(text)  # noqa: S704 (never called on text from the data unescaped)


def _escaped(value: Any) -> Any:
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


@cache
def asset(name: str) -> str:
    """A CSS or JavaScript file of ``templates/``, inlined into a page as it is."""
    return (TEMPLATES / name).read_text(encoding="utf-8")
