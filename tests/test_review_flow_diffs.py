"""Diff modes on the awkward parts of real git diffs: renames, deletions, binary files, mode
changes, missing final newlines, patches that do not match, and safeguards a change deletes."""

from __future__ import annotations

import pytest

from analyzer import diff
from analyzer.engines import removed
from analyzer.findings import NoticeLevel
from tests.conftest import findings_of, run_cli
from tests.gitrepo import GitRepo

AUTH = '''\
from flask import abort, request
from flask_login import login_required


@login_required
def delete(note_id):
    if not request.user.has_permission("notes.delete"):
        abort(403)
    return remove(note_id)
'''


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("keep.py", "def keep():\n    return 1\n")
    repo.write("moved.py", "def moved():\n    return 2\n")
    repo.write("renamed.py", "def renamed():\n    return 3\n\n\ndef other():\n    return 4\n")
    repo.write("gone.py", "def gone():\n    return 5\n")
    repo.write("script.py", "print('hi')\n")
    repo.write("blob.py", b"\x00\x01\x02binary")
    repo.write("tail.py", "def tail():\n    return 6")  # no final newline
    repo.write("auth.py", AUTH)
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "change")
    repo.git("mv", "moved.py", "moved_to.py")  # a pure rename
    repo.git("mv", "renamed.py", "renamed_to.py")
    repo.write("renamed_to.py", "def renamed():\n    return 30\n\n\ndef other():\n    return 4\n")
    repo.git("rm", "-q", "gone.py")
    (repo.path / "script.py").chmod(0o755)  # a mode change only
    repo.write("blob.py", b"\x00\x01\x02binary, changed")
    repo.write("tail.py", "def tail():\n    return 60\n\n\ndef more():\n    return 7")
    repo.write("auth.py", AUTH.replace("@login_required\n", "").replace(
        '    if not request.user.has_permission("notes.delete"):\n        abort(403)\n', ""))
    repo.commit("change")
    return repo


def test_base_mode_handles_every_kind_of_file_change(repo):
    files, notices = diff.Revisions.for_base(repo.path, "main").sources()
    by_path = {f.path: f for f in files}
    assert set(by_path) == {"renamed_to.py", "tail.py"}
    assert by_path["renamed_to.py"].changed_lines == {2}
    assert by_path["tail.py"].changed_lines == {2, 3, 4, 5, 6}
    assert by_path["tail.py"].text == repo.read("tail.py")
    notes = {n.path: n.message for n in notices}
    assert "deleted" in notes["gone.py"]
    assert "binary" in notes["blob.py"]
    assert "no added lines" in notes["moved_to.py"] and "no added lines" in notes["script.py"]
    assert "no added lines" in notes["auth.py"]  # deletions only: nothing for the engines ...
    # ... but what it deleted is read from both sides of the change.
    removals = {r.path: r for r in diff.Revisions.for_base(repo.path, "main").removals()}
    assert set(removals) == {"auth.py", "renamed_to.py", "tail.py"}
    auth = removals["auth.py"]
    assert not auth.fragment and auth.before == AUTH and auth.removed == {5, 7, 8}
    assert removals["renamed_to.py"].before == "def renamed():\n    return 3\n\n\ndef other():\n    return 4\n"


def test_patch_mode_applies_renames_and_missing_newlines_in_memory(repo):
    patch = repo.git("diff", "main", "change")
    repo.git("checkout", "-q", "main")
    files, notices = diff.Revisions.for_patch(repo.path, patch).sources()
    by_path = {f.path: f for f in files}
    assert by_path["renamed_to.py"].text == "def renamed():\n    return 30\n\n\ndef other():\n    return 4\n"
    assert by_path["tail.py"].text == "def tail():\n    return 60\n\n\ndef more():\n    return 7"
    assert not any(f.fragment for f in files)
    assert not (repo.path / "renamed_to.py").exists(), "nothing is written to the repository"
    assert {n.path for n in notices} >= {"gone.py", "blob.py", "moved_to.py", "script.py"}


def test_patch_whose_lines_moved_is_applied_where_its_context_is(repo):
    patch = repo.git("diff", "main", "change", "--", "auth.py", "tail.py")
    repo.git("checkout", "-q", "main")
    repo.write("tail.py", "# edited locally\ndef tail():\n    return 6")
    repo.write("auth.py", "# edited locally\n" + AUTH)
    files, notices = diff.Revisions.for_patch(repo.path, patch).sources()
    [tail] = files
    assert not tail.fragment and tail.changed_lines == {3, 4, 5, 6, 7}
    assert tail.text == "# edited locally\ndef tail():\n    return 60\n\n\ndef more():\n    return 7"
    assert any(n.level is NoticeLevel.NOTE and n.path == "tail.py" and "not at line 1" in n.message for n in notices)
    assert not any(n.level is NoticeLevel.ERROR for n in notices)
    removals = diff.Revisions.for_patch(repo.path, patch).removals()
    auth = next(r for r in removals if r.path == "auth.py")
    assert not auth.fragment
    found = removed.find([auth])
    assert [f.region.start_line for f in found] == [6, 7]  # one line further down, like the code


def test_patch_that_does_not_match_is_analysed_as_fragments_and_incomplete(repo):
    patch = repo.git("diff", "main", "change", "--", "auth.py", "tail.py")
    repo.git("checkout", "-q", "main")
    repo.write("tail.py", "def tail():\n    return 5")  # the line the hunk replaces is not there
    repo.write("auth.py", AUTH.replace("@login_required", "@login_needed"))
    files, notices = diff.Revisions.for_patch(repo.path, patch).sources()
    [tail] = files
    assert tail.fragment and tail.changed_lines == {2, 3, 4, 5, 6}
    assert any(n.level is NoticeLevel.ERROR and n.path == "tail.py" and "fragments" in n.message for n in notices)
    # The deleted checks are still found in the hunks alone.
    removals = diff.Revisions.for_patch(repo.path, patch).removals()
    auth = next(r for r in removals if r.path == "auth.py")
    assert auth.fragment
    found = removed.find([auth])
    assert [f.region.start_line for f in found] == [5, 6]  # where each deletion sits in the post-image
    assert "abort(403)" in found[1].message


def test_deleting_checks_is_reported_in_every_diff_mode(repo):
    base = run_cli("diff", "--base", "main", "--root", str(repo.path), "-f", "json", "--select", "DS390")
    assert base.exit_code == 1, base.output
    decorator, check = findings_of(base)
    assert (decorator["path"], decorator["start_line"], check["start_line"]) == ("auth.py", 5, 6)
    assert "`@login_required` (line 5 before the change)" in decorator["message"]
    assert "has_permission" in check["message"] and "`abort(403)`" in check["message"]
    patch = repo.git("diff", "main", "change", "--", "auth.py")
    repo.git("checkout", "-q", "main")
    from_patch = run_cli("diff", "--patch", "-", "--root", str(repo.path), "-f", "json", "--select", "DS390",
                         input=patch)
    assert findings_of(from_patch) == findings_of(base)
    repo.write("auth.py", AUTH.replace("@login_required\n", ""))
    repo.git("add", "auth.py")
    staged = run_cli("diff", "--staged", "--root", str(repo.path), "-f", "json", "--select", "DS390")
    assert [f["message"].count("`") for f in findings_of(staged)] == [2]  # only the decorator


def test_moving_code_is_quiet_but_moving_a_decorator_to_another_endpoint_is_not(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.write("views.py", AUTH + "\n\ndef export():\n    return dump()\n")
    repo.commit("base")
    # The protected function moved below another one: deleted and written again.
    repo.write("views.py", "def export():\n    return dump()\n\n\n" + AUTH)
    repo.git("add", "views.py")
    moved = run_cli("diff", "--staged", "--root", str(repo.path), "-f", "json", "--select", "DS390")
    assert moved.exit_code == 0 and findings_of(moved) == []
    # The decorator moved from `delete` to `export`: `delete` is open now.
    repo.write("views.py", AUTH.replace("@login_required\ndef delete", "def delete")
               + "\n\n@login_required\ndef export():\n    return dump()\n")
    repo.git("add", "views.py")
    shifted = run_cli("diff", "--staged", "--root", str(repo.path), "-f", "json", "--select", "DS390")
    [finding] = findings_of(shifted)
    assert "`@login_required`" in finding["message"] and finding["start_line"] == 5


def test_an_untouched_twin_does_not_hide_a_deleted_check():
    before = ("import requests\n\n\ndef a(u):\n    return requests.get(u, verify=True)\n\n\n"
              "def b(u):\n    return requests.get(u, verify=True)\n")
    after = before.replace("    return requests.get(u, verify=True)\n", "    return requests.get(u)\n", 1)
    removal = diff.removal_of(diff.change_from_texts("c.py", before, after), before, after)
    [finding] = removed.find([removal])
    assert finding.region.start_line == 5 and "`verify=True`" in finding.message
