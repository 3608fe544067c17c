"""The SQL model runner (the DAG's step 4, "transform") and the data dictionary.

:func:`run_models` runs the ``.sql`` files of the package's ``sql/staging``,
``sql/marts`` and ``sql/reports``, each after the models it reads
(:mod:`.model_graph`), then every data test, each of which must return zero rows:
the queries of ``sql/tests`` and the key and reference tests derived from the
models' column annotations (:mod:`.model_checks`).

A model file creates or replaces one view or table named after the file, in the
schema named after its folder (``sql/marts/dim_products.sql`` creates
``marts.dim_products``), and reads other models by their qualified names
(``from marts.dim_products``). Its header comment states the grain and documents
every column, with ``(key)`` on the columns that identify a row (``(unique)`` where
such a column may be null) and ``(→ schema.model)`` on those holding another model's
key::

    -- grain: one row per …
    -- description: what the model is for (optional; may go on over
    --   further comment lines indented by two spaces or more)
    -- column: order_id — the order's ID in 24SevenOffice (key)
    -- column: customer_id — the customer (→ marts.dim_customers)

The runner checks that the object exists and that its columns are exactly the
documented ones, in the documented order. A data test file starts with
``-- test: what it checks``.

A model or data test headed ``-- incremental: order_id`` is updated (tested) for the
orders changed since the last build only, on an incremental run (:mod:`.incremental`).

The runner writes no SQL of its own except ``CREATE SCHEMA IF NOT EXISTS`` for
the three model schemas and what :mod:`.incremental` needs (``ops.model_state``,
the incremental facts' delete and insert). The models are built in one transaction,
so a model that fails leaves the previous models untouched; the data tests run after
the commit, so the rows that broke a test can be inspected in the warehouse.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from twentyfourseven.duckdb_session import open_duckdb

from ..locations import default_docs_dir
from .incremental import KEY, IncrementalBuild, Scope, record_tests, tests_digest
from .model_checks import Annotated, AnnotationError, derived_tests
from .model_graph import (
    ModelCycleError,
    build_order,
    creates_view,
    model_reads,
    model_relation,
)
from .snapshot import MATERIALIZED_SCHEMAS, OPS_TABLES, WITHHELD_COLUMNS

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
DICTIONARY = default_docs_dir() / "data_dictionary.md"
LAYERS = ("staging", "marts", "reports")
TESTS = "tests"
SHOWN_ROWS = 10

_KEY = re.compile(r"^--\s?(grain|description|column|test|incremental):\s*(.*)$")
_COLUMN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s+(?:—|-)\s+(.+)$")
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")


# --- errors and results ---------------------------------------------------------


class ModelError(RuntimeError):
    """A model file failed, or does not create and document what it should."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"model {_shown(path)} failed: {message}")


@dataclass(frozen=True)
class ModelResult:
    path: Path
    relation: str  # schema.name
    kind: str  # VIEW or BASE TABLE
    seconds: float
    # an incremental model: "updated" (the changed orders' rows only) or why it was rebuilt
    how: str = ""


@dataclass(frozen=True)
class DataTest:
    """A query that must return no rows: a file of ``sql/tests``, or derived."""

    name: str  # the file's stem, or the derived test's name
    shown: str  # where it comes from, as logs and errors name it
    description: str
    sql: str
    narrowed: bool = False  # read only the changed orders' rows (an incremental run)


@dataclass(frozen=True)
class DataTestResult:
    test: DataTest
    rows: int  # offending rows (0: passed)
    columns: tuple[str, ...] = ()
    sample: tuple[tuple[Any, ...], ...] = ()  # up to SHOWN_ROWS of them
    error: str | None = None  # the query itself failed
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.test.name

    @property
    def passed(self) -> bool:
        return self.rows == 0 and self.error is None

    def describe(self) -> str:
        name = self.test.shown
        if self.error:
            return f"{name}: the query failed: {self.error}"
        if self.passed:
            return f"{name}: ok"
        lines = [f"{name}: {self.rows} offending row(s) — {self.test.description}"]
        lines.append("  " + " | ".join(self.columns))
        lines += ["  " + " | ".join(_cell(v) for v in row) for row in self.sample]
        if self.rows > len(self.sample):
            lines.append(f"  … and {self.rows - len(self.sample)} more")
        return "\n".join(lines)


class DataTestError(AssertionError):
    """One or more data tests returned rows (or failed to run)."""

    def __init__(self, failures: list[DataTestResult]) -> None:
        self.failures = failures
        names = ", ".join(f.test.shown for f in failures)
        details = "\n".join(f.describe() for f in failures)
        super().__init__(f"{len(failures)} data test(s) failed: {names}\n{details}")


@dataclass
class ModelRunSummary:
    models: list[ModelResult] = field(default_factory=list)
    tests: list[DataTestResult] = field(default_factory=list)
    build_seconds: float = 0.0
    test_seconds: float = 0.0
    changed_orders: int = 0  # taken from ops.changed_orders by this build
    tests_narrowed: bool = False  # the row-level tests read the changed orders only

    @property
    def failed_tests(self) -> list[DataTestResult]:
        return [t for t in self.tests if not t.passed]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for an Airflow XCom or a log line)."""
        return {
            "models": len(self.models),
            "build_seconds": round(self.build_seconds, 3),
            "tests": len(self.tests),
            "tests_failed": len(self.failed_tests),
            "test_seconds": round(self.test_seconds, 3),
            "changed_orders": self.changed_orders,
            "tests_narrowed": self.tests_narrowed,
            "incremental_models": {m.relation: m.how for m in self.models if m.how},
            "model_seconds": {m.relation: round(m.seconds, 3) for m in self.models},
            "test_rows": {t.test.shown: t.rows for t in self.tests},
        }

    def describe(self) -> str:
        lines = [
            f"Built {len(self.models)} models in {self.build_seconds:.2f} s; "
            f"ran {len(self.tests)} data tests in {self.test_seconds:.2f} s "
            f"({len(self.failed_tests)} failed"
            + ("; row-level tests on the changed orders only)" if self.tests_narrowed else ")")
        ]
        lines += [
            f"  {m.relation:<52} {m.kind.lower():<10} {m.seconds:7.3f} s"
            + (f"  {m.how}" if m.how else "")
            for m in self.models
        ]
        lines += [
            f"  {t.test.shown:<52} {'ok' if t.passed else 'FAILED':<10} {t.seconds:7.3f} s"
            for t in self.tests
        ]
        return "\n".join(lines)


# --- model documentation ----------------------------------------------------------


@dataclass(frozen=True)
class ModelDoc:
    """What a model file's (or data test's) header comment says."""

    path: Path
    layer: str
    name: str
    grain: str = ""
    description: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    test: str = ""
    incremental: str = ""  # the column its rows belong to, when updated by changed orders

    @property
    def relation(self) -> str:
        return f"{self.layer}.{self.name}"


def parse_doc(path: Path) -> ModelDoc:
    """The header of a ``.sql`` file: the comment lines before its first statement."""
    items: list[list[str]] = []  # [key, name, text]; continuation lines extend the last
    extendable = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        if not line.startswith("--"):
            if line.strip():
                break
            extendable = False
            continue
        if match := _KEY.match(line):
            key, text = match.groups()
            name = ""
            if key == "column":
                column = _COLUMN.match(text)
                if not column:
                    raise ModelError(path, f"cannot read the column doc {line!r}")
                name, text = column.groups()
            items.append([key, name, text.strip()])
            extendable = True
        elif (more := _CONTINUATION.match(line)) and extendable:
            items[-1][2] += " " + more.group(1).strip()
        else:
            extendable = False
    fields = {key: text for key, _, text in items if key != "column"}
    return ModelDoc(
        path=path,
        layer=path.parent.name,
        name=path.stem,
        grain=fields.get("grain", ""),
        description=fields.get("description", ""),
        columns=tuple((name, text) for key, name, text in items if key == "column"),
        test=fields.get("test", ""),
        incremental=fields.get("incremental", ""),
    )


def model_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    """The model files in the order they build: each after the models it reads, else
    by layer and name. Raises :class:`ModelError` on models that read each other."""
    paths, reads = _model_reads(sql_dir)
    rank = {relation: LAYERS.index(path.parent.name) for relation, path in paths.items()}
    try:
        return [paths[relation] for relation in build_order(reads, rank)]
    except ModelCycleError as error:
        raise ModelError(paths[error.cycle[0]], str(error)) from error


def _model_reads(sql_dir: Path) -> tuple[dict[str, Path], dict[str, set[str]]]:
    """Each model's file, and the models it reads, by relation."""
    paths = {model_relation(path): path for path in _documented_order(sql_dir)}
    return paths, model_reads(paths)


def _documented_order(sql_dir: Path) -> list[Path]:
    """The model files by layer, then by name: the data dictionary's order."""
    return [path for layer in LAYERS for path in sorted((sql_dir / layer).glob("*.sql"))]


def data_test_files(sql_dir: Path) -> list[Path]:
    return sorted((sql_dir / TESTS).glob("*.sql"))


def data_tests(sql_dir: Path = SQL_DIR, scope: Scope | None = None) -> list[DataTest]:
    """Every data test by name: the files of ``sql/tests`` and those derived from the
    models' ``(key)`` and ``(→ …)`` annotations; with a ``scope`` (an incremental run),
    those headed ``-- incremental: <key>`` and the derived ones read only its rows."""
    tests = [_file_test(path, scope) for path in data_test_files(sql_dir)]
    paths, reads = _model_reads(sql_dir)
    docs = [parse_doc(path) for path in paths.values()]
    annotated = [
        Annotated.from_columns(
            d.relation,
            d.columns,
            view_of_models=bool(reads[model_relation(d.path)])
            and creates_view(d.path.read_text(encoding="utf-8")),
        )
        for d in docs
    ]
    try:
        derived = derived_tests(annotated, scope.narrow_relation if scope else None)
    except AnnotationError as error:
        path = next(d.path for d in docs if d.relation == error.relation)
        raise ModelError(path, str(error)) from error
    tests += [
        DataTest(
            t.name,
            f"{t.name} (derived from the column annotations)",
            t.description,
            t.sql,
            narrowed=scope is not None,
        )
        for t in derived
    ]
    names = [test.name for test in tests]
    if len(set(names)) != len(names):
        clash = sorted({name for name in names if names.count(name) > 1})
        raise ModelError(sql_dir / TESTS, f"data tests named alike: {clash} (a file "
                         "in sql/tests takes the name of a derived test)")  # fmt: skip
    return sorted(tests, key=lambda test: test.name)


def _file_test(path: Path, scope: Scope | None) -> DataTest:
    doc = parse_doc(path)
    sql = path.read_text(encoding="utf-8")
    if doc.incremental and doc.incremental != KEY:
        raise ModelError(path, f"a data test can be incremental by {KEY} only")
    narrow = scope is not None and bool(doc.incremental)
    return DataTest(
        path.stem, _shown(path), doc.test, scope.narrow(sql) if narrow and scope else sql, narrow
    )


# --- running ----------------------------------------------------------------------


def run_models(
    con_or_path: duckdb.DuckDBPyConnection | str | Path,
    sql_dir: str | Path = SQL_DIR,
    *,
    tests: bool = True,
    raise_on_failure: bool = True,
    shown_rows: int = SHOWN_ROWS,
    incremental: bool = False,
) -> ModelRunSummary:
    """Build every model, then run every data test; the DAG's transform step.

    ``incremental``: the incremental models update only the orders changed since the
    last build, and the data tests check only those where they can (:mod:`.incremental`);
    false (a full refresh or reconciliation run, or a manual transform) rebuilds and
    tests everything.

    ``con_or_path`` is an open read-write connection (left open, with no
    transaction of its own in progress) or the warehouse file. Raises
    :class:`ModelError` on the first model that fails (nothing is changed) and,
    after all tests have run, :class:`DataTestError` listing every failed test
    with up to ``shown_rows`` offending rows (unless ``raise_on_failure`` is false:
    then the summary tells).
    """
    sql_dir = Path(sql_dir)
    with _connection(con_or_path) as con:
        summary = ModelRunSummary()
        started = time.perf_counter()
        summary.models, build = _build_models(con, sql_dir, incremental=incremental)
        summary.build_seconds = time.perf_counter() - started
        summary.changed_orders = build.changed
        # Worded unlike the summary line below, which the demo shows, so it is shown once.
        log.info("Models built: %d in %.2f s", len(summary.models), summary.build_seconds)
        if tests:
            started = time.perf_counter()
            digest = tests_digest(t.sql for t in data_tests(sql_dir))
            scope = build.test_scope(digest)
            summary.tests = run_data_tests(con, sql_dir, shown_rows=shown_rows, scope=scope)
            summary.test_seconds = time.perf_counter() - started
            summary.tests_narrowed = scope is not None
            record_tests(con, digest, "failed" if summary.failed_tests else "passed")
        else:
            record_tests(con, "", "skipped")
            log.info(
                "Ran %d data tests in %.2f s, %d failed",
                len(summary.tests),
                summary.test_seconds,
                len(summary.failed_tests),
            )
    if raise_on_failure and summary.failed_tests:
        raise DataTestError(summary.failed_tests)
    return summary


class _connection:
    """A connection to use: the caller's, or one opened (and closed) here."""

    def __init__(self, con_or_path: duckdb.DuckDBPyConnection | str | Path) -> None:
        self.given = con_or_path
        self.con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        if isinstance(self.given, duckdb.DuckDBPyConnection):
            return self.given
        path = Path(self.given)
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}")
        self.con = open_duckdb(path)
        return self.con

    def __exit__(self, *exc: object) -> None:
        if self.con is not None:
            self.con.close()


def build_models(
    con: duckdb.DuckDBPyConnection, sql_dir: str | Path = SQL_DIR, *, incremental: bool = False
) -> list[ModelResult]:
    """Run the model files in one transaction; all or nothing. ``incremental``: see
    :func:`run_models`."""
    return _build_models(con, Path(sql_dir), incremental=incremental)[0]


def _build_models(
    con: duckdb.DuckDBPyConnection, sql_dir: Path, *, incremental: bool
) -> tuple[list[ModelResult], IncrementalBuild]:
    paths = model_files(sql_dir)
    if not paths:
        raise ModelError(sql_dir, "no model files found")
    results: list[ModelResult] = []
    con.begin()
    try:
        for layer in LAYERS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        build = IncrementalBuild.start(
            con, {model_relation(path): path for path in paths}, incremental=incremental
        )
        for path in paths:
            results.append(_build(con, path, build))
        build.finish()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return results, build


def _build(con: duckdb.DuckDBPyConnection, path: Path, build: IncrementalBuild) -> ModelResult:
    doc = parse_doc(path)
    if not doc.grain:
        raise ModelError(path, "the header states no grain (-- grain: …)")
    if doc.incremental and doc.incremental != KEY:
        raise ModelError(path, f"a model can be incremental by {KEY} only")
    sql = path.read_text(encoding="utf-8")
    how = ""
    started = time.perf_counter()
    try:
        if doc.incremental:
            digest, fingerprint = build.digest(doc.relation), build.fingerprint(doc.relation)
            reason = build.reason_to_rebuild(doc.relation, digest, fingerprint)
            if reason is None:
                build.update(doc.relation, sql)
            else:
                con.execute(sql)
            build.record(doc.relation, digest, fingerprint, whole=reason is not None)
            how = f"rebuilt: {reason}" if reason else f"updated: {build.changed} changed orders"
        else:
            con.execute(sql)
    except (duckdb.Error, ValueError) as error:
        raise ModelError(path, str(error)) from error
    seconds = time.perf_counter() - started
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = ? AND table_name = ?",
        [doc.layer, doc.name],
    ).fetchone()
    if kind is None:
        raise ModelError(path, f"it did not create {doc.relation}")
    actual = tuple(con.table(doc.relation).columns)
    documented = tuple(name for name, _ in doc.columns)
    if actual != documented:
        missing = [c for c in actual if c not in documented]
        extra = [c for c in documented if c not in actual]
        raise ModelError(
            path,
            "its documented columns differ from the columns it creates"
            f" (undocumented: {missing or 'none'}; documented but absent: {extra or 'none'};"
            " or a different order)",
        )
    log.info(
        "Model %s (%s) built in %.3f s%s",
        doc.relation,
        kind[0].lower(),
        seconds,
        f" ({how})" if how else "",
    )
    return ModelResult(path=path, relation=doc.relation, kind=kind[0], seconds=seconds, how=how)


def run_data_tests(
    con: duckdb.DuckDBPyConnection,
    sql_dir: str | Path = SQL_DIR,
    *,
    shown_rows: int = SHOWN_ROWS,
    scope: Scope | None = None,
) -> list[DataTestResult]:
    """Run every data test (:func:`data_tests`); a test passes when it returns no rows."""
    return [_test(con, test, shown_rows) for test in data_tests(Path(sql_dir), scope)]


def _test(con: duckdb.DuckDBPyConnection, test: DataTest, shown_rows: int) -> DataTestResult:
    started = time.perf_counter()
    try:
        cursor = con.execute(test.sql)
        columns = tuple(d[0] for d in cursor.description or ())
        sample = cursor.fetchmany(shown_rows)
        rows = len(sample)
        if rows == shown_rows:
            while batch := cursor.fetchmany(10_000):
                rows += len(batch)
    except duckdb.Error as error:
        return DataTestResult(test, 0, error=str(error), seconds=time.perf_counter() - started)
    result = DataTestResult(
        test,
        rows,
        columns=columns,
        sample=tuple(tuple(r) for r in sample),
        seconds=time.perf_counter() - started,
    )
    if not result.passed:
        log.error("Data test failed: %s", result.describe())
    return result


# --- data dictionary ----------------------------------------------------------------


def render_data_dictionary(sql_dir: str | Path = SQL_DIR) -> str:
    """``docs/data_dictionary.md``: every model's grain, columns, types and docs.

    The types come from building the models on an empty in-memory warehouse, so
    the dictionary depends on the SQL files only.
    """
    from .schema import create_schema

    sql_dir = Path(sql_dir)
    con = open_duckdb()
    try:
        create_schema(con)
        build_models(con, sql_dir)
        types = {
            doc.relation: dict(
                zip(
                    con.table(doc.relation).columns,
                    map(str, con.table(doc.relation).types),
                    strict=True,
                )
            )
            for doc in map(parse_doc, _documented_order(sql_dir))
        }
        kinds = dict(
            con.execute(
                "SELECT table_schema || '.' || table_name, table_type "
                "FROM information_schema.tables"
            ).fetchall()
        )
    finally:
        con.close()
    return "\n".join(_dictionary_lines(sql_dir, types, kinds)) + "\n"


def _dictionary_lines(
    sql_dir: Path, types: dict[str, dict[str, str]], kinds: dict[str, str]
) -> Iterator[str]:
    docs = [parse_doc(path) for path in _documented_order(sql_dir)]
    yield "# Data dictionary"
    yield ""
    yield "<!-- Generated from the headers of plugins/twentyfourseven/sql/**/*.sql by"
    yield "     `twentyfourseven transform --data-dictionary`; do not edit by hand. -->"
    yield ""
    yield (
        "The warehouse's models, built by `twentyfourseven transform` (and the DAG's "
        "transform step) from the `raw` tables: `staging` (typed, one row per entity), "
        "`marts` (dimensions and facts) and `reports` (ready to chart). Money is "
        "`DECIMAL`, never floating point; `*_base` columns are in the base currency. "
        "Deleted orders never count."
    )
    yield ""
    yield (
        "The snapshot analysts and BI tools open holds every model below ("
        + ", ".join(f"`{schema}`" for schema in MATERIALIZED_SCHEMAS)
        + " as tables, not views) and "
        + ", ".join(f"`{table}`" for table in OPS_TABLES)
        + "; it never holds the `raw` tables nor a column named "
        + " or ".join(f"`{column}`" for column in sorted(WITHHELD_COLUMNS))
        + " (marked *warehouse only* below): those stay in the warehouse."
    )
    yield ""
    for layer in LAYERS:
        yield f"- **{layer}**: " + ", ".join(
            f"[{d.relation}](#{_anchor(d.relation)})" for d in docs if d.layer == layer
        )
    yield f"- **data tests**: [sql/tests](#{_anchor('Data tests')})"
    for doc in docs:
        kind = "table" if kinds.get(doc.relation) == "BASE TABLE" else "view"
        yield ""
        yield f"## {doc.relation}"
        yield ""
        yield f"*{kind}, from `{_shown(doc.path)}`*"
        yield ""
        yield f"**Grain:** {doc.grain}"
        if doc.description:
            yield ""
            yield doc.description
        yield ""
        yield "| column | type | description |"
        yield "| --- | --- | --- |"
        for name, text in doc.columns:
            column_type = types.get(doc.relation, {}).get(name, "")
            where = " *(warehouse only)*" if name in WITHHELD_COLUMNS else ""
            yield f"| `{name}` | {column_type} | {_escape(text)}{where} |"
    yield ""
    yield "## Data tests"
    yield ""
    yield (
        "Each query in `sql/tests`, and each test derived from the column annotations "
        "`(key)`, `(unique)` and `(→ schema.model)` above, must return zero rows; the "
        "transform fails otherwise."
    )
    yield ""
    yield "| test | checks |"
    yield "| --- | --- |"
    for test in data_tests(sql_dir):
        yield f"| `{test.shown}` | {_escape(test.description)} |"


def write_data_dictionary(sql_dir: str | Path = SQL_DIR, path: str | Path = DICTIONARY) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_data_dictionary(sql_dir), encoding="utf-8")
    return path


# --- helpers ------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Text for a Markdown table cell."""
    return text.replace("|", "\\|")


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 _-]", "", title.lower()).replace(" ", "-")


def _shown(path: Path) -> str:
    """``sql/marts/x.sql`` rather than an absolute path."""
    parts = path.parts
    if "sql" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("sql") :])
    return str(path)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
