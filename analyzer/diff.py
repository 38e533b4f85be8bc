"""Changes as input: git diffs (`--base`, `--staged`) and unified patches (`--patch`).

Every mode ends in the same shape: `SourceFile`s holding the post-image text of each changed
Python file and the line numbers the change added or edited. Patches are parsed with unidiff and
applied in memory; nothing is written to the repository and no path a patch names is read unless
it resolves inside the repository root.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from unidiff import PatchedFile, PatchSet
from unidiff.constants import LINE_TYPE_NO_NEWLINE
from unidiff.errors import UnidiffParseError

from analyzer.findings import Notice, NoticeLevel
from analyzer.sources import (
    DEFAULT_MAX_BYTES, SourceFile, UnreadableSource, decode_source, is_manifest_name, printable, read_bytes,
    read_source, unsafe_name,
)

GIT_TIMEOUT_S = 120
# Every git command: raw UTF-8 paths, and no fsmonitor hook (a command named in the repository's
# config that even `git show` would run).
GIT_CONFIG = ("-c", "core.quotepath=off", "-c", "core.fsmonitor=false")
# A hunk placed beyond this line is garbage (or a memory bomb: fragments are built line by line).
MAX_LINE_NUMBER = 10_000_000


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
        # unidiff quotes the offending patch line, newline and control characters included: escape
        # them, so that the error stays one line and cannot write to the terminal (found by fuzzing).
        raise InputError(f"malformed patch: {printable(str(exc).strip())}") from None
    if not patch and text.strip():
        raise InputError("input is not a unified diff (no file headers found)")
    for pf in patch:
        for hunk in pf:
            if max(hunk.source_start + hunk.source_length, hunk.target_start + hunk.target_length) > MAX_LINE_NUMBER:
                raise InputError(f"malformed patch: a hunk of {printable(_strip_prefix(pf))} claims lines beyond "
                                 f"{MAX_LINE_NUMBER:,}")
    stray = _stray_line(text, patch)
    if stray is not None:
        number, line = stray
        raise InputError(f"malformed patch: line {number} is outside every hunk (a wrong hunk count or header?): "
                         f"{printable(line[:80])}")
    return [FileChange(_strip_prefix(pf), pf) for pf in patch]


_FILE_HEADER = re.compile(r"^(?:--- |\+\+\+ )\S")


def _stray_line(text: str, patch: PatchSet) -> tuple[int, str] | None:
    """The first added, removed or hunk-header line that unidiff left out of every hunk.

    unidiff stops a hunk where its header's counts say and skips what it does not recognise, so
    lines past a miscounted hunk, or under a garbled `@@` header, would silently go unanalysed
    (`git apply` rejects such patches). Prose before the first file header is allowed (an agent's
    explanation), as is format-patch's `-- ` signature line."""
    consumed: set[int] = set()
    for pf in patch:
        for hunk in pf:
            numbers = [line.diff_line_no for line in hunk if line.diff_line_no]
            if numbers:
                consumed.update(numbers)
                consumed.add(min(numbers) - 1)  # the hunk's header
    started = False
    for number, line in enumerate(text.split("\n"), 1):
        started = started or line.startswith(("diff --git ", "--- "))
        if not started or number in consumed or line.rstrip("\r") in ("--", "-- "):
            continue
        if line.startswith("@@") or (line.startswith(("+", "-")) and not _FILE_HEADER.match(line)):
            return number, line
    return None


def _strip_prefix(pf: PatchedFile) -> str:
    name = pf.target_file if not pf.is_removed_file else pf.source_file
    name = (name or "").strip('"')
    if name.startswith(("a/", "b/")):
        name = name[2:]
    return name


def path_problem(path: str, root: Path) -> str | None:
    """Why a path a diff names must not be read, or None when it is a plain path inside `root`."""
    pure = PurePosixPath(path)
    if not path or not pure.parts or pure.is_absolute() or path.startswith("~"):
        return "path is empty or absolute; not read"
    if ".." in pure.parts:
        return "path climbs out with '..'; not read"
    why = unsafe_name(path)
    if why:
        return why
    try:
        (root / pure).resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: Python 3.11's symlink-loop error
        return "path resolves outside the repository (through a symlink); not read"
    return None


def safe_relative(path: str, root: Path) -> str | None:
    """A patch path as a repo-relative path, or None when `path_problem` objects to it."""
    return None if path_problem(path, root) else PurePosixPath(path).as_posix()


def git_lines(text: str) -> list[str]:
    """`text` split the way git and diffs count lines: after each "\n" only (`str.splitlines`
    also splits at form feeds, U+2028 and other characters that do not end a line for git)."""
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def python_line_numbers(text: str, lines: frozenset[int]) -> frozenset[int]:
    """Git line numbers of `text` as Python counts lines: a lone CR (old Mac line ending) also ends
    a line for Python, libcst and Bandit but not for git, so one git line may be several."""
    if "\r" not in text.replace("\r\n", ""):
        return lines
    out: set[int] = set()
    python_line = 1
    for number, line in enumerate(git_lines(text), 1):
        body = line.removesuffix("\n")
        # A CR right before the line's end is part of CRLF (or ends the file): no extra line.
        spans = 1 + body.removesuffix("\r").count("\r")
        if number in lines:
            out.update(range(python_line, python_line + spans))
        python_line += spans
    return frozenset(out)


def apply_in_memory(original: str, patched: PatchedFile) -> str | None:
    """The post-image of `original` under the hunks, or None when the pre-image does not match."""
    lines = git_lines(original)
    out: list[str] = []
    cursor = 0  # 0-based index into `lines`
    for hunk in patched:
        start = max(hunk.source_start - 1, 0) if hunk.source_length else hunk.source_start
        if start < cursor or start > len(lines):
            return None
        out.extend(lines[cursor:start])
        cursor = start
        hunk_lines = list(hunk)
        for i, line in enumerate(hunk_lines):
            if line.is_context or line.is_removed:
                if cursor >= len(lines) or lines[cursor].rstrip("\r\n") != line.value.rstrip("\r\n"):
                    return None
                if line.is_context:
                    out.append(lines[cursor])
                cursor += 1
            elif line.is_added:
                # unidiff keeps the newline even when `\ No newline at end of file` follows the line.
                no_newline = i + 1 < len(hunk_lines) and hunk_lines[i + 1].line_type == LINE_TYPE_NO_NEWLINE
                out.append(line.value.rstrip("\r\n") if no_newline else line.value)
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
    """`--patch`: apply an agent's diff in memory to the files under `root` where they match.

    Nothing a patch names is read unless it resolves inside `root`, and nothing is written. A
    file the patch lists twice is refused (which copy would git apply?)."""
    files: dict[str, SourceFile] = {}
    twice: set[str] = set()
    notices: list[Notice] = []
    for change in parse_patch(text):
        why = path_problem(change.path, root)
        if why is None and not change.patched.is_added_file:
            source_why = path_problem(_source_name(change.patched), root)
            why = f"pre-image {source_why}" if source_why else None
        if why:
            notices.append(Notice(NoticeLevel.ERROR, "patch", why, printable(change.path)))
            continue
        rel = PurePosixPath(change.path).as_posix()
        skip = _skip_reason(change)
        if skip:
            notices.append(Notice(NoticeLevel.NOTE, "patch", skip, rel))
            continue
        if rel in files or rel in twice:
            if rel not in twice:
                notices.append(Notice(NoticeLevel.ERROR, "patch", "file appears twice in the patch; not analysed", rel))
            files.pop(rel, None)
            twice.add(rel)
            continue
        post, fragment, note = _post_image(change, root, rel, max_bytes)
        if note:
            notices.append(note)
        if post is None:
            continue
        try:  # the patch's own bytes: the same encoding, NUL and size checks as a file on disk
            post = decode_source(post.encode("utf-8", "surrogateescape"), max_bytes=max_bytes)
        except UnreadableSource as exc:
            notices.append(Notice(NoticeLevel.ERROR, "patch", f"the patched file {exc}", rel))
            continue
        files[rel] = SourceFile(rel, post, python_line_numbers(post, change.added_lines), fragment=fragment)
    return [files[k] for k in sorted(files)], notices


def _skip_reason(change: FileChange) -> str | None:
    if not change.is_python and not is_manifest_name(change.path):
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
    disk = root / PurePosixPath(_source_name(change.patched))  # checked by the caller
    try:
        # Decoded as the patch text was (UTF-8, undecodable bytes kept as surrogates), so that lines
        # match byte for byte whatever the file's encoding; the caller decodes the result properly.
        original = read_bytes(disk, max_bytes=max_bytes).decode("utf-8", "surrogateescape")
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


def git(root: Path, *args: str, config: tuple[str, ...] = (), none_found: bool = False) -> str:
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
        return ""
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed: {message[0] if message else f'exit {proc.returncode}'}")
    return proc.stdout.decode("utf-8", "surrogateescape")


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
    return git(root, *_DIFF_ARGS, *args, config=tuple(config))


def repo_root(start: Path) -> Path:
    return Path(git(start, "rev-parse", "--show-toplevel").strip())


# Python files and dependency manifests (`_skip_reason` drops what merely matches the globs).
_PATHSPECS = ("*.py", "*.pyi", "*requirements*.txt", "*requirements*.in", "*requirements/*", "*reqs/*",
              "*pyproject.toml")
# --no-ext-diff/--no-textconv: no command named in the repository's config or attributes runs,
# and the diff's lines are the file's lines.
_DIFF_ARGS = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames", "--unified=3",
              "--src-prefix=a/", "--dst-prefix=b/")


def sources_from_base(root: Path, base: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[SourceFile], list[Notice]]:
    """`--base REF`: what a pull request shows, merge-base(REF, HEAD) against the working tree."""
    merge_base = git(root, "merge-base", base, "HEAD").strip()
    text = worktree_diff(root, merge_base, "--", *_PATHSPECS)
    return _sources_from_git_diff(text, root, lambda rel: read_source(root / rel, max_bytes=max_bytes), disk=True)


def sources_from_index(root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[SourceFile], list[Notice]]:
    """`--staged`: the index against HEAD, with file text taken from the index (what will be committed)."""
    text = git(root, *_DIFF_ARGS, "--cached", "--", *_PATHSPECS)

    def staged_text(rel: str) -> str:
        exe = shutil.which("git") or "git"
        blob = subprocess.run([exe, *GIT_CONFIG, "show", f":{rel}"], cwd=root, capture_output=True,
                              timeout=GIT_TIMEOUT_S, stdin=subprocess.DEVNULL)
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
        why = path_problem(change.path, root)
        if why:
            notices.append(Notice(NoticeLevel.ERROR, "git", why, printable(change.path)))
            continue
        rel = PurePosixPath(change.path).as_posix()
        skip = _skip_reason(change)
        if skip:
            notices.append(Notice(NoticeLevel.NOTE, "git", skip, rel))
            continue
        try:
            content = read(rel)
        except UnreadableSource as exc:
            notices.append(Notice(NoticeLevel.ERROR, "input", str(exc), rel))
            continue
        files.append(SourceFile(rel, content, python_line_numbers(content, change.added_lines),
                                disk_path=root / rel if disk else None))
    return sorted(files, key=lambda f: f.path), notices



# --- what a change deleted, and files before/after it -------------------------------------------


@dataclass(frozen=True)
class Removal:
    """Lines a change deleted from one Python file, with the text on both sides.

    `before`/`after` are the whole pre- and post-image, or, when only the patch is known
    (`fragment`), the lines its hunks show at their real line numbers. `anchors` maps each deleted
    pre-image line to the post-image line where the deletion sits, for reporting.
    """

    path: str
    before: str
    after: str
    removed: frozenset[int]
    anchors: dict[int, int]
    fragment: bool = False


def _anchors(patched: PatchedFile) -> dict[int, int]:
    anchors: dict[int, int] = {}
    for hunk in patched:
        pending: list[int] = []
        last_target = max(hunk.target_start, 1)
        for line in hunk:
            if line.is_removed and line.source_line_no:
                pending.append(line.source_line_no)
            elif line.target_line_no:
                last_target = line.target_line_no
                anchors.update((n, last_target) for n in pending)
                pending = []
        anchors.update((n, last_target) for n in pending)
    return anchors


def _source_fragment(patched: PatchedFile) -> str:
    """Pre-image lines the hunks show, at their real line numbers; unknown lines left blank."""
    known = {
        line.source_line_no: line.value.rstrip("\r\n")
        for hunk in patched
        for line in hunk
        if (line.is_removed or line.is_context) and line.source_line_no
    }
    return "".join(known.get(n, "") + "\n" for n in range(1, max(known, default=0) + 1))


def removal_of(change: FileChange, before: str | None, after: str | None) -> Removal | None:
    """The deletions of one file change; hunks alone when either side is unknown."""
    anchors = _anchors(change.patched)
    if not anchors:
        return None
    if before is None or after is None:
        return Removal(change.path, _source_fragment(change.patched), fragment_text(change.patched),
                       frozenset(anchors), anchors, fragment=True)
    return Removal(change.path, before, after, frozenset(anchors), anchors)


def change_from_texts(path: str, before: str, after: str) -> FileChange:
    """The unified diff between two texts of one file, parsed (for tests and examples)."""
    import difflib

    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{path}", f"b/{path}", n=3)
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    changes = parse_patch(text)
    return changes[0] if changes else FileChange(path, PatchedFile(source=f"a/{path}", target=f"b/{path}"))


@dataclass(frozen=True)
class Revisions:
    """Files of the repository as they were before the change and as they are after it.

    `--base`: before is the merge-base commit, after the working tree. `--staged`: before is HEAD,
    after the index. `--patch`: before is the working tree, after is the patch applied in memory.
    Used for what the analysis must take from before the change (configuration, baseline, the
    pre-image of deleted lines).
    """

    root: Path
    mode: str  # "base", "staged" or "patch"
    before_rev: str | None = None  # git revision of the pre-change state (base, staged)
    patch_text: str = ""
    patch_changes: tuple[FileChange, ...] = ()  # `patch_text` parsed once (and validated) by for_patch

    @classmethod
    def for_base(cls, root: Path, base: str) -> Revisions:
        return cls(root, "base", git(root, "merge-base", base, "HEAD").strip())

    @classmethod
    def for_staged(cls, root: Path) -> Revisions:
        try:
            head = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip() or None
        except InputError:
            head = None  # no commit yet: everything staged is new
        return cls(root, "staged", head)

    @classmethod
    def for_patch(cls, root: Path, text: str) -> Revisions:
        # Parsed here, so that a malformed patch is the user's one-line error now, not a crash later.
        return cls(root, "patch", None, text, tuple(parse_patch(text)))

    def changes(self) -> list[FileChange]:
        return list(self.patch_changes) if self.mode == "patch" else parse_patch(self.diff_text())

    def diff_text(self) -> str:
        if self.mode == "patch":
            return self.patch_text
        if self.mode == "staged":
            return git(self.root, *_DIFF_ARGS, "--cached", "--", "*.py", "*.pyi")
        return worktree_diff(self.root, self.before_rev or "HEAD", "--", "*.py", "*.pyi")

    def before(self, rel: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
        """The file before the change, or None when it did not exist (or cannot be read)."""
        if self.mode == "patch":
            return self._disk(rel, max_bytes)
        return self._blob(f"{self.before_rev}:{rel}", max_bytes) if self.before_rev else None

    def after(self, rel: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
        """The file after the change, or None when the change deleted it (or it cannot be read)."""
        if self.mode == "staged":
            return self._blob(f":{rel}", max_bytes)
        if self.mode == "base":
            return self._disk(rel, max_bytes)
        for change in self.patch_changes:
            if change.path == rel:
                if change.patched.is_removed_file:
                    return None
                original = "" if change.patched.is_added_file else self._disk(_source_name(change.patched), max_bytes)
                return apply_in_memory(original, change.patched) if original is not None else None
        return self._disk(rel, max_bytes)

    def _disk(self, rel: str, max_bytes: int) -> str | None:
        if safe_relative(rel, self.root) is None:
            return None
        try:
            return read_source(self.root / rel, max_bytes=max_bytes)
        except UnreadableSource:
            return None

    def _blob(self, spec: str, max_bytes: int) -> str | None:
        exe = shutil.which("git") or "git"
        proc = subprocess.run([exe, *GIT_CONFIG, "show", spec], cwd=self.root, capture_output=True,
                              timeout=GIT_TIMEOUT_S, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            return None
        try:
            return decode_source(proc.stdout, max_bytes=max_bytes)
        except UnreadableSource:
            return None


def removals(revisions: Revisions, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Removal]:
    """What the change deleted from Python files that it kept (a deleted file is not analysed)."""
    out = []
    for change in revisions.changes():
        rel = safe_relative(change.path, revisions.root)
        patched = change.patched
        if rel is None or not change.is_python or patched.is_removed_file or patched.is_binary_file:
            continue
        if not any(line.is_removed for hunk in patched for line in hunk):
            continue
        old = safe_relative(_source_name(patched), revisions.root) or rel
        before = revisions.before(old, max_bytes=max_bytes)
        if revisions.mode == "patch":
            after = apply_in_memory(before, patched) if before is not None else None
        else:
            after = revisions.after(rel, max_bytes=max_bytes)
        removal = removal_of(change, before, after)
        if removal is not None:
            out.append(removal)
    return sorted(out, key=lambda r: r.path)
