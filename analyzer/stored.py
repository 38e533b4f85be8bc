"""What start-up reads of the cache directory, without importing the rest of diffsentry.

Every run and `diffsentry rules` first need the rule catalogue. Building it imports every engine
(~0.5 s), so it is stored as JSON in the cache directory (`analyzer.catalogue`); checking that copy
by content hashes diffsentry's 1.1 MB of code and rule files (`cache.rules_digest`, 10-20 ms), and
reading it back builds ~140 rule objects. So the stored document also holds the *signature* of
those files (each one's path, size, modification time and inode) and the rendered rule listings:
when the signature is unchanged the document is current without hashing anything, and `rules`
prints its listing from here alone (`python -X importtime -m analyzer rules`). Python's own import
system trusts a compiled module on its source's size and modification time alone, so this is no
weaker than the code that runs. A changed signature (a checkout, an upgrade, an edit) falls back to
the content key, and the document is rewritten with the new signature.

Imports only the standard library that click has loaded already.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from analyzer import __version__

SCHEMA = 2  # of the stored catalogue document (`catalogue-v2.json`)
DATA_SUFFIXES = (".bin",)  # data that checks read when they run (the PyPI index); declares no rule
LISTINGS = ("text", "markdown")  # `diffsentry rules --format`


def default_directory() -> Path:
    """The cache directory: `$DIFFSENTRY_CACHE_DIR`, else `$XDG_CACHE_HOME/diffsentry`, else
    `~/.cache/diffsentry`."""
    explicit = os.environ.get("DIFFSENTRY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "diffsentry"


def catalogue_path(directory: Path) -> Path:
    return directory / f"catalogue-v{SCHEMA}.json"


def listing_path(directory: Path, fmt: str) -> Path:
    """`diffsentry rules --format FMT` as stored beside the catalogue (a file of its own: the
    catalogue is 0.2 MB of JSON that `rules` need not parse)."""
    return directory / f"catalogue-v{SCHEMA}.{fmt}.json"


def rulesets_dir() -> Path:
    """`rulesets/` in a checkout, or its copy inside an installed wheel."""
    packaged = Path(__file__).parent / "_rulesets"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "rulesets"


def code_files(*, data: bool, rules: Path | None = None) -> list[tuple[str, str]]:
    """diffsentry's code and rule files as (path relative to its base, full path): the package, then
    the rule files (`rules`, default `rulesets_dir()`), each in path order (by components); without
    `data`, the files that declare no rule are left out."""
    out = []
    for base in (str(Path(__file__).parent), str(rules or rulesets_dir())):
        found = []
        for directory, subdirectories, names in os.walk(base):
            subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
            found += [os.path.relpath(os.path.join(directory, name), base) for name in names
                      if data or not name.endswith(DATA_SUFFIXES)]
        out += [(relative, os.path.join(base, relative))
                for relative in sorted(found, key=lambda rel: rel.split(os.sep))]
    return out


def signature() -> list[list[Any]]:
    """What the stored catalogue was built from, by metadata: each code and rule file's full path,
    size, modification time (ns) and inode (a checkout or an editor's save writes a new one), for
    the files `code_files(data=False)` lists. A file that cannot be stat'ed is -1 (then the
    content key decides, which reads it). One `scandir` pass: `os.walk` and `relpath` for 275
    files took ~15 ms of `diffsentry rules` under load, this ~5 ms."""
    out: list[list[Any]] = []

    def walk(directory: str) -> None:
        try:
            with os.scandir(directory) as entries:
                found = list(entries)
        except OSError:  # as os.walk: a directory that cannot be listed is left out
            return
        for entry in found:
            if entry.is_dir() and not entry.is_symlink():  # os.walk does not follow directory links
                if entry.name != "__pycache__":
                    walk(entry.path)
            elif not entry.is_dir() and not entry.name.endswith(DATA_SUFFIXES):
                try:
                    info = entry.stat()
                    out.append([entry.path, info.st_size, info.st_mtime_ns, info.st_ino])
                except OSError:
                    out.append([entry.path, -1, -1, -1])

    for base in (str(Path(__file__).parent), str(rulesets_dir())):
        walk(base)
    return sorted(out)


def read_document(path: Path) -> dict[str, Any] | None:
    """A stored catalogue or listing document, or None when there is none (or it cannot be read).
    ValueError or RecursionError when it is not a JSON object."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    doc = json.loads(data)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    return doc


def replace_document(path: Path, doc: Any) -> None:
    """Write `doc` as `path` atomically (concurrent runs read a whole old or a whole new file).
    A read-only or full location is not an error: the next run builds the document again."""
    import contextlib
    import tempfile  # only when a document was built: ~5 ms of start-up otherwise

    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(doc, out, ensure_ascii=False)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink()


def is_current(doc: dict[str, Any], files: list[list[Any]]) -> bool:
    """Was `doc` written by this version from the files whose signature is `files`?"""
    return doc.get("version") == __version__ and doc.get("signature") == files


def stored_listing(fmt: str) -> str | None:
    """`diffsentry rules --format FMT` as stored with the catalogue when that is current, else None
    (then the catalogue is loaded, checked by content or rebuilt, and the listing rendered)."""
    try:
        doc = read_document(listing_path(default_directory(), fmt))
    except (ValueError, RecursionError):
        return None
    if doc is None or not is_current(doc, signature()):
        return None
    listing = doc.get("listing")
    return listing if isinstance(listing, str) else None
