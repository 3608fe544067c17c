"""The order the SQL models build in: each after the models it reads.

A model reads another when its SQL names it as ``schema.name`` outside comments and
string literals (the models always qualify the relations they read; a CTE's name is
never qualified, so it is never taken for a model). Models that do not depend on each
other keep a fixed order: by layer (staging, marts, reports), then by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

# Comments and quoted text, removed before looking for relation names: a header comment
# or a label such as 'marts.dim_products' in a query is not a read.
_NOT_CODE = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", re.DOTALL)
_QUALIFIED = re.compile(r'"?\b([A-Za-z_][A-Za-z0-9_]*)"?\s*\.\s*"?([A-Za-z_][A-Za-z0-9_]*)\b"?')


_CREATES_VIEW = re.compile(r"\bcreate\s+(?:or\s+replace\s+)?view\b", re.IGNORECASE)


class ModelCycleError(ValueError):
    """Models read each other in a circle, so no order builds them all."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("the models read each other in a cycle: " + " → ".join(cycle))


def relations_read(sql: str, models: Iterable[str]) -> set[str]:
    """The ``schema.name`` relations among ``models`` that ``sql`` names."""
    known = {model.lower() for model in models}
    code = _NOT_CODE.sub(" ", sql)
    named = {f"{schema}.{name}".lower() for schema, name in _QUALIFIED.findall(code)}
    return named & known


def model_relation(path: Path) -> str:
    """The relation a model file builds: ``<its layer's folder>.<its name>``."""
    return f"{path.parent.name}.{path.stem}".lower()


def model_reads(paths: Mapping[str, Path], others: Iterable[str] = ()) -> dict[str, set[str]]:
    """Each model's reads (by relation) among the models and ``others`` (tables no model
    builds, e.g. ``raw``'s), itself left out."""
    known = {*paths, *others}
    return {
        relation: relations_read(path.read_text(encoding="utf-8"), known) - {relation}
        for relation, path in paths.items()
    }


# A relation name outside comments and string literals, and whether an alias follows.
_CODE_OR_NAME = re.compile(
    r"(--[^\n]*|/\*.*?\*/|'(?:[^']|'')*')"
    r"|\b([A-Za-z_][A-Za-z0-9_]*\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)\b(\s+as\b)?",
    re.DOTALL | re.IGNORECASE,
)


def narrowed(sql: str, relations: Iterable[str], key: str, keys: str) -> str:
    """``sql`` reading, of each of ``relations``, only the rows whose ``key`` is ``in
    (keys)`` (a query or a list of values): each name becomes a subquery, under the
    relation's own name unless the query gives it an alias."""
    wanted = {relation.lower() for relation in relations}

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if name is None:
            return match.group(0)
        relation = re.sub(r"\s+", "", name).lower()
        if relation not in wanted:
            return match.group(0)
        alias = match.group(3) or f" as {relation.split('.')[1]}"
        return narrowed_relation(relation, key, keys) + alias

    return _CODE_OR_NAME.sub(replace, sql)


def narrowed_relation(relation: str, key: str, keys: str) -> str:
    """A subquery of the rows of ``relation`` whose ``key`` is ``in (keys)``."""
    return f"(select * from {relation} where {key} in ({keys}))"  # noqa: S608 (names, IDs)


def creates_view(sql: str) -> bool:
    """Whether the model is a view (computed when read) rather than a table."""
    return bool(_CREATES_VIEW.search(_NOT_CODE.sub(" ", sql)))


def build_order(reads: Mapping[str, set[str]], rank: Mapping[str, object]) -> list[str]:
    """Every model after those it reads (itself excluded); ties in ``rank`` order.

    Raises :class:`ModelCycleError` naming one cycle when there is no such order.
    """
    waiting = {model: set(read) & set(reads) - {model} for model, read in reads.items()}
    ordered: list[str] = []
    while waiting:
        ready = [model for model, read in waiting.items() if not read]
        if not ready:
            raise ModelCycleError(_a_cycle(waiting))
        model = min(ready, key=lambda m: (rank[m], m))
        ordered.append(model)
        del waiting[model]
        for read in waiting.values():
            read.discard(model)
    return ordered


def _a_cycle(waiting: Mapping[str, set[str]]) -> list[str]:
    """One cycle among models that all still wait for another: follow the first read
    of each until a model comes round again."""
    path: list[str] = []
    model = min(waiting)
    while model not in path:
        path.append(model)
        model = min(waiting[model])
    return [*path[path.index(model) :], model]
