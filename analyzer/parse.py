"""Parse each Python file once: CPython's `ast` as a safe gate, then libcst when a rule needs it.

Hostile input shapes what a parser does, so parsing is guarded three ways:

* `ast.parse` runs first. CPython refuses pathological nesting cleanly (200 brackets, ~3000 nested
  expressions, 100 indentation levels); libcst only sees what CPython accepts.
* CPython keeps some chains flat that libcst nests (`a or b or ...`, `import a.b.c...`), and
  libcst's native parser overflows the C stack (a segfault, not an exception) on ~6000 of them;
  its time also grows with the cube of chain depth (`a[0][0]...` 1000 deep: 16 s, holding the
  GIL). So the expected libcst depth and cost are read off the `ast` tree: too deep is refused,
  costly is parsed in a child process under the per-file timeout (a crash or a hang there costs
  the child, never this process), everything else in-process.
* libcst work (parsing, visiting, resolving metadata) is recursive; `run_deep` gives it a thread
  with a large stack and a raised recursion limit, so real deep code (generated math, big tables)
  is analysed instead of failing on the default 8 MB stack.

A file Python rejects gets a WARNING (it cannot run either; Semgrep still scans it) and is a
DS603 finding. Unless it is code for a newer Python than the analyzer's: when it shows a mark of
newer syntax and libcst (whose grammar is newer) reads it, libcst's checks run on it and Bandit
reads a copy rewritten to the analyzer's syntax (`analyzer.lowering`); a file that cannot be
rewritten is an ERROR (Bandit did not see it). A file Python accepts but libcst cannot take gets
an ERROR: diffsentry's own checks did not see code that would run, so the run is not clean.

libcst parsing costs ~13x `ast` (Django: 13.5 s against 1.05 s), so it happens lazily, the first
time a rule asks for `ParsedModule.module`, and both parses are cached by content hash for the
life of the process.
"""

from __future__ import annotations

import ast
import hashlib
import io
import pickle
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from analyzer import defaults
from analyzer.findings import Notice, NoticeLevel
from analyzer.sources import is_manifest_name

if TYPE_CHECKING:  # libcst (~0.3 s of imports) loads when a file is parsed with it, not before
    import libcst

    from analyzer.lowering import Lowered

T = TypeVar("T")

_AST_CACHE: dict[str, tuple[ast.Module | None, str | None, int | None]] = {}
_CST_CACHE: dict[str, tuple[libcst.Module | None, str | None, int | None]] = {}
_NEWER_CACHE: dict[str, tuple[libcst.Module, Lowered] | None] = {}
# Marks of syntax newer than 3.11 in text the 3.11 parser rejected: only such files are given
# to libcst's parser (in a child process, see `_parse_cst_isolated`), so that a plain
# syntax error costs nothing more.
NEWER_SYNTAX_HINT = re.compile(
    r"^[ \t]*type[ \t]+[A-Za-z_]\w*[ \t]*[=\[]"  # type alias (3.12)
    r"|^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+[ \t]*\["  # type parameters (3.12)
    r"|(?<![\w'\"])(?:[tT][rR]?|[rR][tT])['\"]"  # template strings (3.14)
    r"|^[ \t]*except\*?[ \t]+[^:(\n][^:\n]*,"  # except A, B: (3.14)
    r"|[fF][rR]?['\"]",  # f-strings, which 3.12 made more permissive (PEP 701)
    re.MULTILINE,
)
_RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
_CACHE_LIMIT = 4096
ONLY_SEMGREP = "only Semgrep analysed this file"
_NO_OWN_CHECKS = "diffsentry's own checks skipped this file"

DEFAULT_TIMEOUT_S = defaults.PER_FILE_TIMEOUT_S  # defined where the CLI's help reads it
# Deeper than this (in expected libcst nodes) is refused: far beyond real code (the deepest of
# 20,000 files of Django, the standard library and site-packages is 569, generated sympy tables)
# and safely inside what `run_deep` can visit.
MAX_CST_DEPTH = 4000
# Above this estimated cost, libcst parses in a child process under the per-file timeout. The
# cost sums each expression node's depth beyond 16, about d**2/2 for a chain d deep; at 50,000
# the slowest shapes measured (nested brackets) take ~1.5 s. 4 of those 20,000 files exceed it.
INLINE_COST = 50_000
_FLAT_DEPTH = 16
_DEEP_STACK_BYTES = 512 << 20  # address space, committed only as used
_DEEP_RECURSION_LIMIT = 30_000
_deep_lock = threading.Lock()
_deep_state = threading.local()


def run_deep(func: Callable[..., T], *args: object) -> T:
    """`func(*args)` on a thread with a 512 MB stack and a raised recursion limit.

    libcst visitors and Bandit's are recursive; without this, code nested a few hundred levels
    deep fails with RecursionError (or, in native code, overflows the stack). Exceptions are
    re-raised here. Nested calls run inline on the deep thread they are already on.
    """
    if getattr(_deep_state, "active", False):
        return func(*args)
    outcome: dict[str, object] = {}

    def target() -> None:
        _deep_state.active = True
        try:
            outcome["value"] = func(*args)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    with _deep_lock:
        limit = sys.getrecursionlimit()
        try:
            previous = threading.stack_size(_DEEP_STACK_BYTES)
        except (ValueError, RuntimeError):  # platform without settable stacks: run as is
            return func(*args)
        try:
            thread = threading.Thread(target=target, name="diffsentry-deep", daemon=True)
            sys.setrecursionlimit(max(limit, _DEEP_RECURSION_LIMIT))
            try:
                thread.start()
            except RuntimeError:  # no memory for the stack: run as is
                sys.setrecursionlimit(limit)
                return func(*args)
        finally:
            threading.stack_size(previous)
        try:
            thread.join()
        finally:
            sys.setrecursionlimit(limit)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


_RELEASED = object()  # ParsedModule.tree after release(): parse again when asked for


class ParsedModule:
    """One file's parse results; `module` (libcst) is computed on first use."""

    def __init__(self, path: str, text: str, *, python: bool = True, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.path = path
        self.text = text
        self.timeout_s = timeout_s
        self._key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        # A dependency manifest is not parsed: only text checks read it.
        parsed = _cached(_AST_CACHE, self._key, lambda: _parse_ast(text)) if python else (None, None, None)
        self.tree, problem, line = parsed
        # Why Python's parser refused the file: a WARNING, since a file Python cannot parse cannot
        # run either, and Semgrep (error tolerant) still scans it. In diff modes it is also a finding.
        self.notice = _notice(NoticeLevel.WARNING, path, problem, line)
        # Why libcst refused a file Python accepts (an ERROR); known only once `module` was asked for.
        self.cst_notice: Notice | None = None
        #: (message, line) when no Python can run the file (DS603); None otherwise.
        self.syntax_error: tuple[str, int | None] | None = None
        #: For a file in syntax newer than the analyzer's Python: a copy in its syntax, same lines,
        #: that `ast` and Bandit read (None when it could not be made; see `analyzer.lowering`).
        self.lowered: str | None = None
        self._newer: libcst.Module | None = None
        #: Whether parsing the same text again gives the same notice and syntax error (cached as
        #: `analyzer.parse_facts`): False when a parser process said a rejected file with marks of
        #: newer syntax is not newer syntax, since a timeout or a crash says so too.
        self.settled = True
        if self.tree is None and problem is not None and problem.startswith("syntax error"):
            self._read_newer_syntax(problem, line)

    def _read_newer_syntax(self, problem: str, line: int | None) -> None:
        newer = _cached(_NEWER_CACHE, self._key, lambda: _parse_newer(self.text, self.timeout_s))
        if newer is None:
            self.syntax_error = (problem.split(";")[0].removeprefix("syntax error: "), line)
            self.settled = NEWER_SYNTAX_HINT.search(self.text) is None
            return
        self._newer, lowered = newer
        features = ", ".join(lowered.features) or "syntax libcst reads"
        if lowered.tree is not None:
            self.tree, self.lowered = lowered.tree, lowered.text
            self.notice = Notice(NoticeLevel.NOTE, "parse", f"uses syntax newer than Python {_RUNNING} ({features}); "
                                 "Bandit read a copy rewritten to older syntax, same lines", self.path)
        else:
            self.notice = Notice(NoticeLevel.ERROR, "parse", f"uses syntax newer than Python {_RUNNING} ({features}) "
                                 f"that Bandit cannot read ({lowered.problem}); Bandit did not analyse this file, "
                                 "libcst and Semgrep did", self.path, line)

    @property
    def tree(self) -> ast.Module | None:
        """CPython's tree (None when Python rejects the file); parsed again if `release`d."""
        if self._tree is _RELEASED:
            self._tree = _cached(_AST_CACHE, self._key, lambda: _parse_ast(self.text))[0]
        return self._tree  # type: ignore[return-value]

    @tree.setter
    def tree(self, value: ast.Module | None) -> None:
        self._tree = value

    def release(self) -> None:
        """Drop both parse trees; they are made again if asked for. The engines are done with
        this file, and a whole-repository run must not hold every file's trees at once."""
        if self._newer is not None or self._tree is None:
            return  # newer syntax (rare; its trees are not cheap to make again) or no tree at all
        _CST_CACHE.pop(self._key, None)
        _AST_CACHE.pop(self._key, None)
        self._tree = _RELEASED

    @property
    def bandit_text(self) -> str | None:
        """What Bandit reads: the text, its lowered copy for newer syntax, or None (not readable)."""
        if self._newer is None:
            return self.text
        return self.lowered

    @property
    def module(self) -> libcst.Module | None:
        """The libcst tree, or None when the file does not parse (see the notices)."""
        if self._newer is not None:
            return self._newer
        if self.tree is None:
            return None
        tree, timeout_s = self.tree, self.timeout_s
        module, problem, line = _cached(_CST_CACHE, self._key, lambda: _parse_cst(self.text, tree, timeout_s))
        self.cst_notice = _notice(NoticeLevel.ERROR, self.path, problem, line)
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


def forget(text: str) -> None:
    """Drop the cached trees of this text (a run that is done with a file)."""
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    _CST_CACHE.pop(key, None)
    _AST_CACHE.pop(key, None)


def parse_source(path: str, text: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> ParsedModule:
    return ParsedModule(path, text, python=not is_manifest_name(path), timeout_s=timeout_s)


def _notice(level: NoticeLevel, path: str, problem: str | None, line: int | None) -> Notice | None:
    return Notice(level, "parse", problem, path, line) if problem else None


def _cached(cache: dict, key: str, compute):  # type: ignore[no-untyped-def]
    if key not in cache:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = compute()
    return cache[key]


def _parse_newer(text: str, timeout_s: float) -> tuple[libcst.Module, Lowered] | None:
    """The libcst tree and a lowered copy of a file Python rejected, when libcst reads it as newer
    syntax; None for a real syntax error. Only text with a mark of newer syntax is tried, and
    in a child process: there is no `ast` tree to measure its depth first (see the module doc)."""
    if not NEWER_SYNTAX_HINT.search(text):
        return None
    from analyzer.lowering import lower

    module, _, _ = _parse_cst_isolated(text, timeout_s)
    if module is None:
        return None
    return module, run_deep(lower, module)


def _parse_ast(text: str) -> tuple[ast.Module | None, str | None, int | None]:
    try:
        return ast.parse(text), None, None
    except SyntaxError as exc:
        return None, f"syntax error: {exc.msg}; {ONLY_SEMGREP}", exc.lineno
    except (RecursionError, MemoryError):
        return None, f"nested too deeply to parse; {ONLY_SEMGREP}", None
    except ValueError as exc:  # NUL bytes or lone surrogates that slipped through
        return None, f"cannot parse: {exc}; {ONLY_SEMGREP}", None


def cst_shape(tree: ast.AST) -> tuple[int, int]:
    """(depth, cost) of the libcst tree to expect for an `ast` tree, without building it.

    Depth counts the chains CPython keeps flat and libcst nests: a boolean operation with n
    operands, a dotted name with n dots. Cost sums, over expression nodes, how far each sits
    beyond 16 levels into its statement's expression (libcst's time grows with that).
    """
    depth = cost = 0
    stack: list[tuple[ast.AST, int, int]] = [(tree, 0, 0)]
    pop, push, node_class = stack.pop, stack.append, ast.AST
    # Children by `_fields` and node classes by type() (1.6 s CPU on django/ with iter_child_nodes
    # and isinstance); the order of the walk does not matter to a max and a sum.
    while stack:
        node, level, expr_level = pop()
        kind = type(node)
        if kind is ast.BoolOp:
            extra = len(node.values) - 1  # type: ignore[attr-defined]
        elif kind is ast.alias:
            extra = node.name.count(".")  # type: ignore[attr-defined]
        elif kind is ast.ImportFrom:
            extra = (node.module or "").count(".")  # type: ignore[attr-defined]
        else:
            extra = 0
        level += 1 + extra
        statement = _STATEMENT.get(kind)
        if statement is None:
            statement = _STATEMENT[kind] = issubclass(kind, (ast.stmt, ast.mod))
        expr_level = 0 if statement else expr_level + 1 + extra
        if level > depth:
            depth = level
        if expr_level > _FLAT_DEPTH:
            cost += expr_level - _FLAT_DEPTH
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, node_class):
                push((value, level, expr_level))
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, node_class):
                        push((item, level, expr_level))
    return depth, cost


_STATEMENT: dict[type, bool] = {}  # node class -> whether it is a statement or a module


def _parse_cst(
    text: str, tree: ast.Module, timeout_s: float
) -> tuple[libcst.Module | None, str | None, int | None]:
    depth, cost = cst_shape(tree)
    if depth > MAX_CST_DEPTH:
        return None, f"nested {depth} levels deep (limit {MAX_CST_DEPTH}); {_NO_OWN_CHECKS}", None
    if cost > INLINE_COST:
        return _parse_cst_isolated(text, timeout_s)
    import libcst

    try:
        return run_deep(libcst.parse_module, text), None, None
    except libcst.ParserSyntaxError as exc:
        return None, f"libcst cannot parse it ({exc.message}); {_NO_OWN_CHECKS}", exc.raw_line
    except RecursionError:
        return None, f"nested too deeply for libcst; {_NO_OWN_CHECKS}", None


# Runs with `python -I` (no user site, no PYTHONPATH, no current directory on sys.path): the
# child imports libcst and nothing from the tree being analysed.
_CHILD = """
import pickle, sys, threading
import libcst
sys.setrecursionlimit(%d)
threading.stack_size(%d)
out = []
def work():
    text = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
    try:
        out.append(b"M" + pickle.dumps(libcst.parse_module(text), protocol=pickle.HIGHEST_PROTOCOL))
    except libcst.ParserSyntaxError as exc:
        out.append(b"E%%d\\n" %% (exc.raw_line or 0) + exc.message.encode("utf-8", "replace"))
    except RecursionError:
        out.append(b"R")
thread = threading.Thread(target=work)
thread.start()
thread.join()
sys.stdout.buffer.write(out[0] if out else b"X")
""" % (_DEEP_RECURSION_LIMIT, _DEEP_STACK_BYTES)


def _parse_cst_isolated(text: str, timeout_s: float) -> tuple[libcst.Module | None, str | None, int | None]:
    """Parse in a child process that a timeout can kill and a crash cannot take us down with."""
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD], input=text.encode("utf-8", "surrogatepass"),
            capture_output=True, timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        return None, f"libcst did not parse it within the per-file timeout ({timeout_s:g} s); {_NO_OWN_CHECKS}", None
    except OSError as exc:
        return None, f"could not start a parser process ({exc.strerror or exc}); {_NO_OWN_CHECKS}", None
    out = proc.stdout
    if proc.returncode == 0 and out.startswith(b"M"):

        try:
            return run_deep(_CstUnpickler(io.BytesIO(memoryview(out)[1:])).load), None, None
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, RecursionError) as exc:
            return None, f"parser process output unreadable ({exc}); {_NO_OWN_CHECKS}", None
    if proc.returncode == 0 and out.startswith(b"E"):
        line, _, message = out[1:].partition(b"\n")
        why = message.decode("utf-8", "replace")
        return None, f"libcst cannot parse it ({why}); {_NO_OWN_CHECKS}", int(line) or None
    if proc.returncode == 0 and out.startswith(b"R"):
        return None, f"nested too deeply for libcst; {_NO_OWN_CHECKS}", None
    return None, f"libcst's parser crashed on it (exit {proc.returncode}); {_NO_OWN_CHECKS}", None


class _CstUnpickler(pickle.Unpickler):
    """Loads libcst trees only: the stream comes from our own child, but nothing else is needed."""

    def find_class(self, module: str, name: str) -> object:
        if module == "libcst" or module.startswith("libcst."):
            return super().find_class(module, name)
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in a libcst tree")


_ALLOWED_GLOBALS = frozenset({("copyreg", "_reconstructor"), ("builtins", "object")})
