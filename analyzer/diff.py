"""Changes as input: git diffs (`--base`, `--staged`) and unified patches (`--patch`).

`Revisions` is the one representation of a change: built once per run (one `git merge-base`, one
`git diff`, or one parse of the patch), it gives every later stage what it needs, the changed
files' texts before and after, the lines added and removed, and the notices of what could not
be read. Patches are parsed with unidiff and applied in memory, each hunk found by its context
(`analyzer.placement`); nothing is written to the repository and no path a patch names is read
unless it resolves inside the repository root.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from unidiff import PatchedFile, PatchSet
from unidiff.errors import UnidiffParseError

from analyzer import git as git_cmd
from analyzer import placement
from analyzer.findings import Notice, NoticeLevel
from analyzer.git import DIFF_ARGS, InputError, repo_root
from analyzer.placement import git_lines
from analyzer.sources import (
    DEFAULT_MAX_BYTES, SourceFile, UnreadableSource, declares_other_encoding, decode_source, is_manifest_name,
    printable, read_bytes, read_source, unsafe_name,
)

__all__ = ["InputError", "FileChange", "ChangedFile", "Removal", "Revisions", "parse_patch", "repo_root",
           "git_lines", "python_line_numbers", "safe_relative", "path_problem"]

# A hunk placed beyond this line is garbage (or a memory bomb: fragments are built line by line).
MAX_LINE_NUMBER = 10_000_000
# Python files and dependency manifests (`_skip_reason` drops what merely matches the globs).
PATHSPECS = ("*.py", "*.pyi", "*requirements*.txt", "*requirements*.in", "*requirements/*", "*reqs/*",
             "*pyproject.toml")


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
    """The post-image of `original` under the hunks, each found by its context (see
    `analyzer.placement`), or None when a hunk is found nowhere."""
    placed, _ = placement.place(original, placement.hunks_of(patched))
    return placed.text if placed is not None else None


def fragment_text(patched: PatchedFile) -> str:
    """Post-image lines the hunks show, at their real line numbers; unknown lines left blank."""
    known: dict[int, str] = {}
    for hunk in patched:
        for line in hunk:
            if (line.is_added or line.is_context) and line.target_line_no:
                known[line.target_line_no] = line.value.rstrip("\r\n")
    last = max(known, default=0)
    return "".join(known.get(n, "") + "\n" for n in range(1, last + 1))


def _skip_reason(change: FileChange) -> str | None:
    if not change.is_python and not is_manifest_name(change.path):
        return "not a Python file; skipped"
    if change.patched.is_removed_file:
        return "deleted by the change; nothing to analyse"
    if change.patched.is_binary_file:
        return "binary change; skipped"
    return None


def _source_name(patched: PatchedFile) -> str:
    name = (patched.source_file or "").strip('"')
    return name[2:] if name.startswith(("a/", "b/")) else name


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




def _decoded(text: str, max_bytes: int) -> str:
    """Text read as the patch was, decoded as Python source (same checks as a file on disk)."""
    try:
        return decode_source(text.encode("utf-8", "surrogateescape"), max_bytes=max_bytes)
    except UnreadableSource as exc:
        raise UnreadableSource(f"the patched file {exc}") from None


def _move_notice(move: placement.Move, rel: str) -> Notice:
    where = f"hunk {move.hunk} applies at line {move.found}, not at line {move.stated} as the patch says"
    if not move.fuzz:
        return Notice(NoticeLevel.NOTE, "patch", where, rel)
    return Notice(NoticeLevel.WARNING, "patch", f"{where}, ignoring {move.fuzz} line(s) of its context that "
                  "do not match", rel)


# --- the change ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedFile:
    """One file of the change, as every later stage sees it.

    `after` is the whole post-image (or, when `fragment`, the lines the hunks show at their line
    numbers, nothing else known); `added` are its git line numbers that the change added or edited;
    `anchors` maps each pre-image line the change removed to the post-image line where it sits.
    `change` is the file's part of the diff (None for an untracked file, which is new as a whole).
    """

    path: str
    old_path: str | None  # the pre-image path (differs after a rename); None: the file is new
    after: str
    added: frozenset[int]
    anchors: dict[int, int]
    change: FileChange | None = None
    fragment: bool = False
    untracked: bool = False
    on_disk: bool = False  # `after` is the file in the working tree (engines may read it there)


@dataclass(frozen=True)
class Revisions:
    """A change: the repository's files as they were before it and as they are after it.

    `--base`: before is the merge-base commit, after the working tree (untracked files that
    `.gitignore` does not exclude included, as new files). `--staged`: before is HEAD, after the
    index. `--patch`: before is the working tree, after is the patch applied in memory, each hunk
    found by its context; a patch that is already applied is recognised (after is the disk).
    Built once per run with `for_base`, `for_staged` or `for_patch`; every git command and the
    patch parse happen there, what is derived from them once, on first use.
    """

    root: Path
    mode: str  # "base", "staged" or "patch"
    before_rev: str | None = None  # git revision of the pre-change state (base, staged)
    changes: tuple[FileChange, ...] = ()
    untracked: tuple[str, ...] = ()
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_base(cls, root: Path, base: str) -> Revisions:
        merge_base = git_cmd.git(root, "merge-base", base, "HEAD").strip()
        text = git_cmd.worktree_diff(root, merge_base, "--", *PATHSPECS)
        return cls(root, "base", merge_base, tuple(parse_patch(text)), tuple(git_cmd.untracked(root, *PATHSPECS)))

    @classmethod
    def for_staged(cls, root: Path) -> Revisions:
        try:
            head = git_cmd.git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip() or None
        except InputError:
            head = None  # no commit yet: everything staged is new
        text = git_cmd.git(root, *DIFF_ARGS, "--cached", "--", *PATHSPECS)
        return cls(root, "staged", head, tuple(parse_patch(text)))

    @classmethod
    def for_patch(cls, root: Path, text: str, *, allow_empty: bool = False) -> Revisions:
        """Parsed here, so that a malformed (or empty) patch is the user's one-line error now."""
        if not text.strip() and not allow_empty:
            # In CI an upstream step that failed often leaves an empty file: not a clean change.
            raise InputError("empty patch: the input holds no diff (pass --allow-empty if an empty change is "
                             "expected)")
        return cls(root, "patch", None, tuple(parse_patch(text)))

    # --- what the stages read -------------------------------------------------------------------

    def files(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[ChangedFile], list[Notice]]:
        """Every changed Python file or manifest whose post-image exists, and notices of the rest."""
        key = ("files", max_bytes)
        if key not in self._memo:
            self._memo[key] = self._read_files(max_bytes)
        files, notices = self._memo[key]
        return list(files), list(notices)

    def sources(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[SourceFile], list[Notice]]:
        """The files to analyse: post-images with the lines the change added."""
        changed, notices = self.files(max_bytes=max_bytes)
        out = []
        for cf in changed:
            if not cf.added:
                notices.append(Notice(NoticeLevel.NOTE, self._source, "no added lines (a rename, a mode change or "
                                      "only deletions)", cf.path))
                continue
            disk_path = self.root / cf.path if cf.on_disk and not declares_other_encoding(cf.after) else None
            out.append(SourceFile(cf.path, cf.after, python_line_numbers(cf.after, cf.added), disk_path=disk_path,
                                  fragment=cf.fragment))
        return sorted(out, key=lambda f: f.path), notices

    def removals(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Removal]:
        """What the change deleted from Python files that it kept (a deleted file is not analysed)."""
        out = []
        for cf in self.files(max_bytes=max_bytes)[0]:
            if not cf.anchors or not cf.path.endswith((".py", ".pyi")):
                continue
            if cf.fragment and cf.change is not None:
                removal = removal_of(cf.change, None, None)
                if removal is not None:
                    out.append(removal)
                continue
            before = self.before(cf.old_path, max_bytes=max_bytes) if cf.old_path else None
            if before is None:
                continue
            out.append(Removal(cf.path, before, cf.after, frozenset(cf.anchors), cf.anchors))
        return sorted(out, key=lambda r: r.path)

    def before_texts(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, str | None]:
        """Each changed Python file as it was before the change (None: the change added it), keyed
        by its path after the change (a renamed file's text comes from its old path)."""
        return {cf.path: self.before(cf.old_path, max_bytes=max_bytes) if cf.old_path else None
                for cf in self.files(max_bytes=max_bytes)[0] if cf.path.endswith(".py")}

    def before(self, rel: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
        """The file before the change, or None when it did not exist (or cannot be read)."""
        if self.mode == "patch":
            if any(not c.patched.is_added_file and _source_name(c.patched) == rel for c in self.changes):
                self.files(max_bytes=max_bytes)  # an already applied patch: before is not the disk
            known = self._memo.get(("before", rel, max_bytes))
            return known if known is not None else self._disk(rel, max_bytes)
        if self.before_rev is None:
            return None
        return self._blob(f"{self.before_rev}:{rel}", max_bytes)

    def after(self, rel: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
        """The file after the change, or None when the change deleted it (or it cannot be read)."""
        if self.mode == "staged":
            return self._blob(f":{rel}", max_bytes)
        if self.mode == "base":
            return self._disk(rel, max_bytes)
        for change in self.changes:
            if change.path == rel or (change.patched.is_removed_file and _source_name(change.patched) == rel):
                if change.patched.is_removed_file:
                    return None
                for cf in self.files(max_bytes=max_bytes)[0]:
                    if cf.path == rel:
                        return None if cf.fragment else cf.after
                return None
        return self._disk(rel, max_bytes)

    # --- reading ------------------------------------------------------------------------------

    @property
    def _source(self) -> str:
        return "patch" if self.mode == "patch" else "git"

    def _read_files(self, max_bytes: int) -> tuple[list[ChangedFile], list[Notice]]:
        files: dict[str, ChangedFile] = {}
        twice: set[str] = set()
        notices: list[Notice] = []
        for change in self.changes:
            why = path_problem(change.path, self.root)
            if why is None and self.mode == "patch" and not change.patched.is_added_file:
                source_why = path_problem(_source_name(change.patched), self.root)
                why = f"pre-image {source_why}" if source_why else None
            if why:
                notices.append(Notice(NoticeLevel.ERROR, self._source, why, printable(change.path)))
                continue
            rel = PurePosixPath(change.path).as_posix()
            skip = _skip_reason(change)
            if skip:
                notices.append(Notice(NoticeLevel.NOTE, self._source, skip, rel))
                continue
            if rel in files or rel in twice:  # which copy would git apply?
                if rel not in twice:
                    notices.append(Notice(NoticeLevel.ERROR, self._source, "file appears twice in the patch; "
                                          "not analysed", rel))
                files.pop(rel, None)
                twice.add(rel)
                continue
            try:
                changed, notes = self._patched(change, rel, max_bytes) if self.mode == "patch" else \
                    (self._from_git(change, rel, max_bytes), [])
            except UnreadableSource as exc:
                notices.append(Notice(NoticeLevel.ERROR, self._source if self.mode == "patch" else "input",
                                      str(exc), rel))
                continue
            notices += notes
            files[rel] = changed
        for rel in self.untracked:
            if rel in files or path_problem(rel, self.root):
                continue
            try:
                text = read_source(self.root / rel, max_bytes=max_bytes)
            except UnreadableSource as exc:
                notices.append(Notice(NoticeLevel.ERROR, "input", f"untracked file {exc}", rel))
                continue
            notices.append(Notice(NoticeLevel.NOTE, "git", "untracked (not added to git): analysed as a new file", rel))
            every = frozenset(range(1, len(git_lines(text)) + 1))
            files[rel] = ChangedFile(rel, None, text, every, {}, untracked=True, on_disk=True)
        return [files[k] for k in sorted(files)], notices

    def _from_git(self, change: FileChange, rel: str, max_bytes: int) -> ChangedFile:
        if self.mode == "staged":
            data = git_cmd.blob(self.root, f":{rel}")
            if data is None:
                raise UnreadableSource("not in the index")
            text = decode_source(data, max_bytes=max_bytes)
        else:
            text = read_source(self.root / rel, max_bytes=max_bytes)
        old = None if change.patched.is_added_file else _source_name(change.patched)
        return ChangedFile(rel, old, text, change.added_lines, _anchors(change.patched), change,
                           on_disk=self.mode == "base")

    def _patched(self, change: FileChange, rel: str, max_bytes: int) -> tuple[ChangedFile, list[Notice]]:
        """Apply one file's hunks to the file on disk, each where its context is (see module doc)."""
        hunks = placement.hunks_of(change.patched)
        old = None if change.patched.is_added_file else _source_name(change.patched)  # checked by the caller
        original = "" if old is None else self._disk_as_patch(old, max_bytes)
        if original is None and len(hunks) == 1 and hunks[0].stated <= 1 and not hunks[0].pre:
            original, old = "", None  # a new file without git's "new file" header
            notes = [Notice(NoticeLevel.NOTE, "patch", "not on disk and the patch only adds it: analysed as a new "
                            "file", rel)]
        else:
            notes = []
        placed, unplaced = placement.place(original, hunks) if original is not None else (None, [])
        if placed is not None:
            notes += [_move_notice(move, rel) for move in placed.moves]
            before, after, on_disk = original, placed.text, False
        elif original and (applied := placement.place_reversed(original, hunks)) is not None:
            notes.append(Notice(NoticeLevel.NOTE, "patch", "the patch is already applied to the file on disk: "
                                "analysed the file as it is", rel))
            placed, before, after, on_disk = applied, applied.text, original, True
        else:
            where = "not on disk" if original is None else \
                f"hunk {', '.join(map(str, unplaced))} not found in the file on disk (its context matches nowhere, " \
                f"even at other lines or ignoring {placement.MAX_FUZZ} context lines)"
            notes.append(Notice(NoticeLevel.ERROR, "patch", f"{where}: analysed the hunks alone as fragments; "
                                "the analysis is incomplete", rel))
            text = _decoded(fragment_text(change.patched), max_bytes)
            return ChangedFile(rel, old, text, change.added_lines, _anchors(change.patched), change,
                               fragment=True), notes
        if old is not None:
            self._memo[("before", old, max_bytes)] = _decoded(before, max_bytes)
        return ChangedFile(rel, old, _decoded(after, max_bytes), placed.added, placed.anchors, change,
                           on_disk=on_disk), notes

    def _disk_as_patch(self, rel: str, max_bytes: int) -> str | None:
        """The file decoded as the patch text was (UTF-8, undecodable bytes kept as surrogates), so
        that lines match byte for byte whatever its encoding; None when it is not there."""
        path = self.root / PurePosixPath(rel)
        if not path.exists() and not path.is_symlink():
            return None
        return read_bytes(path, max_bytes=max_bytes).decode("utf-8", "surrogateescape")

    def _disk(self, rel: str, max_bytes: int) -> str | None:
        if safe_relative(rel, self.root) is None:
            return None
        try:
            return read_source(self.root / rel, max_bytes=max_bytes)
        except UnreadableSource:
            return None

    def _blob(self, spec: str, max_bytes: int) -> str | None:
        data = git_cmd.blob(self.root, spec)
        if data is None:
            return None
        try:
            return decode_source(data, max_bytes=max_bytes)
        except UnreadableSource:
            return None
