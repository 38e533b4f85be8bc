"""Input files: what to analyse, read safely, with the lines a change touched.

Reading never executes or imports anything. A file that cannot be read as Python source becomes a
`Notice` (one line, with the path) instead of an exception, and the rest of the input goes on.
"""

from __future__ import annotations

import hashlib
import io
import os
import tokenize
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from analyzer.findings import Notice, NoticeLevel

DEFAULT_MAX_BYTES = 2_000_000
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
    pure = PurePosixPath(path)
    name = pure.name.lower()
    if name == "pyproject.toml":
        return True
    if not name.endswith((".txt", ".in")):
        return False
    return name.startswith("requirements") or name.endswith(("-requirements.txt", "_requirements.txt")) or (
        len(pure.parts) > 1 and pure.parts[-2].lower() in ("requirements", "reqs")
    )


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


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:  # check before reading: a huge file is refused, not loaded
            raise UnreadableSource(f"larger than the size limit ({size:,} > {max_bytes:,} bytes); not analysed")
        return decode_source(path.read_bytes(), max_bytes=max_bytes)
    except FileNotFoundError:
        raise UnreadableSource("file disappeared before it could be read") from None
    except IsADirectoryError:
        raise UnreadableSource("is a directory") from None
    except PermissionError:
        raise UnreadableSource("permission denied") from None
    except OSError as exc:
        raise UnreadableSource(exc.strerror or str(exc)) from None


def relative_to_root(path: Path, root: Path) -> str | None:
    """`path` relative to `root` with forward slashes, or None when it resolves outside root."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def iter_python_files(targets: Iterable[Path]) -> Iterator[Path]:
    """Python files named or found below the targets, in a stable order."""
    for target in targets:
        if target.is_dir():
            for dirpath, dirnames, filenames in os.walk(target):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
                yield from (Path(dirpath) / name for name in sorted(filenames) if name.endswith((".py", ".pyi")))
        else:
            yield target


def collect_files(
    targets: Iterable[Path], root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[SourceFile], list[Notice]]:
    """Read every Python file under the targets (scan mode: whole files in scope)."""
    files: dict[str, SourceFile] = {}
    notices: list[Notice] = []
    for target in targets:
        if not target.exists() and not target.is_symlink():
            notices.append(Notice(NoticeLevel.ERROR, "input", "no such file or directory", str(target)))
            continue
        for path in iter_python_files([target]):
            rel = relative_to_root(path, root)
            if rel is None:
                notices.append(
                    Notice(NoticeLevel.ERROR, "input", f"resolves outside the project root {root}; not read", str(path))
                )
                continue
            if rel in files:
                continue
            try:
                text = read_source(path, max_bytes=max_bytes)
            except UnreadableSource as exc:
                notices.append(Notice(NoticeLevel.ERROR, "input", str(exc), rel))
                continue
            files[rel] = SourceFile(path=rel, text=text, disk_path=root / rel)
    return [files[k] for k in sorted(files)], notices
