"""Read-only walks of libcst trees for the capability model, without whitespace and punctuation.

`summary` walks every statement of a file, and every function body, module and condition once
more for the names they bind: with `_support.walk` (children through `isinstance` against
libcst's abstract classes) this was most of a summary's time, ~0.12 s per 1,000 lines of Django.
Here a node's children are read from the dataclass fields that can hold something besides
whitespace, comments, operators and brackets (`walk.node_fields`: more than half of all nodes
hold only those, and only more of the same), in the order `_support.walk` gives them, so that
facts and edges are found in the same order; node classes are told apart by `type(node) is ...`,
exact for the classes the model asks about (none has subclasses).
"""

from __future__ import annotations

import libcst as cst

from analyzer.engines.cst import walk as _walker
from analyzer.engines.cst.rules import _support as s

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_ENTERED: dict[type, bool] = {}  # a node class, not a token (False for anything else: sentinels)
# The fields of a node class that may hold more than tokens: the read-only walker's table.
_fields = _walker.node_fields


def _entered(cls: type) -> bool:
    found = _ENTERED[cls] = issubclass(cls, cst.CSTNode) and not _walker.is_token(cls)
    return found


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`_support.children(node)` without whitespace and punctuation, in the same order."""
    found: list[cst.CSTNode] = []
    for name in _fields(type(node)):
        value = getattr(node, name)
        if type(value) is tuple or type(value) is list:
            found.extend(v for v in value if isinstance(v, cst.CSTNode))
        elif isinstance(value, cst.CSTNode):
            found.append(value)
    return found


def walk(node: cst.CSTNode, into_scopes: bool = True) -> list[cst.CSTNode]:
    """`node` and every node under it in `_support.walk`'s order (pre-order, fields in dataclass
    order), leaving out whitespace and punctuation below `node`; with `into_scopes=False`, not
    into nested functions, classes and lambdas (which are listed themselves)."""
    out: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [node]
    fields, entered, scopes = _fields, _ENTERED, _SCOPES
    pop, push, append = stack.pop, stack.append, out.append
    while stack:
        current = pop()
        append(current)
        kind = type(current)
        if not into_scopes and current is not node and kind in scopes:
            continue
        names = fields(kind)
        for name in reversed(names):
            value = getattr(current, name)
            if type(value) is tuple or type(value) is list:
                for item in reversed(value):
                    enter = entered.get(type(item))
                    if enter or (enter is None and _entered(type(item))):
                        push(item)
            else:
                enter = entered.get(type(value))
                if enter or (enter is None and _entered(type(value))):
                    push(value)
    return out


# --- names a module or a function body binds ------------------------------------------------------
# `_support.import_aliases` / `single_bindings` and `logic_bombs._global_counters`, read in one
# walk (tests/test_capabilities.py checks that they agree).

def module_names(module: cst.Module) -> tuple[dict[str, str], dict[str, cst.BaseExpression], set[str]]:
    """(import aliases, names bound once, global counters) of a module, as `_support` and
    `logic_bombs` find them."""
    aliases: dict[str, str] = {}
    seen: dict[str, list[cst.BaseExpression]] = {}
    declared: set[str] = set()
    bumped: set[str] = set()
    for node in walk(module):
        kind = type(node)
        if kind is cst.Import:
            for alias in node.names:
                full = s.dotted(alias.name) or ""
                if alias.asname is not None:
                    aliases[s.dotted(alias.asname.name) or full] = full  # type: ignore[arg-type]
                else:
                    top = full.split(".")[0]
                    aliases[top] = top
        elif kind is cst.ImportFrom:
            if node.relative or node.module is None or type(node.names) is cst.ImportStar:
                continue
            base = s.dotted(node.module) or ""
            for alias in node.names:  # type: ignore[union-attr]
                name = s.dotted(alias.name) or ""
                local = s.dotted(alias.asname.name) if alias.asname is not None else name  # type: ignore[arg-type]
                aliases[local or name] = f"{base}.{name}"
        elif kind is cst.Global:
            declared.update(n.name.value for n in node.names)
        elif kind is cst.AugAssign:
            if type(node.target) is cst.Name and type(node.operator) in (cst.AddAssign, cst.SubtractAssign):
                bumped.add(node.target.value)
        else:
            _binding(node, kind, seen)
    return aliases, {name: values[0] for name, values in seen.items() if len(values) == 1}, declared & bumped


def single_bindings(node: cst.CSTNode) -> dict[str, cst.BaseExpression]:
    """Names assigned exactly once anywhere under `node` (`_support.single_bindings`)."""
    seen: dict[str, list[cst.BaseExpression]] = {}
    for sub in walk(node):
        _binding(sub, type(sub), seen)
    return {name: values[0] for name, values in seen.items() if len(values) == 1}


def _binding(node: cst.CSTNode, kind: type, seen: dict[str, list[cst.BaseExpression]]) -> None:
    if kind is cst.Assign:
        for target in node.targets:  # type: ignore[attr-defined]
            if type(target.target) is cst.Name:
                seen.setdefault(target.target.value, []).append(node.value)  # type: ignore[attr-defined]
    elif kind is cst.AnnAssign:
        if type(node.target) is cst.Name and node.value is not None:  # type: ignore[attr-defined]
            seen.setdefault(node.target.value, []).append(node.value)  # type: ignore[attr-defined]
    elif kind is cst.WithItem:
        if node.asname is not None and type(node.asname.name) is cst.Name:  # type: ignore[attr-defined]
            seen.setdefault(node.asname.name.value, []).append(node.item)  # type: ignore[attr-defined]

