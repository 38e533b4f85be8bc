"""Git repositories built by tests: the same whoever runs them, and nothing of theirs runs.

Every command ignores the user's and the system's git configuration and every `GIT_*` variable
of the environment (a suite started from a git hook inherits `GIT_DIR`), points hooks at nowhere,
signs nothing and uses a fixed identity and fixed dates (one minute apart per commit of a
`GitRepo`). Every test that makes a repository makes it here."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_SETTINGS = ("-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
             "-c", "init.defaultBranch=main", "-c", "core.autocrlf=false", "-c", "user.name=Test User",
             "-c", "user.email=test@example.com")


def git(path: Path, *args: str, input: str | None = None, minute: int = 0) -> str:
    """Run git in `path` as described above; a failure is an AssertionError that shows git's stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    stamp = f"2026-01-01T{minute // 60:02d}:{minute % 60:02d}:00+00:00"
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    proc = subprocess.run(["git", *_SETTINGS, *args], cwd=path, env=env, capture_output=True, text=True,
                          input=input, stdin=None if input is not None else subprocess.DEVNULL, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


class GitRepo:
    """A throwaway repository (branch `main`) driven with the real git binary."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.commits = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, input: str | None = None) -> str:
        return git(self.path, *args, input=input, minute=self.commits)

    def write(self, rel: str, text: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8", newline="")
        return target

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def commit(self, message: str, files: dict[str, str] | None = None, *, author: str | None = None) -> str:
        """Write `files`, commit everything (an empty commit too); returns the new commit's sha."""
        for rel, text in (files or {}).items():
            self.write(rel, text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, *(("--author", author) if author else ()))
        self.commits += 1
        return self.git("rev-parse", "HEAD").strip()
