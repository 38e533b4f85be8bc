"""A read-only walk of libcst trees: libcst's batched visit without rebuilding the tree.

libcst visits a tree through each node's `_visit_and_replace_children`, which constructs a new
node for every node visited, even for a read-only `BatchableCSTVisitor` (on the five Django
files of the speed benchmark, ~3,500 lines, an EMPTY `visit_batched([])` cost 0.27 s, as much as
most of our rules together). `visit_batched` here calls the same `visit_<Node>` / `leave_<Node>`
methods of the same visitors in the same order, reading each node's children straight from its
dataclass fields:

* the fields a node class visits, and their order, are read off the constants of that class's
  own `_visit_and_replace_children` (each child is visited as `visit_*(self, "<field>", ...)`),
  so that the order is libcst's (lexical), not the dataclass's;
* whitespace and punctuation (`libcst._nodes.whitespace`, `libcst._nodes.op`, brackets and
  `async`: more than half of all nodes) hold nothing but more of the same, so that when no
  visitor asks for one of them, fields that can hold only them are not entered at all;
* a batched visitor cannot stop the descent (libcst ignores what `visit_*` returns there), nor
  can it here.

`visit_<Node>_<attribute>` methods are not dispatched: a visitor that has one is walked by
libcst itself (`libcst.visit_batched`), as are visitors that declare metadata dependencies.
`children` and `walk` give the same children (libcst's `node.children`) and pre-order for code
that walks subtrees itself. tests/test_cst_walk.py compares all of it with libcst's visit.

The walk is recursive (one frame per tree level, libcst's takes three): callers run it under
`parse.run_deep` like libcst's, and a RecursionError propagates the same way.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence

import libcst
from libcst import CSTNode, MaybeSentinel
from libcst._nodes import op as _op
from libcst._nodes import whitespace as _whitespace

__all__ = ["children", "is_token", "node_fields", "visit_batched", "visit_order", "walk"]

# Whitespace, comments, operators, commas, dots, brackets and `async`: nodes that hold only
# other nodes of this kind (tests/test_cst_walk.py checks it on libcst's type annotations).
_TOKEN_NAMES = frozenset({
    "LeftParen", "RightParen", "LeftSquareBracket", "RightSquareBracket", "LeftCurlyBrace",
    "RightCurlyBrace", "Asynchronous",
})


def is_token(cls: type) -> bool:
    """Whether nodes of `cls` are whitespace/punctuation that hold only more of the same."""
    known = _IS_TOKEN.get(cls)
    if known is None:
        known = _IS_TOKEN[cls] = cls.__module__ in (_op.__name__, _whitespace.__name__) or (
            cls.__name__ in _TOKEN_NAMES and cls.__module__ == libcst.LeftParen.__module__
        )
    return known


_IS_TOKEN: dict[type, bool] = {}


_ORDER: dict[type, tuple[str, ...]] = {}
_PRUNED_ORDER: dict[type, tuple[str, ...]] = {}


def visit_order(cls: type[CSTNode]) -> tuple[str, ...]:
    """The fields of `cls` that libcst visits, in the order it visits them.

    Read off the string constants of `cls._visit_and_replace_children` that name a field: each
    child is visited by `visit_required/optional/sentinel/sequence(self, "<field>", ...)`, in
    the order of the code, and CPython keeps constants in the order they first appear (the
    keyword names of the constructor call are one tuple constant, not strings)."""
    order = _ORDER.get(cls)
    if order is None:
        fields = {field.name for field in dataclasses.fields(cls)}
        found: list[str] = []
        for const in cls._visit_and_replace_children.__code__.co_consts:
            if type(const) is str and const in fields and const not in found:
                found.append(const)
        order = _ORDER[cls] = tuple(found)
    return order


def _holds(cls: type[CSTNode], annotation: object) -> int:
    """What a field annotation of `cls` admits: 0 no nodes, 1 only tokens, 2 other nodes."""
    nodes: list[type] = []
    pending = [annotation]
    while pending:
        current = pending.pop()
        if isinstance(current, typing.ForwardRef):  # `Optional["CompFor"]`: a class of cls's module
            current = getattr(sys.modules[cls.__module__], current.__forward_arg__, None)
            if current is None:
                return 2  # unknown: assume it may hold anything
        args = typing.get_args(current)
        if args:
            pending.extend(args)  # (the arguments of a Literal are values: not classes, ignored)
        elif isinstance(current, type) and issubclass(current, CSTNode):
            nodes.append(current)
    return 0 if not nodes else 1 if all(is_token(node) for node in nodes) else 2


def _pruned_order(cls: type[CSTNode]) -> tuple[str, ...]:
    """`visit_order(cls)` without the fields that can hold only tokens."""
    order = _PRUNED_ORDER.get(cls)
    if order is None:
        types = {field.name: field.type for field in dataclasses.fields(cls)}
        order = _PRUNED_ORDER[cls] = tuple(name for name in visit_order(cls) if _holds(cls, types[name]) != 1)
    return order


_NODE_FIELDS: dict[type, tuple[str, ...]] = {}


def node_fields(cls: type[CSTNode]) -> tuple[str, ...]:
    """The fields of `cls` that can hold nodes other than tokens, in the dataclass's order (not
    libcst's visiting order: for code that has always walked subtrees in that order)."""
    names = _NODE_FIELDS.get(cls)
    if names is None:
        names = _NODE_FIELDS[cls] = tuple(field.name for field in dataclasses.fields(cls) if _holds(cls, field.type) == 2)
    return names


def children(node: CSTNode) -> list[CSTNode]:
    """The direct children of `node`, as `node.children` lists them (libcst's order)."""
    found: list[CSTNode] = []
    for name in _ORDER.get(type(node)) or visit_order(type(node)):
        value = getattr(node, name)
        if type(value) is tuple or type(value) is list:
            found.extend(value)
        elif value is not None and value is not MaybeSentinel.DEFAULT:
            found.append(value)
    return found


def walk(node: CSTNode, *, tokens: bool = True) -> Iterator[CSTNode]:
    """`node` and every node under it in libcst's visiting order (pre-order); with
    `tokens=False`, without whitespace and punctuation below `node`."""
    orders, order_of = (_ORDER, visit_order) if tokens else (_PRUNED_ORDER, _pruned_order)
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        current = pop()
        yield current
        names = orders.get(type(current)) or order_of(type(current))
        for name in reversed(names):
            value = getattr(current, name)
            if type(value) is tuple or type(value) is list:
                extend(reversed(value))
            elif value is not None and value is not MaybeSentinel.DEFAULT and (tokens or not is_token(type(value))):
                push(value)  # (a field may hold a token or not: `from m import *` or `import (a, b)`)


# Visitor method names per visitor class: (node class name, "visit"/"leave", attribute or "").
_METHODS: dict[type, tuple[tuple[str, str, str, str], ...]] = {}


def _visitor_methods(cls: type) -> tuple[tuple[str, str, str, str], ...]:
    """What `BatchableCSTVisitor.get_visitors` finds on instances of `cls`, per class (it runs
    `inspect.getmembers` on every instance): methods named visit_*/leave_* not marked no-op."""
    methods = _METHODS.get(cls)
    if methods is None:
        found = []
        for name in sorted(dir(cls)):
            if not name.startswith(("visit_", "leave_")):
                continue
            function = getattr(cls, name)
            if not callable(function) or getattr(function, "_is_no_op", False):
                continue
            kind, _, rest = name.partition("_")
            node, _, attribute = rest.partition("_")
            found.append((name, kind, node, attribute))
        methods = _METHODS[cls] = tuple(found)
    return methods


def visit_batched(node: CSTNode, visitors: Sequence[libcst.BatchableCSTVisitor]) -> None:
    """Visit `node` with `visitors` as `libcst.visit_batched` does, without rebuilding the tree."""
    visit: dict[str, list[Callable[[CSTNode], object]]] = {}
    leave: dict[str, list[Callable[[CSTNode], object]]] = {}
    for visitor in visitors:
        if visitor.get_inherited_dependencies():  # metadata is libcst's business: let it visit
            return _libcst_visit(node, visitors)
        for name, kind, node_name, attribute in _visitor_methods(type(visitor)):
            if attribute:  # visit_<Node>_<attribute>: libcst calls these, this walk does not
                return _libcst_visit(node, visitors)
            (visit if kind == "visit" else leave).setdefault(node_name, []).append(getattr(visitor, name))
    prune = not any(is_token(cls) for cls in _node_classes(visit.keys() | leave.keys()))
    orders, order_of = (_PRUNED_ORDER, _pruned_order) if prune else (_ORDER, visit_order)
    # node class -> (its visit methods, its leave methods, the fields to enter)
    table: dict[type, tuple[tuple[Callable[[CSTNode], object], ...], tuple[Callable[[CSTNode], object], ...],
                            tuple[str, ...]]] = {}

    def entry(cls: type[CSTNode]) -> tuple[tuple, tuple, tuple[str, ...]]:  # type: ignore[type-arg]
        found = table[cls] = (
            tuple(visit.get(cls.__name__, ())), tuple(leave.get(cls.__name__, ())), orders.get(cls) or order_of(cls)
        )
        return found

    def descend(current: CSTNode) -> None:
        visits, leaves, names = table.get(type(current)) or entry(type(current))
        for method in visits:
            method(current)
        for name in names:
            value = getattr(current, name)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    descend(child)
            elif value is not None and value is not MaybeSentinel.DEFAULT:
                descend(value)
        for method in leaves:
            method(current)

    descend(node)
    return None


def _node_classes(names: Iterable[str]) -> Iterator[type]:
    for name in names:
        cls = getattr(libcst, name, None)
        if isinstance(cls, type):
            yield cls


def _libcst_visit(node: CSTNode, visitors: Sequence[libcst.BatchableCSTVisitor]) -> None:
    if isinstance(node, libcst.Module):
        libcst.MetadataWrapper(node, unsafe_skip_copy=True).visit_batched(visitors)
    else:
        libcst.visit_batched(node, visitors)
