"""Code written for a newer Python than the analyzer's, made readable to engines that use `ast`.

diffsentry runs on Python 3.11; its `ast` (and so Bandit) rejects 3.12+ syntax such as
`type X = bytes` or `def f[T](x: T)`, 3.13 type-parameter defaults, 3.14 template strings and
unparenthesised `except A, B:`. libcst's parser reads that grammar, so such a file is told apart
from one that runs on no Python at all (a real syntax error): libcst parses it, and a copy is
"lowered" to 3.11 syntax with the same lines for Bandit and the `ast`-based stages:

* type parameters are dropped (`def f[T](x)` -> `def f(x)`), with their defaults and bounds;
* `type X[T] = v` becomes `X = v`;
* `t"..."` becomes `f"..."` (the same interpolations);
* `except A, B:` becomes `except (A, B):`.

Only the lines holding such syntax change, and only within the line (columns after the change
shift). What cannot be lowered (f-strings with nested same quotes or comments, PEP 701) stays,
and the caller says which engines skipped the file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst


@dataclass(frozen=True)
class Lowered:
    """`text` rewritten to 3.11 syntax with the same lines, its `ast` tree, and what changed
    (None and the reason when the rewrite still does not parse)."""

    text: str | None
    tree: ast.Module | None
    features: tuple[str, ...]
    problem: str | None = None


class _Lower(libcst.CSTTransformer):
    def __init__(self) -> None:
        super().__init__()
        self.features: set[str] = set()

    def leave_FunctionDef(self, original: libcst.FunctionDef, updated: libcst.FunctionDef) -> libcst.FunctionDef:
        if updated.type_parameters is None:
            return updated
        self.features.add("type parameters (3.12)")
        return updated.with_changes(type_parameters=None, whitespace_after_type_parameters=libcst.SimpleWhitespace(""))

    def leave_ClassDef(self, original: libcst.ClassDef, updated: libcst.ClassDef) -> libcst.ClassDef:
        if updated.type_parameters is None:
            return updated
        self.features.add("type parameters (3.12)")
        return updated.with_changes(type_parameters=None, whitespace_after_type_parameters=libcst.SimpleWhitespace(""))

    def leave_TypeAlias(self, original: libcst.TypeAlias, updated: libcst.TypeAlias) -> libcst.Assign:
        self.features.add("type alias statement (3.12)")
        before_equal = updated.whitespace_after_type_parameters if updated.type_parameters else updated.whitespace_after_name
        target = libcst.AssignTarget(updated.name, whitespace_before_equal=before_equal,
                                     whitespace_after_equal=updated.whitespace_after_equals)
        return libcst.Assign(targets=[target], value=updated.value, semicolon=updated.semicolon)

    def leave_TemplatedString(self, original: libcst.TemplatedString,
                              updated: libcst.TemplatedString) -> libcst.BaseExpression:
        self.features.add("template string (3.14)")
        code = libcst.Module([]).code_for_node(updated.with_changes(lpar=[], rpar=[]))
        start = updated.start  # the prefix and the opening quote, e.g. t" or rt'''
        try:
            node = libcst.parse_expression(start.replace("t", "f").replace("T", "F") + code[len(start):])
        except libcst.ParserSyntaxError:
            return updated
        return node.with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def _parenthesise(self, updated):  # type: ignore[no-untyped-def]
        kind = updated.type
        if isinstance(kind, libcst.Tuple) and not kind.lpar:
            self.features.add("unparenthesised except list (3.14)")
            return updated.with_changes(type=kind.with_changes(lpar=[libcst.LeftParen()], rpar=[libcst.RightParen()]))
        return updated

    def leave_ExceptHandler(self, original: libcst.ExceptHandler, updated: libcst.ExceptHandler) -> libcst.ExceptHandler:
        return self._parenthesise(updated)

    def leave_ExceptStarHandler(self, original: libcst.ExceptStarHandler,
                                updated: libcst.ExceptStarHandler) -> libcst.ExceptStarHandler:
        return self._parenthesise(updated)


def lower(module: libcst.Module) -> Lowered:
    """A copy of `module` in 3.11 syntax with the same lines, when one can be made."""
    transformer = _Lower()
    try:
        text = module.visit(transformer).code
    except (RecursionError, ValueError, TypeError, libcst.CSTValidationError) as exc:
        return Lowered(None, None, (), f"could not be rewritten ({type(exc).__name__})")
    features = tuple(sorted(transformer.features))
    if text.count("\n") != module.code.count("\n"):
        return Lowered(None, None, features, "its rewrite would move lines")
    try:
        return Lowered(text, ast.parse(text), features)
    except SyntaxError as exc:
        return Lowered(None, None, features, f"syntax Python 3.11 cannot read even after rewriting: {exc.msg} "
                       f"(line {exc.lineno})")
    except (RecursionError, MemoryError, ValueError) as exc:
        return Lowered(None, None, features, f"cannot be parsed after rewriting ({type(exc).__name__})")
