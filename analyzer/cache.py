"""Per-file engine results, cached by content so that unchanged files are never analysed twice.

A cached entry is keyed by the engine, everything that shapes its output (diffsentry's and the
engine's versions, the selected rules' declarations and sources) and the file's path and text.
Only complete results are stored: a file with an ERROR notice, or a run with an engine-level
ERROR, is never cached, so a failure is retried instead of being remembered as "clean".

The cache is one SQLite file under `$DIFFSENTRY_CACHE_DIR`, else `$XDG_CACHE_HOME/diffsentry`,
else `~/.cache/diffsentry`. It holds findings about the user's own code, so it lives in the
user's own cache directory with default permissions; deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from analyzer import __version__
from analyzer.findings import (
    Confidence, EngineResult, Finding, FlowStep, Notice, NoticeLevel, Region, Severity,
)
from analyzer.sources import SourceFile

SCHEMA = 1


def default_directory() -> Path:
    explicit = os.environ.get("DIFFSENTRY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "diffsentry"


def engine_key(engine: str, *parts: object) -> str:
    """A digest of everything besides the file that decides an engine's output."""
    digest = hashlib.sha256(f"{SCHEMA}\0{__version__}\0{engine}".encode())
    for part in parts:
        digest.update(b"\0" + repr(part).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def sources_digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class ResultCache:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(directory / f"results-v{SCHEMA}.sqlite", timeout=10, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def _file_key(engine: str, source: SourceFile) -> str:
        text = source.text.encode("utf-8", "surrogatepass")
        return hashlib.sha256(f"{engine}\0{source.path}\0".encode() + text).hexdigest()

    def split(self, engine: str, files: Sequence[SourceFile]) -> tuple[EngineResult, list[SourceFile]]:
        """(what is cached for `files`, the files that still need the engine)."""
        keys = {self._file_key(engine, f): f for f in files}
        found: dict[str, str] = {}
        key_list = list(keys)
        for start in range(0, len(key_list), 500):  # SQLite's bound-parameter limit
            chunk = key_list[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(f"SELECT key, value FROM results WHERE key IN ({marks})", chunk))
        findings: list[Finding] = []
        notices: list[Notice] = []
        for value in found.values():
            entry = json.loads(value)
            findings += (_finding(f) for f in entry["findings"])
            notices += (_notice(n) for n in entry["notices"])
        hit_paths = frozenset(keys[k].path for k in found)
        missing = [f for k, f in keys.items() if k not in found]
        return EngineResult(tuple(findings), tuple(notices), hit_paths), missing

    def store(self, engine: str, files: Sequence[SourceFile], result: EngineResult) -> None:
        if any(n.level is NoticeLevel.ERROR and n.path is None for n in result.notices):
            return  # the engine as a whole failed: remember nothing
        failed = {n.path for n in result.notices if n.level is NoticeLevel.ERROR}
        rows = []
        for source in files:
            if source.path in failed or source.path not in result.scanned:
                continue
            entry = {
                "findings": [_finding_dict(f) for f in result.findings if f.path == source.path],
                "notices": [_notice_dict(n) for n in result.notices if n.path == source.path],
            }
            rows.append((self._file_key(engine, source), json.dumps(entry, sort_keys=True)))
        self._db.executemany("INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", rows)


def _finding_dict(f: Finding) -> dict:
    return {
        "rule_id": f.rule_id, "path": f.path, "region": _region(f.region), "message": f.message,
        "severity": int(f.severity), "confidence": int(f.confidence), "engines": list(f.engines),
        "rule_ids": list(f.rule_ids),
        "flow": [{"path": s.path, "region": _region(s.region), "label": s.label} for s in f.flow],
    }


def _finding(d: dict) -> Finding:
    return Finding(
        rule_id=d["rule_id"], path=d["path"], region=Region(*d["region"]), message=d["message"],
        severity=Severity(d["severity"]), confidence=Confidence(d["confidence"]), engines=tuple(d["engines"]),
        rule_ids=tuple(d["rule_ids"]),
        flow=tuple(FlowStep(s["path"], Region(*s["region"]), s["label"]) for s in d["flow"]),
    )


def _region(r: Region) -> list[int]:
    return [r.start_line, r.start_column, r.end_line, r.end_column]


def _notice_dict(n: Notice) -> dict:
    return {"level": int(n.level), "source": n.source, "message": n.message, "path": n.path, "line": n.line}


def _notice(d: dict) -> Notice:
    return Notice(NoticeLevel(d["level"]), d["source"], d["message"], d["path"], d["line"])
