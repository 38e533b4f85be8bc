"""Property-based tests of the patch reader (analyzer/diff.py) and changed-line scoping (analyzer/scope.py).

* Arbitrary text, and arbitrary mutations of a valid patch, are either read or refused with
  `diff.InputError`; nothing else escapes.
* No path a patch names ever comes back outside the root (`..`, absolute, `~`, through a symlink).
* A patch made by difflib from two texts, applied in memory, gives exactly the new text, and the
  changed lines are exactly the lines difflib added; scoping keeps exactly the findings on them.

Budget: the `ci` profile of tests/conftest.py; `HYPOTHESIS_PROFILE=fuzz` for a long run.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from analyzer import diff, scope
from analyzer.findings import Confidence, Finding, Region, Severity
from analyzer.sources import SourceFile, unsafe_name

# Lines as git counts them: no "\n" inside. No "\r" either where exact line numbers are checked
# (a lone CR is a line end for Python, see diff.python_line_numbers).
LINE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00")  # NUL: refused by design
LINE = st.text(LINE_CHARS, max_size=12)
LINES = st.lists(st.sampled_from(["x = 1", "", "def f():", "    return x", "# c"]) | LINE, max_size=25)
PATCH_NOISE = st.sampled_from([
    "diff --git a/x.py b/x.py\n", "--- a/x.py\n", "+++ b/x.py\n", "--- /dev/null\n", "+++ /dev/null\n",
    "@@ -1 +1 @@\n", "@@ -0,0 +1,3 @@\n", "@@ -1,2 +1,2 @@ def f():\n", "@@ -99999999 +1 @@\n", "+x\n", "-x\n",
    " x\n", "\\ No newline at end of file\n", "new file mode 100644\n", "deleted file mode 100644\n",
    "rename from a.py\n", "rename to ../b.py\n", "Binary files a/x.py and b/x.py differ\n", "-- \n", "\n",
    "index 0000000..1111111 100644\n", "+++ b/../../etc/x.py\n", "+++ /abs.py\n", "--- a/\"q.py\"\n",
])
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
# What the CLI reads from `--patch FILE|-`: any bytes, undecodable ones kept as surrogates.
PATCH_BYTES = st.binary(max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape"))


def text_of(lines: list[str], final_newline: bool) -> str:
    return "\n".join(lines) + ("\n" if lines and final_newline else "")


def unified(path: str, before: str, after: str) -> str:
    """A unified diff as difflib writes it, with git's marker for a missing final newline."""
    out = difflib.unified_diff(diff.git_lines(before), diff.git_lines(after), f"a/{path}", f"b/{path}", n=3)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)


def added_by_difflib(before: str, after: str) -> set[int]:
    """1-based lines of `after` that difflib's opcodes insert or replace (what the diff marks `+`)."""
    matcher = difflib.SequenceMatcher(None, diff.git_lines(before), diff.git_lines(after))
    return {j + 1 for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("replace", "insert") for j in range(j1, j2)}


def assert_inside(files: list[SourceFile], root: Path) -> None:
    for source in files:
        pure = PurePosixPath(source.path)
        assert not pure.is_absolute() and ".." not in pure.parts and not source.path.startswith("~"), source.path
        (root / pure).resolve().relative_to(root.resolve())


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A small tree the fuzzed patches apply to, with a symlink that points out of it."""
    base = tmp_path_factory.mktemp("fuzz-root")
    (base / "outside").mkdir()
    (base / "outside" / "secret.py").write_text("SECRET = 1\n")
    (base / "tree").mkdir()
    (base / "tree" / "x.py").write_text("x = 1\ndef f():\n    return x\n")
    os.symlink(base / "outside", base / "tree" / "out")
    return base / "tree"


@given(ANY_TEXT | PATCH_BYTES)
@example("--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n")
@example("@@ -1 +1 @@\n")
def test_parse_patch_raises_only_input_error(text):
    try:
        diff.parse_patch(text)
    except diff.InputError as exc:
        assert "\n" not in str(exc)  # one line


@given(st.lists(PATCH_NOISE | LINE.map(lambda s: s + "\n") | PATCH_BYTES, max_size=30))
def test_patch_shaped_garbage_is_read_or_refused_and_stays_inside(root, parts):
    text = "".join(parts)
    try:
        files, _ = diff.Revisions.for_patch(root, text).sources()
        removed = diff.Revisions.for_patch(root, text).removals()
    except diff.InputError:
        return
    assert_inside(files, root)
    for removal in removed:
        (root / PurePosixPath(removal.path)).resolve().relative_to(root.resolve())


HOSTILE_PATHS = st.sampled_from([
    "../x.py", "a/../../x.py", "/etc/x.py", "~/x.py", "out/secret.py", "out/../x.py", "./x.py", "x.py", "sub/y.py",
    "a b.py", "a\tb.py", "ö.py", "x.py\u202e", "-x.py", "", ".", "..", "sub//y.py",
]) | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), min_size=1, max_size=20) | (
    PATCH_BYTES.filter(lambda s: s and "\n" not in s and "\r" not in s))


@given(HOSTILE_PATHS, HOSTILE_PATHS, st.booleans())
def test_no_path_outside_the_root_is_ever_read_or_returned(root, source, target, new_file):
    header = f"--- {'/dev/null' if new_file else 'a/' + source}\n+++ b/{target}\n"
    text = header + ("@@ -0,0 +1 @@\n+import os\n" if new_file else "@@ -1 +1 @@\n-x = 1\n+x = 2\n")
    try:
        files, notices = diff.Revisions.for_patch(root, text).sources()
    except diff.InputError:
        return
    assert_inside(files, root)
    assert not any("SECRET" in f.text for f in files)
    # What is reported about refused paths is printable on one line (no control, bidi, surrogates).
    assert all(n.path is None or unsafe_name(n.path) is None for n in notices), notices


@given(LINES, LINES, st.booleans(), st.booleans())
@example(["a", "b"], ["a", "b"], True, False)  # only the final newline changes
@example([], ["x = 1"], True, True)  # a new file
def test_difflib_patch_applies_to_the_new_text_with_exactly_the_added_lines(tmp_path_factory, before_lines, after_lines,
                                                                          before_nl, after_nl):
    before, after = text_of(before_lines, before_nl), text_of(after_lines, after_nl)
    assume(before != after)
    patch = unified("m.py", before, after)
    [change] = diff.parse_patch(patch)
    assert diff.apply_in_memory(before, change.patched) == after
    assert change.added_lines == added_by_difflib(before, after)
    root = tmp_path_factory.mktemp("apply")
    (root / "m.py").write_text(before, encoding="utf-8", newline="")
    files, notices = diff.Revisions.for_patch(root, patch).sources()
    if not change.added_lines:  # only deletions: nothing to analyse, and it says so
        assert files == [] and notices
        return
    assert [(f.path, f.text, f.fragment) for f in files] == [("m.py", after, False)]
    assert files[0].changed_lines == added_by_difflib(before, after)


@given(LINES, LINES, st.booleans())
def test_fragments_put_every_shown_line_at_its_real_number(before_lines, after_lines, final_nl):
    """A pre-image that does not match falls back to fragments: the lines shown stay where they are."""
    before, after = text_of(before_lines, final_nl), text_of(after_lines, final_nl)
    assume(before != after)
    [change] = diff.parse_patch(unified("m.py", before, after))
    fragment = diff.git_lines(diff.fragment_text(change.patched))
    after_lines_git = diff.git_lines(after)
    for hunk in change.patched:
        for line in hunk:
            if line.target_line_no:
                assert fragment[line.target_line_no - 1].rstrip("\n") == after_lines_git[line.target_line_no - 1].rstrip("\n")


@given(st.text(st.sampled_from("ab\r\n\x0c\u2028"), max_size=40))
def test_lone_cr_mapping_covers_every_python_line_once(text):
    everything = frozenset(range(1, len(diff.git_lines(text)) + 1))
    mapped = diff.python_line_numbers(text, everything)
    assert mapped == frozenset(range(1, len(mapped) + 1))  # contiguous from 1, nothing lost
    assert diff.python_line_numbers(text, frozenset()) == frozenset()


# --- scope ------------------------------------------------------------------------------------


class _Spans:
    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = spans

    def statement_spans(self) -> list[tuple[int, int]]:
        return self.spans


class _Catalogue:
    """Rule "FILE" is about a whole file; every other id is about lines."""

    def get(self, rule_id: str):
        return type("Spec", (), {"scope": "file"})() if rule_id == "FILE" else None


SPAN = st.tuples(st.integers(1, 40), st.integers(0, 5)).map(lambda t: (t[0], t[0] + t[1]))


def _finding(rule_id: str, first: int, length: int) -> Finding:
    return Finding(rule_id, "m.py", Region(first, 1, first + length), "m", Severity.WARNING, Confidence.HIGH, ("t",))


@given(st.sets(st.integers(1, 40), max_size=10), st.lists(SPAN, max_size=8),
       st.lists(st.tuples(st.sampled_from(["R", "FILE"]), st.integers(1, 45), st.integers(0, 4)), max_size=20))
def test_scope_keeps_exactly_the_findings_whose_statement_touches_a_changed_line(changed, spans, specs):
    findings = [_finding(*spec) for spec in specs]
    source = SourceFile("m.py", "", frozenset(changed))
    kept = scope.in_scope(findings, {"m.py": source}, {"m.py": _Spans(spans)}, _Catalogue())
    expected = []
    for f in findings:
        lines = set(f.region.lines)
        for start, end in spans:  # widened to every statement the region overlaps (one step, as documented)
            if start <= f.region.end_line and end >= f.region.start_line:
                lines |= set(range(start, end + 1))
        widened = set(range(min(lines), max(lines) + 1))
        if f.rule_id == "FILE" or widened & changed:
            expected.append(f)
    assert kept == expected
    # Whole-file scans (changed_lines None) keep everything.
    whole = SourceFile("m.py", "", None)
    assert scope.in_scope(findings, {"m.py": whole}, {}, _Catalogue()) == findings


@given(LINES, LINES)
def test_scoping_a_difflib_change_keeps_the_findings_on_added_lines(before_lines, after_lines):
    """End to end without statements: one finding per line of the new text; kept = added lines."""
    before, after = text_of(before_lines, True), text_of(after_lines, True)
    assume(before != after)
    [change] = diff.parse_patch(unified("m.py", before, after))
    source = SourceFile("m.py", after, change.added_lines)
    findings = [_finding("R", n, 0) for n in range(1, len(diff.git_lines(after)) + 1)]
    kept = scope.in_scope(findings, {"m.py": source}, {}, _Catalogue())
    assert {f.region.start_line for f in kept} == added_by_difflib(before, after)


# --- regressions found by the properties above ----------------------------------------------------


def test_a_malformed_patch_error_is_one_escaped_line():
    """unidiff quotes the offending line with its newline and control characters; the error is one
    line, and a hostile patch cannot write escape sequences to the terminal through it."""
    with pytest.raises(diff.InputError) as caught:
        diff.parse_patch("@@ -1 +1 @@ \x1b[2J\x1b]0;owned\x07\n")
    message = str(caught.value)
    assert message.startswith("malformed patch: ")
    assert "\n" not in message and "\x1b" not in message and "\x07" not in message
