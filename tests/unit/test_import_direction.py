"""Dependencies inside the package point one way (docs/architecture.md, "The package and
the direction of its dependencies").

Every module of ``plugins/twentyfourseven`` is parsed with :mod:`ast`; every import counts,
at module level, inside functions and under ``TYPE_CHECKING`` alike, and so does a string
literal naming one of the package's modules (the command line loads its subcommands with
``importlib.import_module``). A module belongs to a *part*: a top-level module
(``deployment``, ``hooks``, ...) or a top-level subpackage (``api``, ``pipeline``, ...).
``ALLOWED`` says which parts each part may import; lowest first:

1. ``api/`` (the HTTP client: nothing else of the package) and the settings and shared
   mechanisms at the top (``deployment``, ``atomic``, ``duckdb_session``, ``locations``,
   ``connection``, ``assets``: each other and ``api/``);
2. ``warehouse/`` and ``report/`` (neither imports the other), and ``sandbox/`` (the
   emulator shares the API's pydantic models, nothing of the pipeline);
3. the Airflow hook and provider (``hooks``, ``provider``);
4. ``pipeline/`` (the five steps: it puts the parts below together);
5. the command line (``commands/``, ``cli``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "twentyfourseven"
ROOT = Path(__file__).resolve().parents[2] / "plugins" / PACKAGE

SETTINGS = frozenset(
    {"deployment", "atomic", "duckdb_session", "locations", "connection", "assets"}
)
BOTTOM = SETTINGS | {"api", "__init__"}
ALLOWED: dict[str, frozenset[str]] = {
    "__init__": frozenset(),
    "api": frozenset({"api"}),
    **{name: BOTTOM for name in SETTINGS},
    "warehouse": BOTTOM | {"warehouse"},
    "report": BOTTOM | {"report"},
    "sandbox": BOTTOM | {"sandbox"},
    "hooks": BOTTOM | {"hooks", "provider"},
    "provider": BOTTOM | {"hooks", "provider"},
    "pipeline": BOTTOM | {"warehouse", "report", "hooks", "provider", "pipeline"},
    "commands": BOTTOM
    | {"warehouse", "report", "sandbox", "hooks", "provider", "pipeline", "commands", "cli"},
    "cli": BOTTOM
    | {"warehouse", "report", "sandbox", "hooks", "provider", "pipeline", "commands", "cli"},
}
# third-party packages a part must never import (api/ knows nothing of Airflow or DuckDB)
FORBIDDEN_THIRD_PARTY: dict[str, frozenset[str]] = {"api": frozenset({"airflow", "duckdb"})}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    path: Path
    line: int
    target: str  # what it imports, dotted

    def __str__(self) -> str:
        rel = self.path.relative_to(ROOT.parent)
        return f"{self.module} ({rel}:{self.line}) imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    """``twentyfourseven.pipeline.runfiles.staging`` → ``pipeline``; the package → ``__init__``."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "__init__"


MODULE_FILES = sorted(ROOT.rglob("*.py"))
MODULES = frozenset(module_name(path) for path in MODULE_FILES)


def imports_of(path: Path) -> Iterator[Import]:
    """Every import in the file, the package's own ones as absolute dotted names."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                # `from pkg import sub` imports the module pkg.sub when there is one
                candidate = f"{source}.{alias.name}"
                yield Import(
                    module, path, node.lineno, candidate if candidate in MODULES else source
                )
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in MODULES
            and node.value != PACKAGE
        ):
            yield Import(module, path, node.lineno, node.value)


ALL_IMPORTS = [found for path in MODULE_FILES for found in imports_of(path)]
OWN_IMPORTS = [
    found
    for found in ALL_IMPORTS
    if found.target == PACKAGE or found.target.startswith(PACKAGE + ".")
]


def violations(imports: list[Import]) -> list[str]:
    found = []
    for imp in imports:
        source, target = part_of(imp.module), part_of(imp.target)
        allowed = ALLOWED.get(source)
        if allowed is None:
            found.append(f"{imp}: part {source!r} is not placed in a layer (add it to ALLOWED)")
        elif target not in allowed and target != source:
            found.append(f"{imp}: {source} may import only {', '.join(sorted(allowed))}")
    return list(dict.fromkeys(found))  # one line per import, not per imported name


def test_every_part_is_placed_in_a_layer() -> None:
    parts = {part_of(module) for module in MODULES}
    assert parts <= ALLOWED.keys(), sorted(parts - ALLOWED.keys())


def test_no_lower_part_imports_a_higher_one() -> None:
    assert OWN_IMPORTS, "found no imports of the package at all: is ROOT right?"
    found = violations(OWN_IMPORTS)
    assert not found, "imports against the direction of the package:\n" + "\n".join(found)


@pytest.mark.parametrize("part", sorted(FORBIDDEN_THIRD_PARTY))
def test_part_does_not_import_forbidden_third_party(part: str) -> None:
    forbidden = FORBIDDEN_THIRD_PARTY[part]
    found = [
        str(imp)
        for imp in ALL_IMPORTS
        if part_of(imp.module) == part and imp.target.split(".")[0] in forbidden
    ]
    assert not found, f"{part}/ must not import {', '.join(sorted(forbidden))}:\n" + "\n".join(
        found
    )


def part_cycles(imports: list[Import]) -> list[list[str]]:
    """The strongly connected groups of more than one part (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        source, target = part_of(imp.module), part_of(imp.target)
        graph.setdefault(target, set())
        if source != target:
            graph.setdefault(source, set()).add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle_between_parts() -> None:
    cycles = part_cycles(OWN_IMPORTS)
    details = dict.fromkeys(
        str(imp)
        for group in cycles
        for imp in OWN_IMPORTS
        if part_of(imp.module) in group
        and part_of(imp.target) in group
        and part_of(imp.module) != part_of(imp.target)
    )
    assert not cycles, f"import cycles between parts {cycles}:\n" + "\n".join(details)


def test_the_checks_catch_a_wrong_import() -> None:
    """The checker itself: a warehouse module importing the pipeline is named, and so is a
    cycle between two settings modules."""
    here = ROOT / "warehouse" / "schema.py"
    upward = Import("twentyfourseven.warehouse.schema", here, 3, "twentyfourseven.pipeline.plan")
    assert violations([upward]) == [
        f"{upward}: warehouse may import only "
        "__init__, api, assets, atomic, connection, deployment, duckdb_session, locations, "
        "warehouse"
    ]
    loop = [
        Import("twentyfourseven.deployment", ROOT / "deployment.py", 1, "twentyfourseven.atomic"),
        Import("twentyfourseven.atomic", ROOT / "atomic.py", 1, "twentyfourseven.deployment"),
    ]
    assert part_cycles(loop) == [["atomic", "deployment"]]
