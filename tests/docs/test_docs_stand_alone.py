"""The project's documents stand alone: they link nothing outside the repository, and
every setting is documented in one place that the DAG's own documentation points to.

- every link in README.md and docs/ resolves to a file (or heading) in the repository,
  or to a service on the user's own machine; no link or path names a document users
  do not have;
- the README's settings table lists every field of ``PipelineSettings``, with its
  default, and nothing else;
- the DAG's ``doc_md`` names every setting or points to that table, and names the
  environment variables read outside it (when the DAG is parsed, the data folder).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import twentyfourseven

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DAG_FILE = ROOT / "dags" / "twentyfourseven_sales_orders.py"
DOCUMENTS = sorted([README, *(ROOT / "docs").rglob("*.md")])
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
# Names of places users of the project do not have.
FOREIGN_PATHS = re.compile(r"\.\./shared|\bshared/ARCHITECTURE|\bARCHITECTURE\.md|/work/")

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<((?:https?|ftp|file)://[^>\s]+)>")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The text without fenced code blocks (examples, not links)."""
    return _FENCE.sub("", text)


def links(text: str) -> list[str]:
    """Every link target of a markdown text: inline, autolinks and reference definitions."""
    prose = _prose(text)
    targets = [*_INLINE_LINK.findall(prose), *_REFERENCE.findall(prose)]
    targets += _AUTOLINK.findall(_CODE_SPAN.sub("", prose))
    return targets


def anchors(text: str) -> set[str]:
    """The heading anchors GitHub gives a markdown text."""
    found: set[str] = set()
    for heading in _HEADING.findall(_prose(text)):
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
        slug = re.sub(r"[^\w\- ]", "", plain.lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in found:
            n += 1
            anchor = f"{slug}-{n}"
        found.add(anchor)
    return found


def link_problem(document: Path, target: str) -> str | None:
    """Why ``target`` (a link in ``document``) leaves the repository or leads nowhere."""
    parts = urlsplit(target)
    if parts.scheme in ("http", "https"):
        if parts.hostname in LOCAL_HOSTS:
            return None  # a service the user runs (the sandbox, the Airflow UI)
        return "a web page outside the repository"
    if parts.scheme or parts.netloc:
        return f"a {parts.scheme or 'network'} link outside the repository"
    path = unquote(parts.path)
    if path.startswith("/"):
        return "an absolute path (not the repository's)"
    resolved = (document.parent / path).resolve() if path else document
    if not resolved.is_relative_to(ROOT):
        return "a path outside the repository"
    if not resolved.exists():
        return "a file the repository does not have"
    if (
        parts.fragment
        and resolved.is_file()
        and resolved.suffix == ".md"
        and parts.fragment not in anchors(resolved.read_text())
    ):
        return f"no heading #{parts.fragment} in {resolved.relative_to(ROOT)}"
    return None


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_stays_in_the_repository(document):
    text = document.read_text()
    problems = [
        f"{target}: {problem}"
        for target in links(text)
        if (problem := link_problem(document, target)) is not None
    ]
    problems += [f"names {m.group()!r}" for m in FOREIGN_PATHS.finditer(text)]
    assert not problems, f"{document.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_the_link_check_catches_links_out_of_the_repository():
    readme = README.read_text()
    assert "docs/architecture.md" in links(readme)
    assert link_problem(README, "docs/architecture.md") is None
    assert link_problem(README, "../shared/ARCHITECTURE.md") == "a path outside the repository"
    assert link_problem(README, "docs/nothing.md") == "a file the repository does not have"
    assert link_problem(README, "https://example.com/x") == "a web page outside the repository"
    assert link_problem(README, "http://localhost:8080") is None
    assert link_problem(README, "docs/architecture.md#no-such-heading") is not None
    assert links("[a](x.md) <https://example.com> `<https://code.example>`\n[r]: y.md\n") == [
        "x.md",
        "y.md",
        "https://example.com",
    ]


# --- settings -------------------------------------------------------------------------


def settings_class() -> type:
    """``PipelineSettings``, wherever in the package it lives (it may move)."""
    package = Path(twentyfourseven.__file__).parent
    for path in sorted(package.rglob("*.py")):
        if re.search(r"^class PipelineSettings\b", path.read_text(), re.M):
            module = ".".join(("twentyfourseven", *path.relative_to(package).with_suffix("").parts))
            return importlib.import_module(module.removesuffix(".__init__")).PipelineSettings
    raise AssertionError("no class PipelineSettings in the twentyfourseven package")


def readme_settings_table() -> dict[str, str]:
    """The README's settings table: setting name -> default, as written."""
    text = README.read_text()
    start = text.index("**Settings**")
    rows: dict[str, str] = {}
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        name = cells[0].strip("`")
        if name in ("name", "") or set(name) <= {"-", " ", ":"}:
            continue
        rows[name] = cells[1].strip("`")
    return rows


def test_the_readme_settings_table_lists_every_setting_and_only_those():
    documented = set(readme_settings_table())
    fields = {field.name for field in dataclasses.fields(settings_class())}
    assert fields - documented == set(), "settings missing from the README's table"
    assert documented - fields == set(), "rows of the README's table that are no setting"


def test_the_readme_settings_table_gives_the_defaults(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith("TWENTYFOURSEVEN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TWENTYFOURSEVEN_DATA_DIR", str(tmp_path))
    defaults = settings_class().load()  # no Airflow Variables, no environment
    wrong = {}
    for name, written in readme_settings_table().items():
        value = getattr(defaults, name)
        if isinstance(value, Path):
            matches = written == f"data/{value.relative_to(tmp_path).as_posix()}"
        elif isinstance(value, str):
            matches = written == value
        elif written.startswith("0") and len(written) > 1:  # octal permissions
            matches = int(written, 8) == value
        else:
            matches = float(written.replace(",", "")) == value
        if not matches:
            wrong[name] = (written, value)
    assert not wrong, f"README default differs from the code's (README, code): {wrong}"


def dag_doc_md() -> str:
    return ast.get_docstring(ast.parse(DAG_FILE.read_text()), clean=False) or ""


def environment_variables_outside_the_table() -> set[str]:
    """``TWENTYFOURSEVEN_*`` variables the DAG file and the settings module read by name
    that are not ``TWENTYFOURSEVEN_<NAME>`` of a setting (those the table covers)."""
    fields = {
        f"TWENTYFOURSEVEN_{field.name.upper()}" for field in dataclasses.fields(settings_class())
    }
    sources = [
        DAG_FILE.read_text(),
        Path(importlib.import_module(settings_class().__module__).__file__).read_text(),
    ]
    names = {
        name
        for source in sources
        for name in re.findall(r"\bTWENTYFOURSEVEN_[A-Z][A-Z0-9_]*", source)
    }
    return names - fields


def test_the_dag_doc_names_every_setting_or_points_to_the_table():
    doc = dag_doc_md()
    fields = [field.name for field in dataclasses.fields(settings_class())]
    unnamed = [name for name in fields if f"`{name}`" not in doc]
    points_to_table = "README" in doc and "**Settings**" in doc
    assert points_to_table or not unnamed, (
        f"the DAG's doc_md neither points to the README's settings table nor names {unnamed}"
    )


def test_environment_variables_outside_the_table_are_documented():
    names = environment_variables_outside_the_table()
    assert {"TWENTYFOURSEVEN_SCHEDULE", "TWENTYFOURSEVEN_PARALLEL_EXTRACTS"} <= names
    doc, readme = dag_doc_md(), README.read_text()
    assert [name for name in sorted(names) if name not in doc] == [], "missing from doc_md"
    assert [name for name in sorted(names) if name not in readme] == [], "missing from README"
