"""The pre-commit hooks end to end: the real `pre-commit` tool, a temporary git repository, and
this checkout (as committed files of a hook repository) as the hook repository.

pre-commit installs a `language: python` hook by creating a virtualenv and pip-installing the
hook repository. Fetching diffsentry's pinned dependencies from an index takes minutes (Semgrep
alone is a large wheel) and needs the network, so the hook's virtualenv is given this test
environment's packages on PYTHONPATH and pip is told to use no index and no build isolation
(hatchling is in the `test` extra): pip finds every dependency satisfied and only builds and
installs diffsentry itself, offline, in seconds. Everything else is what a user gets: the hook
definitions from `.pre-commit-hooks.yaml`, `pre-commit install`'s git hook, the files pre-commit
passes, the stash of unstaged changes, the exit codes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.gitrepo import GitRepo
from tests.notes_service import VIEWS, VIEWS_AFTER

HOOK_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "analyzer", "rulesets")

LEGACY = "import subprocess\n\n\ndef deploy(target):\n    return subprocess.call(f'rsync -a build/ {target}', shell=True)\n"


def test_hook_definitions_follow_the_conventions():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert set(hooks) == {"diffsentry", "diffsentry-diff"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types"] == ["python"] and hook["require_serial"] is True
    assert hooks["diffsentry"]["entry"] == "diffsentry scan"
    assert hooks["diffsentry-diff"]["entry"] == "diffsentry diff --staged"
    assert hooks["diffsentry-diff"]["pass_filenames"] is False


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """A git repository holding this checkout's files, as pre-commit clones a hook repository."""
    repo = GitRepo(tmp_path_factory.mktemp("hooks") / "diffsentry")
    path = repo.path
    for name in HOOK_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, path / name)
    return path, repo.commit("diffsentry hooks")


def _env(tmp_path: Path) -> dict[str, str]:
    site = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PYTHONPATH": os.pathsep.join(sorted(site)),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip reads "0" as "no build isolation" for this option
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
    }


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_hooks_block_a_commit_that_adds_a_dangerous_line(hook_repo, tmp_path):
    hook_path, rev = hook_repo
    env = _env(tmp_path)
    project = GitRepo(tmp_path / "project")
    project.write(".pre-commit-config.yaml", yaml.safe_dump(
        # The whole-file hook with the extended suite: the legacy finding below is Bandit's B602.
        {"repos": [{"repo": str(hook_path), "rev": rev, "hooks": [{"id": "diffsentry", "args": ["--suite", "extended"]},
                                                                   {"id": "diffsentry-diff"}]}]}
    ))
    project.write("deploy.py", LEGACY)  # committed before the hooks: an existing finding
    project.write("app/views.py", VIEWS)  # the notes service of tests/test_review_flow.py
    project.commit("existing code")
    pre_commit = [sys.executable, "-m", "pre_commit"]
    installed = _run([*pre_commit, "install"], project.path, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # A clean edit to a file with an old finding: the whole-file hook reports the old finding, the
    # changed-lines hook does not (the old line is not part of this change).
    project.write("deploy.py", '"""Deployment helpers."""\n' + LEGACY)
    project.git("add", "deploy.py")
    whole = _run([*pre_commit, "run", "diffsentry"], project.path, env)
    assert whole.returncode == 1, whole.stdout + whole.stderr
    assert "deploy.py" in whole.stdout and "B602" in whole.stdout
    changed = _run([*pre_commit, "run", "diffsentry-diff"], project.path, env)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "Passed" in changed.stdout

    # The assistant's change of the pull-request scenario: `git commit` runs both hooks through
    # the git hook that `pre-commit install` wrote, and the commit is refused. The changed-lines
    # hook reports the shell command (its added `# nosec` is itself reported and not honoured)
    # and the deleted `@login_required`.
    project.git("reset", "-q")
    project.write("deploy.py", LEGACY)
    project.write("app/views.py", VIEWS_AFTER)
    project.git("add", "app/views.py")
    head = project.git("rev-parse", "HEAD")
    commit = _run(["git", "commit", "-m", "add /convert"], project.path, env)
    assert commit.returncode != 0, commit.stdout + commit.stderr
    output = commit.stdout + commit.stderr
    changed_hook = output[output.index("diffsentry (security review of the staged change)"):]
    assert "Failed" in changed_hook.splitlines()[0]
    for expected in ("DS210", "DS690", "DS390", "@login_required"):
        assert expected in changed_hook, expected
    assert "B506" not in changed_hook, "an old, suppressed line is neither changed nor reported"
    assert project.git("rev-parse", "HEAD") == head, "the commit was blocked"
