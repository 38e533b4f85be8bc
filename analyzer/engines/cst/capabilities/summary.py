"""One file's capability summary: its scopes, what each does, and whom each calls.

A scope is the module body (with class bodies, which run at import), a function or a method, or a
lambda bound to a name (other lambdas belong to the scope that writes them: they run from there).
Each scope keeps its own facts, its outgoing edges, the trigger guarding each (an `if` on a date,
a counter, this host or user, an environment flag or a missing file, including the early-exit
form), and the context in which the runtime starts it (install time, import time).

Edges are recorded unresolved (a local name, `self.method`, an imported name, a class) and are
resolved by `graph`, which knows the other files of the run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import libcst as cst

from analyzer.engines.cst.capabilities import facts as f
from analyzer.engines.cst.capabilities import tree
from analyzer.engines.cst.rules import _support as s
from analyzer.engines.cst.rules import install_time, logic_bombs

MODULE = "<module>"
_IMPORT_TIME_FILES = frozenset({"__init__.py", "sitecustomize.py", "usercustomize.py", "conftest.py"})
_BUILD_HOOKS = frozenset({"build_wheel", "build_sdist", "build_editable", "prepare_metadata_for_build_wheel",
                          "get_requires_for_build_wheel", "get_requires_for_build_sdist"})
_BUILD_BASES = re.compile(r"(^|\.)(build_py|build_ext|build|sdist|bdist_wheel|BuildHookInterface|"
                          r"MetadataHookInterface)$")
# Calls that take a function and run it later, and how a trace says so.
_CALLBACK_TAKERS = (
    (re.compile(r"(^|\.)(Thread|Timer|Process)$"), "started in a thread"),
    (re.compile(r"(^|\.)(submit|map|apply_async|run_in_executor|start_new_thread|call_soon|call_later)$"),
     "run by an executor"),
    (re.compile(r"^atexit\.register$"), "registered to run at exit"),
    (re.compile(r"^signal\.signal$"), "installed as a signal handler"),
    (re.compile(r"(^|\.)(addHandler|add_done_callback|connect|register|add_listener|on)$"), "registered as a hook"),
)
# Methods of a command or build-hook class that the installer calls (the others are helpers).
_ENTRY_METHODS = frozenset({"run", "initialize", "finalize", "initialize_options", "finalize_options", "__init__",
                            "build_extension", "build_extensions", "make_release_tree"})
_SINK_METHODS = frozenset({"execute", "executescript", "executemany"})
_EXPR_KINDS = frozenset({cst.Call, cst.Subscript, cst.WithItem, cst.Lambda, cst.Dict})  # what `_expr` reads


@dataclass
class Edge:
    key: tuple[str, ...]  # ("name", n) | ("self", cls, m) | ("super", cls, m) | ("attr", base, m) | ...
    node: cst.CSTNode  # where the edge is in the source (the call, the reference)
    verb: str  # "calls", or how a reference is run: "started in a thread", "registered as a hook"...
    guard: tuple[str, ...] = ()
    shown: cst.CSTNode | None = None  # the callee as written, rendered only when a trace is shown

    @property
    def label(self) -> str:
        name = (s.dotted(self.shown) or s.source_of(self.shown)) if self.shown is not None else "?"
        return f"{self.verb} `{name}`" if self.verb in ("calls", "decorated with", "subclasses") else \
            f"`{name}` {self.verb}"


@dataclass
class Scope:
    path: str
    qualname: str
    node: cst.CSTNode
    params: tuple[str, ...] = ()
    facts: list[tuple[f.Fact, tuple[str, ...]]] = field(default_factory=list)  # (fact, guards)
    edges: list[Edge] = field(default_factory=list)
    context: str = ""  # f.INSTALL / f.IMPORT / ""
    klass: str = ""
    # For the data paths of model output: sinks (what, argument, call), assignments, returned values.
    sinks: list[tuple[str, cst.BaseExpression, cst.Call]] = field(default_factory=list)
    assigns: list[tuple[str, cst.BaseExpression]] = field(default_factory=list)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    # Names holding network data, and file handles opened for writing (handle -> path).
    net: set[str] = field(default_factory=set)
    handles: dict[str, cst.BaseExpression] = field(default_factory=dict)
    walks: list[cst.Call] = field(default_factory=list)  # directory-tree walks, for source reads
    reads_files: bool = False


@dataclass
class FileSummary:
    path: str
    module: cst.Module
    aliases: dict[str, str]
    scopes: dict[str, Scope]
    classes: dict[str, tuple[str, ...]]  # class qualname -> base names (as written, qualified)
    imports: dict[str, tuple[str, str, int]]  # local name -> (module, name or "", relative level)

    def methods(self, klass: str) -> list[Scope]:
        return [sc for q, sc in self.scopes.items() if sc.klass == klass]


def summarise(path: str, module: cst.Module) -> FileSummary:
    return _Extractor(path, module).run()


class _Extractor:
    def __init__(self, path: str, module: cst.Module) -> None:
        self.path = path
        self.module = module
        self.aliases, self.bindings, counters = tree.module_names(module)
        self.guards = logic_bombs._Guards(self.aliases, self.bindings, counters)
        self.scopes: dict[str, Scope] = {}
        self._statement_network = False
        self._scope_bindings: dict[cst.CSTNode, dict[str, cst.BaseExpression]] = {}
        self.classes: dict[str, tuple[str, ...]] = {}
        self.imports: dict[str, tuple[str, str, int]] = {}
        name = PurePosixPath(path).name
        top = Scope(path, MODULE, module)
        if name in _IMPORT_TIME_FILES:
            top.context = f.IMPORT
        elif install_time._is_setup_script(module, self.aliases):
            top.context = f.INSTALL
        self.scopes[MODULE] = top
        hooks = {st.name.value for st in module.body if isinstance(st, cst.FunctionDef)} & _BUILD_HOOKS
        self.build_backend = len(hooks) >= 2
        # Command classes run at install time when a setup script or build-hook file declares them;
        # setuptools' and distutils' own command modules are the installer, not a package's hook.
        self.declares_build = top.context == f.INSTALL or name in ("setup.py", "hatch_build.py")

    def run(self) -> FileSummary:
        self._block(self.module.body, self.scopes[MODULE], (), prefix="", klass="")
        for scope in self.scopes.values():  # a walk whose files are read: the source tree leaves
            if scope.walks and scope.reads_files:
                scope.facts.append((f.Fact(f.SOURCE, "reads a source tree", scope.walks[0]), ()))
        return FileSummary(self.path, self.module, self.aliases, self.scopes, self.classes, self.imports)

    # --- statements --------------------------------------------------------------------------

    def _block(self, body, scope: Scope, guard: tuple[str, ...], *, prefix: str, klass: str) -> None:  # type: ignore[no-untyped-def]
        body = list(body)
        for i, statement in enumerate(body):
            if isinstance(statement, cst.FunctionDef):
                self._function(statement, scope, guard, prefix=prefix, klass=klass)
            elif isinstance(statement, cst.ClassDef):
                self._class(statement, scope, guard, prefix=prefix)
            elif isinstance(statement, cst.If):
                extra = self._trigger(statement.test, scope, guard)
                self._expr(statement.test, scope, guard)
                self._block(_body(statement.body), scope, guard + extra, prefix=prefix, klass=klass)
                if statement.orelse is not None:
                    orelse = statement.orelse
                    self._block([orelse] if isinstance(orelse, cst.If) else _body(orelse.body), scope, guard + extra,
                                prefix=prefix, klass=klass)
                if extra and _exits(statement):  # `if not trigger: return` guards the rest of the block
                    self._block(body[i + 1:], scope, guard + extra, prefix=prefix, klass=klass)
                    return
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._small(small, scope, guard)
            elif isinstance(statement, cst.BaseSmallStatement):
                self._small(statement, scope, guard)
            else:  # for/while/try/with: headers are expressions, bodies are blocks of this scope
                for child in s.children(statement):
                    if isinstance(child, (cst.IndentedBlock, cst.SimpleStatementSuite)):
                        self._block(_body(child), scope, guard, prefix=prefix, klass=klass)
                    elif isinstance(child, (cst.Else, cst.Finally, cst.ExceptHandler)):
                        self._block(_body(child.body), scope, guard, prefix=prefix, klass=klass)
                    elif isinstance(child, cst.CSTNode):
                        self._expr(child, scope, guard)
                if isinstance(statement, cst.Try):
                    for handler in statement.handlers:
                        self._block(_body(handler.body), scope, guard, prefix=prefix, klass=klass)

    def _function(self, node: cst.FunctionDef, parent: Scope, guard, *, prefix: str, klass: str) -> None:  # type: ignore[no-untyped-def]
        qualname = f"{prefix}{node.name.value}"
        params = tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params,
                                             *node.params.kwonly_params))
        scope = Scope(self.path, qualname, node, params, klass=klass)
        if klass and self.declares_build and node.name.value in _ENTRY_METHODS and any(
                install_time._INSTALL_BASES.search(b) or _BUILD_BASES.search(b) for b in self.classes[klass]):
            scope.context = f.INSTALL
        if not prefix and self.build_backend and node.name.value in _BUILD_HOOKS:
            scope.context = f.INSTALL
        if klass and node.name.value == "emit" and any(b.endswith("Handler") for b in self.classes.get(klass, ())):
            scope.facts.append((f.Fact(f.SECRET, "receives log records", node, f.WEAK), ()))
        if scope.context:
            scope.facts.append((f.Fact(scope.context, f"runs at {scope.context.replace('-', ' ')}", node.name), ()))
        self.scopes[qualname] = scope
        for decorator in node.decorators:
            self._expr(decorator.decorator, parent, guard)
            ref = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            key = self._key(ref, klass)
            if key is not None:
                parent.edges.append(Edge(key, decorator, "decorated with", guard, ref))
        self._block(_body(node.body), scope, (), prefix=f"{qualname}.", klass="")

    def _class(self, node: cst.ClassDef, parent: Scope, guard, *, prefix: str) -> None:  # type: ignore[no-untyped-def]
        qualname = f"{prefix}{node.name.value}"
        self.classes[qualname] = tuple(s.qualified(b.value, self.aliases) or s.source_of(b.value) for b in node.bases)
        for base in node.bases:  # a base's __init_subclass__ runs when this class is defined
            key = self._key(base.value, "")
            if key is not None and key[0] in ("name", "attr"):
                parent.edges.append(Edge(("method-of", *key[1:], "__init_subclass__"), base, "subclasses", guard,
                                         base.value))
        for decorator in node.decorators:
            self._expr(decorator.decorator, parent, guard)
        body = _body(node.body)
        self._block([st for st in body if not isinstance(st, cst.FunctionDef)], parent, guard, prefix=f"{qualname}.",
                    klass=qualname)
        for st in body:
            if isinstance(st, cst.FunctionDef):
                self._function(st, parent, guard, prefix=f"{qualname}.", klass=qualname)

    def _small(self, node: cst.BaseSmallStatement, scope: Scope, guard: tuple[str, ...]) -> None:
        if isinstance(node, cst.Return) and node.value is not None:
            scope.returns.append(node.value)
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            self._import(node)
            return
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            target = node.targets[0].target
            if isinstance(target, cst.Name) and isinstance(node.value, cst.Lambda):
                lam = Scope(self.path, f"{scope.qualname}.{target.value}" if scope.qualname != MODULE else target.value,
                            node.value, tuple(p.name.value for p in node.value.params.params))
                self.scopes[lam.qualname] = lam
                self._expr(node.value.body, lam, ())
                return
            if isinstance(target, cst.Name):
                scope.assigns.append((target.value, node.value))
                self._statement_network = False
                self._expr(node, scope, guard)
                if self._statement_network or (scope.net and self._is_net(node.value, scope)):
                    scope.net.add(target.value)
                return
        elif isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name) and node.value is not None:
            scope.assigns.append((node.target.value, node.value))
        self._expr(node, scope, guard)

    def _import(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = s.dotted(alias.name) or ""
                local = s.dotted(alias.asname.name) if alias.asname else full.split(".")[0]  # type: ignore[arg-type]
                self.imports[local or full] = (full if alias.asname else full.split(".")[0], "", 0)
            return
        if isinstance(node.names, cst.ImportStar):
            return
        base = s.dotted(node.module) if node.module is not None else ""
        for alias in node.names:
            name = s.dotted(alias.name) or ""
            local = s.dotted(alias.asname.name) if alias.asname else name  # type: ignore[arg-type]
            self.imports[local or name] = (base or "", name, len(node.relative))

    # --- expressions ---------------------------------------------------------------------------

    def _expr(self, node: cst.CSTNode, scope: Scope, guard: tuple[str, ...]) -> None:
        bindings = self._bindings(scope)
        params = frozenset(scope.params)
        for sub in tree.walk(node, False):  # each statement once: not worth remembering
            kind = type(sub)
            if kind not in _EXPR_KINDS:
                continue
            if kind is cst.Call:
                self._call(sub, scope, guard, bindings, params)
            elif kind is cst.Subscript:
                fact = f.environ_subscript(sub)
                if fact is not None:
                    scope.facts.append((fact, guard))
            elif kind is cst.WithItem and sub.asname is not None and isinstance(sub.asname.name, cst.Name):
                handle = sub.asname.name.value
                if self._is_net(sub.item, scope):
                    scope.net.add(handle)
                elif isinstance(sub.item, cst.Call) and s.call_name(sub.item, self.aliases) in ("open", "io.open"):
                    if "w" in (s.const_str(s.arg(sub.item, 1, "mode")) or "") and sub.item.args:
                        scope.handles[handle] = sub.item.args[0].value
            elif kind is cst.Lambda:  # runs from the scope that wrote it
                self._expr(sub.body, scope, guard)
            elif kind is cst.Dict:  # cmdclass={"install": PostInstall}, handler tables
                for element in sub.elements:
                    if isinstance(element, cst.DictElement):
                        self._reference(element.value, scope, guard, "registered in a table")

    def _bindings(self, scope: Scope) -> dict[str, cst.BaseExpression]:
        """Names bound once in the scope, over those bound once at module level (constants)."""
        if scope.qualname == MODULE:
            return self.bindings
        if scope.node not in self._scope_bindings:
            local = tree.single_bindings(getattr(scope.node, "body", scope.node))  # as ScopedRule reads it
            self._scope_bindings[scope.node] = {**self.bindings, **local} if local else self.bindings
        return self._scope_bindings[scope.node]

    def _call(self, call: cst.Call, scope: Scope, guard, bindings, params) -> None:  # type: ignore[no-untyped-def]
        name = s.call_name(call, self.aliases)
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
        if name in ("os.walk", "glob.glob", "glob.iglob") or method in ("rglob", "walk"):
            pattern = s.literal_text(s.arg(call, 0), bindings) if name != "os.walk" else "**"
            if "**" in pattern or name == "os.walk" or method in ("rglob", "walk") or pattern.endswith(".py"):
                scope.walks.append(call)
        if name in ("open", "io.open") or method in ("read_text", "read_bytes"):
            scope.reads_files = True
        if s.is_network(name):
            self._statement_network = True  # an assignment of this statement holds network data
        for fact in f.call_facts(call, name, bindings, params, self.aliases):
            scope.facts.append((fact, guard))
        key = self._key(call.func, scope.klass)
        if key is not None:
            scope.edges.append(Edge(key, call, "calls", guard, call.func))
        label = next((text for pattern, text in _CALLBACK_TAKERS if pattern.search(name or s.dotted(call.func) or "")),
                     "passed as a callback")
        for argument in call.args:
            self._reference(argument.value, scope, guard, label)
        self._sink(call, name, scope)
        written = self._download(call, name, scope)
        if written is not None:
            tokens = f.path_tokens(s.literal_text(written, bindings), written)
            scope.facts.append((f.Fact(f.DOWNLOAD, "writes downloaded data to a file", call, tokens=tokens), guard))

    def _is_net(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        """Whether an expression holds network data: a network call, or a name that does."""
        for node in tree.walk(expr, False):
            if type(node) is cst.Call and s.is_network(s.call_name(node, self.aliases)):
                return True
            if type(node) is cst.Name and node.value in scope.net:
                return True
        return False

    def _download(self, call: cst.Call, name: str, scope: Scope) -> cst.BaseExpression | None:
        """The path a call writes network data to (urlretrieve, write(response.content)...)."""
        if name in ("urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download"):
            return s.arg(call, 1, "filename") or s.arg(call, 1, "out")
        if name == "shutil.copyfileobj" and len(call.args) >= 2 and self._is_net(call.args[0].value, scope):
            target = call.args[1].value
            return scope.handles.get(target.value) if isinstance(target, cst.Name) else None
        func = call.func
        if not isinstance(func, cst.Attribute) or not call.args or not self._is_net(call.args[0].value, scope):
            return None
        if func.attr.value in ("write_bytes", "write_text"):
            return func.value
        if func.attr.value == "write":
            if isinstance(func.value, cst.Name) and func.value.value in scope.handles:
                return scope.handles[func.value.value]
            if isinstance(func.value, cst.Call) and s.call_name(func.value, self.aliases) in ("open", "io.open"):
                return s.arg(func.value, 0, "file")
        return None

    def _reference(self, expr: cst.BaseExpression, scope: Scope, guard, label: str) -> None:  # type: ignore[no-untyped-def]
        """A function or class handed over as a value: it will be called by whoever holds it."""
        if isinstance(expr, cst.Call):
            return
        key = self._key(expr, scope.klass)
        if key is not None and (key[0] in ("self", "local") or (key[0] == "name" and key[1] not in self.imports)
                                or (key[0] == "name" and self.imports[key[1]][1])):
            scope.edges.append(Edge(key, expr, label, guard, expr))

    def _key(self, expr: cst.BaseExpression, klass: str) -> tuple[str, ...] | None:
        if isinstance(expr, cst.Name):
            return ("name", expr.value)
        if isinstance(expr, cst.Attribute):
            base = expr.value
            if isinstance(base, cst.Name) and base.value in ("self", "cls") and klass:
                return ("self", klass, expr.attr.value)
            if isinstance(base, cst.Call) and s.dotted(base.func) == "super" and klass:
                return ("super", klass, expr.attr.value)
            dotted = s.dotted(base)
            if dotted:
                return ("attr", dotted, expr.attr.value)
        return None

    def _sink(self, call: cst.Call, name: str, scope: Scope) -> None:
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
        first = s.arg(call, 0)
        if first is None:
            return
        if name in s.EXEC_CALLS:
            scope.sinks.append(("executes it as code", first, call))
        elif s.is_process(name):
            scope.sinks.append(("runs it as a command", first, call))
        elif method in _SINK_METHODS:
            scope.sinks.append(("runs it as SQL", first, call))
        elif name in ("open", "io.open") and re.search(r"[wax]", s.const_str(s.arg(call, 1, "mode")) or ""):
            scope.sinks.append(("writes a file at that path", first, call))

    def _trigger(self, test: cst.BaseExpression, scope: Scope, guard: tuple[str, ...]) -> tuple[str, ...]:
        found = trigger_of(test, self.guards, self.aliases)
        for trigger in found:
            scope.facts.append((f.Fact(f.TRIGGER, f"waits for {trigger}", test), guard))
        return found


def trigger_of(test: cst.BaseExpression, guards: logic_bombs._Guards, aliases: dict[str, str]) -> tuple[str, ...]:
    """What a condition waits for (every trigger it combines); empty for an ordinary condition."""
    found = []
    date = logic_bombs.date_guard(test, guards)
    if date is not None:
        found.append("a fixed date" if date[0] == "absolute" else "a day or time")
    if logic_bombs.counter_guard(test, guards) is not None:
        found.append("a run counter")
    if logic_bombs.identity_guard(test, guards) is not None or _identity_prefix(test, guards):
        found.append("this host or user")
    nodes = tree.walk(test)
    negated = any(isinstance(n, cst.UnaryOperation) and isinstance(n.operator, cst.Not) for n in nodes)
    for node in nodes:
        if isinstance(node, cst.Call):
            name = s.call_name(node, aliases)
            if negated and (name in ("os.path.exists", "os.path.isfile", "os.path.isdir") or (
                    isinstance(node.func, cst.Attribute) and node.func.attr.value in ("exists", "is_file"))):
                found.append("a missing file")
            if name in ("os.environ.get", "os.getenv") and node.args and s.const_str(node.args[0].value):
                if s.comparisons(test) or not negated:
                    found.append("an environment flag")
    return tuple(dict.fromkeys(found))


def _identity_prefix(test: cst.BaseExpression, guards: logic_bombs._Guards) -> bool:
    """`socket.gethostname().startswith("prod-")`: a host or user matched by a literal prefix."""
    for node in tree.walk(test):
        if type(node) is cst.Call and isinstance(node.func, cst.Attribute) and node.func.attr.value in (
                "startswith", "endswith") and node.args and s.const_str(node.args[0].value):
            if guards.is_identity(node.func.value):
                return True
    return False


def _body(block: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements of a block; a one-line suite (`if x: y; z`) gives its small statements."""
    if isinstance(block, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        return list(block.body)
    return [block]


def _exits(node: cst.If) -> bool:
    """The `if` leaves quietly (`if not_yet: return`): what follows waits for the condition. One
    that raises is a precondition (`if not os.path.isdir(src): raise …`), not a trigger."""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    last = body[-1] if body else None
    return isinstance(last, cst.SimpleStatementLine) and any(
        isinstance(st, (cst.Return, cst.Continue, cst.Break)) for st in last.body)
