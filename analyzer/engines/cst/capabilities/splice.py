"""The libcst tree of a changed file before the change, made from its tree after the change.

The delta summarises the text of every changed file before the change; parsing it with libcst
was ~0.3 s CPU of the benchmark's 5-file diff (one line added to each file), the larger part of
the delta once the text after the change came summarised from the engine. A change leaves most
top-level statements as they were: each statement of the new tree whose lines are the same
before the change, and are one top-level statement there with the same extent (by Python's own
parse of the old text, which `parse` makes anyway to vet it), is taken from the new tree, and
only the rest of the old text is parsed, in pieces of whole top-level statements. Same text at
top level, same tree: only whitespace and comments attached to a reused statement (its leading
lines) come from the new text, and no summary reads them. Anything unusual (a piece that does not
parse alone, syntax newer than Python's, statements that do not line up) makes the whole old
text parsed as before.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Sequence

import libcst as cst

from analyzer import parse

# Lines as Python numbers them (`str.splitlines` also splits at \f, \x1c, \u2028... which a string
# or a comment may hold).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_WHOLE = object()  # `tree_before` could not splice: parse the whole text


def tree_before(path: str, before: str, after: str, after_module: cst.Module) -> cst.Module | None:
    """The libcst tree of `before` (None when it does not parse), reusing `after_module`'s
    statements (the tree of `after`) where the text is the same."""
    old = parse.parse_source(path, before)
    if old.notice is not None or old.tree is None:  # no tree, or newer syntax: as `parse` says
        return old.module
    spliced = _splice(path, before, old.tree, after, after_module)
    return old.module if spliced is _WHOLE else spliced  # type: ignore[return-value]


def _splice(path: str, before: str, old_tree: ast.Module, after: str, after_module: cst.Module) -> object:
    new_tree = parse.parse_source(path, after).tree
    if new_tree is None:
        return _WHOLE
    new_spans = _spans(new_tree.body)
    if len(new_spans) != len(after_module.body):
        return _WHOLE
    old_lines, new_lines = _LINE.findall(before), _LINE.findall(after)
    shift: dict[int, int] = {}  # line after the change -> the same line before it (1-based)
    block: dict[int, int] = {}  # line after the change -> which run of equal lines it is in
    matcher = difflib.SequenceMatcher(None, new_lines, old_lines)
    for n, (i, j, size) in enumerate(matcher.get_matching_blocks()):
        for k in range(size):
            shift[i + k + 1], block[i + k + 1] = j + k + 1, n
    old_spans = {(first, last): n for n, (first, last, _) in enumerate(_spans(old_tree.body))
                 if _starts_line(old_lines, first)}
    reused: dict[int, cst.BaseStatement] = {}  # index of an old top-level statement -> new node
    for (first, last, kind), statement in zip(new_spans, after_module.body):
        if type(statement).__name__ != kind:  # not lined up after all
            return _WHOLE
        if first in shift and last in shift and block[first] == block[last]:
            position = old_spans.get((shift[first], shift[last]))
            if position is not None:
                reused[position] = statement
    if not reused:
        return _WHOLE
    body: list[cst.BaseStatement] = []
    start = 1  # first old line not yet in `body`
    for (first, last), n in old_spans.items():
        if n not in reused:
            continue
        if not _parse_piece(path, old_lines[start - 1:first - 1], body):
            return _WHOLE
        body.append(reused[n])
        start = last + 1
    if not _parse_piece(path, old_lines[start - 1:], body):
        return _WHOLE
    return cst.Module(body=body)


def _starts_line(lines: Sequence[str], first: int) -> bool:
    """A statement at the start of its logical line: at column 0, not after a backslash."""
    return lines[first - 1][:1] not in (" ", "\t", "\f") and (
        first == 1 or not lines[first - 2].rstrip("\r\n").endswith("\\"))


def _parse_piece(path: str, lines: Sequence[str], body: list[cst.BaseStatement]) -> bool:
    """Parse whole top-level statements of the old text (and the comments between them)."""
    text = "".join(lines)
    if not text.strip():
        return True
    piece = parse.parse_source(path, text)
    module = piece.module
    if module is None or piece.notice is not None or piece.cst_notice is not None:
        return False
    body.extend(module.body)
    return True


_COMPOUND = {"AsyncFunctionDef": "FunctionDef", "AsyncFor": "For", "AsyncWith": "With"}
_SIMPLE = "SimpleStatementLine"


def _spans(statements: Sequence[ast.stmt]) -> list[tuple[int, int, str]]:
    """(first line, last line, libcst class) of each top-level statement as libcst groups them:
    decorators with their definition, `a; b` on one line as one statement."""
    spans: list[tuple[int, int, str]] = []
    for statement in statements:
        first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
        last = statement.end_lineno or statement.lineno
        if spans and first <= spans[-1][1]:  # on the line where the previous one ends: `a; b`
            spans[-1] = (spans[-1][0], max(last, spans[-1][1]), _SIMPLE)
            continue
        name = type(statement).__name__
        compound = "body" in statement._fields or name == "Match"
        spans.append((first, last, _COMPOUND.get(name, name) if compound else _SIMPLE))
    return spans
