"""Which files a Semgrep taint rule can fire on, decided soundly from the file's text.

A taint finding needs a source match and a sink match in the same file. Semgrep prefilters rules
by the identifiers of their patterns, but not our taint rules: its analysis (semgrep's
`Analyze_rule.regexp_prefilter_of_taint_rule`, read from its source) turns
`(any source) and (any sink)` into a CNF, gives up on the whole rule when the CNF grows past
10,000 clauses (the shared untrusted-input block has ~40 alternatives of 2-5 conjuncts each), and
drops every clause holding a pattern made of metavariables only (`$SOCKET.$RECEIVE(...)`,
`def $HANDLER($EVENT, $CONTEXT): ...`), using a metavariable-regex only when the metavariable is in
an "identifier position". So every taint rule ran on every file whose text passed the sinks'
weakest alternative: on five Django modules, 95 % of Semgrep's matching was taint rules, e.g.
0.41 s of DS220 on `contrib/auth/hashers.py`, which reads no request, argv, input or environment.

Here each source and sink becomes a condition on the file's text: an identifier of a pattern
must occur in the text, a `metavariable-regex` needs one of the literals every match of its
regex contains (computed from the regex's parse tree), `patterns` is AND, `pattern-either` is OR,
and whatever cannot be reasoned about is "true" (never "false"): negations, `focus-metavariable`,
`metavariable-pattern`, typed metavariables, string literals (Semgrep's constant propagation
matches `"os"` in a variable that holds it), regexes under case folding, constant-propagated
regexes, unknown keys. A rule runs on a file when `(some source) and (some sink)` may hold.

Why an identifier must occur in the text: Semgrep matches a pattern's name against a name of the
code, or against the name an import statement of the same file binds (`from flask import request
as r` lets `flask.request` match `r`): both are in the text. Substrings are searched in the whole
text, strings and comments included, which can only admit more files.
"""

from __future__ import annotations

import functools
import io
import json
import keyword
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# re's parser: Semgrep's regexes are PCRE, whose syntax Python's parser mostly shares; where it
# does not, Python raises (unknown escapes such as \Q, \x{..}, \p{..}) and the regex gives "true".
# POSIX classes ([[:alpha:]]) parse in Python as something else, so they give "true" too.
from re import _constants as sre  # noqa: PLC2701 (stdlib-internal; pinned by Python 3.11+)
from re import _parser as sre_parse  # noqa: PLC2701

__all__ = ["Condition", "TRUE", "rule_condition", "applicable", "FileText", "to_rows", "from_rows"]

# The taint keys that are not part of a formula.
_TAINT_KEYS = frozenset({"label", "requires", "by-side-effect", "exact", "control"})
# Formula keys that constrain nothing we can read (negations and rewrites of the match).
_NO_CONSTRAINT = frozenset({
    "pattern-not", "pattern-not-inside", "pattern-not-regex", "focus-metavariable",
    "metavariable-pattern", "metavariable-comparison", "metavariable-type", "metavariable-name",
})
_MAX_EXACT = 64  # alternatives kept when a regex's exact matches are enumerated


class Condition:
    """`op` is "word" (one of `strings` is a whole word of the text: a maximal run of ASCII
    letters, digits and underscores), "any" (the text contains one of `strings`), "and", "or"
    or "true".

    Built only through `_any`/`_and`/`_or`, which intern equal conditions into one object: the
    shared source block is one subtree of every rule that takes it, evaluated once per file."""

    __slots__ = ("op", "strings", "parts", "key")

    def __init__(self, op: str, strings: frozenset[str] = frozenset(), parts: tuple[Condition, ...] = ()) -> None:
        self.op, self.strings, self.parts = op, strings, parts
        self.key = (op, strings, tuple(id(p) for p in parts))

    def holds(self, text: FileText) -> bool:
        known = text.memo.get(id(self))
        if known is not None:
            return known
        if self.op == "true":
            result = True
        elif self.op == "word":
            result = not self.strings.isdisjoint(text.words)
        elif self.op == "any":
            result = any(text.contains(s) for s in self.strings)
        elif self.op == "and":
            result = all(part.holds(text) for part in self.parts)
        else:
            result = any(part.holds(text) for part in self.parts)
        text.memo[id(self)] = result
        return result

    def describe(self) -> str:
        if self.op == "true":
            return "true"
        if self.op in ("any", "word"):
            return "|".join(sorted(self.strings)) if self.op == "word" else "~" + "|~".join(sorted(self.strings))
        joiner = " & " if self.op == "and" else " | "
        return "(" + joiner.join(part.describe() for part in self.parts) + ")"


_INTERNED: dict[tuple[Any, ...], Condition] = {}


def _make(op: str, strings: frozenset[str] = frozenset(), parts: tuple[Condition, ...] = ()) -> Condition:
    candidate = Condition(op, strings, parts)
    return _INTERNED.setdefault(candidate.key, candidate)


TRUE = _make("true")


def _any(strings: Iterable[str]) -> Condition:
    strings = frozenset(strings)
    # An empty string is in every text; a non-ASCII one may be encoded differently in the bytes
    # Semgrep reads than in our decoded text.
    if not strings or "" in strings or not all(s.isascii() for s in strings):
        return TRUE
    return _make("any", strings)


def _word(name: str) -> Condition:
    """A name of the code: Semgrep matches it against a whole identifier token (or the name an
    import statement binds, or the module name in `__import__("os")`), which is a whole run of
    identifier characters in the text."""
    if not _ASCII_WORD.fullmatch(name):
        return _any([name])
    return _make("word", frozenset({name}))


_ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")


def _and(parts: Iterable[Condition]) -> Condition:
    flat = [q for p in parts for q in (p.parts if p.op == "and" else (p,))]
    kept = tuple(dict.fromkeys(p for p in flat if p is not TRUE))
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else _make("and", parts=kept)


def _or(parts: Iterable[Condition]) -> Condition:
    flat = [q for p in parts for q in (p.parts if p.op == "or" else (p,))]
    kept = tuple(dict.fromkeys(flat))
    if not kept or TRUE in kept:
        return TRUE
    if all(p.op == "word" for p in kept):
        return _make("word", frozenset(s for p in kept for s in p.strings))
    if all(p.op == "any" for p in kept):
        return _any(s for p in kept for s in p.strings)
    return kept[0] if len(kept) == 1 else _make("or", parts=kept)


class FileText:
    """One file's text, with the answers of its substring checks and conditions memoised.

    `words` are the names a pattern's name can match (`code_words`); substrings ("any") are
    searched in the whole text."""

    __slots__ = ("text", "words", "_runs", "_seen", "memo")

    def __init__(self, text: str) -> None:
        self.text = text
        every_word = frozenset(_ASCII_WORD.findall(text))
        self.words = code_words(text, every_word)
        self._runs = "\n".join(every_word)  # a word-character string occurs in the text iff it occurs here
        self._seen: dict[str, bool] = {}
        self.memo: dict[int, bool] = {}

    def contains(self, s: str) -> bool:
        found = self._seen.get(s)
        if found is None:
            found = self._seen[s] = s in (self._runs if _ASCII_WORD.fullmatch(s) else self.text)
        return found


# Text naming a module in a string. Semgrep 1.182 does not resolve `__import__("os").system(...)`
# (nor `importlib.import_module("os")`) as `os.system(...)` (measured), but `_word` has always
# assumed it might: a file calling `__import__` keeps every word.
_MODULE_IN_STRING = re.compile(r"__import__")


def code_words(text: str, every_word: frozenset[str] | None = None) -> frozenset[str]:
    """The words a name of a Semgrep pattern can match in this file: its identifiers (Python's
    NAME tokens), without the words only its comments and plain strings hold.

    Django's docstrings name `input`, `body`, `context`, `get`... and so admitted files that hold
    no source at all (on `django/`, 1,422 (taint rule, file) pairs with every word, 898 with
    these). Kept, because Semgrep reads code there: the words of every string holding a `{` (an
    f-string's or t-string's fields are code; Python 3.11's tokenizer gives a whole f-string as
    one STRING), and every word of the text when it calls `__import__`, when it does not
    tokenize, or when it holds a NUL byte."""
    every = every_word if every_word is not None else frozenset(_ASCII_WORD.findall(text))
    if "\0" in text or _MODULE_IN_STRING.search(text):
        return every
    found: set[str] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME:
                found.add(token.string)
            elif token.type == tokenize.STRING and "{" in token.string:
                found.update(_ASCII_WORD.findall(token.string))
            elif token.type == tokenize.ERRORTOKEN and not token.string.isspace():
                return every  # text Python's tokenizer does not understand: trust nothing less
    except (tokenize.TokenError, SyntaxError, ValueError):  # IndentationError is a SyntaxError
        return every
    # A non-ASCII identifier is one NAME token but may hold ASCII runs a pattern name equals.
    return frozenset(word for name in found for word in _ASCII_WORD.findall(name))


def rule_condition(rule: Mapping[str, Any]) -> Condition:
    """When a (spliced) taint rule can fire on a file; TRUE for any other rule."""
    if rule.get("mode") != "taint":
        return TRUE
    return _rule_condition(json.dumps(rule, sort_keys=True))


@functools.lru_cache(maxsize=256)
def _rule_condition(rule_json: str) -> Condition:
    rule = json.loads(rule_json)
    strung = _string_metavariables(rule)
    sources = [_formula(item, strung) for item in rule.get("pattern-sources") or ()]
    sinks = [_formula(item, strung) for item in rule.get("pattern-sinks") or ()]
    if not sources or not sinks:
        return TRUE
    # Sinks first: they are the more specific half, and `and` stops at the first false part.
    return _and([_or(sinks), _or(sources)])


def to_rows(conditions: Mapping[str, Condition]) -> dict[str, Any]:
    """`conditions` as plain JSON data (a shared subcondition is written once), for storing."""
    rows: list[list[Any]] = []
    index: dict[int, int] = {}

    def row(condition: Condition) -> int:
        if id(condition) not in index:
            parts = [row(part) for part in condition.parts]
            index[id(condition)] = len(rows)
            rows.append([condition.op, sorted(condition.strings), parts])
        return index[id(condition)]

    return {"nodes": rows, "rules": {name: row(condition) for name, condition in conditions.items()}}


def from_rows(data: Mapping[str, Any]) -> dict[str, Condition]:
    """The conditions `to_rows` wrote; ValueError/TypeError/KeyError/IndexError on any other shape."""
    built: list[Condition] = []
    for op, strings, parts in data["nodes"]:
        if op not in ("true", "word", "any", "and", "or") or not all(isinstance(s, str) for s in strings):
            raise ValueError(f"not a condition: {op!r}")
        if any(not isinstance(p, int) or not 0 <= p < len(built) for p in parts):
            raise ValueError("a condition refers to one not yet read")
        built.append(_make(op, frozenset(strings), tuple(built[p] for p in parts)))
    return {str(name): built[i] for name, i in data["rules"].items()}


def applicable(conditions: Sequence[Condition], text: str) -> list[bool]:
    """For each rule's condition (`rule_condition`), whether it holds for a file with this text."""
    memo = FileText(text)
    return [condition.holds(memo) for condition in conditions]


# --- formulas -----------------------------------------------------------------------------------


def _formula(node: Any, strung: frozenset[str]) -> Condition:
    if isinstance(node, str):
        return _pattern(node)
    if not isinstance(node, Mapping):
        return TRUE
    keys = [k for k in node if k not in _TAINT_KEYS]
    if len(keys) != 1:  # none, or several formulas in one item: not a shape we know
        return TRUE
    key = keys[0]
    value = node[key]
    if key in ("pattern", "pattern-inside"):
        return _pattern(value) if isinstance(value, str) else TRUE
    if key == "pattern-regex":
        return _regex(value) if isinstance(value, str) else TRUE
    if key == "pattern-either" and isinstance(value, list):
        return _or(_formula(item, strung) for item in value)
    if key == "patterns" and isinstance(value, list):
        return _and(_formula(item, strung) for item in value)
    if key == "metavariable-regex" and isinstance(value, Mapping):
        # With constant propagation the regex is matched against a computed value, not the text;
        # a metavariable bound inside a string literal is matched against its unescaped content.
        if value.get("constant-propagation") or value.get("metavariable") in strung:
            return TRUE
        regex = value.get("regex")
        return _regex(regex, binding=True) if isinstance(regex, str) else TRUE
    # _NO_CONSTRAINT keys and anything unknown.
    return TRUE


def _string_metavariables(rule: Mapping[str, Any]) -> frozenset[str]:
    """Metavariables written inside a string literal of any pattern of the rule."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in ("pattern", "pattern-inside", "pattern-not", "pattern-not-inside") and isinstance(value, str):
                    for token in _tokens(value) or ():
                        if token.type == tokenize.STRING:
                            found.update("$" + name for name in _PLACEHOLDER.findall(token.string))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for part in ("pattern-sources", "pattern-sinks"):
        walk(rule.get(part))
    return frozenset(found)


# Metavariables become names that Python's tokenizer reads (3.12+ rejects a bare "$").
_METAVARIABLE = re.compile(r"\$(?:\.\.\.)?([A-Z_][A-Z0-9_]*)")
_PLACEHOLDER = re.compile(r"mvq([A-Z0-9_]+)qvm")


def _tokens(pattern: str) -> list[tokenize.TokenInfo] | None:
    text = _METAVARIABLE.sub(lambda m: f"mvq{m.group(1)}qvm", pattern.strip()) + "\n"
    try:
        return list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


@functools.lru_cache(maxsize=4096)
def _pattern(pattern: str) -> Condition:
    """Every name of the pattern that is not a metavariable, a keyword or a type annotation."""
    tokens = _tokens(pattern)
    if tokens is None or any(t.type == tokenize.ERRORTOKEN and not t.string.isspace() for t in tokens):
        return TRUE
    required = []
    for i, token in enumerate(tokens):
        name = token.string
        if token.type != tokenize.NAME or _PLACEHOLDER.fullmatch(name):
            continue
        if keyword.iskeyword(name) or keyword.issoftkeyword(name):
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        # Typed metavariables, `(T $X)` and `($X: T)`: Semgrep may infer the type without the name.
        if after is not None and after.type == tokenize.NAME and _PLACEHOLDER.fullmatch(after.string):
            continue
        if i >= 2 and tokens[i - 1].string == ":" and _PLACEHOLDER.fullmatch(tokens[i - 2].string):
            continue
        required.append(name)
    return _and(_word(name) for name in required)


# --- regexes ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _regex(regex: str, binding: bool = False) -> Condition:
    """Literals of which every match of `regex` contains one (TRUE when none is certain).

    For a metavariable's binding (`binding`) and a regex anchored at both ends whose matches are
    a few identifiers (`^(get|post)$`), the binding is one of them: a whole token of the code,
    so a whole word of the text, not just a substring (`get`, not the `get` of `budget`)."""
    if re.search(r"\[[:=.]|\\N", regex):  # POSIX classes and \N mean something else to Python
        return TRUE
    try:
        parsed = sre_parse.parse(regex)
    except (re.error, RecursionError, OverflowError, ValueError):
        return TRUE
    try:
        exact, required = _sequence(list(parsed))
    except _CaseFolded:
        return TRUE
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return TRUE
    if exact is not None:
        items = list(parsed)
        anchored = (len(items) >= 2 and items[0] == (sre.AT, sre.AT_BEGINNING)
                    and items[-1] in ((sre.AT, sre.AT_END), (sre.AT, sre.AT_END_STRING)))
        if binding and anchored and all(_ASCII_WORD.fullmatch(s) for s in exact):
            return _make("word", exact)
        required = exact
    return _any(required) if required is not None else TRUE


class _CaseFolded(Exception):
    """The regex folds case somewhere: its literals need not occur as written."""


def _sequence(items: list[tuple[Any, Any]]) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """(exact, required) of a concatenation: `exact` is every string it can match (None: too
    many), `required` literals of which each match contains one (None: no such literal)."""
    best: frozenset[str] | None = None
    run: frozenset[str] | None = frozenset({""})
    whole: frozenset[str] | None = frozenset({""})

    def better(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if candidate is None or "" in candidate or not candidate:
            return
        if best is None or min(map(len, candidate)) > min(map(len, best)):
            best = candidate

    for op, arg in items:
        exact, required = _node(op, arg)
        better(required)
        if exact is not None and run is not None and len(run) * len(exact) <= _MAX_EXACT:
            run = frozenset(a + b for a in run for b in exact)
        else:
            better(run)
            run = exact if exact is not None else frozenset({""})
            whole = None
        if whole is not None:
            whole = run
    better(run)
    return whole, best


def _node(op: Any, arg: Any) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    if op is sre.LITERAL:
        return frozenset({chr(arg)}), None
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):  # zero-width
        return frozenset({""}), None
    if op is sre.IN:
        chars: set[str] = set()
        for kind, value in arg:
            if kind is sre.LITERAL:
                chars.add(chr(value))
            elif kind is sre.RANGE and value[1] - value[0] < 16:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            else:  # NEGATE, CATEGORY, big ranges
                return None, None
        return (frozenset(chars), None) if chars and len(chars) <= _MAX_EXACT else (None, None)
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = arg
        if add_flags & re.IGNORECASE:
            raise _CaseFolded
        return _sequence(list(body))
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(arg))
    if op is sre.BRANCH:
        _, alternatives = arg
        results = [_sequence(list(alt)) for alt in alternatives]
        exacts = [e for e, _ in results]
        exact = None
        if all(e is not None for e in exacts):
            union = frozenset().union(*exacts)
            exact = union if len(union) <= _MAX_EXACT else None
        requireds = [e if e is not None and "" not in e else r for e, r in results]
        required = None if any(r is None for r in requireds) else frozenset().union(*requireds)
        return exact, required
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body = arg
        exact, required = _sequence(list(body))
        if low == 0:
            return None, None
        if exact is not None and "" not in exact:
            required = exact
        return (exact if low == high == 1 else None), required
    # ANY, NOT_LITERAL, CATEGORY, GROUPREF, GROUPREF_EXISTS and anything else.
    return None, None
