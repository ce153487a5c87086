"""The package's shape holds: no import cycles, and small modules.

The import graph counts every import of a vecstore_lab module, also inside functions (a
function-level import hides a cycle, it does not remove it); imports under
``if TYPE_CHECKING:`` are for annotations only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "vecstore_lab"
MAX_LINES = 400
#: Modules allowed past MAX_LINES, each with the reason the README also gives.
OVERSIZE = {
    "vecstore_lab/collection.py": (
        530,
        "the public facade: its signatures and docstrings are the API reference (about a third "
        "of its lines); every body forwards to its Store (_storage) or Engine (_search)",
    ),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, *, annotations: bool = False) -> set[str]:
    """The vecstore_lab modules ``path`` imports at run time (with ``annotations``: also
    those imported under ``if TYPE_CHECKING:``)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            typing_only = isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            if typing_only and not annotations:
                for stmt in child.orelse:
                    visit_one(stmt)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name if is_package else name.rsplit(".", 1)[0]
                for _ in range(node.level - 1):
                    package = package.rsplit(".", 1)[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
        visit(node)

    visit(ast.parse(path.read_text()))
    return {m for m in found if m in MODULES and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    graph = {name: imports_of(name, path) for name, path in MODULES.items()}
    assert graph["vecstore_lab.collection"]  # the walk sees imports at all
    assert cycles(graph) == []


def test_no_import_cycles_even_for_annotations() -> None:
    """A cycle under ``if TYPE_CHECKING:`` is still two modules that need each other (ingest
    types against its ``Writable`` protocol, not against ``Collection``)."""
    graph = {name: imports_of(name, path, annotations=True) for name, path in MODULES.items()}
    assert "vecstore_lab.results" in graph["vecstore_lab.ingest._batches"]  # typing imports seen
    assert cycles(graph) == []


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_modules_stay_small() -> None:
    for path in PACKAGE.rglob("*.py"):
        rel = str(path.relative_to(PACKAGE.parent))
        limit, _why = OVERSIZE.get(rel, (MAX_LINES, ""))
        lines = len(path.read_text().splitlines())
        assert lines <= limit, f"{rel} has {lines} lines (limit {limit}); split it"


def private_reaches(source: str) -> list[tuple[int, str]]:
    """``obj._name`` uses in ``source`` of a private name the module does not define itself:
    another module's private part. ``self``/``cls``/``super()`` are the module's own, and a
    name the module defines (a ``_method``, an ``x._attr = ...``, a ``_helper``) is too."""
    tree = ast.parse(source)
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            own.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
        elif isinstance(node, ast.alias):
            own.add(node.asname or node.name.rsplit(".", 1)[-1])
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        name, value = node.attr, node.value
        if not name.startswith("_") or name.startswith("__") or name in own:
            continue
        if isinstance(value, ast.Name) and value.id in ("self", "cls"):
            continue
        if isinstance(value, ast.Call) and ast.unparse(value.func) == "super":
            continue
        found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_module_reaches_into_another_modules_private_parts() -> None:
    """The seams are named methods: the database, the Ray workers, copy and the server use a
    Collection's ``store`` (``_storage.store.Store``), never ``collection._table``, and no
    module reads LanceDB's own private attributes (``table._conn``)."""
    reaches = {
        rel: found
        for path in PACKAGE.rglob("*.py")
        if (found := private_reaches(path.read_text()))
        for rel in [str(path.relative_to(PACKAGE.parent))]
    }
    assert reaches == {}


def test_a_reach_into_private_parts_is_found() -> None:
    source = """
class Mine:
    def __init__(self):
        self._own = 1
    def _helper(self):
        return self._own
def use(collection, table, other: "Mine"):
    other._helper()
    getattr(table, "x")
    return collection._table, table._conn
"""
    assert private_reaches(source) == [(10, "collection._table"), (10, "table._conn")]


# Calls and attributes only a LanceDB table, query or connection has.
LANCE_ONLY = {
    "add_columns",
    "bypass_vector_index",
    "checkout_latest",
    "count_rows",
    "create_table",
    "drop_table",
    "explain_plan",
    "index_stats",
    "list_indices",
    "list_tables",
    "merge_insert",
    "open_table",
    "take_offsets",
    "take_row_ids",
    "to_lance",
    "with_row_id",
}
# The one door past the seam: ``Collection.table``, documented for what the API lacks.
TABLE_DOORS = {("collection.py", "self._store.table")}


def lance_touches(source: str, module: str = "") -> list[tuple[int, str]]:
    """Where ``source`` imports LanceDB or Lance, reads a ``.table`` handle, or calls what
    only a LanceDB table has."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in ("lancedb", "lance") for n in names):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Attribute):
            text = ast.unparse(node)
            if node.attr in LANCE_ONLY or (
                node.attr == "table"
                and not (isinstance(node.value, ast.Name) and node.value.id == "pa")
                and (module, text) not in TABLE_DOORS
            ):
                found.append((node.lineno, text))
    return sorted(found)


def test_only_the_storage_package_touches_lancedb() -> None:
    """Nothing outside ``_storage/`` imports LanceDB, holds a table handle or calls a table's
    own methods: the database, the search engine, the embedding cache, ingest, the server and
    the widgets go through ``Connection`` and ``Store``."""
    touches = {
        rel: found
        for path in PACKAGE.rglob("*.py")
        if "_storage" not in path.relative_to(PACKAGE).parts
        for rel in [str(path.relative_to(PACKAGE))]
        if (found := lance_touches(path.read_text(), rel))
    }
    assert touches == {}


def test_a_lancedb_touch_is_found() -> None:
    source = """
import pyarrow as pa
from lancedb.index import FTS
def use(store, engine):
    rows = pa.table({})
    n = store.table.count_rows()
    return engine.table, store.rows
"""
    assert lance_touches(source) == [
        (3, "from lancedb.index import FTS"),
        (6, "store.table"),
        (6, "store.table.count_rows"),
        (7, "engine.table"),
    ]


def module_map() -> dict[str, str]:
    """The README's module map: first cell (the module or folder names) → the whole row."""
    readme = (PACKAGE.parent / "README.md").read_text()
    section = readme.split("## Module map", 1)[1].split("\n### ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 3 and "`" in cells[1]:
            for name in cells[1].split("`")[1::2]:
                rows[name] = line
    return rows


def test_the_readme_module_map_names_every_module() -> None:
    """Each top-level module has its row, each folder its row, and each module inside a
    folder is named (in backticks) in its folder's row."""
    rows = module_map()
    missing = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) == 1:
            stem = rel.stem
            named = stem in rows or any(f"`{stem}`" in row for row in rows.values())
            if not named:
                missing.append(str(rel))
            continue
        folder = f"{rel.parts[0]}/"
        if folder not in rows:
            missing.append(folder)
        elif rel.stem != "__init__" and f"`{rel.stem}`" not in rows[folder]:
            missing.append(str(rel))
    assert sorted(set(missing)) == []


def test_the_module_map_names_nothing_that_is_gone() -> None:
    names = set(module_map())
    existing = {p.stem for p in PACKAGE.glob("*.py")} | {
        f"{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    }
    assert sorted(n for n in names if n not in existing) == []


def test_the_unit_tests_mirror_the_package() -> None:
    """Each folder under tests/unit is a folder of the package (tests/unit/_storage tests
    vecstore_lab/_storage), and tests/ holds only unit/, integration/, ui/ and their shared
    helpers."""
    tests = ROOT / "tests"
    unit = tests / "unit"
    folders = [
        p.relative_to(unit) for p in unit.rglob("*") if p.is_dir() and p.name != "__pycache__"
    ]
    assert folders, "tests/unit has no folders"
    assert [f for f in folders if not (PACKAGE / f).is_dir()] == []
    loose = [p.name for p in tests.glob("test_*.py")]
    assert loose == [], "a test file belongs in unit/, integration/ or ui/"


def test_no_two_test_files_share_a_name() -> None:
    """pytest imports test files by their base name (no packages here): two with one name in
    different folders cannot both be collected."""
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
