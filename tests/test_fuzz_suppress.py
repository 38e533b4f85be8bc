"""Property-based tests of the suppression parser (analyzer/suppress.py).

* Any text, Python or not, is read without an exception, and every directive found points at a
  line and column of that text where its comment really is.
* A well-formed `# diffsentry: ignore[...] reason` or `# nosec ...` round-trips: the rules and
  the reason written are the rules and the reason read, whatever the code before it.
* Text inside a string literal is never a directive.
* The stage itself (`suppress.apply`) never raises on such files.
"""

from __future__ import annotations

import dataclasses
import re

from hypothesis import example, given
from hypothesis import strategies as st

from analyzer import suppress
from analyzer.findings import Confidence, Finding, Region, Severity
from analyzer.sources import SourceFile

ANY_CHAR = st.characters(blacklist_categories=("Cs",))
# One line of a comment: anything but what ends a line for Python's tokenizer.
COMMENT_CHAR = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
RULE_ID = st.from_regex(r"\A(DS[0-9]{3}|B[0-9]{3}|[A-Za-z][A-Za-z0-9_-]{0,12})\Z")
BANDIT_ID = st.from_regex(r"\AB[0-9]{3}\Z")
CODE = st.sampled_from(["x = 1", "subprocess.run(cmd, shell=True)", "f(a,\n  b)", "", "s = '#'", "pass"])
DIRECTIVE_WORDS = st.sampled_from(["# diffsentry: ignore[", "# nosec", "#nosec:", "# diffsentry:", "]", ",", " ",
                                   "DS201", "B602", "'", '"', "\n", "\r", "(", "\\", "\x0c", "\u2028", "#"])


def _text_lines(text: str) -> list[str]:
    """Lines as Python numbers them: at LF, CRLF and a lone CR; not at form feeds or U+2028."""
    return re.sub(r"\r(?!\n)", "\n", text).split("\n")


def assert_directives_point_at_their_comments(text: str) -> None:
    lines = _text_lines(text)
    for directive in suppress.directives(text):
        assert 1 <= directive.line <= len(lines), directive
        at = lines[directive.line - 1][directive.column - 1:]
        assert at.startswith("#"), (directive, lines[directive.line - 1])
        assert "\n" not in directive.reason and "\n" not in directive.text


@given(st.text(ANY_CHAR, max_size=200) | st.lists(DIRECTIVE_WORDS | CODE, max_size=30).map("".join))
@example("(\n# nosec\n")  # does not tokenize: the line-by-line fallback
@example("x = '\u2028'\n(\n# nosec B602\n")  # a character str.splitlines() splits at, before the fallback
@example("x = '\x0c'\n(\n# diffsentry: ignore[B602] ok\n")
@example("x = 1\ry = 2  # nosec\n")  # a lone CR ends a line for Python (and Bandit), not for tokenize
def test_any_text_is_read_and_directives_point_at_their_comments(text):
    assert_directives_point_at_their_comments(text)


@given(CODE, st.lists(RULE_ID, min_size=1, max_size=4), st.text(COMMENT_CHAR, max_size=40), st.booleans())
@example("x = 1", ["DS201"], "because # nosec is a word here", False)
def test_ignore_round_trips(code, rules, reason, standalone):
    comment = f"# diffsentry: ignore[{', '.join(rules)}] {reason}"
    text = f"{comment}\n{code}\n" if standalone else f"{code}  {comment}\n"
    [directive] = [d for d in suppress.directives(text) if d.kind == "ignore"]
    assert directive.rules == tuple(rules)
    assert directive.reason == reason.strip()
    assert directive.standalone == (standalone or not code.strip())
    assert directive.line == (1 if standalone else code.count("\n") + 1)
    assert directive.problem == ("" if reason.strip() else "it gives no reason")
    assert_directives_point_at_their_comments(text)


@given(CODE, st.lists(BANDIT_ID, max_size=4), st.sampled_from([" ", ", ", ","]))
def test_nosec_round_trips(code, rules, separator):
    text = f"{code}  # nosec {separator.join(rules)}\n"
    [directive] = suppress.directives(text)
    assert (directive.kind, directive.rules) == ("nosec", tuple(rules))


@given(st.text(ANY_CHAR, max_size=60))
def test_a_string_literal_is_never_a_directive(content):
    text = f"x = {content!r}\ny = {('# nosec ' + content)!r}\nz = {('# diffsentry: ignore[B602] ' + content)!r}\n"
    assert suppress.directives(text) == []


@given(st.text(ANY_CHAR, max_size=120) | st.lists(DIRECTIVE_WORDS | CODE, max_size=30).map("".join),
       st.none() | st.frozensets(st.integers(1, 12), max_size=6), st.lists(st.integers(1, 12), max_size=6))
def test_the_stage_never_raises(catalogue, text, changed, finding_lines):
    source = SourceFile("m.py", text, changed)
    findings = [Finding("B602", "m.py", Region(n), "m", Severity.ERROR, Confidence.HIGH, ("bandit",))
                for n in finding_lines]
    out = suppress.apply(findings, {"m.py": source}, {}, suppress.Policy(), catalogue, every_rule=catalogue)
    # Every finding comes back, at most marked suppressed; only the stage's own rules are added.
    kept = [f for f in out if f.rule_id not in suppress.OWN_IDS]
    assert [dataclasses.replace(f, suppression=None) for f in kept] == findings


# --- regressions found by the properties above ----------------------------------------------------


def _b602(line: int) -> Finding:
    return Finding("B602", "m.py", Region(line), "m", Severity.ERROR, Confidence.HIGH, ("bandit",))


def test_a_nosec_after_a_lone_cr_is_on_the_line_python_gives_it(catalogue):
    """Bandit numbers `a\\rb` as two lines; `tokenize` saw one, so the comment landed a line early
    and silenced nothing (or the finding one line up)."""
    text = "import subprocess\rsubprocess.call(x, shell=True)  # nosec\rsubprocess.call(x, shell=True)\r"
    [directive] = suppress.directives(text)
    assert directive.line == 2
    out = suppress.apply([_b602(2), _b602(3)], {"m.py": SourceFile("m.py", text, None)}, {}, suppress.Policy(),
                         catalogue, every_rule=catalogue)
    assert [(f.region.start_line, f.suppression is not None) for f in out] == [(2, True), (3, False)]


def test_a_lone_cr_line_added_by_a_change_is_reported_not_honoured(catalogue):
    """changed_lines are Python's numbers (diff.python_line_numbers): the added `# nosec` on git line
    2 (Python line 4) must be judged as added, and must not silence the finding on Python line 2."""
    text = "x = 1\ry = f(a)\rz = 3\nsubprocess.call(x, shell=True)  # nosec\n"
    source = SourceFile("m.py", text, frozenset({4}))
    out = suppress.apply([_b602(2), _b602(4)], {"m.py": source}, {}, suppress.Policy(), catalogue,
                         every_rule=catalogue)
    assert [(f.rule_id, f.region.start_line, f.suppression) for f in out] == [
        ("B602", 2, None), ("B602", 4, None), (suppress.ADDED_ID, 4, None)]


def test_comments_after_a_tokenize_error_keep_their_line_despite_form_feeds_and_u2028():
    text = "a = '\u2028'\nb = '\x0c'\n(\n# diffsentry: ignore[B602] checked\n"
    assert [(d.line, d.column, d.rules) for d in suppress.directives(text)] == [(4, 1, ("B602",))]


@given(st.lists(st.sampled_from(["diffsentry", "DiffSentry", "nosec", "NOSEC", "noſec", "dİffsentry", "dıffsentry",
                                 "nose", "x", "# ", "\n", "é", "ſ", "İ", "ı", "DIFF", "sentry", "NoSeC", "c"]),
                max_size=12).map("".join))
def test_the_fast_directive_test_agrees_with_the_regex(text):
    """The pre-test before tokenizing finds exactly what the case-insensitive regex finds."""
    assert suppress._may_hold_directive(text) == (suppress._MAYBE_DIRECTIVE.search(text) is not None)
