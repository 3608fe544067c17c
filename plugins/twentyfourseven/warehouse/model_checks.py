"""The key and reference data tests, derived from the models' column annotations.

A model's column documentation carries two annotations the data tests follow::

    -- column: order_id — the order's ID in 24SevenOffice (key)
    -- column: customer_id — the customer (→ marts.dim_customers)

The ``(key)`` columns of a model together identify one of its rows and are never null;
a ``(unique)`` column identifies a row too but may be null (once: a month report's row
of orders without a date). A ``(→ schema.name)`` column holds the key of that model
(which must have a single key column), or null. From them come three queries, each
returning the rows that break it, like the data tests of ``sql/tests``: ``keys_unique``
(no key twice), ``keys_not_null`` (no ``(key)`` column null) and ``keys_reference``
(every non-null reference found in its model). Annotating a column is all it takes
to have it checked, with one exception: a view computed from other models (a
``base_`` view of the marts, a report) holds only keys those models hold, so its
references are checked where they come from, not computed again (its annotations
must still name a model with a single key column).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

_KEY = re.compile(r"\((key|unique)[);]")
_REFERENCE = re.compile(r"\(→\s*([A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)")


class AnnotationError(ValueError):
    """An annotation that cannot be checked (a reference to no model, or to a model
    without a single key column)."""

    def __init__(self, relation: str, message: str) -> None:
        self.relation = relation
        super().__init__(message)


@dataclass(frozen=True)
class Annotated:
    """What one model's column documentation says about keys and references."""

    relation: str
    keys: tuple[str, ...]  # the (key) and (unique) columns
    not_null: tuple[str, ...]  # the (key) columns
    references: tuple[tuple[str, str], ...]  # (column, the model whose key it holds)
    view_of_models: bool = False  # its references are checked in the models it reads

    @classmethod
    def from_columns(
        cls, relation: str, columns: Iterable[tuple[str, str]], *, view_of_models: bool = False
    ) -> Annotated:
        columns = list(columns)
        return cls(
            relation,
            tuple(name for name, text in columns if _KEY.search(text)),
            tuple(name for name, text in columns if (m := _KEY.search(text)) and m[1] == "key"),
            tuple(
                (name, match.group(1))
                for name, text in columns
                if (match := _REFERENCE.search(text))
            ),
            view_of_models,
        )


@dataclass(frozen=True)
class DerivedTest:
    name: str
    description: str
    sql: str


def derived_tests(
    models: Sequence[Annotated], narrow: Callable[[str], str] | None = None
) -> list[DerivedTest]:
    """The three key and reference tests over ``models`` (one with no query is left out).

    ``narrow`` gives what to read of a checked model (on an incremental run, only the
    changed orders' rows of a model with an order column); the model a reference points
    to is read whole."""
    read = narrow or (lambda relation: relation)
    keyed = [m for m in models if m.keys]
    keys = {m.relation: m.keys for m in keyed}
    references = [
        (model, column, target, _single_key(model, target, keys))
        for model in models
        for column, target in model.references
    ]
    unique = [
        f"select '{m.relation}' as model, {_key_text(m.keys)} as key, count(*) as rows_with_key\n"
        f"from {read(m.relation)} group by {', '.join(m.keys)} having count(*) > 1"
        for m in keyed
    ]
    not_null = [
        f"select '{m.relation}' as model, '{', '.join(m.not_null)}' as key_column, "
        f"count(*) as null_rows\nfrom {read(m.relation)} "
        f"where {' or '.join(f'{k} is null' for k in m.not_null)}\nhaving count(*) > 0"
        for m in keyed
        if m.not_null
    ]
    reference = [
        f"select '{model.relation}' as model, '{column}' as key_column, "
        f"{_key_text(model.keys, 'm.') if model.keys else 'null'} as row_key, "
        f"m.{column}::varchar as missing_key\n"
        f"from {read(model.relation)} as m anti join {target} as t on m.{column} = t.{key}\n"
        f"where m.{column} is not null"
        for model, column, target, key in references
        if not model.view_of_models
    ]
    tests = [
        _derived(
            "keys_unique",
            "every model's (key) and (unique) columns identify one row",
            unique,
            "model, key",
        ),
        _derived("keys_not_null", "no (key) column of a model is null", not_null),
        _derived(
            "keys_reference",
            "every non-null (→ schema.model) column holds a key of that model",
            reference,
            "model, key_column, row_key",
        ),
    ]
    return [test for test in tests if test is not None]


def _single_key(model: Annotated, target: str, keys: dict[str, tuple[str, ...]]) -> str:
    if target not in keys:
        raise AnnotationError(
            model.relation, f"a column refers to {target}, which is no model with a (key) column"
        )
    if len(keys[target]) != 1:
        raise AnnotationError(
            model.relation,
            f"a column refers to {target}, whose key has {len(keys[target])} columns, not one",
        )
    return keys[target][0]


def _key_text(columns: Sequence[str], prefix: str = "") -> str:
    """The key as text: one column cast, several joined with a slash."""
    if len(columns) == 1:
        return f"{prefix}{columns[0]}::varchar"
    return " || '/' || ".join(f"{prefix}{c}" for c in columns)


def _derived(
    name: str, description: str, selects: list[str], order_by: str = ""
) -> DerivedTest | None:
    """The selects as one query; None when there are none (no model annotated so)."""
    if not selects:
        return None
    sql = "\nunion all\n".join(selects) + (f"\norder by {order_by}" if order_by else "")
    return DerivedTest(name, description, sql)
