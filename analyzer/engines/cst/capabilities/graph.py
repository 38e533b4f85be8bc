"""Edges resolved across the files of the run, and bounded reachability with traces.

An edge resolves to scopes of the same file (nested functions first, then module level, then a
class's hook methods when the class is instantiated or handed over, `self.m` through same-file and
imported bases) or of another file of the run, found through the importing file's imports
(relative imports from its directory; absolute ones by module path, nearest file first). Other
files are summarised only when an edge leads to them.

`reach` walks breadth-first from one scope, each scope once (so a trace is a shortest one), at
most `MAX_DEPTH` calls deep and `MAX_SCOPES` scopes wide: a generated module with thousands of
mutually calling functions costs a bounded walk per root, not a blow-up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

import libcst as cst
from libcst.metadata import PositionProvider

from analyzer.engines.cst.capabilities import facts as f
from analyzer.engines.cst.capabilities.summary import MODULE, Edge, FileSummary, Scope, summarise
from analyzer.findings import FlowStep, Region
from analyzer.sources import Project

_UNTRACED = frozenset({f.DECODE})  # in the delta, in no combination
INDEX_KEY = "capabilities.index"  # the run's Index in `Project.cache`
MAX_DEPTH = 6
MAX_SCOPES = 200
# Methods the runtime calls on an instance, or on a class handed over as a value (cmdclass,
# logging handlers, context managers, threads, finalisers, build hooks).
HOOK_METHODS = frozenset({
    "__init__", "__post_init__", "__call__", "__del__", "__enter__", "__exit__", "__aenter__", "__aexit__",
    "run", "emit", "handle", "initialize", "finalize_options", "finalize", "setup", "start", "dispatch",
    "__init_subclass__", "close", "flush",
})


@dataclass(frozen=True)
class Hop:
    """One resolved edge of a trace: `edge` in `scope` leads to `target`."""

    scope: Scope
    edge: Edge
    target: Scope


@dataclass(frozen=True)
class Reached:
    fact: f.Fact
    scope: Scope  # where the fact is
    hops: tuple[Hop, ...]  # from the root to `scope`
    guards: tuple[str, ...]  # triggers on the way (edges and the fact itself)


class Index:
    """Summaries of the files of one run, made on demand."""

    def __init__(self, project: Project | None) -> None:
        self.project = project
        self._files: dict[str, FileSummary | None] = {}
        self._resolved: dict[tuple[str, str], list[tuple[Edge, Scope]]] = {}
        self._modules: dict[str, list[str]] | None = None
        self._positions: dict[str, dict] = {}
        self._reach: dict[int, tuple[Scope, list[Reached]]] = {}

    def add(self, summary: FileSummary) -> None:
        self._files.pop(summary.path, None)
        self._files[summary.path] = summary  # the most recently used last (see `trim`)

    def held(self, path: str) -> FileSummary | None:
        """The summary of `path` if this index holds one (made from the project's text)."""
        return self._files.get(path)

    def summary(self, path: str, module: cst.Module | None = None) -> FileSummary | None:
        if path not in self._files:
            if module is None:
                module = self._parse(path)
            self._files[path] = summarise(path, module) if module is not None else None
        else:
            self._files[path] = self._files.pop(path)
        return self._files[path]

    def _parse(self, path: str) -> cst.Module | None:
        from analyzer.parse import parse_source

        text = self.project.texts.get(path) if self.project is not None else None
        if text is None or not path.endswith(".py"):
            return None
        return parse_source(path, text).module

    def trim(self, keep: int) -> None:
        """Forget all but the `keep` most recently used summaries (and every resolution and walk,
        which may lead into a forgotten one); a file needed again is parsed again. Each summary
        holds its file's libcst tree (~40x the text): all of them for the whole Django sdist
        would be ~700 MB. Findings do not change: a summary is made again from the same text."""
        if len(self._files) <= keep:
            return
        from analyzer.parse import forget

        for path in list(self._files)[:len(self._files) - keep]:
            del self._files[path]
            self._positions.pop(path, None)
            text = self.project.texts.get(path) if self.project is not None else None
            if text is not None:
                forget(text)  # nor may the parse cache keep its trees
        self._resolved.clear()
        self._reach.clear()  # keyed by id() of scopes that may now be freed

    # --- resolution ------------------------------------------------------------------------------

    def edges(self, scope: Scope) -> list[tuple[Edge, Scope]]:
        key = (scope.path, scope.qualname)
        if key not in self._resolved:
            summary = self._files.get(scope.path)
            out = []
            for edge in scope.edges:
                for target in self._targets(summary, scope, edge.key) if summary else ():
                    if target is not scope:
                        out.append((edge, target))
            self._resolved[key] = out
        return self._resolved[key]

    def _targets(self, summary: FileSummary, scope: Scope, key: tuple[str, ...]) -> list[Scope]:
        kind = key[0]
        if kind == "name":
            return self._by_name(summary, scope, key[1])
        if kind in ("self", "super"):
            return self._method(summary, key[1], key[2], inherited_only=kind == "super")
        if kind == "attr":
            base, name = key[1], key[2]
            if base in summary.classes:
                return self._method(summary, base, name)
            other = self._module_file(summary, base)
            return self._top(other, name) if other is not None else []
        if kind == "method-of":
            base, name = ".".join(key[1:-1]), key[-1]
            owner = self._class_file(summary, base)
            return self._method(owner[0], owner[1], name) if owner else []
        return []

    def _by_name(self, summary: FileSummary, scope: Scope, name: str) -> list[Scope]:
        prefix = scope.qualname
        while prefix and prefix != MODULE:  # nested functions of the enclosing functions
            nested = summary.scopes.get(f"{prefix}.{name}")
            if nested is not None:
                return [nested]
            prefix = prefix.rpartition(".")[0]
        found = self._top(summary, name)
        if found or name not in summary.imports:
            return found
        module, imported, level = summary.imports[name]
        if not imported:
            return []
        other = self._import_file(summary.path, module, level)
        if other is not None:
            return self._top(other, imported)
        submodule = self._import_file(summary.path, f"{module}.{imported}" if module else imported, level)
        return self._top(submodule, MODULE) if submodule is not None else []

    def _top(self, summary: FileSummary | None, name: str) -> list[Scope]:
        if summary is None:
            return []
        if name in summary.scopes:
            return [summary.scopes[name]]
        if name in summary.classes:
            return [sc for sc in summary.methods(name) if sc.qualname.rpartition(".")[2] in HOOK_METHODS]
        return []

    def _method(self, summary: FileSummary, klass: str, name: str, *, inherited_only: bool = False,
                depth: int = 0) -> list[Scope]:
        found = summary.scopes.get(f"{klass}.{name}")
        if found is not None and not inherited_only:
            return [found]
        if depth > 4:
            return []
        for base in summary.classes.get(klass, ()):
            owner = self._class_file(summary, base)
            if owner is not None:
                hit = self._method(owner[0], owner[1], name, depth=depth + 1)
                if hit:
                    return hit
        return []

    def _class_file(self, summary: FileSummary, base: str) -> tuple[FileSummary, str] | None:
        local = base.rpartition(".")[2]
        if base in summary.classes:
            return summary, base
        if local in summary.imports:
            module, imported, level = summary.imports[local]
            other = self._import_file(summary.path, module, level) if imported else None
            if other is not None and imported in other.classes:
                return other, imported
        return None

    def _module_file(self, summary: FileSummary, dotted: str) -> FileSummary | None:
        head = dotted.split(".")[0]
        if head not in summary.imports:
            return None
        module, imported, level = summary.imports[head]
        full = ".".join(p for p in (module, imported) if p)
        rest = dotted.split(".")[1:]
        return self._import_file(summary.path, ".".join([full, *rest]) if full else ".".join(rest), level)

    def _import_file(self, importer: str, module: str, level: int) -> FileSummary | None:
        if self.project is None:
            return None
        parts = [p for p in module.split(".") if p]
        if level:
            base = PurePosixPath(importer).parents[level - 1] if level <= len(PurePosixPath(importer).parents) else None
            if base is None:
                return None
            for candidate in (base.joinpath(*parts).with_suffix(".py") if parts else None,
                              base.joinpath(*parts, "__init__.py")):
                if candidate is not None and candidate.as_posix() in self.project.texts:
                    return self.summary(candidate.as_posix())
            return None
        if not parts:
            return None
        tails = ("/".join(parts) + ".py", "/".join([*parts, "__init__.py"]))
        matches = [p for p in self._python_files() if p.endswith(tails) and
                   (p in tails or p.endswith(tuple("/" + t for t in tails)))]
        if not matches:
            return None
        best = max(matches, key=lambda p: (_common_prefix(p, importer), -len(p)))
        return self.summary(best)

    def _python_files(self) -> list[str]:
        if self._modules is None:
            self._modules = {"": sorted(p for p in (self.project.texts if self.project else {}) if p.endswith(".py"))}
        return self._modules[""]

    # --- reachability ----------------------------------------------------------------------------

    def reach(self, root: Scope, kinds: Iterable[str]) -> list[Reached]:
        """Every fact of `kinds` that `root` reaches, with its shortest trace (shared by all rules)."""
        wanted = set(kinds)
        if id(root) not in self._reach:
            self._reach[id(root)] = (root, self._walk(root))
        return [r for r in self._reach[id(root)][1] if r.fact.kind in wanted]

    def _walk(self, root: Scope) -> list[Reached]:
        out: list[Reached] = []
        seen = {id(root)}
        queue: deque[tuple[Scope, tuple[Hop, ...], tuple[str, ...]]] = deque([(root, (), ())])
        while queue:
            scope, hops, guards = queue.popleft()
            for fact, fact_guards in scope.facts:
                if fact.kind not in _UNTRACED:
                    out.append(Reached(fact, scope, hops, guards + fact_guards))
            if len(hops) >= MAX_DEPTH:
                continue
            for edge, target in self.edges(scope):
                if id(target) in seen or len(seen) >= MAX_SCOPES:
                    continue
                seen.add(id(target))
                queue.append((target, (*hops, Hop(scope, edge, target)), guards + edge.guard))
        return out

    # --- locations -------------------------------------------------------------------------------

    def region(self, path: str, node: cst.CSTNode) -> Region:
        positions = self._positions.get(path)
        if positions is None:
            summary = self._files[path]
            assert summary is not None
            wrapper = cst.MetadataWrapper(summary.module, unsafe_skip_copy=True)
            positions = self._positions[path] = dict(wrapper.resolve(PositionProvider))
        code_range = positions.get(node)
        if code_range is None:
            return Region(1)
        return Region(code_range.start.line, code_range.start.column + 1, code_range.end.line, code_range.end.column + 1)

    def step(self, path: str, node: cst.CSTNode, label: str) -> FlowStep:
        return FlowStep(path, self.region(path, node), label)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        n += 1
    return n


def index_for(project: Project | None, path: str, module: cst.Module) -> tuple[Index, FileSummary]:
    """The run's index (one per project, shared by every rule and file) and this file's summary."""
    index = project.cache.get(INDEX_KEY) if project is not None else None
    if not isinstance(index, Index):
        index = Index(project)
        if project is not None:
            project.cache[INDEX_KEY] = index
    summary = index._files.get(path)
    if summary is None or summary.module is not module:
        summary = summarise(path, module)
        index.add(summary)
    return index, summary


def trace(index: Index, parts: Iterable[Reached]) -> tuple[FlowStep, ...]:
    """The steps of a combination: for each part, the calls from the root, then the fact."""
    steps: list[FlowStep] = []
    for part in parts:
        for hop in part.hops:
            step = index.step(hop.scope.path, hop.edge.node, hop.edge.label)
            if step not in steps:
                steps.append(step)
        steps.append(index.step(part.scope.path, part.fact.node, part.fact.detail))
    return tuple(steps)


def describe(steps: Iterable[FlowStep], home: str) -> str:
    """`reads AWS credentials (L12) -> calls `_ship` (L31) -> POST to 203.0.113.7 (L40)`."""
    return " → ".join(
        f"{step.label} ({'' if step.path == home else PurePosixPath(step.path).name + ':'}L{step.region.start_line})"
        for step in steps
    )
