"""The read-only walker (analyzer/engines/cst/walk.py) against libcst's own visit.

Every check compares with libcst itself: the visit/leave calls a batched visitor receives (which
node, in which order), the children of each node, the pre-order of the tree, and the orders the
walker reads off libcst's code against the same orders read off its bytecode.
"""

from __future__ import annotations

import dataclasses
import dis
import inspect
import sys
import typing
import warnings
from pathlib import Path

import libcst
import pytest
from hypothesis import HealthCheck, given, settings

from analyzer import parse, sources
from analyzer.engines.cst import walk
from analyzer.engines.cst.rules import _support

REPO = Path(__file__).resolve().parent.parent

NODE_CLASSES = sorted(
    (c for c in vars(libcst).values() if isinstance(c, type) and issubclass(c, libcst.CSTNode) and not inspect.isabstract(c)),
    key=lambda c: c.__name__,
)
TOKENS = [c.__name__ for c in NODE_CLASSES if walk.is_token(c)]
SOME = ["Module", "FunctionDef", "ClassDef", "Call", "Name", "Comparison", "If", "SimpleString", "Lambda",
        "FormattedString", "MatchCase", "Decorator", "CompFor", "Attribute", "Assign"]


def recorder(names: list[str]) -> type[libcst.BatchableCSTVisitor]:
    """A batched visitor class with visit_/leave_ methods for `names` that logs what it is called with."""
    namespace: dict[str, object] = {}
    for name in names:
        def visit(self, node, _name=name):  # type: ignore[no-untyped-def]
            self.log.append(("visit", _name, id(node)))

        def leave(self, node, _name=name):  # type: ignore[no-untyped-def]
            self.log.append(("leave", _name, id(node)))

        # libcst finds visitor methods by their __name__ (inspect.getmembers + ismethod)
        visit.__name__, leave.__name__ = f"visit_{name}", f"leave_{name}"
        namespace[visit.__name__], namespace[leave.__name__] = visit, leave

    def __init__(self):  # type: ignore[no-untyped-def]
        libcst.BatchableCSTVisitor.__init__(self)
        self.log = []

    namespace["__init__"] = __init__
    return type("Recorder", (libcst.BatchableCSTVisitor,), namespace)


EVERY, SOME_NODES, WITH_A_TOKEN = recorder([c.__name__ for c in NODE_CLASSES]), recorder(SOME), recorder([*SOME, "Comment"])


def libcst_preorder(node: libcst.CSTNode) -> list[libcst.CSTNode]:
    seen: list[libcst.CSTNode] = []

    class Collect(libcst.CSTVisitor):
        def on_visit(self, current: libcst.CSTNode) -> bool:
            seen.append(current)
            return True

    node.visit(Collect())
    return seen


def reference_support_walk(node: libcst.CSTNode, into_scopes: bool) -> list[libcst.CSTNode]:
    """What `_support.walk` gave before it was made cheap: dataclass field order, tokens dropped."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current is node or not walk.is_token(type(current)):
            found.append(current)
        if not into_scopes and current is not node and isinstance(current, (libcst.FunctionDef, libcst.ClassDef, libcst.Lambda)):
            continue
        kids = []
        for field in dataclasses.fields(current):
            value = getattr(current, field.name)
            if isinstance(value, libcst.CSTNode):
                kids.append(value)
            elif isinstance(value, (list, tuple)):
                kids.extend(v for v in value if isinstance(v, libcst.CSTNode))
        stack.extend(reversed(kids))
    return found


def assert_same_as_libcst(module: libcst.Module, *, thorough: bool = True) -> None:
    for visitor_class in (EVERY, SOME_NODES, WITH_A_TOKEN) if thorough else (EVERY, SOME_NODES):
        theirs, ours = visitor_class(), visitor_class()
        libcst.visit_batched(module, [theirs])
        walk.visit_batched(module, [ours])
        assert ours.log == theirs.log, visitor_class
    if not thorough:
        return
    # two visitors in one batch: per node, the first visitor's method before the second's
    theirs, ours = [SOME_NODES(), EVERY()], [SOME_NODES(), EVERY()]
    libcst.visit_batched(module, theirs)
    walk.visit_batched(module, ours)
    assert [v.log for v in ours] == [v.log for v in theirs]
    order = libcst_preorder(module)
    assert [id(n) for n in walk.walk(module)] == [id(n) for n in order]
    assert [id(n) for n in walk.walk(module, tokens=False)] == [
        id(n) for n in order if n is module or not walk.is_token(type(n))
    ]
    for node in order:
        assert [id(c) for c in walk.children(node)] == [id(c) for c in node.children]
    for into_scopes in (True, False):
        assert [id(n) for n in _support._walk(module, into_scopes)] == [
            id(n) for n in reference_support_walk(module, into_scopes)
        ]


ODD_CODE = {
    "decorators": (
        "@a.b(c, *d, **e)\n@f[g]  # comment\n@(lambda h: h)\nclass K(Base, metaclass=M):\n"
        "    @property\n    def p(self, /, q: int = 1, *r, s, t=2, **u) -> 'K':\n        return self\n"
    ),
    "comprehensions": (
        "x = [a for b in c if d if e for f in g]\ny = {h: i async for j in k}\nz = {l for m in n}\n"
        "w = (o for p, *q in r if (s := p))\n"
    ),
    "f-strings": (
        "name = 'x'\nf'{name!r:>{width}.{precision}} {a["
        "\"k\"]=} {{literal}} {b:{c}{d}}' f\"\"\"{e\n+ f}\"\"\" 'raw' 'plain'\n"
    ),
    "match": (
        "match command.split():\n"
        "    case [action]:\n        pass\n"
        "    case [('go' | 'walk') as verb, direction] if direction in DIRS:\n        pass\n"
        "    case {'x': 1, **rest}:\n        pass\n"
        "    case Point(x=0, y=_) | Point(0, 0):\n        pass\n"
        "    case [1, 2, *others]:\n        pass\n"
        "    case -1 | 1.5 | 2j | None | True | b'x':\n        pass\n"
        "    case _:\n        pass\n"
    ),
    "statements": (
        "#!/usr/bin/env python\n# header comment\n\nimport a.b as c, d\nfrom . import (e, f as g,)\nfrom h import *\n"
        "global i; nonlocal_ = 1; del j[0], k.l\n"
        "async def m():\n    async with n() as (o, p), q:\n        async for r in s:\n            await t\n"
        "    yield u\n    yield from v\n"
        "try:\n    raise W from X\nexcept* (Y, Z) as aa:\n    pass\nelse:\n    pass\nfinally:\n    pass\n"
        "while bb:\n    continue\nelse:\n    break_ = 1\n"
        "for cc in dd: ee += 1; ff **= 2\n"
        "if gg:\n    pass\nelif hh:\n    pass\nelse:\n    pass\n"
        "assert ii, 'message'\nwith jj: pass\n"
        "kk: int = 1\nll: list[int]\n"
        "mm = nn if oo else pp\nqq = not rr and ss or -tt ** ~uu\n"
        "vv = ww[1:2:3, ..., ::-1]\nxx = lambda *yy, zz=1, **ab: (yield)\n"
        "ac = a < b <= c != d is not e not in f\n"
        "x = \\\n    1  # trailing\n\n\n# footer\n"
    ),
    "type-parameters": "type Alias[T] = list[T]\ndef first[T: int, *Ts, **P](x: T) -> T:\n    return x\nclass C[T]: pass\n",
}


@pytest.mark.parametrize("code", ODD_CODE.values(), ids=ODD_CODE.keys())
def test_odd_code_is_visited_exactly_as_libcst_visits_it(code):
    assert_same_as_libcst(libcst.parse_module(code))


def test_our_own_source_is_visited_exactly_as_libcst_visits_it():
    """A corpus of real code: the libcst engine's own modules (~8,000 lines). (All 879 files of
    Django 5.1.4's django/ were compared the same way when the walker was written.)"""
    paths = sorted((REPO / "analyzer" / "engines" / "cst").rglob("*.py"))
    assert len(paths) > 20
    for path in paths:
        assert_same_as_libcst(libcst.parse_module(path.read_text(encoding="utf-8")), thorough=False)


def test_generated_code_is_visited_exactly_as_libcst_visits_it():
    hypothesmith = pytest.importorskip("hypothesmith")

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hypothesmith.from_node())
    def check(code: str) -> None:
        assert_same_as_libcst(libcst.parse_module(code))

    with warnings.catch_warnings():  # the generator writes `...[x]`, which CPython warns about
        warnings.simplefilter("ignore", SyntaxWarning)
        check()


def test_deep_nesting_is_walked_under_run_deep_and_overflows_like_libcst_without():
    text = "x = " + "(" * 300 + "a" + ")" * 300 + "\ny = " + " + ".join(["b"] * 1_500) + "\n"
    module = parse.run_deep(libcst.parse_module, text)
    parse.run_deep(assert_same_as_libcst, module)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000)
    try:
        with pytest.raises(RecursionError):
            walk.visit_batched(module, [SOME_NODES()])
    finally:
        sys.setrecursionlimit(limit)


def test_too_deep_for_the_rules_is_an_error_notice_not_a_clean_file(catalogue, monkeypatch):
    from analyzer.engines import cst

    text = "import os\nos.system(input())\nx = " + " + ".join(["a"] * 2_000) + "\n"
    parsed = parse.parse_source("deep.py", text)
    assert parse.run_deep(lambda: parsed.module) is not None
    monkeypatch.setattr(parse, "run_deep", lambda func, *args: func(*args))  # the default stack and limit
    result = cst.run([(sources.SourceFile("deep.py", text), parsed)], catalogue.for_engine("cst"))
    assert [(n.level.name, n.message) for n in result.notices] == [
        ("ERROR", "nested too deeply for diffsentry's own checks")
    ]


def test_visit_order_is_the_order_in_libcsts_code():
    """The orders read off the constants equal those read off the bytecode: the field named by
    each visit_required/optional/sentinel/sequence call, in the order of the calls."""
    for cls in NODE_CLASSES:
        calls: list[str] = []
        helper = None
        for instruction in dis.get_instructions(cls._visit_and_replace_children):
            if instruction.opname == "LOAD_GLOBAL" and str(instruction.argval).startswith("visit_"):
                helper = instruction.argval
            elif instruction.opname == "LOAD_CONST" and isinstance(instruction.argval, str) and helper:
                if instruction.argval not in calls:
                    calls.append(instruction.argval)
                helper = None
        assert walk.visit_order(cls) == tuple(calls), cls.__name__
        # every field that can hold a node is visited
        hints = typing.get_type_hints(cls)
        holding = {f.name for f in dataclasses.fields(cls) if _node_classes(hints[f.name])}
        assert holding == set(calls), cls.__name__


def _node_classes(annotation: object) -> set[type]:
    found, pending = set(), [annotation]
    while pending:
        current = pending.pop()
        if typing.get_args(current):
            pending.extend(typing.get_args(current))
        elif isinstance(current, type) and issubclass(current, libcst.CSTNode):
            found |= {current, *_subclasses(current)}
    return {c for c in found if not inspect.isabstract(c)}


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))}


def test_tokens_hold_only_tokens():
    """What lets the walker skip whitespace and punctuation: by libcst's own annotations, nothing
    but tokens can be found under a token, and the list is the expected one."""
    for cls in NODE_CLASSES:
        if walk.is_token(cls):
            hints = typing.get_type_hints(cls)
            for field in dataclasses.fields(cls):
                assert all(walk.is_token(c) for c in _node_classes(hints[field.name])), (cls.__name__, field.name)
    assert {"SimpleWhitespace", "Newline", "Comment", "EmptyLine", "Comma", "Dot", "LeftParen", "Add", "Equal",
            "AssignEqual", "Colon", "Semicolon", "Asynchronous"} <= set(TOKENS)
    assert not {"Name", "Call", "SimpleString", "Module", "Arg", "Param", "FormattedStringText"} & set(TOKENS)


def test_attribute_visitors_and_metadata_are_left_to_libcst():
    """visit_<Node>_<attribute> methods and metadata dependencies: libcst's own visit runs them."""
    from libcst.metadata import PositionProvider

    class Attributes(libcst.BatchableCSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.log: list[str] = []

        def visit_Call_args(self, node: libcst.Call) -> None:
            self.log.append("args")

    class Positions(libcst.BatchableCSTVisitor):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def __init__(self) -> None:
            super().__init__()
            self.lines: list[int] = []

        def visit_Call(self, node: libcst.Call) -> None:
            self.lines.append(self.get_metadata(PositionProvider, node).start.line)

    module = libcst.parse_module("f(1)\n\ng(h(2))\n")
    attributes, positions = Attributes(), Positions()
    walk.visit_batched(module, [attributes, positions])
    assert attributes.log == ["args", "args", "args"] and positions.lines == [1, 3, 3]
