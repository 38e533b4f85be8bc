"""Input files: what to analyse, read safely, with the lines a change touched.

Reading never executes or imports anything. A file that cannot be read as Python source becomes a
`Notice` (one line, with the path) instead of an exception, and the rest of the input goes on.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import io
import os
import re
import stat
import tokenize
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from analyzer import defaults
from analyzer.findings import Notice, NoticeLevel

DEFAULT_MAX_BYTES = defaults.MAX_FILE_BYTES  # defined where the CLI's help reads it
# Directories that hold tools and dependencies rather than the project's own code.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "node_modules", ".mypy_cache",
     ".pytest_cache", ".ruff_cache", "build", "dist", "site-packages"}
)


@dataclass(frozen=True)
class SourceFile:
    """One Python file to analyse.

    `path` is the repo-relative name used in reports. `disk_path` is where the engines can read
    the same text (None until the pipeline writes in-memory text, e.g. a patched file, to disk).
    `changed_lines` is None when the whole file is in scope (scan mode).
    `fragment` marks text rebuilt from diff hunks alone, without the rest of the file.
    """

    path: str
    text: str
    changed_lines: frozenset[int] | None = None
    disk_path: Path | None = None
    fragment: bool = False

    @property
    def is_manifest(self) -> bool:
        """A dependency manifest (requirements*.txt, pyproject.toml) rather than Python source:
        only diffsentry's own text checks read it."""
        return is_manifest_name(self.path)


def is_manifest_name(path: str) -> bool:
    """requirements*.txt (or any .txt/.in under a `requirements/` directory) and pyproject.toml."""
    if not _may_be_manifest(path.rstrip("/.")):  # what every manifest's path ends with, said fast
        return False
    pure = PurePosixPath(path)
    name = pure.name.lower()
    if name == "pyproject.toml":
        return True
    if not name.endswith((".txt", ".in")):
        return False
    return name.startswith("requirements") or name.endswith(("-requirements.txt", "_requirements.txt")) or (
        len(pure.parts) > 1 and pure.parts[-2].lower() in ("requirements", "reqs")
    )


def _may_be_manifest(name: str) -> bool:
    return name.lower().endswith((".txt", ".in", "pyproject.toml"))


@dataclass(frozen=True)
class Project:
    """The tree one run analyses: its root and the text of every file in the run (which may differ
    from the disk: patched or staged). Rules that need the rest of the project (its manifests,
    its module names) read it through this; `cache` holds what they derive, once per run."""

    root: Path
    texts: Mapping[str, str]
    cache: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def digest(self) -> str:
        """What project-level facts depend on within the run: file names and manifest texts."""
        digest = hashlib.sha256(str(self.root).encode("utf-8", "surrogatepass"))
        for rel in sorted(self.texts):
            digest.update(b"\0" + rel.encode("utf-8", "surrogatepass"))
            if is_manifest_name(rel):
                digest.update(b"\0" + self.texts[rel].encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


class UnreadableSource(Exception):
    """A file that is not analysable Python source; the message is one line."""


def decode_source(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Decode Python source bytes the way the interpreter would (BOM, PEP 263 coding cookie)."""
    if len(data) > max_bytes:
        raise UnreadableSource(f"larger than the size limit ({len(data):,} > {max_bytes:,} bytes); not analysed")
    if b"\x00" in data:
        raise UnreadableSource("contains NUL bytes (binary, not Python source); not analysed")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except SyntaxError as exc:  # unknown or inconsistent coding cookie
        raise UnreadableSource(f"bad source encoding declaration: {exc.msg}") from None
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableSource(f"not valid text in its declared encoding: {exc}") from None


# Non-blocking so that opening a FIFO named `x.py` cannot hang the run (it is refused below).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


# PEP 263, as `tokenize.detect_encoding` reads it: a cookie on line 1, or on line 2 after a blank
# or comment line.
_COOKIE_RE = re.compile(r"^([ \t\f]*#.*?coding[:=][ \t]*)([-\w.]+)", re.ASCII)
_BLANK_RE = re.compile(r"^[ \t\f]*(?:#.*)?$", re.ASCII)


def _cookie(text: str) -> tuple[int, re.Match[str]] | None:
    lines = text.split("\n", 2)[:2]  # lines as `detect_encoding` reads them
    for index, line in enumerate(lines):
        match = _COOKIE_RE.match(line)
        if match:
            return index, match
        if not _BLANK_RE.match(line):
            return None
    return None


def declares_other_encoding(text: str) -> bool:
    """Whether the source declares an encoding other than UTF-8 (`# -*- coding: latin-1 -*-`).

    Semgrep reads every file as UTF-8: for such a file it would analyse other text than Python
    runs (with UTF-7 or Shift-JIS, other code), so engines get `engine_bytes` instead."""
    found = _cookie(text)
    if found is None:
        return False
    try:
        return codecs.lookup(found[1].group(2)).name != "utf-8"
    except LookupError:
        return True


def engine_bytes(text: str) -> bytes:
    """What the engines read for `text`: UTF-8, any coding cookie rewritten to say so (same lines)."""
    found = _cookie(text)
    if found is not None and declares_other_encoding(text):
        index, match = found
        lines = text.split("\n", 2)
        lines[index] = match.group(1) + "utf-8" + lines[index][match.end(2):]
        text = "\n".join(lines)
    return text.encode("utf-8", "surrogatepass")


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read and decode one file: regular files only, never more than `max_bytes` (+1) bytes."""
    return decode_source(read_bytes(path, max_bytes=max_bytes), max_bytes=max_bytes)


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The raw bytes of one regular file of at most `max_bytes`; UnreadableSource otherwise."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise UnreadableSource("file disappeared before it could be read") from None
    except IsADirectoryError:
        raise UnreadableSource("is a directory") from None
    except PermissionError:
        raise UnreadableSource("permission denied") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise UnreadableSource(getattr(exc, "strerror", None) or str(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableSource("is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableSource("not a regular file (a FIFO, socket or device); not read")
        if info.st_size > max_bytes:  # checked before reading: a huge file is refused, not loaded
            raise UnreadableSource(f"larger than the size limit ({info.st_size:,} > {max_bytes:,} bytes); not analysed")
        # `os.read` until the end, never past max_bytes + 1 (a file growing while read is still
        # bounded): a buffered stream per file was ~12% of reading Django's 879 files.
        chunks, remaining = [], max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise UnreadableSource(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise UnreadableSource(f"larger than the size limit (> {max_bytes:,} bytes); not analysed")
    return data


def relative_to_root(path: Path, root: Path, *, resolved_root: Path | None = None) -> str | None:
    """`path` relative to `root` with forward slashes, or None when it resolves outside root or
    cannot be resolved at all (a symlink loop, a NUL byte in the name). `resolved_root`: the
    root already resolved, for callers that ask of many paths."""
    try:
        return path.resolve().relative_to(resolved_root or root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: Python 3.11's symlink-loop error
        return None


class _Relative:
    """`relative_to_root(path, root)` for the many paths of one walk, the same answers with fewer
    system calls: the root and each directory are resolved once, and a file that is not a symlink
    resolves to its resolved directory plus its name, as `realpath` would find it component by
    component (Django's 879 files: 6,000 `lstat` calls fewer, ~0.1 s of a warm re-run). Symlinks
    and anything odd take `relative_to_root` itself."""

    def __init__(self, root: Path) -> None:
        self._root = root
        try:
            self._resolved_root: str | None = str(root.resolve())
        except (OSError, RuntimeError):  # then nothing resolves under it, as with relative_to_root
            self._resolved_root = None
        self._directories: dict[str, str | None] = {}

    def __call__(self, path: Path, *, link: bool | None = None) -> str | None:
        """`link`: whether `path` is a symbolic link, when the caller knows (a directory's listing
        says: no `lstat` again); None: asked here."""
        if self._resolved_root is None:
            return None
        if link is None:
            try:
                link = stat.S_ISLNK(os.lstat(path).st_mode)
            except (OSError, ValueError):  # gone, a NUL byte: as relative_to_root says
                return self._careful(path)
        if link:
            return self._careful(path)
        directory, name = os.path.split(path)
        if directory not in self._directories:
            try:
                self._directories[directory] = str(Path(directory or os.curdir).resolve())
            except (OSError, RuntimeError):
                self._directories[directory] = None
        resolved_directory = self._directories[directory]
        if resolved_directory is None or name in ("", os.curdir, os.pardir):
            return self._careful(path)
        resolved = os.path.join(resolved_directory, name)
        if resolved == self._resolved_root:
            return "."
        prefix = self._resolved_root.rstrip(os.sep) + os.sep
        if not resolved.startswith(prefix):
            return None
        return resolved[len(prefix):].replace(os.sep, "/")

    def _careful(self, path: Path) -> str | None:
        return relative_to_root(path, self._root, resolved_root=Path(self._resolved_root or "."))


def _unresolvable(path: Path, root: Path) -> str:
    """Why `relative_to_root` gave up on `path`, in the words of a one-line notice."""
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a symlink loop this way; later versions as ELOOP
        return "is a symlink loop; not read"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symlink loop; not read"
        return f"cannot be resolved ({exc.strerror or exc}); not read"
    return f"resolves outside the project root {root} (a symlink out of the tree); not read"


def _as_named(path: Path, root: Path) -> str:
    """`path` as the tree names it (relative to root, symlinks not followed), for reporting where a
    path that resolves elsewhere was found."""
    named = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    outside = named == os.pardir or named.startswith(os.pardir + os.sep)
    return str(path) if outside else Path(named).as_posix()


# Bidi controls in a file name make the name a report shows differ from the file (Trojan Source).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_name(path: str) -> str | None:
    """Why a file name cannot be reported faithfully, or None. Names that are not valid UTF-8
    (surrogate-escaped bytes), hold control characters (a newline would forge extra lines in CI
    logs and annotations) or bidi controls are refused rather than analysed under a name that lies."""
    if path.isascii() and path.isprintable():  # no control character; surrogates and bidi are not ASCII
        return None
    for char in path:
        if "\ud800" <= char <= "\udfff":
            return "file name is not valid UTF-8; not analysed"
        if char in _BIDI_CONTROLS:
            return "file name holds a bidirectional control character; not analysed"
        if unicodedata.category(char) == "Cc":
            return "file name holds a control character; not analysed"
    return None


def printable(path: str) -> str:
    """A file name safe to print on one line: control, bidi and undecodable characters escaped."""
    out = []
    for char in path:
        if "\ud800" <= char <= "\udfff":  # an undecodable byte, shown as \xNN
            out.append(char.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace"))
        elif unsafe_name(char):
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


def iter_python_files(
    targets: Iterable[Path], *, onerror: Callable[[OSError], None] | None = None
) -> Iterator[Path]:
    """Python files (and dependency manifests) named or found below the targets, in a stable order
    (sorted, whatever the file system's order). `onerror` hears of directories that cannot be listed."""
    for target in targets:
        yield from (path for path, _ in _candidates(target, onerror))


def _candidates(target: Path, onerror: Callable[[OSError], None] | None) -> Iterator[tuple[Path, bool | None]]:
    """`iter_python_files([target])` with whether each file is a symbolic link (None: not known)."""
    if target.is_dir():
        yield from _below(os.fspath(target), onerror)
    else:
        yield target, None


def _below(top: str, onerror: Callable[[OSError], None] | None) -> Iterator[tuple[Path, bool | None]]:
    """What `os.walk(top)` finds, in its order (top-down, directories sorted, links to directories
    not followed), from one `scandir` per directory: its entries know whether they are directories
    or links, where `os.walk` asks `lstat` of every directory again (Django: 2,455 directories, most
    of them translations). A stack, not nested generators: each file is yielded once, not once
    per level."""
    pending = [top]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        subdirectories, filenames = [], []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:  # as os.walk: an entry whose type cannot be told is not a directory
                is_dir = False
            (subdirectories if is_dir else filenames).append(entry)
        # Most directories of a large tree hold no Python file: a Path is made only for the files taken.
        chosen = [entry for entry in sorted(filenames, key=lambda e: e.name) if entry.name.endswith((".py", ".pyi"))
                  or _may_be_manifest(entry.name) and is_manifest_name(f"{os.path.basename(directory)}/{entry.name}")]
        if chosen:
            base = Path(directory)
            yield from ((base / entry.name, _is_link(entry)) for entry in chosen)
        walked = []
        for entry in sorted(subdirectories, key=lambda e: e.name):
            if entry.name in SKIPPED_DIRS or entry.name.endswith(".egg-info"):
                continue
            try:
                if entry.is_symlink():  # os.walk(followlinks=False) lists a link to a directory, never enters it
                    continue
            except OSError:
                continue
            walked.append(entry.path)
        pending += reversed(walked)  # the first subdirectory is walked next


def _is_link(entry: os.DirEntry[str]) -> bool | None:
    try:
        return entry.is_symlink()
    except OSError:
        return None


def collect_files(
    targets: Iterable[Path], root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[SourceFile], list[Notice]]:
    """Read every Python file under the targets (scan mode: whole files in scope)."""
    files: dict[str, SourceFile] = {}
    notices: list[Notice] = []

    def unlisted(exc: OSError) -> None:  # a directory that cannot be listed hides files: an error
        where = relative_to_root(Path(exc.filename or "."), root) or str(exc.filename)
        message = f"directory not listed: {exc.strerror or exc}"
        notices.append(Notice(NoticeLevel.ERROR, "input", message, printable(where)))

    relative = _Relative(root)
    for target in targets:
        if not target.exists() and not target.is_symlink():
            notices.append(Notice(NoticeLevel.ERROR, "input", "no such file or directory", printable(str(target))))
            continue
        for path, link in _candidates(target, onerror=unlisted):
            rel = relative(path, link=link)
            if rel is None:
                notices.append(Notice(NoticeLevel.ERROR, "input", _unresolvable(path, root),
                                      printable(_as_named(path, root))))
                continue
            if rel in files:
                continue
            why = unsafe_name(rel)
            if why:
                notices.append(Notice(NoticeLevel.ERROR, "input", why, printable(rel)))
                continue
            try:
                text = read_source(path, max_bytes=max_bytes)
            except UnreadableSource as exc:
                notices.append(Notice(NoticeLevel.ERROR, "input", str(exc), rel))
                continue
            # A non-UTF-8 file is handed to the engines as a UTF-8 copy (see `engine_bytes`).
            disk_path = None if declares_other_encoding(text) else root / rel
            files[rel] = SourceFile(path=rel, text=text, disk_path=disk_path)
    return [files[k] for k in sorted(files)], notices
