"""No import cycles in `analyzer/`: read from the source with `ast`, nothing is imported or run.

Every `import` counts, at module level or inside a function (an import moved into a function to
dodge a cycle is still a cycle), except those under `if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "analyzer"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported(path: Path, known: set[str], name: str | None = None) -> set[str]:
    """The analyzer modules `path` (module `name`) imports at run time."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while pending:
        node = pending.pop()
        if _type_checking_only(node):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod.
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names)
        pending.extend(ast.iter_child_nodes(node))
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(path, set(known)) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_import_graph_is_read_from_the_whole_package():
    graph = import_graph()
    assert len(graph) > 40
    # Spot checks that the reader sees each import form: plain, from-module, relative, in a function.
    assert "analyzer.rulespec" in graph["analyzer.engines.cst.framework"]
    assert "analyzer.engines.removed" in graph["analyzer.catalogue"]
    assert "analyzer.engines.cst.supply_chain.checks" in graph["analyzer.engines.cst.rules.supply_chain"]


def test_the_rule_model_is_a_leaf():
    graph = import_graph()
    # `defaults` holds the CLI's default values and `stored` where rule files live (start-up reads
    # both without the rule model): leaves too.
    assert graph["analyzer.rulespec"] <= {"analyzer.findings", "analyzer.defaults", "analyzer.stored"}
    assert graph["analyzer.findings"] == set() and graph["analyzer.defaults"] == set()
    assert graph["analyzer.stored"] <= {"analyzer"} and graph["analyzer"] == set()


def test_analyzer_has_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(cycle) for cycle in found)


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_imports_under_type_checking_do_not_count_but_imports_in_functions_do(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from analyzer import catalogue\n"
        "def f():\n    from analyzer import config\n"
    )
    known = {"analyzer.catalogue", "analyzer.config", "analyzer"}
    assert imported(source, known, "analyzer.m") == {"analyzer.config"}


def test_no_test_module_imports_another():
    """Shared helpers live in conftest.py or a helper module of tests/, never in a test module
    (importing one runs its module-level fixtures and collects its tests twice)."""
    offenders = []
    for path in sorted((REPO / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            offenders += [f"{path.name}:{node.lineno} {name}" for name in names
                          if name.startswith("tests.test_") or name.startswith("test_")]
    assert offenders == []


def _top_level_names(path: Path) -> tuple[set[str], set[str], set[str]]:
    """(names the module defines, names it imports, its `__all__`)."""
    defined, imported_names, exported = set(), set(), set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            defined |= names
            if "__all__" in names and isinstance(node.value, (ast.List, ast.Tuple)):
                exported |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported_names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return defined, imported_names, exported


def test_names_are_imported_from_the_module_that_defines_them():
    """`from analyzer.diff import git` worked while diff imported git for itself: a move breaks
    such imports silently. A name comes from where it lives, or from a module that exports it
    in `__all__`."""
    known = modules()
    offenders = []
    files = [*PACKAGE.rglob("*.py"), *(REPO / "benchmarks").glob("*.py"), *(REPO / "tests").glob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or node.module not in known:
                continue
            defined, imported_names, exported = _top_level_names(known[node.module])
            for alias in node.names:
                if f"{node.module}.{alias.name}" in known or alias.name in defined or alias.name in exported:
                    continue
                if alias.name in imported_names:
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno} {alias.name} from {node.module}")
    assert offenders == []
