"""The README's example queries are the files the test suite runs, word for word."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUERIES = sorted((ROOT / "docs" / "queries").glob("*.sql"))


def _sql_lines(text: str) -> list[str]:
    return [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("--")
    ]


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.name)
def test_readme_shows_each_example_query_as_it_is_tested(query):
    readme = [line.strip() for line in (ROOT / "README.md").read_text().splitlines()]
    wanted = _sql_lines(query.read_text())
    found = any(
        readme[start : start + len(wanted)] == wanted
        for start, line in enumerate(readme)
        if line == wanted[0]
    )
    assert found, f"README does not show {query.name} as it is in docs/queries"


def test_the_readme_has_seven_queries():
    assert len(QUERIES) == 7
