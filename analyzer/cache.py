"""Per-file results, cached by content so that unchanged files are never analysed twice.

An entry is keyed by what produced it (an engine or stage, diffsentry's code and rule files, the
engine's version, the selected rules and the options that change findings) and by the file's path
and text. Only complete results are stored: a file with an ERROR notice, or a run with an
engine-level ERROR, is never cached, so a failure is retried instead of being remembered as
"clean".

The cache can never break a run: a corrupt or truncated database is deleted and started afresh, a
locked or unwritable one is bypassed, an unreadable entry is a miss; each is one line on the
`diffsentry.cache` logger (the CLI prints it on stderr) and the run's result is the same as
without a cache. It is bounded (`DIFFSENTRY_CACHE_MAX_MB`, default 256): past the bound the
least recently used entries are evicted.

Location: `$DIFFSENTRY_CACHE_DIR`, else `$XDG_CACHE_HOME/diffsentry`, else `~/.cache/diffsentry`.
It holds findings about the user's own code, so it lives in the user's own cache directory with
default permissions; deleting it (`diffsentry cache clear`) is always safe.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from analyzer import __version__
from analyzer.findings import (
    Confidence, EngineResult, Finding, FlowStep, Notice, NoticeLevel, Region, Severity,
)
from analyzer.sources import SourceFile
from analyzer.stored import code_files, default_directory

SCHEMA = 2
DEFAULT_MAX_MB = 256
# How long a run waits for another run's write lock before it goes on without the cache.
LOCK_TIMEOUT_S = 10.0
_CHUNK = 500  # SQLite's bound-parameter limit is 999 on old builds
log = logging.getLogger("diffsentry.cache")
T = TypeVar("T")


def database_path(directory: Path) -> Path:
    return directory / f"results-v{SCHEMA}.sqlite"


def max_bytes() -> int:
    try:
        return max(1, int(os.environ.get("DIFFSENTRY_CACHE_MAX_MB", DEFAULT_MAX_MB))) << 20
    except ValueError:
        return DEFAULT_MAX_MB << 20


@functools.cache
def code_digest() -> str:
    """diffsentry's own code and rule files: a change to any of them (a rule, the shared Semgrep
    source block, a parser fix) invalidates every entry, whatever the version number says.
    Hashing them (the 2.8 MB PyPI index included) costs ~10 ms; a stale cache would cost wrong
    results. Content, not modification times: Dask workers of a study compare it across machines."""
    return _tree_digest(data=True)


@functools.cache
def rules_digest() -> str:
    """What the rule catalogue is built from: diffsentry's code and rule files without the data
    its checks read (the PyPI index), for the stored catalogue's key (`catalogue.load_catalogue`):
    `diffsentry rules` hashes 1.1 MB instead of 4 MB before it can answer."""
    return _tree_digest(data=False)


def _tree_digest(*, data: bool) -> str:
    from analyzer.rulespec import rulesets_dir

    digest = hashlib.sha256()
    for relative, path in code_files(data=data, rules=rulesets_dir()):
        digest.update(f"{relative}\0".encode("utf-8", "surrogateescape"))
        digest.update(_file_digest(path))
    return digest.hexdigest()


def _file_digest(path: str) -> bytes:
    """A file's SHA-256, once per process and content (`code_digest` and `rules_digest` both
    read the rule files; a file edited meanwhile has another size or time and is read again)."""
    info = os.stat(path)
    key = (path, info.st_size, info.st_mtime_ns)
    if key not in _FILE_DIGESTS:
        with open(path, "rb") as handle:
            _FILE_DIGESTS[key] = hashlib.sha256(handle.read()).digest()
    return _FILE_DIGESTS[key]


_FILE_DIGESTS: dict[tuple[str, int, int], bytes] = {}


def engine_key(engine: str, *parts: object) -> str:
    """A digest of everything besides the file that decides an engine's output."""
    digest = hashlib.sha256(f"{SCHEMA}\0{__version__}\0{code_digest()}\0{engine}".encode())
    for part in parts:
        digest.update(b"\0" + repr(part).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def sources_digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def content_key(key: str, path: str, text: str, text_digest: bytes | None = None) -> str:
    """The entry of one file under `key`: its path and a digest of its text (`text_digest`, when
    the caller has it already: one run looks each file up under several keys)."""
    digest = text_digest if text_digest is not None else hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return hashlib.sha256(f"{key}\0{path}\0".encode("utf-8", "surrogatepass") + digest).hexdigest()


class ResultCache:
    """One SQLite file shared by concurrent runs (WAL: readers never wait for a writer).

    Use `open()`: it never raises, and gives a cache that does nothing when the file cannot be used.
    """

    def __init__(self, db: sqlite3.Connection | None, path: Path | None, limit: int) -> None:
        self._db, self.path, self._limit = db, path, limit
        self._unreadable = 0  # entries that could not be decoded: reported once, at close
        self._used: set[str] = set()  # entries read: their `used` time is updated once, at close
        self._digests: dict[int, tuple[str, bytes]] = {}  # id(text) -> (text, its SHA-256)

    @classmethod
    def open(cls, directory: Path | None, *, limit: int | None = None) -> ResultCache:
        limit = max_bytes() if limit is None else limit
        if directory is None:
            return cls(None, None, limit)
        path = database_path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("result cache not used: cannot create %s (%s)", directory, exc.strerror or exc)
            return cls(None, path, limit)
        for attempt in (1, 2):
            try:
                return cls(_connect(path, LOCK_TIMEOUT_S), path, limit)
            except sqlite3.OperationalError as exc:  # locked, read-only, cannot open: not ours to delete
                log.warning("result cache not used: %s: %s", path, exc)
                return cls(None, path, limit)
            except sqlite3.DatabaseError as exc:  # not a database, malformed: start a new one
                if attempt == 2 or not _discard(path):
                    log.warning("result cache not used: %s: %s", path, exc)
                    return cls(None, path, limit)
                log.warning("result cache %s was unreadable (%s); started a new one", path, exc)
        raise AssertionError("unreachable")

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def close(self) -> None:
        if self._used and self._db is not None:
            self._guard("update", lambda db: _write(db, lambda: self._mark_used(db)))
        if self._unreadable:
            log.warning("result cache: %d unreadable entr%s ignored (analysed again)", self._unreadable,
                        "y" if self._unreadable == 1 else "ies")
            self._unreadable = 0
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- raw values ---------------------------------------------------------------------------

    def lookup(self, key: str, files: Sequence[SourceFile]) -> dict[str, Any]:
        """{path: stored value} for the files that have an entry under `key`."""
        if self._db is None or not files:
            return {}
        keys = {self._key(key, f): f.path for f in files}
        key_list = list(keys)
        rows: list[tuple[str, bytes]] | None = self._guard("read", lambda db: [
            row
            for chunk in (key_list[i : i + _CHUNK] for i in range(0, len(key_list), _CHUNK))
            for row in db.execute(f"SELECT key, value FROM results WHERE key IN ({','.join('?' * len(chunk))})",
                                  chunk)
        ])
        if not rows:
            return {}
        found: dict[str, Any] = {}
        bad = 0
        for row_key, value in rows:
            try:
                found[keys[row_key]] = json.loads(zlib.decompress(value))
            except (zlib.error, ValueError, TypeError):
                bad += 1
        self._unreadable += bad
        self._used.update(k for k, p in keys.items() if p in found)  # one write for the run, at close
        return found

    def save(self, key: str, values: Iterable[tuple[SourceFile, Any]]) -> None:
        if self._db is None:
            return
        now = _now()
        rows = []
        for source, value in values:
            blob = zlib.compress(json.dumps(value, sort_keys=True).encode(), 1)
            rows.append((self._key(key, source), blob, len(blob), now))
        if rows:
            self._guard("write", lambda db: _write(db, lambda: (
                self._mark_used(db),  # before evicting: what this run read is recent
                db.executemany("INSERT OR REPLACE INTO results (key, value, size, used) VALUES (?, ?, ?, ?)", rows),
                self._evict(db))))

    def _key(self, key: str, source: SourceFile) -> str:
        return content_key(key, source.path, source.text, self.text_digest(source.text))

    def text_digest(self, text: str) -> bytes:
        """SHA-256 of `text`, once per text object for the run (a run looks each file up under
        several keys, and the run-level key hashes every file too)."""
        known = self._digests.get(id(text))
        if known is None or known[0] is not text:
            known = (text, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
            self._digests[id(text)] = known
        return known[1]

    def get(self, key: str) -> Any | None:
        """The value stored under `key` itself (not under a file's content), or None."""
        rows = self._guard("read", lambda db: db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchall())
        if not rows:
            return None
        try:
            value = json.loads(zlib.decompress(rows[0][0]))
        except (zlib.error, ValueError, TypeError, RecursionError):
            self._unreadable += 1
            return None
        self._used.add(key)
        return value

    def put(self, key: str, value: Any) -> bool:
        """Store `value` under `key` itself (see `get`); whether it was stored."""
        if self._db is None:
            return False
        blob = zlib.compress(json.dumps(value, sort_keys=True).encode(), 1)
        row = (key, blob, len(blob), _now())
        done = self._guard("write", lambda db: _write(db, lambda: (
            self._mark_used(db),
            db.execute("INSERT OR REPLACE INTO results (key, value, size, used) VALUES (?, ?, ?, ?)", row),
            self._evict(db))) or True)
        return bool(done)

    def count_unreadable(self) -> None:
        """One more entry that was found but could not be used (reported once, at close)."""
        self._unreadable += 1

    # --- engine results -----------------------------------------------------------------------

    def split(self, key: str, files: Sequence[SourceFile]) -> tuple[EngineResult, list[SourceFile]]:
        """(what is cached for `files`, the files that still need the engine)."""
        found = self.lookup(key, files)
        findings: list[Finding] = []
        notices: list[Notice] = []
        hits = set()
        for path, entry in found.items():
            try:
                one = [finding_from_dict(f) for f in entry["findings"]], [notice_from_dict(n) for n in entry["notices"]]
            except (KeyError, TypeError, ValueError):
                self._unreadable += 1
                continue
            findings += one[0]
            notices += one[1]
            hits.add(path)
        missing = [f for f in files if f.path not in hits]
        return EngineResult(tuple(findings), tuple(notices), frozenset(hits)), missing

    def store(self, key: str, files: Sequence[SourceFile], result: EngineResult) -> None:
        if any(n.level is NoticeLevel.ERROR and n.path is None for n in result.notices):
            return  # the engine as a whole failed: remember nothing
        failed = {n.path for n in result.notices if n.level is NoticeLevel.ERROR}
        by_path: dict[str, dict[str, list]] = {f.path: {"findings": [], "notices": []} for f in files
                                               if f.path not in failed and f.path in result.scanned}
        for finding in result.findings:
            if finding.path in by_path:
                by_path[finding.path]["findings"].append(finding_dict(finding))
        for notice in result.notices:
            if notice.path in by_path:
                by_path[notice.path]["notices"].append(notice_dict(notice))
        self.save(key, ((f, by_path[f.path]) for f in files if f.path in by_path))

    # --- maintenance --------------------------------------------------------------------------

    def info(self) -> CacheInfo:
        row = self._guard("read", lambda db: db.execute("SELECT count(*), total(size) FROM results").fetchone())
        entries, size = (int(row[0]), int(row[1])) if row else (0, 0)
        disk = sum(p.stat().st_size for p in _files_of(self.path)) if self.path else 0
        return CacheInfo(self.path, entries, size, disk, self._limit, self.enabled)

    def _mark_used(self, db: sqlite3.Connection) -> None:
        """Record when the entries read were last used (for eviction), in the caller's transaction:
        one write per run instead of one per lookup."""
        now, used = _now(), sorted(self._used)
        for chunk in (used[i : i + _CHUNK] for i in range(0, len(used), _CHUNK)):
            db.execute(f"UPDATE results SET used = ? WHERE key IN ({','.join('?' * len(chunk))})", [now, *chunk])
        self._used = set()

    def _evict(self, db: sqlite3.Connection) -> None:
        (total,) = db.execute("SELECT total(size) FROM results").fetchone()
        if total <= self._limit:
            return
        target = total - self._limit * 3 // 4  # free a quarter of the bound at once, not every run
        doomed, freed = [], 0
        for key, size in db.execute("SELECT key, size FROM results ORDER BY used, key"):
            if freed >= target:
                break
            doomed.append(key)
            freed += size
        for i in range(0, len(doomed), _CHUNK):
            chunk = doomed[i : i + _CHUNK]
            db.execute(f"DELETE FROM results WHERE key IN ({','.join('?' * len(chunk))})", chunk)

    def _guard(self, action: str, work: Callable[[sqlite3.Connection], T]) -> T | None:
        """`work(connection)`; on any SQLite failure None, and the cache is not used for the rest
        of the run (a corrupt file is deleted), so that the run goes on exactly as without one."""
        if self._db is None:
            return None
        try:
            return work(self._db)
        except sqlite3.OperationalError as exc:  # locked for too long, disk full, read-only
            log.warning("result cache not used for the rest of this run (%s failed: %s)", action, exc)
            self._used.clear()  # not written either: one note for the run
            self.close()
        except sqlite3.DatabaseError as exc:  # corrupt: the next run starts afresh
            log.warning("result cache %s is corrupt (%s); deleted, not used for the rest of this run", self.path, exc)
            self._used.clear()
            self.close()
            if self.path is not None:
                _discard(self.path)
        return None


def _write(db: sqlite3.Connection, work: Callable[[], object]) -> None:
    """`work` in one write transaction (taken at once, so that concurrent runs queue, not deadlock)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        work()
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@dataclass(frozen=True)
class CacheInfo:
    path: Path | None
    entries: int
    size: int  # bytes of stored values
    disk: int  # bytes on disk, SQLite's overhead and journal included
    limit: int
    usable: bool


def clear(directory: Path) -> list[Path]:
    """Delete every result database, stored rule catalogue and Semgrep plan (of any schema) in
    `directory`; the removed files."""
    removed = []
    patterns = ("results-v*.sqlite*", "catalogue-v*.json", "semgrep-plan-v*.json")
    for path in sorted(p for pattern in patterns for p in directory.glob(pattern)) if directory.is_dir() else ():
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass
    return removed


def _connect(path: Path, lock_timeout_s: float) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=lock_timeout_s, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        # No fsync at each commit (only at checkpoints): in WAL mode the file stays consistent
        # through a crash and at worst forgets the last runs' entries, which a cache may.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS results "
                   "(key TEXT PRIMARY KEY, value BLOB NOT NULL, size INTEGER NOT NULL, used INTEGER NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS results_used ON results (used)")
        db.execute("SELECT count(*) FROM results WHERE key = ''").fetchone()  # reads a page: detects garbage
    except BaseException:
        db.close()
        raise
    return db


def _files_of(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.is_file()]


def _discard(path: Path) -> bool:
    try:
        for p in _files_of(path):
            p.unlink()
        return True
    except OSError:
        return False


def _now() -> int:
    return time.time_ns()


def finding_dict(f: Finding) -> dict:
    return {
        "rule_id": f.rule_id, "path": f.path, "region": _region(f.region), "message": f.message,
        "severity": int(f.severity), "confidence": int(f.confidence), "engines": list(f.engines),
        "rule_ids": list(f.rule_ids),
        "flow": [{"path": s.path, "region": _region(s.region), "label": s.label} for s in f.flow],
    }


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    return Finding(
        rule_id=d["rule_id"], path=d["path"], region=Region(*d["region"]), message=d["message"],
        severity=Severity(d["severity"]), confidence=Confidence(d["confidence"]), engines=tuple(d["engines"]),
        rule_ids=tuple(d["rule_ids"]),
        flow=tuple(FlowStep(s["path"], Region(*s["region"]), s["label"]) for s in d["flow"]),
    )


def _region(r: Region) -> list[int]:
    return [r.start_line, r.start_column, r.end_line, r.end_column]


def notice_dict(n: Notice) -> dict:
    return {"level": int(n.level), "source": n.source, "message": n.message, "path": n.path, "line": n.line}


def notice_from_dict(d: Mapping[str, Any]) -> Notice:
    return Notice(NoticeLevel(d["level"]), d["source"], d["message"], d["path"], d["line"])
