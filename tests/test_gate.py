"""The gate must not pass what it did not read (issue #15): each of these was an exit 0 on
dangerous code before. CLI runs select Bandit rules only, so no Semgrep starts."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.gitrepo import GitRepo

BASE = "".join(f"value_{n} = {n}\n" for n in range(1, 41))
DANGER = "import base64\nimport pickle\n\n\ndef load(data):\n    return pickle.loads(base64.b64decode(data))\n"
RULES = ("--select", "B301,B602", "--no-cache", "-f", "json")


def _repo(tmp_path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", BASE)
    repo.commit("base")
    return repo


def _patch_adding_danger(repo: GitRepo, after_line: int = 30) -> str:
    lines = BASE.splitlines(keepends=True)
    repo.write("app.py", "".join(lines[:after_line]) + DANGER + "".join(lines[after_line:]))
    patch = repo.git("diff")
    repo.git("checkout", "-q", "--", "app.py")
    return patch


def _found(result) -> set[tuple[str, str, int]]:
    return {(f["path"], f["rule_id"], f["start_line"]) for f in json.loads(result.stdout)["findings"]}


def _diff_patch(repo: GitRepo, patch: str, *extra: str):
    return run_cli("diff", "--patch", "-", "--root", str(repo.path), *RULES, *extra, input=patch)


def _shift(patch: str, by: int) -> str:
    """The same patch with every hunk header's line numbers off by `by` (what assistants write)."""
    return re.sub(r"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@",
                  lambda m: f"@@ -{int(m[1]) + by},{m[2]} +{int(m[3]) + by},{m[4]} @@", patch, flags=re.M)


# --- 1. patches located like git locates them --------------------------------------------------


def test_wrong_hunk_line_numbers_find_what_the_exact_patch_finds(tmp_path):
    repo = _repo(tmp_path)
    patch = _patch_adding_danger(repo)
    exact = _diff_patch(repo, patch)
    assert exact.exit_code == 1 and _found(exact) == {("app.py", "B301", 36)}, exact.output
    moved = _diff_patch(repo, _shift(patch, 11))
    assert moved.exit_code == 1, moved.output
    assert _found(moved) == _found(exact)
    assert "not at line" in moved.stderr  # the moved hunk is named


def test_stale_patch_is_an_incomplete_analysis(tmp_path):
    repo = _repo(tmp_path)
    patch = _patch_adding_danger(repo)
    repo.write("app.py", "".join(f"other_{n} = {n}\n" for n in range(1, 41)))  # its context is gone
    result = _diff_patch(repo, patch)
    assert result.exit_code == 2, result.output
    assert "not found in the file on disk" in result.stderr
    assert ("app.py", "B301", 36) in _found(result)  # the hunk alone is still analysed and reported
    sarif = _diff_patch(repo, patch, "--sarif-output", str(tmp_path / "out.sarif"))
    notifications = json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["invocations"][0][
        "toolExecutionNotifications"]
    assert any("not found in the file on disk" in n["message"]["text"] for n in notifications), sarif.output


def test_already_applied_patch_analyses_the_files_on_disk(tmp_path):
    repo = _repo(tmp_path)
    patch = _patch_adding_danger(repo)
    exact = _diff_patch(repo, patch)
    repo.git("apply", "-", input=patch)  # the natural `git diff main > x.patch` on the branch
    applied = _diff_patch(repo, patch)
    assert applied.exit_code == 1, applied.output
    assert _found(applied) == _found(exact)
    assert "already applied" in applied.stderr
    assert "diffsentry-" not in applied.stderr and "syntax error" not in applied.stderr


def test_patch_for_a_file_missing_on_disk_keeps_its_hunk_and_fails_closed(tmp_path):
    repo = _repo(tmp_path)
    patch = _patch_adding_danger(repo)
    (repo.path / "app.py").unlink()
    result = _diff_patch(repo, patch)
    assert result.exit_code == 2, result.output
    assert ("app.py", "B301", 36) in _found(result)
    assert "not on disk" in result.stderr


def test_patch_creating_a_file_without_new_file_header_is_a_new_file(tmp_path):
    repo = _repo(tmp_path)
    patch = f"--- a/new.py\n+++ b/new.py\n@@ -0,0 +1,6 @@\n" + "".join(f"+{line}\n" for line in DANGER.splitlines())
    result = _diff_patch(repo, patch)
    assert result.exit_code == 1, result.output
    assert _found(result) == {("new.py", "B301", 6)}


def _lines(n: int) -> list[str]:
    return [f"line_{i} = {i}\n" for i in range(1, n + 1)]


def _hunk(stated: int, lines: list[tuple[str, str]]):
    from analyzer.placement import Hunk  # imported here: the CLI tests above also run on older code

    return Hunk(stated, tuple(lines))


@st.composite
def _edits(draw):
    """A file of distinct lines and hunks that each replace a few of its lines, with context."""
    size = draw(st.integers(8, 80))
    original = _lines(size)
    starts = sorted(draw(st.sets(st.integers(3, size - 3), min_size=1, max_size=4)))
    hunks, last = [], 0
    for start in starts:
        if start - 3 < last:
            continue
        removed = draw(st.integers(0, min(2, size - start - 3)))
        added = draw(st.lists(st.sampled_from(["x = 1\n", "run(cmd, shell=True)\n", "pass\n"]), max_size=3))
        if not removed and not added:
            added = ["pass\n"]
        before = [(" ", t) for t in original[start - 3:start]]
        body = [("-", t) for t in original[start:start + removed]] + [("+", t) for t in added]
        after = [(" ", t) for t in original[start + removed:start + removed + 3]]
        hunks.append(_hunk(start - 2, before + body + after))
        last = start + removed + 3
    return "".join(original), hunks, draw(st.lists(st.integers(-30, 30), min_size=len(hunks), max_size=len(hunks)))


@settings(max_examples=150, deadline=None)
@given(_edits())
def test_hunks_at_wrong_lines_are_placed_like_the_exact_ones(case):
    from analyzer import placement

    original, hunks, offsets = case
    exact, unplaced = placement.place(original, hunks)
    assert exact is not None and not unplaced and not exact.moves
    moved = [_hunk(max(h.stated + off, 1), list(h.lines)) for h, off in zip(hunks, offsets)]
    placed, unplaced = placement.place(original, moved)
    assert placed is not None and not unplaced
    assert (placed.text, placed.added, placed.anchors) == (exact.text, exact.added, exact.anchors)
    assert {m.hunk for m in placed.moves} == {i for i, h in enumerate(moved, 1) if h.stated != hunks[i - 1].stated}
    # Applied already: recognised, with the same lines added.
    again = placement.place_reversed(exact.text, moved)
    assert again is not None and again.text == original and again.added == exact.added


def test_fuzz_ignores_at_most_two_context_lines():
    from analyzer import placement

    original = "".join(_lines(20))
    lines = [(" ", "line_4 = 4\n"), (" ", "line_5 = 5\n"), (" ", "line_6 = 6\n"), ("+", "new()\n"),
             (" ", "line_7 = 7\n"), (" ", "line_8 = 8\n"), (" ", "line_9 = 9\n")]
    one_off = list(lines)
    one_off[0] = (" ", "edited\n")
    placed, _ = placement.place(original, [_hunk(4, one_off)])
    assert placed is not None and placed.added == {7} and placed.moves[0].fuzz == 1
    three_off = [(" ", "edited\n")] * 3 + lines[3:4] + [(" ", "edited\n")] * 3
    assert placement.place(original, [_hunk(4, three_off)]) == (None, [1])


# --- 3. untracked files count -------------------------------------------------------------------


def test_untracked_files_count_in_base_mode_and_are_named(tmp_path):
    repo = _repo(tmp_path)
    repo.write(".gitignore", "ignored.py\n")
    repo.commit("ignore")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("helper.py", DANGER)  # created by an assistant, never `git add`ed
    repo.write("ignored.py", DANGER)
    result = run_cli("diff", "--base", "main", "--root", str(repo.path), *RULES)
    assert result.exit_code == 1, result.output
    assert _found(result) == {("helper.py", "B301", 6)}
    assert "helper.py" in result.stderr and "untracked" in result.stderr


# --- 4. empty input is an error -------------------------------------------------------------------


def test_empty_patch_is_an_error_unless_allowed(tmp_path):
    repo = _repo(tmp_path)
    for text in ("", "\n  \n"):
        result = _diff_patch(repo, text)
        assert result.exit_code == 2 and "empty patch" in result.stderr, result.output
    allowed = _diff_patch(repo, "", "--allow-empty")
    assert allowed.exit_code == 0, allowed.output


# --- 2. no partial analysis passes --------------------------------------------------------------

NEWER = '''import subprocess

type Payload = bytes


def run[T](cmd: T) -> None:
    subprocess.run(cmd, shell=True)


class Box[T = str]:
    def go(self, cmd):
        subprocess.call(cmd, shell=True)
'''


def _scan(tmp_path, name: str, text: str, *extra: str):
    (tmp_path / name).write_text(text)
    return run_cli("scan", str(tmp_path / name), "--select", "B602,B605,DS603", "--no-cache", "-f", "json", *extra)


def test_newer_python_syntax_is_analysed_by_bandit(tmp_path):
    result = _scan(tmp_path, "newer.py", NEWER)
    assert result.exit_code == 1, result.output
    assert {(rule, line) for _, rule, line in _found(result)} == {("B602", 7), ("B602", 12)}
    assert "newer than Python" in result.stderr


def test_newer_syntax_in_a_patch_keeps_its_shell_finding(tmp_path):
    repo = _repo(tmp_path)
    repo.write("jobs.py", NEWER)
    repo.git("add", "-N", "jobs.py")
    patch = repo.git("diff")
    (repo.path / "jobs.py").unlink()
    result = _diff_patch(repo, patch)
    assert result.exit_code == 1, result.output
    assert {(rule, line) for _, rule, line in _found(result)} == {("B602", 7), ("B602", 12)}


def test_newer_syntax_bandit_cannot_read_is_an_incomplete_analysis(tmp_path):
    # PEP 701 (3.12): the same quotes inside an f-string's braces; no rewrite makes 3.11 read it.
    result = _scan(tmp_path, "pep701.py", 'import subprocess\nx = f"{d["k"]}"\nsubprocess.run(x, shell=True)\n')
    assert result.exit_code == 2, result.output
    assert "Bandit did not analyse this file" in result.stderr


def test_syntax_error_is_a_finding_in_scan_and_diff(tmp_path):
    broken = 'import os\n\n\ndef handler(request)\n    os.system(request.args["cmd"])\n'
    scanned = _scan(tmp_path, "broken.py", broken)
    assert scanned.exit_code == 1, scanned.output
    assert {(rule, line) for _, rule, line in _found(scanned)} == {("DS603", 4)}
    repo = _repo(tmp_path)
    repo.write("app.py", BASE + broken)
    result = run_cli("diff", "--base", "HEAD", "--root", str(repo.path), *RULES[:1], "B602,DS603", *RULES[2:])
    assert result.exit_code == 1, result.output
    assert _found(result) == {("app.py", "DS603", 44)}


def test_lowering_keeps_every_line_where_it_was():
    import libcst

    from analyzer.lowering import lower

    source = (NEWER + 'greeting = t"hi {name!r:>10}"\ntry:\n    pass\nexcept ValueError, TypeError:\n    pass\n'
              "type Pair[K, V] = tuple[K, V]\n")
    lowered = lower(libcst.parse_module(source))
    assert lowered.tree is not None, lowered.problem
    assert len(lowered.text.splitlines()) == len(source.splitlines())
    rewritten = [n for n, (a, b) in enumerate(zip(source.splitlines(), lowered.text.splitlines()), 1) if a != b]
    assert rewritten == [3, 6, 10, 13, 16, 18]  # only the lines with newer syntax
    assert "def run(cmd: T)" in lowered.text and "class Box:" in lowered.text
    assert 'f"hi {name!r:>10}"' in lowered.text and "except (ValueError, TypeError):" in lowered.text
    assert "Pair = tuple[K, V]" in lowered.text
    assert set(lowered.features) == {"type alias statement (3.12)", "type parameters (3.12)",
                                     "template string (3.14)", "unparenthesised except list (3.14)"}


# --- smaller items ----------------------------------------------------------------------------------


def test_baseline_create_is_picked_up_by_a_plain_scan(tmp_path):
    repo = _repo(tmp_path)
    repo.write("danger.py", DANGER)
    created = run_cli("baseline", "create", str(repo.path), "--select", "B301", "--no-cache")
    assert created.exit_code == 0, created.output
    assert (repo.path / ".diffsentry-baseline.json").is_file()
    later = run_cli("scan", str(repo.path), "--select", "B301", "--no-cache", "-f", "json")
    assert later.exit_code == 0, later.output
    [finding] = json.loads(later.stdout)["findings"]
    assert finding["baseline_state"] == "unchanged"


def test_deletion_only_change_counts_the_file_it_analysed(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    view = "from flask_login import login_required\n\n\n@login_required\ndef delete(note_id):\n    return note_id\n"
    repo.write("views.py", view)
    repo.commit("base")
    repo.write("views.py", view.replace("@login_required\n", ""))
    result = run_cli("diff", "--base", "HEAD", "--root", str(repo.path), "--select", "DS390", "--no-cache")
    assert result.exit_code == 1, result.output
    assert "1 finding (1 warning) in 1 of 1 file analysed" in result.stdout, result.stdout


def test_unknown_rule_in_configuration_is_a_one_line_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.diffsentry]\nselect = ["DS999"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    for args in (["scan", str(tmp_path / "a.py")], ["scan", str(tmp_path / "a.py"), "--select", "DS999"]):
        result = run_cli(*args, "--no-cache")
        assert result.exit_code == 2
        assert result.stderr.startswith("diffsentry: error:") and "Usage:" not in result.output, result.output
        assert "DS999" in result.stderr


def test_text_mode_notices_go_to_stderr(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    result = run_cli("scan", str(tmp_path / "broken.py"), "--select", "DS603", "--no-cache")
    assert "parse:" in result.stderr and "parse:" not in result.stdout
    assert "DS603" in result.stdout


def test_engine_names_are_selectors(tmp_path):
    from analyzer.catalogue import load_catalogue

    catalogue = load_catalogue()
    assert {spec.engine for spec in catalogue.select(["bandit"]).rules} == {"bandit"}
    assert "bandit" not in {spec.engine for spec in catalogue.select(ignore=["bandit"]).rules}
    (tmp_path / "a.py").write_text("import subprocess\nsubprocess.run(cmd, shell=True)\n")
    ignored = run_cli("scan", str(tmp_path / "a.py"), "--select", "B602,DS603", "--ignore", "bandit", "--no-cache")
    assert ignored.exit_code == 0, ignored.output
