"""Changes as input: git diffs (`--base`, `--staged`) and unified patches (`--patch`).

Every mode ends in the same shape: `SourceFile`s holding the post-image text of each changed
Python file and the line numbers the change added or edited. Patches are parsed with unidiff and
applied in memory; nothing is written to the repository and no path a patch names is read unless
it resolves inside the repository root.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from unidiff import PatchedFile, PatchSet
from unidiff.errors import UnidiffParseError

from analyzer.findings import Notice, NoticeLevel
from analyzer.sources import DEFAULT_MAX_BYTES, SourceFile, UnreadableSource, decode_source, read_source

GIT_TIMEOUT_S = 120


class InputError(Exception):
    """The change itself cannot be read (no git, bad ref, unparsable patch). One line."""


@dataclass(frozen=True)
class FileChange:
    """One file of a diff, reduced to what the analysis needs."""

    path: str  # the post-image path (the new name after a rename)
    patched: PatchedFile

    @property
    def added_lines(self) -> frozenset[int]:
        return frozenset(
            line.target_line_no for hunk in self.patched for line in hunk if line.is_added and line.target_line_no
        )

    @property
    def is_python(self) -> bool:
        return self.path.endswith((".py", ".pyi"))


def parse_patch(text: str) -> list[FileChange]:
    """Parse a unified diff; raises InputError with unidiff's reason when it is malformed."""
    try:
        patch = PatchSet(text)
    except UnidiffParseError as exc:
        raise InputError(f"malformed patch: {exc}") from None
    if not patch and text.strip():
        raise InputError("input is not a unified diff (no file headers found)")
    return [FileChange(_strip_prefix(pf), pf) for pf in patch]


def _strip_prefix(pf: PatchedFile) -> str:
    name = pf.target_file if not pf.is_removed_file else pf.source_file
    name = (name or "").strip('"')
    if name.startswith(("a/", "b/")):
        name = name[2:]
    return name


def safe_relative(path: str, root: Path) -> str | None:
    """A patch path as a repo-relative path, or None when it is absolute, climbs with `..`, or
    resolves (through symlinks) outside the root."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or path.startswith("~"):
        return None
    resolved = (root / pure).resolve()
    try:
        resolved.relative_to(root.resolve())
    except ValueError:
        return None
    return pure.as_posix()


def apply_in_memory(original: str, patched: PatchedFile) -> str | None:
    """The post-image of `original` under the hunks, or None when the pre-image does not match."""
    lines = original.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0  # 0-based index into `lines`
    for hunk in patched:
        start = max(hunk.source_start - 1, 0) if hunk.source_length else hunk.source_start
        if start < cursor or start > len(lines):
            return None
        out.extend(lines[cursor:start])
        cursor = start
        for line in hunk:
            if line.is_context or line.is_removed:
                if cursor >= len(lines) or lines[cursor].rstrip("\r\n") != line.value.rstrip("\r\n"):
                    return None
                if line.is_context:
                    out.append(lines[cursor])
                cursor += 1
            elif line.is_added:
                out.append(line.value)
    out.extend(lines[cursor:])
    return "".join(out)


def fragment_text(patched: PatchedFile) -> str:
    """Post-image lines the hunks show, at their real line numbers; unknown lines left blank."""
    known: dict[int, str] = {}
    for hunk in patched:
        for line in hunk:
            if (line.is_added or line.is_context) and line.target_line_no:
                known[line.target_line_no] = line.value.rstrip("\r\n")
    last = max(known, default=0)
    return "".join(known.get(n, "") + "\n" for n in range(1, last + 1))


def sources_from_patch(
    text: str, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[SourceFile], list[Notice]]:
    """`--patch`: apply an agent's diff in memory to the files under `root` where they match."""
    files: dict[str, SourceFile] = {}
    notices: list[Notice] = []
    for change in parse_patch(text):
        rel = safe_relative(change.path, root)
        if rel is None:
            notices.append(
                Notice(NoticeLevel.ERROR, "patch", "path is absolute, contains '..' or leaves the repository; "
                       "not read", change.path)
            )
            continue
        skip = _skip_reason(change)
        if skip:
            notices.append(Notice(NoticeLevel.NOTE, "patch", skip, rel))
            continue
        if rel in files:
            notices.append(Notice(NoticeLevel.ERROR, "patch", "file appears twice in the patch; not analysed", rel))
            files.pop(rel)
            continue
        post, fragment, note = _post_image(change, root, rel, max_bytes)
        if note:
            notices.append(note)
        if post is not None:
            files[rel] = SourceFile(rel, post, change.added_lines, fragment=fragment)
    return [files[k] for k in sorted(files)], notices


def _skip_reason(change: FileChange) -> str | None:
    if not change.is_python:
        return "not a Python file; skipped"
    if change.patched.is_removed_file:
        return "deleted by the change; nothing to analyse"
    if change.patched.is_binary_file:
        return "binary change; skipped"
    if not change.added_lines:
        return "no added lines (a rename, a mode change or only deletions)"
    return None


def _post_image(
    change: FileChange, root: Path, rel: str, max_bytes: int
) -> tuple[str | None, bool, Notice | None]:
    if change.patched.is_added_file:
        return apply_in_memory("", change.patched), False, None
    source_rel = safe_relative(_source_name(change.patched), root) or rel
    disk = root / source_rel
    try:
        original = read_source(disk, max_bytes=max_bytes)
    except UnreadableSource as exc:
        original = None
        why = str(exc)
    else:
        post = apply_in_memory(original, change.patched)
        if post is not None:
            return post, False, None
        why = "the file on disk does not match the patch's pre-image"
    note = Notice(NoticeLevel.WARNING, "patch", f"{why}: analysed the hunks alone as fragments (best effort)", rel)
    return fragment_text(change.patched), True, note


def _source_name(patched: PatchedFile) -> str:
    name = (patched.source_file or "").strip('"')
    return name[2:] if name.startswith(("a/", "b/")) else name


# --- git ------------------------------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    """Run a read-only git command in `root`; InputError with git's own message on failure."""
    exe = shutil.which("git")
    if exe is None:
        raise InputError("git is not installed or not on PATH (needed for --base and --staged)")
    try:
        proc = subprocess.run(
            [exe, "-c", "core.quotepath=off", *args], cwd=root, capture_output=True, timeout=GIT_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0]} did not finish within {GIT_TIMEOUT_S} s") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed: {message[0] if message else f'exit {proc.returncode}'}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def repo_root(start: Path) -> Path:
    return Path(git(start, "rev-parse", "--show-toplevel").strip())


_DIFF_ARGS = ("diff", "--no-color", "--no-ext-diff", "--find-renames", "--unified=3", "--src-prefix=a/",
              "--dst-prefix=b/")


def sources_from_base(root: Path, base: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[SourceFile], list[Notice]]:
    """`--base REF`: what a pull request shows, merge-base(REF, HEAD) against the working tree."""
    merge_base = git(root, "merge-base", base, "HEAD").strip()
    text = git(root, *_DIFF_ARGS, merge_base, "--", "*.py", "*.pyi")
    return _sources_from_git_diff(text, root, lambda rel: read_source(root / rel, max_bytes=max_bytes), disk=True)


def sources_from_index(root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[SourceFile], list[Notice]]:
    """`--staged`: the index against HEAD, with file text taken from the index (what will be committed)."""
    text = git(root, *_DIFF_ARGS, "--cached", "--", "*.py", "*.pyi")

    def staged_text(rel: str) -> str:
        exe = shutil.which("git") or "git"
        blob = subprocess.run([exe, "show", f":{rel}"], cwd=root, capture_output=True, timeout=GIT_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
        if blob.returncode != 0:
            raise UnreadableSource("not in the index")
        return decode_source(blob.stdout, max_bytes=max_bytes)

    return _sources_from_git_diff(text, root, staged_text, disk=False)


def _sources_from_git_diff(
    text: str, root: Path, read: Callable[[str], str], *, disk: bool
) -> tuple[list[SourceFile], list[Notice]]:
    files: list[SourceFile] = []
    notices: list[Notice] = []
    for change in parse_patch(text):
        rel = safe_relative(change.path, root)
        if rel is None:
            notices.append(Notice(NoticeLevel.ERROR, "git", "path leaves the repository; not read", change.path))
            continue
        skip = _skip_reason(change)
        if skip:
            notices.append(Notice(NoticeLevel.NOTE, "git", skip, rel))
            continue
        try:
            content = read(rel)
        except UnreadableSource as exc:
            notices.append(Notice(NoticeLevel.ERROR, "input", str(exc), rel))
            continue
        files.append(SourceFile(rel, content, change.added_lines, disk_path=root / rel if disk else None))
    return sorted(files, key=lambda f: f.path), notices

