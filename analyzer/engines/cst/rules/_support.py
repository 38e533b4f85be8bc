"""Helpers shared by the DS1xx libcst rules: names through import aliases, constant strings, paths.

Everything here reads syntax only. Names are resolved through the module's own imports
(`import os as o`, `from os import system as s`) and through the indirections that malicious code
uses to hide them (`getattr(__import__("o" + "s"), "system")`), so that a rule written against
`os.system` still sees the call.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

import libcst as cst

from analyzer.engines.cst import walk as _walker
from analyzer.engines.cst.framework import CstRule

# Facts about the modules being checked, shared by every rule class of the batch. Entries keep
# the node they were computed for, so that a recycled id() never returns another node's facts.
# The capability summaries read other files' modules in the middle of a file's rules: the facts of
# the last few modules are kept (when every switch of module cleared them, each file's import
# aliases and bindings were computed again for every function: on django/db a third of the rules'
# time); a module beyond those clears them all, which bounds what they hold.
T = TypeVar("T")
_KEEP_MODULES = 4
_MODULES: list[cst.Module] = []
_ALIASES: dict[int, tuple[cst.Module, dict[str, str]]] = {}
_BINDINGS: dict[int, tuple[cst.CSTNode, dict[str, cst.BaseExpression]]] = {}
_FIELDS: dict[type, tuple[str, ...]] = {}
# Subtrees walked more than once (every function body is walked by several rules and helpers).
_WALKS: dict[tuple[int, bool], tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]] = {}
# What several rules compute of the same node (`remember`): source text, a function's inputs...
_MEMO: dict[tuple[str, int], tuple[cst.CSTNode, object]] = {}


def _same_module(module: cst.Module) -> None:
    if _MODULES and _MODULES[-1] is module:
        return
    for index, known in enumerate(_MODULES):
        if known is module:
            _MODULES.append(_MODULES.pop(index))
            return
    if len(_MODULES) >= _KEEP_MODULES:
        _MODULES.clear()
        _ALIASES.clear()
        _BINDINGS.clear()
        _WALKS.clear()
        _MEMO.clear()
    _MODULES.append(module)


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Direct children in the dataclass's field order, whitespace and punctuation included
    (much cheaper than `node.children`, whose order is libcst's visiting order)."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
    for name in names:
        value = getattr(node, name)
        if type(value) is tuple or type(value) is list:
            yield from (v for v in value if _is_node(v))
        elif _is_node(value):
            yield value


def _is_node(value: object) -> bool:
    # isinstance against the CSTNode ABC was the largest single cost of the rules (1.1 M calls on
    # five Django files): the answer per type is remembered instead.
    known = _NODE_TYPES.get(type(value))
    if known is None:
        known = _NODE_TYPES[type(value)] = isinstance(value, cst.CSTNode)
    return known


_NODE_TYPES: dict[type, bool] = {}
_SCOPE_TYPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})  # no subclasses: compared by type


def walk(node: cst.CSTNode, *, into_scopes: bool = True) -> Iterator[cst.CSTNode]:
    """`node` and everything under it but whitespace and punctuation (commas, operators, brackets,
    comments: `walk.is_token`), pre-order, children in the dataclass's field order; with
    `into_scopes=False`, not into nested defs/classes/lambdas.

    Remembered for the module being checked (see `_WALKS`)."""
    if not _MODULES:
        return iter(_walk(node, into_scopes))
    key = (id(node), into_scopes)
    hit = _WALKS.get(key)
    if hit is None or hit[0] is not node:
        hit = _WALKS[key] = (node, tuple(_walk(node, into_scopes)))
    return iter(hit[1])


def _walk(node: cst.CSTNode, into_scopes: bool) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    stack = [node]
    pop, push, extend, fields, is_token = stack.pop, stack.append, stack.extend, _walker.node_fields, _walker.is_token
    while stack:
        current = pop()
        found.append(current)
        if not into_scopes and current is not node and type(current) in _SCOPE_TYPES:
            continue
        for name in reversed(fields(type(current))):
            value = getattr(current, name)
            if type(value) is tuple or type(value) is list:
                extend(reversed(value))
            elif value is not None and value is not cst.MaybeSentinel.DEFAULT and not is_token(type(value)):
                push(value)  # (a field may hold a token or not: `from m import *` or `import (a, b)`)
    return found


def import_aliases(module: cst.Module) -> dict[str, str]:
    """Local name -> dotted name for every import anywhere in the module (last one wins)."""
    _same_module(module)
    cached = _ALIASES.get(id(module))
    if cached is not None and cached[0] is module:
        return cached[1]
    aliases: dict[str, str] = {}
    for node in walk(module):
        kind = type(node)  # (exact types: neither class has subclasses)
        if kind is cst.Import:
            for alias in node.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None:
                    aliases[dotted(alias.asname.name) or full] = full  # type: ignore[arg-type]
                else:
                    top = full.split(".")[0]
                    aliases[top] = top
        elif kind is cst.ImportFrom:
            if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
                continue
            base = dotted(node.module) or ""
            for alias in node.names:
                name = dotted(alias.name) or ""
                local = dotted(alias.asname.name) if alias.asname is not None else name  # type: ignore[arg-type]
                aliases[local or name] = f"{base}.{name}"
    _ALIASES[id(module)] = (module, aliases)
    return aliases


def dotted(node: cst.BaseExpression | cst.BaseAssignTargetExpression | None) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def const_str(node: cst.BaseExpression | None) -> str | None:
    """The value of a string built only from literals: "a" "b", "a" + "b", "so"[::-1], chr(111),
    "".join(["o", "s"]), "".join(map(chr, [111, 115])). None when any part is not a literal."""
    if node is None:
        return None
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = const_str(node.left), const_str(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Slice) and index.lower is None and index.upper is None and index.step is not None:
            step = const_int(index.step)
            base = const_str(node.value)
            return base[::step] if base is not None and step else None
    if isinstance(node, cst.Call):
        name = dotted(node.func)
        if name == "chr" and len(node.args) == 1:
            code = const_int(node.args[0].value)
            return chr(code) if code is not None and 0 <= code < 0x110000 else None
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "join" and len(node.args) == 1:
            sep = const_str(node.func.value)
            parts = _const_sequence(node.args[0].value)
            return sep.join(parts) if sep is not None and parts is not None else None
    return None


def const_int(node: cst.BaseExpression | None) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = const_int(node.expression)
        return -inner if inner is not None else None
    return None


def _const_sequence(node: cst.BaseExpression) -> list[str] | None:
    if isinstance(node, (cst.List, cst.Tuple)):
        parts = [const_str(el.value) for el in node.elements]
        return None if any(p is None for p in parts) else parts  # type: ignore[return-value]
    if isinstance(node, cst.Call) and dotted(node.func) == "map" and len(node.args) == 2:
        if dotted(node.args[0].value) == "chr" and isinstance(node.args[1].value, (cst.List, cst.Tuple)):
            codes = [const_int(el.value) for el in node.args[1].value.elements]
            if all(c is not None and 0 <= c < 0x110000 for c in codes):
                return [chr(c) for c in codes]  # type: ignore[arg-type]
    return None


def qualified(node: cst.BaseExpression, aliases: dict[str, str]) -> str | None:
    """The dotted name an expression refers to, through imports and import/getattr indirection."""
    if isinstance(node, cst.Name):
        return aliases.get(node.value, node.value)
    if isinstance(node, cst.Attribute):
        base = qualified(node.value, aliases)
        return f"{base}.{node.attr.value}" if base else None
    if isinstance(node, cst.Call):
        func = dotted(node.func)
        args = [a for a in node.args if a.keyword is None]
        if func in ("__import__", "importlib.import_module") or (
            func and aliases.get(func.split(".")[0], "").startswith("importlib") and func.endswith("import_module")
        ):
            return const_str(args[0].value) if args else None
        if func == "getattr" and len(args) >= 2:
            base = qualified(args[0].value, aliases)
            attr = const_str(args[1].value)
            return f"{base}.{attr}" if base and attr else None
    return None


def call_name(call: cst.Call, aliases: dict[str, str]) -> str:
    """Qualified callee of a call ("" when unknown); `os.system`, `subprocess.run`, `open`..."""
    return qualified(call.func, aliases) or ""


def arg(call: cst.Call, position: int, keyword: str | None = None) -> cst.BaseExpression | None:
    """The argument at `position` (positional) or named `keyword`, else None."""
    if keyword is not None:
        for a in call.args:
            if a.keyword is not None and a.keyword.value == keyword:
                return a.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[position].value if position < len(positional) else None


def literal_text(node: cst.CSTNode | None, bindings: dict[str, cst.BaseExpression] | None = None,
                 _depth: int = 0) -> str:
    """A best-effort rendering of the string an expression builds, for matching paths and commands.

    Literal parts are kept; f-string holes, unknown names and calls become "*"; path joins become
    "/"; `~`, `Path.home()` and `$HOME` become "~". Names bound once in `bindings` are followed.
    """
    if node is None or _depth > 8:
        return "*"
    text = const_str(node) if isinstance(node, cst.BaseExpression) else None
    if text is not None:
        return text
    again = lambda n: literal_text(n, bindings, _depth + 1)  # noqa: E731
    if isinstance(node, cst.FormattedString):
        return "".join(
            part.value if isinstance(part, cst.FormattedStringText) else again(part.expression) for part in node.parts
        )
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add):
            return again(node.left) + again(node.right)
        if isinstance(node.operator, cst.Divide):
            return again(node.left) + "/" + again(node.right)
        if isinstance(node.operator, cst.Modulo):
            return again(node.left)
    if isinstance(node, cst.Name):
        if bindings and node.value in bindings:
            return again(bindings[node.value])
        return "*"
    if isinstance(node, (cst.List, cst.Tuple)):
        return " ".join(again(el.value) for el in node.elements)
    if isinstance(node, cst.Call):
        name = dotted(node.func) or ""
        last = name.rsplit(".", 1)[-1]
        args = [a.value for a in node.args if a.keyword is None]
        if last in ("home", "gethome") or name in ("os.path.expanduser",) and not args:
            return "~"
        if last in ("join", "joinpath") and name.endswith(("path.join", "joinpath")) or name == "os.path.join":
            base = [again(node.func.value)] if last == "joinpath" and isinstance(node.func, cst.Attribute) else []
            return "/".join(base + [again(a) for a in args])
        if last in ("expanduser", "expandvars", "Path", "PurePath", "abspath", "realpath", "normpath", "str", "fspath",
                    "resolve", "expanduser") and args:
            return again(args[0])
        if last in ("expanduser", "resolve", "absolute") and isinstance(node.func, cst.Attribute):
            return again(node.func.value)
        if last in ("getenv", "get") and args and const_str(args[0]) in ("HOME", "USERPROFILE", "APPDATA"):
            return "~"
        if last == "format" and isinstance(node.func, cst.Attribute):
            return again(node.func.value).replace("{}", "*")
        if last == "with_name" and isinstance(node.func, cst.Attribute) and args:
            return again(node.func.value) + "/../" + again(args[0])
    if isinstance(node, cst.Subscript) and dotted(node.value) == "os.environ" and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and const_str(index.value) in ("HOME", "USERPROFILE", "APPDATA"):
            return "~"
    return "*"


def single_bindings(scope: cst.CSTNode) -> dict[str, cst.BaseExpression]:
    """Names assigned exactly once (plain `name = value`, `with … as name`) anywhere under `scope`."""
    cached = _BINDINGS.get(id(scope))
    if cached is not None and cached[0] is scope:
        return cached[1]
    seen: dict[str, list[cst.BaseExpression]] = {}
    for node in walk(scope):
        kind = type(node)  # exact types (none of these classes has subclasses): isinstance against
        if kind is cst.Assign:  # libcst's ABCs for every node of every walk was slow
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    seen.setdefault(target.target.value, []).append(node.value)
        elif kind is cst.AnnAssign:
            if isinstance(node.target, cst.Name) and node.value is not None:
                seen.setdefault(node.target.value, []).append(node.value)
        elif kind is cst.WithItem:
            if node.asname is not None and isinstance(node.asname.name, cst.Name):
                seen.setdefault(node.asname.name.value, []).append(node.item)
    result = {name: values[0] for name, values in seen.items() if len(values) == 1}
    if _MODULES:
        _BINDINGS[id(scope)] = (scope, result)
    return result


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Every call under `node`, not descending into nested functions, classes or lambdas."""
    return (n for n in walk(node, into_scopes=False) if type(n) is cst.Call)  # (no subclasses)


def comparisons(test: cst.BaseExpression) -> list[cst.Comparison]:
    """The comparisons a condition is made of (through `and`/`or`/`not`)."""
    found, stack = [], [test]
    while stack:
        cur = stack.pop()
        if isinstance(cur, cst.Comparison):
            found.append(cur)
        elif isinstance(cur, (cst.BooleanOperation, cst.UnaryOperation)):
            stack.extend(c for c in children(cur) if isinstance(c, cst.BaseExpression))
    return found


def remember(kind: str, node: cst.CSTNode, compute: Callable[[], T]) -> T:
    """`compute()`, remembered for `node` while its module's facts are kept (see `_MODULES`): for
    what depends only on the node and its module, which several rules ask for."""
    key = (kind, id(node))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is node:
        return hit[1]  # type: ignore[return-value]
    value = compute()
    if _MODULES:
        _MEMO[key] = (node, value)
    return value


def source_of(node: cst.CSTNode) -> str:
    # Remembered: libcst's code generation of the same condition, exception or target was most
    # of the time of the rules that read them (each ran it for the same nodes).
    return remember("source", node, lambda: cst.Module(body=[]).code_for_node(node))


# --- what a call does ---------------------------------------------------------------------------

# Calls that open a connection or make a request (not every name under those packages).
NETWORK_CALL = re.compile(
    r"^(requests(\.api|\.sessions)?\.(get|post|put|patch|delete|head|options|request|Session|session)|"
    r"httpx\.(get|post|put|patch|delete|head|options|request|stream|Client|AsyncClient)|"
    r"aiohttp\.(ClientSession|request)|urllib3\.(PoolManager|ProxyManager|request|HTTPConnectionPool|"
    r"HTTPSConnectionPool|connection_from_url)|urllib\.request\.(urlopen|urlretrieve|build_opener)|"
    r"urllib2\.urlopen|urllib\.urlopen|urllib\.urlretrieve|http\.client\.(HTTPConnection|HTTPSConnection)|"
    r"socket\.(create_connection|socket)|ftplib\.(FTP|FTP_TLS)|smtplib\.(SMTP|SMTP_SSL)|paramiko\.SSHClient|"
    r"websocket\.create_connection|websockets\.connect|pycurl\.Curl)$"
)
PROCESS_CALLS = frozenset({
    "os.system", "os.popen", "os.startfile", "pty.spawn", "subprocess.run", "subprocess.call",
    "subprocess.check_call", "subprocess.check_output", "subprocess.Popen", "subprocess.getoutput",
    "subprocess.getstatusoutput", "asyncio.create_subprocess_shell", "asyncio.create_subprocess_exec",
    "commands.getoutput",
})
EXEC_CALLS = frozenset({"exec", "eval", "compile", "builtins.exec", "builtins.eval", "execfile", "runpy.run_path",
                        "runpy.run_module"})
DESTRUCTIVE_CALLS = frozenset({
    "shutil.rmtree", "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.truncate", "os.kill",
    "os.killpg", "os.abort", "ctypes.windll.user32.ExitWindowsEx",
})
DESTRUCTIVE_METHODS = frozenset({"rmtree", "unlink", "rmdir", "truncate", "drop_all", "drop_database"})
DESTRUCTIVE_COMMAND = re.compile(
    r"(?i)(^|[\s;&|'\"])(rm\s+-[a-z]*[rf]|rmdir\b|del\s+/[sfq]|format\s+[a-z]:|mkfs|dd\s+if=|shutdown\b|reboot\b|"
    r"halt\b|poweroff\b|kill(all)?\s|pkill\b|shred\b|wipefs\b|truncate\s+-s)"
)
DESTRUCTIVE_SQL = re.compile(r"(?i)\b(drop\s+(table|database|schema)|truncate\s+table|delete\s+from\s+\w+\s*;?\s*$)")


def is_network(name: str) -> bool:
    return bool(NETWORK_CALL.match(name))


def is_process(name: str) -> bool:
    return name in PROCESS_CALLS or bool(re.match(r"^os\.(exec|spawn)[lvpe]*$|^os\.posix_spawnp?$", name))


def command_text(call: cst.Call, bindings: dict[str, cst.BaseExpression] | None = None) -> str:
    """The command line a process call runs, rendered by `literal_text` ("" when there is none)."""
    first = arg(call, 0) or arg(call, 0, "args")
    return literal_text(first, bindings) if first is not None else ""


def call_kinds(call: cst.Call, aliases: dict[str, str], bindings: dict[str, cst.BaseExpression] | None = None) -> set[str]:
    """What a call does, among "network", "process", "exec" and "destructive"."""
    name = call_name(call, aliases)
    kinds = set()
    if is_network(name):
        kinds.add("network")
    if name in EXEC_CALLS:
        kinds.add("exec")
    if is_process(name):
        kinds.add("process")
        if DESTRUCTIVE_COMMAND.search(command_text(call, bindings)):
            kinds.add("destructive")
    if name in DESTRUCTIVE_CALLS:
        kinds.add("destructive")
    if isinstance(call.func, cst.Attribute):
        method = call.func.attr.value
        if method in DESTRUCTIVE_METHODS and not name.startswith(("os.path", "str.")):
            kinds.add("destructive")
        if method in ("execute", "executescript", "executemany") and call.args:
            if DESTRUCTIVE_SQL.search(literal_text(call.args[0].value, bindings)):
                kinds.add("destructive")
    return kinds


class ScopedRule(CstRule):
    """A rule that knows the module's import aliases and the names bound once in each scope."""

    def visit_Module(self, node: cst.Module) -> None:
        self.aliases = import_aliases(node)
        self._scopes = [single_bindings(node)]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append({**self._scopes[-1], **single_bindings(node.body)})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    @property
    def bindings(self) -> dict[str, cst.BaseExpression]:
        return self._scopes[-1]
