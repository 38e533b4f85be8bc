"""The repositories tests build are the same whoever runs the suite: a hostile global git
configuration, hooks and `GIT_*` variables of the caller change nothing."""

from __future__ import annotations

from tests.gitrepo import GitRepo


def test_user_config_hooks_and_environment_are_ignored(tmp_path, monkeypatch):
    marker = tmp_path / "hook-ran"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("pre-commit", "commit-msg", "post-commit"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / name).chmod(0o755)
    config = tmp_path / "gitconfig"
    config.write_text(f"[user]\n\tname = Someone Else\n\temail = else@example.org\n[core]\n\thooksPath = {hooks}\n"
                      "[commit]\n\tgpgsign = true\n[init]\n\tdefaultBranch = trunk\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Env Author")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere.git"))

    repo = GitRepo(tmp_path / "repo")
    first = repo.commit("one", {"a.py": "x = 1\n"})
    repo.commit("two", {"a.py": "x = 2\n"})

    assert not marker.exists()
    assert not (tmp_path / "elsewhere.git").exists()
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    log = repo.git("log", "--format=%an <%ae>|%cn|%aI|%cI").splitlines()
    assert log == ["Test User <test@example.com>|Test User|2026-01-01T00:01:00+00:00|2026-01-01T00:01:00+00:00",
                   "Test User <test@example.com>|Test User|2026-01-01T00:00:00+00:00|2026-01-01T00:00:00+00:00"]
    # The same content, identity and dates: the same commit whoever builds it.
    again = GitRepo(tmp_path / "again")
    assert again.commit("one", {"a.py": "x = 1\n"}) == first
