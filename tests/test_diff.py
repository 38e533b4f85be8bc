"""Reading changes: unified diffs, in-memory application, and git's --base / --staged."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import diff, pipeline
from tests.gitrepo import git

PATCH = """\
diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,3 +1,4 @@
 import requests
-resp = requests.get(URL)
+resp = requests.get(URL, verify=False)
+print(resp)
 done = True
"""


def test_added_lines_are_post_image_line_numbers():
    (change,) = diff.parse_patch(PATCH)
    assert change.path == "app.py"
    assert change.added_lines == {2, 3}


def test_apply_in_memory_matches_pre_image():
    (change,) = diff.parse_patch(PATCH)
    original = "import requests\nresp = requests.get(URL)\ndone = True\n"
    assert diff.apply_in_memory(original, change.patched) == (
        "import requests\nresp = requests.get(URL, verify=False)\nprint(resp)\ndone = True\n"
    )
    assert diff.apply_in_memory("something else\n", change.patched) is None


def test_fragment_keeps_line_numbers():
    (change,) = diff.parse_patch(PATCH)
    lines = diff.fragment_text(change.patched).splitlines()
    assert lines[1] == "resp = requests.get(URL, verify=False)" and lines[3] == "done = True"


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.py", "a/../../x.py", "~/x.py", ""])
def test_hostile_paths_are_refused(tmp_path, path):
    assert diff.safe_relative(path, tmp_path) is None


def test_symlink_out_of_the_root_is_refused(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "link").symlink_to(tmp_path)
    assert diff.safe_relative("link/secret.py", tmp_path / "repo") is None
    assert diff.safe_relative("pkg/ok.py", tmp_path / "repo") == "pkg/ok.py"


def test_patch_mode_applies_to_disk_file_and_scopes(tmp_path, catalogue):
    (tmp_path / "app.py").write_text("import requests\nresp = requests.get(URL)\ndone = True\n")
    report = pipeline.scan_change(diff.Revisions.for_patch(tmp_path, PATCH), catalogue)
    assert [(f.rule_id, f.region.start_line) for f in report.findings] == [("DS301", 2)]
    assert not report.failed


def test_patch_without_pre_image_is_analysed_as_fragments_and_incomplete(tmp_path, catalogue):
    report = pipeline.scan_change(diff.Revisions.for_patch(tmp_path, PATCH), catalogue)
    assert [(f.rule_id, f.region.start_line) for f in report.findings] == [("DS301", 2)]
    assert any("fragments" in n.message for n in report.notices)
    assert report.failed  # the file it patches is not there: what the hunks alone show is not enough


@pytest.fixture
def repo(tmp_path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "old.py").write_text("import requests\nrequests.get(u, verify=False)\n")  # pre-existing
    (tmp_path / "app.py").write_text("import subprocess\n\ndef run():\n    return 1\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def test_base_reports_only_the_branch_change(repo, catalogue):
    git(repo, "checkout", "-qb", "feature")
    (repo / "app.py").write_text("import subprocess\n\ndef run(cmd):\n    return subprocess.run(cmd, shell=True)\n")
    git(repo, "commit", "-qam", "feature")
    report = pipeline.scan_change(diff.Revisions.for_base(repo, "main"), catalogue)
    assert {(f.path, f.rule_id) for f in report.findings} == {("app.py", "B602")}
    assert report.files == ("app.py",)


def test_staged_reads_the_index_not_the_working_tree(repo, catalogue):
    (repo / "app.py").write_text("import base64\nexec(base64.b64decode(BLOB))\n")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text("print('working tree differs')\n")  # not staged
    report = pipeline.scan_change(diff.Revisions.for_staged(repo), catalogue)
    assert ("app.py", "DS101") in {(f.path, f.rule_id) for f in report.findings}


def test_bad_ref_is_an_input_error(repo, catalogue):
    with pytest.raises(diff.InputError, match="git merge-base failed"):
        pipeline.scan_change(diff.Revisions.for_base(repo, "no-such-branch"), catalogue)


def test_missing_git_is_an_input_error(repo, catalogue, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(diff.InputError, match="git is not installed"):
        pipeline.scan_change(diff.Revisions.for_staged(repo), catalogue)
