"""The one way diffsentry runs git: read-only commands with nothing of the repository's run.

A repository's configuration and attributes can name commands that git runs on its own (the
fsmonitor hook, clean/process filters, external diff drivers, textconv). Every invocation here
switches those off, so that reading a change never executes anything the change could control.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from analyzer.sources import printable

GIT_TIMEOUT_S = 120
# Every git command: raw UTF-8 paths, and no fsmonitor hook (a command named in the repository's
# config that even `git show` would run).
GIT_CONFIG = ("-c", "core.quotepath=off", "-c", "core.fsmonitor=false")
# --no-ext-diff/--no-textconv: no command named in the repository's config or attributes runs,
# and the diff's lines are the file's lines.
DIFF_ARGS = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames", "--unified=3",
             "--src-prefix=a/", "--dst-prefix=b/")


class InputError(Exception):
    """The change itself cannot be read (no git, bad ref, unparsable or empty patch). One line."""


def git_bytes(root: Path, *args: str, config: tuple[str, ...] = (), none_found: bool = False) -> bytes:
    """Run a read-only git command in `root`; InputError with git's own message on failure.
    `config`: more `-c` settings; `none_found`: exit 1 without a message is an empty answer
    (`git config --get-regexp` found nothing)."""
    exe = shutil.which("git")
    if exe is None:
        raise InputError("git is not installed or not on PATH (needed for --base and --staged)")
    try:
        proc = subprocess.run(
            [exe, *GIT_CONFIG, *config, *args], cwd=root, capture_output=True, timeout=GIT_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0]} did not finish within {GIT_TIMEOUT_S} s") from None
    if none_found and proc.returncode == 1 and not proc.stderr.strip():
        return b""
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed: {printable(message[0]) if message else f'exit {proc.returncode}'}")
    return proc.stdout


def git(root: Path, *args: str, config: tuple[str, ...] = (), none_found: bool = False) -> str:
    """`git_bytes` decoded as UTF-8, undecodable bytes kept (surrogate-escaped)."""
    return git_bytes(root, *args, config=config, none_found=none_found).decode("utf-8", "surrogateescape")


def worktree_diff(root: Path, *args: str) -> str:
    """`git diff` of the working tree against a revision, with no filter driver run.

    To compare a working-tree file, git runs the clean (or process) filter that `.gitattributes`
    names for it: a command from the repository's config, as fsmonitor is, and one that rewrites
    the text the diff is made of (found by tests/test_never_executes.py). Every driver the config
    defines is switched off for the call; a driver name `-c` cannot express refuses the run."""
    keys = git(root, "config", "--null", "--name-only", "--get-regexp", r"^filter\.", none_found=True)
    names = sorted({key.split(".", 1)[1].rsplit(".", 1)[0] for key in keys.split("\0") if key.count(".") >= 2})
    config: list[str] = []
    for name in names:
        if "=" in name:
            raise InputError(f"git config defines a filter driver that cannot be switched off ({printable(name)}); "
                             "not run")
        config += ["-c", f"filter.{name}.clean=", "-c", f"filter.{name}.process=", "-c", f"filter.{name}.required=false"]
    return git(root, *DIFF_ARGS, *args, config=tuple(config))


def untracked(root: Path, *pathspecs: str) -> list[str]:
    """Files in the working tree git does not track and `.gitignore` does not exclude (git's own
    rules: `ls-files --others --exclude-standard`), repo-relative."""
    out = git(root, "ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", *pathspecs)
    return sorted(name for name in out.split("\0") if name)


def blob(root: Path, spec: str) -> bytes | None:
    """The bytes of `REV:path` or `:path` (the index), or None when there is no such file.
    `cat-file blob` gives the stored bytes: no textconv, no smudge filter runs."""
    try:
        return git_bytes(root, "cat-file", "blob", spec)
    except InputError:
        return None


def repo_root(start: Path) -> Path:
    return Path(git(start, "rev-parse", "--show-toplevel").strip())
