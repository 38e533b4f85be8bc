"""Git repositories built by tests: the same whoever runs them, and nothing of theirs runs.

Every command ignores the user's and the system's git configuration, points hooks at nowhere,
signs nothing and uses fixed identities and dates (one minute apart per commit)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_SETTINGS = ("-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main",
             "-c", "core.autocrlf=false", "-c", "user.name=Test User", "-c", "user.email=test@example.com")


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.commits = 0
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")

    def git(self, *args: str) -> str:
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        env = {k: v for k, v in env.items() if not k.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_"))}
        stamp = f"2026-01-01T00:{self.commits:02d}:00+00:00"
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        return subprocess.run(["git", *_SETTINGS, *args], cwd=self.root, env=env, check=True, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL).stdout

    def write(self, files: dict[str, str]) -> None:
        for rel, text in files.items():
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def commit(self, message: str, files: dict[str, str] | None = None, *, author: str | None = None) -> str:
        """Write `files`, commit everything; returns the new commit's sha."""
        self.write(files or {})
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, *(("--author", author) if author else ()))
        self.commits += 1
        return self.git("rev-parse", "HEAD").strip()
