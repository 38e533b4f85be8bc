"""Parse each Python file once: CPython's `ast` as a safe gate, then libcst.

libcst's native parser can overflow the C stack (a segfault, not an exception) on input nested
thousands deep, while CPython's parser refuses such input cleanly ("too many nested parentheses",
RecursionError, MemoryError). So `ast.parse` runs first; libcst only sees what CPython accepts.
The `ast` tree also gives statement line spans for scoping at no extra cost.

Parses are cached by content hash for the life of the process.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass

import libcst

from analyzer.findings import Notice, NoticeLevel

_CACHE: dict[str, tuple[ast.Module | None, libcst.Module | None, str | None, int | None]] = {}
_CACHE_LIMIT = 4096


@dataclass(frozen=True)
class ParsedModule:
    path: str
    tree: ast.Module | None
    module: libcst.Module | None
    notice: Notice | None = None

    def statement_spans(self) -> list[tuple[int, int]]:
        """(first, last) line of every simple statement and compound-statement header."""
        if self.tree is None:
            return []
        spans = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.stmt):
                body = getattr(node, "body", None)
                if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                    end = body[0].lineno - 1  # a compound statement's header only
                    spans.append((node.lineno, max(node.lineno, end)))
                else:
                    spans.append((node.lineno, node.end_lineno or node.lineno))
        return spans


def parse_source(path: str, text: str) -> ParsedModule:
    """Parse `text`; a syntax error or pathological nesting becomes a WARNING notice.

    A file Python cannot parse cannot run either, and Semgrep (error tolerant) still scans it, so
    this is reported but does not by itself fail the run.
    """
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = _parse(text)
    tree, module, problem, line = _CACHE[key]
    notice = None
    if problem:
        notice = Notice(NoticeLevel.WARNING, "parse", problem, path, line)
    return ParsedModule(path, tree, module, notice)


def _parse(text: str) -> tuple[ast.Module | None, libcst.Module | None, str | None, int | None]:
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return None, None, f"syntax error: {exc.msg}; only Semgrep analysed this file", exc.lineno
    except (RecursionError, MemoryError):
        return None, None, "nested too deeply to parse; only Semgrep analysed this file", None
    except ValueError as exc:  # e.g. NUL bytes that slipped through
        return None, None, f"cannot parse: {exc}; only Semgrep analysed this file", None
    try:
        return tree, libcst.parse_module(text), None, None
    except libcst.ParserSyntaxError as exc:
        return tree, None, f"libcst cannot parse it ({exc.message}); diffsentry's own checks skipped this file", exc.raw_line
    except RecursionError:
        return tree, None, "nested too deeply for libcst; diffsentry's own checks skipped this file", None
