"""One result-cache entry for a whole run: an unchanged re-run does no analysis at all.

A warm re-run of Django's `django/` (879 files) that looked each file up per engine and stage,
computed its fingerprints and line hashes and rendered SARIF took 1.2 s; with this entry the run
reads the files, hashes them, reads one entry and writes the stored report.

The key (`run_key`) covers everything that decides the report, and a stale answer would be a
security bug, so it errs on the side of a miss:

* diffsentry: its version and a digest of its whole code, rule files and data (`cache.code_digest`);
* the interpreter (`sys.version`, platform, executable), and every distribution installed where it
  imports from: the name and version of each `*.dist-info`/`*.egg-info`/`*.pth` entry of every
  `sys.path` directory with its time and inode, so that installing, upgrading or removing any
  package (Bandit, libcst, Semgrep, sarif-om, ...) misses, without `importlib.metadata` (~0.1 s);
* the Semgrep executable the run would start (path, size, time, inode) and the environment
  variables that choose or configure it or diffsentry (`DIFFSENTRY_*`, `SEMGREP_*`, `PATH`, locale);
* the input: the mode, the root (as given and resolved), every file's every field with its text
  by digest, the input notices (unreadable, too large, ...), what a diff deleted, the findings made
  while reading the input, the changed files' text before the change;
* the selected rules (every field of every spec) and every option of the run (exclusions,
  severity overrides, suppression policy with the whole baseline, timeouts, allowed hosts, the AI
  policy, the size limit), except the progress callback and the cache location.

A report is stored only when its ERROR notices are all input notices (part of the key, so they
come back exactly as computed and the run still exits 2): an engine fault, a timeout or a parse
that gave up is never remembered, as in the per-file cache. Renderings of a stored report are
stored too, under its key and the rendering's options (`rendering_key`). Any unreadable entry is a
miss, counted in the cache's one note.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer import __version__, cache
from analyzer.engines.cst.capabilities.change import NewCapability
from analyzer.findings import Finding, Notice, NoticeLevel, Suppression

if TYPE_CHECKING:
    from analyzer.catalogue import Catalogue
    from analyzer.diff import Removal
    from analyzer.sources import SourceFile

SCHEMA = 1
# Keys of their own kind beside the per-file entries' (hex digests): `cache info` and tests tell them apart.
RUN_PREFIX, RENDERING_PREFIX = "run-", "rendering-"
_METADATA = (".dist-info", ".egg-info", ".egg-link", ".pth")
_ENV_PREFIXES = ("DIFFSENTRY_", "SEMGREP_")
_ENV_NAMES = frozenset({"PATH", "NO_COLOR", "LANG", "LC_ALL", "LC_CTYPE"})


def run_key(
    store: cache.ResultCache,
    *,
    files: Sequence[SourceFile],
    input_notices: Sequence[Notice],
    root: Path,
    catalogue: Catalogue,
    options: object,
    mode: str,
    removals: Sequence[Removal],
    extra: Sequence[Finding],
    before: Mapping[str, str | None] | None,
    semgrep_executable: str | None,
) -> str:
    """The entry of a run with these inputs (see the module docstring for what it covers)."""
    digest = hashlib.sha256()

    def part(name: str, value: str) -> None:
        data = value.encode("utf-8", "surrogatepass")
        digest.update(f"{name}\0{len(data)}\0".encode() + data)

    def text(value: str | None) -> str:
        return "none" if value is None else store.text_digest(value).hex()

    part("schema", f"{SCHEMA} {__version__} {cache.code_digest()}")
    part("python", f"{sys.version}\0{sys.platform}\0{sys.executable}")
    for entry in _installed():
        part("installed", entry)
    part("semgrep", _file_signature(semgrep_executable))
    part("environment", repr(sorted((name, value) for name, value in os.environ.items()
                                    if name.startswith(_ENV_PREFIXES) or name in _ENV_NAMES)))
    part("input", repr((mode, root, _resolved(root))))
    for spec in catalogue.rules:
        part("rule", repr(spec))
    for option in dataclasses.fields(options):  # type: ignore[arg-type]
        if option.name not in ("progress", "cache_dir"):  # how the run is shown and where the cache is
            part(f"option {option.name}", repr(getattr(options, option.name)))
    for source in files:
        part("file", repr([text(source.text) if field.name == "text" else getattr(source, field.name)
                           for field in dataclasses.fields(source)]))
    for notice in input_notices:
        part("input notice", repr(notice))
    for removal in removals:
        part("removal", repr(removal))
    for finding in extra:
        part("extra", repr(finding))
    part("before", "none" if before is None else repr(sorted((p, text(t)) for p, t in before.items())))
    return RUN_PREFIX + digest.hexdigest()


def rendering_key(run: str, *parts: object) -> str:
    """The entry of one rendering (format and its options) of the report stored under `run`."""
    return RENDERING_PREFIX + hashlib.sha256(f"{run}\0{parts!r}".encode("utf-8", "surrogatepass")).hexdigest()


def storable(notices: Sequence[Notice], input_notices: Sequence[Notice]) -> bool:
    """Only a report whose ERROR notices all come from reading the input (which the key covers)."""
    known = set(input_notices)
    return all(n in known for n in notices if n.level is NoticeLevel.ERROR)


def encode(findings: Sequence[Finding], notices: Sequence[Notice], files: Sequence[str],
           capabilities: Sequence[NewCapability]) -> dict[str, Any]:
    return {
        "findings": [_finding_dict(f) for f in findings],
        "notices": [cache.notice_dict(n) for n in notices],
        "files": list(files),
        "capabilities": [dataclasses.asdict(c) for c in capabilities],
    }


def decode(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The Report fields stored in `entry`; KeyError, TypeError or ValueError when it is damaged."""
    files = entry["files"]
    if not all(isinstance(path, str) for path in files):
        raise TypeError("a file name is not a string")
    return {
        "findings": tuple(_finding(d) for d in entry["findings"]),
        "notices": tuple(cache.notice_from_dict(d) for d in entry["notices"]),
        "files": tuple(files),
        "capabilities": tuple(_capability(d) for d in entry["capabilities"]),
    }


def _finding_dict(f: Finding) -> dict[str, Any]:
    suppression = None if f.suppression is None else [f.suppression.kind, f.suppression.justification]
    return {**cache.finding_dict(f), "fingerprint": f.fingerprint, "suppression": suppression,
            "baseline_state": f.baseline_state}


def _finding(d: Mapping[str, Any]) -> Finding:
    suppression = d["suppression"]
    return dataclasses.replace(
        cache.finding_from_dict(d), fingerprint=str(d["fingerprint"]),
        suppression=None if suppression is None else Suppression(str(suppression[0]), str(suppression[1])),
        baseline_state=None if d["baseline_state"] is None else str(d["baseline_state"]))


def _capability(d: Mapping[str, Any]) -> NewCapability:
    fields = {f.name: d[f.name] for f in dataclasses.fields(NewCapability)}
    return NewCapability(**{name: int(value) if name == "line" else str(value) for name, value in fields.items()})


def _installed() -> Iterator[str]:
    """Each distribution's metadata entry in each `sys.path` directory, with its time and inode."""
    for directory in sys.path:
        try:
            with os.scandir(directory or os.curdir) as entries:
                found = sorted((e.name, e.stat()) for e in entries if e.name.endswith(_METADATA))
        except OSError:  # a zip file, or a directory that is not there: its own signature
            yield f"{directory}\0{_file_signature(directory)}"
            continue
        for name, info in found:
            yield f"{directory}\0{name}\0{info.st_mtime_ns}\0{info.st_ino}\0{info.st_size}"


def _file_signature(path: str | None) -> str:
    if path is None:
        return "none"
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"{path}\0{exc.errno}"
    return f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}"


def _resolved(root: Path) -> str:
    try:
        return str(root.resolve())
    except (OSError, RuntimeError):
        return "unresolvable"
