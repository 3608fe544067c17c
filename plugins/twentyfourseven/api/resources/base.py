"""What a resource description says: how the API lists and reads an entity, and the
raw columns the warehouse keeps of it.

One :class:`Resource` per API entity drives every layer: the client lists, gets and
reads children from it, the plan and the extract read what it says, the staging
files and the ``raw`` tables take their fields from its :class:`Column` lists, and
the load's bulk reader its types. Adding an entity is one description (plus its SQL
models and its sandbox data), as a dlt ``rest_api`` endpoint or a Singer stream is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, TypeAdapter


class Paging(StrEnum):
    """How a listing comes in pages."""

    LINK = "link"  # Link: <…>; rel="next" carrying a continuationToken (/salesorders)
    PAGE = "page"  # page=1,2,… with limit=N until a short page (/products)
    NONE = "none"  # one plain JSON array (/taxes, /accounts, /currencies)


@dataclass(frozen=True, slots=True)
class Column:
    """One raw column: its name, its DuckDB type, and how it is read from a validated
    record."""

    name: str
    sql_type: str
    get: Callable[[Any], Any]

    @property
    def decimal(self) -> tuple[int, int] | None:
        """(width, scale) for DECIMAL columns."""
        if not self.sql_type.startswith("DECIMAL("):
            return None
        width, scale = self.sql_type[8:-1].split(",")
        return int(width), int(scale)


def field(*names: str) -> Callable[[Any], Any]:
    """A getter for the attribute path ``names`` (None where a step is None)."""

    def get(model: Any) -> Any:
        for name in names:
            if model is None:
                return None
            model = getattr(model, name)
        return model

    return get


def text(*names: str) -> Callable[[Any], Any]:
    """As :func:`field`, as a string (enums by their value)."""
    get = field(*names)
    return lambda model: None if (value := get(model)) is None else str(value)


@dataclass(frozen=True)
class Child:
    """Records read per parent record, one request each, not paged (an order's lines at
    ``/salesorders/{id}/lines``). Each row keeps its parent's key and its position."""

    name: str  # staging file and raw table
    path: str  # below the parent's item path
    model: type[BaseModel]
    key: str  # the column that identifies a record within its parent
    columns: tuple[Column, ...]

    @functools.cached_property
    def list_model(self) -> TypeAdapter[list[Any]]:
        """Validates a whole list of children in one pass."""
        return TypeAdapter(list[self.model])  # type: ignore[name-defined]


@dataclass(frozen=True)
class Resource:
    """An API entity: where it is listed and how, its key, its children and its columns.

    ``cursor`` is the query parameter that lists only records changed since a time
    (``modifiedFrom``), ``cursor_column`` the column holding that time of a record
    (where the watermark is read from); without them every run reads the full list. ``detail_model``
    is what ``GET {path}/{id}`` answers, when the API has it. A resource with
    ``children`` is read per record (the plan lists the keys, the extract reads each
    record and its children); one without is read as a listing. ``history`` keeps
    every version of a listed record (``raw.<name>_history``, valid from / valid to,
    as a dbt snapshot does), so a sale can be shown with the record as it was then.
    """

    name: str  # staging file and raw table
    path: str
    paging: Paging
    model: type[BaseModel]
    key: str  # the column holding the record's key; its getter reads the record's ID
    columns: tuple[Column, ...]
    cursor: str | None = None
    cursor_column: str | None = None
    detail_model: type[BaseModel] | None = None
    children: tuple[Child, ...] = ()
    history: bool = False

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        if self.key not in names:
            raise ValueError(f"resource {self.name}: key {self.key!r} is not one of its columns")
        if len(set(names)) != len(names):
            raise ValueError(f"resource {self.name}: a column name repeats")
        if (self.cursor is None) != (self.cursor_column is None):
            raise ValueError(f"resource {self.name}: a cursor needs its column and the reverse")
        if self.cursor_column is not None and self.cursor_column not in names:
            raise ValueError(f"resource {self.name}: no column {self.cursor_column!r}")
        if len(self.children) > 1:
            # The per-record reader and the load keep one child list per record.
            raise ValueError(f"resource {self.name}: at most one child resource is supported")

    @property
    def changed_column(self) -> str | None:
        """The column saying when a record last changed: the cursor's, else ``modified_at``."""
        if self.cursor_column:
            return self.cursor_column
        return "modified_at" if any(c.name == "modified_at" for c in self.columns) else None

    @property
    def watermark_name(self) -> str:
        """The ``ops.watermark`` row of a resource listed by cursor."""
        return f"{self.name}_{self.cursor_column}"

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    @property
    def key_column(self) -> Column:
        return self.column(self.key)

    def item_path(self, record_id: int | str) -> str:
        return f"{self.path}/{record_id}"

    def child_path(self, child: Child, record_id: int | str) -> str:
        return f"{self.item_path(record_id)}/{child.path}"
