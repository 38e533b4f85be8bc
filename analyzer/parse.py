"""Parse each Python file once: CPython's `ast` as a safe gate, then libcst when a rule needs it.

libcst's native parser can overflow the C stack (a segfault, not an exception) on input nested
thousands deep, while CPython's parser refuses such input cleanly ("too many nested parentheses",
RecursionError, MemoryError). So `ast.parse` runs first; libcst only sees what CPython accepts.
The `ast` tree also gives statement line spans for scoping at no extra cost.

libcst parsing costs ~13x `ast` (Django: 13.5 s against 1.05 s), so it happens lazily, the first
time a rule asks for `ParsedModule.module`, and both parses are cached by content hash for the
life of the process.
"""

from __future__ import annotations

import ast
import hashlib

import libcst

from analyzer.findings import Notice, NoticeLevel
from analyzer.sources import is_manifest_name

_AST_CACHE: dict[str, tuple[ast.Module | None, str | None, int | None]] = {}
_CST_CACHE: dict[str, tuple[libcst.Module | None, str | None, int | None]] = {}
_CACHE_LIMIT = 4096
_ONLY_SEMGREP = "only Semgrep analysed this file"
_NO_OWN_CHECKS = "diffsentry's own checks skipped this file"


class ParsedModule:
    """One file's parse results; `module` (libcst) is computed on first use."""

    def __init__(self, path: str, text: str, *, python: bool = True) -> None:
        self.path = path
        self.text = text
        self._key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        # A dependency manifest is not parsed: only text checks read it.
        parsed = _cached(_AST_CACHE, self._key, lambda: _parse_ast(text)) if python else (None, None, None)
        self.tree, problem, line = parsed
        # Why Python's parser refused the file: a WARNING, since a file Python cannot parse cannot
        # run either, and Semgrep (error tolerant) still scans it.
        self.notice = _notice(path, problem, line)
        # Why libcst refused a file Python accepts; known only once `module` was asked for.
        self.cst_notice: Notice | None = None

    @property
    def module(self) -> libcst.Module | None:
        """The libcst tree, or None when the file does not parse (see the notices)."""
        if self.tree is None:
            return None
        module, problem, line = _cached(_CST_CACHE, self._key, lambda: _parse_cst(self.text))
        self.cst_notice = _notice(self.path, problem, line)
        return module

    def statement_spans(self) -> list[tuple[int, int]]:
        """(first, last) line of every simple statement and compound-statement header."""
        if self.tree is None:
            return []
        spans = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.stmt):
                body = getattr(node, "body", None)
                if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                    spans.append((node.lineno, max(node.lineno, body[0].lineno - 1)))  # the header only
                else:
                    spans.append((node.lineno, node.end_lineno or node.lineno))
        return spans


def parse_source(path: str, text: str) -> ParsedModule:
    return ParsedModule(path, text, python=not is_manifest_name(path))


def _notice(path: str, problem: str | None, line: int | None) -> Notice | None:
    return Notice(NoticeLevel.WARNING, "parse", problem, path, line) if problem else None


def _cached(cache: dict, key: str, compute):  # type: ignore[no-untyped-def]
    if key not in cache:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = compute()
    return cache[key]


def _parse_ast(text: str) -> tuple[ast.Module | None, str | None, int | None]:
    try:
        return ast.parse(text), None, None
    except SyntaxError as exc:
        return None, f"syntax error: {exc.msg}; {_ONLY_SEMGREP}", exc.lineno
    except (RecursionError, MemoryError):
        return None, f"nested too deeply to parse; {_ONLY_SEMGREP}", None
    except ValueError as exc:  # e.g. NUL bytes that slipped through
        return None, f"cannot parse: {exc}; {_ONLY_SEMGREP}", None


def _parse_cst(text: str) -> tuple[libcst.Module | None, str | None, int | None]:
    try:
        return libcst.parse_module(text), None, None
    except libcst.ParserSyntaxError as exc:
        return None, f"libcst cannot parse it ({exc.message}); {_NO_OWN_CHECKS}", exc.raw_line
    except RecursionError:
        return None, f"nested too deeply for libcst; {_NO_OWN_CHECKS}", None
