"""Supply-chain facts of one Python file, read with the standard library's `ast` (never run).

* imports (top-level module, with the position of the name);
* `pip install ...` commands written in strings and argument lists, and whether a call runs them
  (`subprocess.*`, `os.system`, `pip.main`...);
* the requirement strings of a `setup()` call (`install_requires`, `extras_require`, ...).

`ast` is enough here (no comments or whitespace matter) and costs a fraction of libcst; the
pipeline's parse gate has already refused input that could overflow the parser.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from analyzer.findings import Region
from analyzer.engines.cst.supply_chain.manifests import (
    PIP_INSTALL, Dependency, Manifest, parse_pip_arguments, parse_requirement, pip_commands_in_string,
    pip_install_arguments,
)

# Calls that run a command line or a program's argv (where a pip install means a runtime install).
RUNNERS = frozenset({
    "os.system", "os.popen", "os.execv", "os.execve", "os.execvp", "os.execvpe", "os.execl", "os.execlp",
    "os.spawnv", "os.spawnvp", "os.spawnl", "os.spawnlp", "os.posix_spawn", "os.posix_spawnp",
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
    "subprocess.getoutput", "subprocess.getstatusoutput", "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell", "pexpect.spawn", "pexpect.run", "commands.getoutput",
})
PIP_API = frozenset({"pip.main", "pip._internal.main", "pip._internal.cli.main.main"})
SETUP_CALLS = frozenset({"setup", "setuptools.setup", "distutils.core.setup"})
SETUP_KEYWORDS = frozenset({"install_requires", "setup_requires", "extras_require", "tests_require"})


@dataclass(frozen=True)
class ImportRef:
    module: str  # the top-level name
    dotted: str
    region: Region


@dataclass(frozen=True)
class PipCommand:
    """One `pip install` command; `regions[i]` is where argument i is written (the whole string
    when the command is one string)."""

    manifest: Manifest
    regions: tuple[Region, ...]
    whole: Region

    def region_of(self, arg: int) -> Region:
        return self.regions[arg] if 0 <= arg < len(self.regions) else self.whole


@dataclass
class PythonFacts:
    imports: list[ImportRef] = field(default_factory=list)
    commands: list[PipCommand] = field(default_factory=list)
    runtime_installs: list[Region] = field(default_factory=list)  # calls that run a pip install
    setup_requirements: list[Dependency] = field(default_factory=list)


def collect(tree: ast.Module, text: str) -> PythonFacts:
    collector = _Collector(text)
    collector.visit(tree)
    return collector.facts


class _Collector(ast.NodeVisitor):
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.facts = PythonFacts()
        self.aliases: dict[str, str] = {}  # local name -> qualified name, from imports
        self.pip_names: set[str] = set()  # variables assigned a pip install command
        self._methods: dict[type, Callable[[ast.AST], object]] = {}

    # NodeVisitor's visit and generic_visit, the same calls in the same order, without building a
    # method name per node and a generator per node's fields (they were most of this walk's time).
    def visit(self, node: ast.AST) -> object:
        method = self._methods.get(node.__class__)
        if method is None:
            method = self._methods[node.__class__] = getattr(self, "visit_" + node.__class__.__name__,
                                                             self.generic_visit)
        return method(node)

    def generic_visit(self, node: ast.AST) -> None:
        visit = self.visit
        for name in node._fields:
            try:
                value = getattr(node, name)
            except AttributeError:
                continue
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        visit(item)
            elif isinstance(value, ast.AST):
                visit(value)

    # --- positions (ast columns are UTF-8 byte offsets) ---

    def _column(self, line: int, byte_offset: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    def region(self, node: ast.AST) -> Region:
        line, start = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_offset = getattr(node, "end_col_offset", None)
        return Region(line, self._column(line, start), end_line,
                      self._column(end_line, start if end_offset is None else end_offset))

    def name_region(self, node: ast.stmt, name: str) -> Region:
        """The first occurrence of `name` on the statement's first line (else the statement)."""
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
        start = self._column(node.lineno, node.col_offset) - 1
        found = line.find(name, start)
        if found < 0:
            return self.region(node)
        return Region(node.lineno, found + 1, node.lineno, found + 1 + len(name))

    # --- imports ---

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.split(".")[0]
            self.aliases[alias.asname or top] = alias.name if alias.asname else top
            self.facts.imports.append(ImportRef(top, alias.name, self.region(alias)))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        region = self.name_region(node, node.module)
        self.facts.imports.append(ImportRef(node.module.split(".")[0], node.module, region))

    # --- pip install commands ---

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self._string(node.value, node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # Placeholders become `{}`, which argument parsing skips: `f"pip install {name}"`.
        text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                       for v in node.values)
        self._string(text, node)

    def _string(self, text: str, node: ast.AST) -> None:
        if PIP_INSTALL.search(text):
            region = self.region(node)
            self.facts.commands += [PipCommand(m, (), region) for m in pip_commands_in_string(text)]

    def visit_List(self, node: ast.List) -> None:
        self._sequence(node, node.elts)
        self.generic_visit(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        self._sequence(node, node.elts)
        self.generic_visit(node)

    def _sequence(self, node: ast.AST, elements: list[ast.expr]) -> None:
        words = [e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None for e in elements]
        arguments = pip_install_arguments(words)
        if arguments:
            manifest = parse_pip_arguments([words[i] for i in arguments])
            regions = tuple(self.region(elements[i]) for i in arguments)
            self.facts.commands.append(PipCommand(manifest, regions, self.region(node)))

    def visit_Assign(self, node: ast.Assign) -> None:
        if _holds_pip_command(node.value):
            self.pip_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    # --- calls: runtime installs and setup() ---

    def visit_Call(self, node: ast.Call) -> None:
        name = self._qualified(node.func)
        if name in RUNNERS or name in PIP_API:
            arguments = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("args", "cmd", "command"))]
            if any(self._runs_pip(a, api=name in PIP_API) for a in arguments):
                self.facts.runtime_installs.append(self.region(node))
        elif name in SETUP_CALLS:
            for keyword in node.keywords:
                if keyword.arg in SETUP_KEYWORDS:
                    self._setup_requirements(keyword.value)
        self.generic_visit(node)

    def _runs_pip(self, node: ast.expr, *, api: bool) -> bool:
        if api:  # pip.main(["install", ...])
            return isinstance(node, (ast.List, ast.Tuple)) and bool(node.elts) and \
                isinstance(node.elts[0], ast.Constant) and node.elts[0].value == "install"
        if isinstance(node, ast.Name):
            return node.id in self.pip_names
        return _holds_pip_command(node)

    def _setup_requirements(self, node: ast.expr) -> None:
        if isinstance(node, ast.Dict):  # extras_require: {"extra name": [requirements]}
            for value in node.values:
                self._setup_requirements(value)
            return
        for value in ast.walk(node):
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                region = self.region(value)
                dependency = parse_requirement(value.value, region.start_line, region.start_column + 1, "setup.py")
                if dependency is not None:
                    self.facts.setup_requirements.append(dependency)

    def _qualified(self, node: ast.expr) -> str:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return ""
        head = self.aliases.get(node.id, node.id)
        return ".".join([head, *reversed(parts)])


def _holds_pip_command(node: ast.expr) -> bool:
    """A string, f-string, concatenation or argv list that contains `pip install`."""
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and isinstance(part.value, str) and PIP_INSTALL.search(part.value):
            return True
        if isinstance(part, (ast.List, ast.Tuple)):
            words = [e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None for e in part.elts]
            if pip_install_arguments(words):
                return True
    return False
