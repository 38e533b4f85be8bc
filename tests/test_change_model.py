"""One change model: a run builds one `Revisions`, so git and the patch parser run once.

Counted by wrapping the one hardened git invocation (`analyzer.git.git_bytes`) and the patch
parser (`analyzer.diff.parse_patch`) around whole CLI runs."""

from __future__ import annotations

from collections import Counter

import pytest

from analyzer import diff, git
from tests.conftest import run_cli
from tests.gitrepo import GitRepo


@pytest.fixture
def counted(monkeypatch) -> Counter:
    calls: Counter = Counter()
    real_git, real_parse = git.git_bytes, diff.parse_patch

    def counting_git(root, *args, **kwargs):
        calls[f"git {args[0]}"] += 1
        return real_git(root, *args, **kwargs)

    def counting_parse(text):
        calls["parse_patch"] += 1
        return real_parse(text)

    monkeypatch.setattr(git, "git_bytes", counting_git)
    monkeypatch.setattr(diff, "parse_patch", counting_parse)
    return calls


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "import subprocess\n\n\ndef run():\n    return 1\n\n\ndef other():\n    return 2\n")
    repo.write("pyproject.toml", "[tool.diffsentry]\nfail-on = 'warning'\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app.py", "import subprocess\n\n\ndef run(cmd):\n    return subprocess.run(cmd, shell=True)\n\n\n"
                         "def other():\n    pass\n")
    return repo


def test_base_runs_merge_base_and_diff_once(repo, counted):
    result = run_cli("diff", "--base", "main", "--root", str(repo.path), "-f", "json", "--no-cache", "--select", "B602")
    assert result.exit_code == 1, result.output
    assert counted["git merge-base"] == 1 and counted["git diff"] == 1 and counted["parse_patch"] == 1, counted


def test_staged_runs_diff_once(repo, counted):
    repo.git("add", "app.py")
    result = run_cli("diff", "--staged", "--root", str(repo.path), "-f", "json", "--no-cache", "--select", "B602")
    assert result.exit_code == 1, result.output
    assert counted["git diff"] == 1 and counted["parse_patch"] == 1, counted


def test_patch_is_parsed_once(repo, counted):
    patch = repo.git("diff")
    repo.git("checkout", "-q", "--", "app.py")
    result = run_cli("diff", "--patch", "-", "--root", str(repo.path), "-f", "json", "--no-cache", "--select", "B602",
                     input=patch)
    assert result.exit_code == 1, result.output
    assert counted["parse_patch"] == 1 and not any(k.startswith("git diff") for k in counted), counted


def test_revisions_give_both_sides_of_each_changed_file(repo):
    revisions = diff.Revisions.for_base(repo.path, "main")
    [changed], _ = revisions.files()
    assert changed.path == "app.py" and changed.after == repo.read("app.py")
    assert revisions.before(changed.old_path) == repo.git("show", "main:app.py")
    assert changed.added == {4, 5, 9} and changed.anchors == {4: 4, 5: 4, 9: 9}
    # The same change as a patch, applied in memory, is the same model.
    patch = diff.Revisions.for_patch(repo.path, repo.git("diff", "main"))
    repo.git("stash", "-q")
    [patched], _ = patch.files()
    assert (patched.after, patched.added, patched.anchors) == (changed.after, changed.added, changed.anchors)
    assert patch.before("app.py") == repo.read("app.py")
