"""The result cache can never break a run: every fault gives the uncached result and one note."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import cache
from analyzer.cli import main
from analyzer.findings import EngineResult, Finding, Region, Severity, Confidence
from analyzer.sources import SourceFile
from tests.conftest import DEMO, REPO

TARGET = DEMO / "vulnerable"


def scan(cache_dir: Path | None, *extra: str):
    args = ["scan", str(TARGET), "-f", "json", *extra] + (["--no-cache"] if cache_dir is None else [])
    env = {"DIFFSENTRY_CACHE_DIR": str(cache_dir)} if cache_dir is not None else None
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def uncached():
    result = scan(None)
    assert result.exit_code == 1 and json.loads(result.stdout)["findings"]
    return result


def notes(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("diffsentry: note: ")]


def same_as(result, uncached) -> None:
    assert (result.exit_code, result.stdout) == (uncached.exit_code, uncached.stdout)


def test_a_warm_cache_gives_the_uncached_result(tmp_path, uncached):
    same_as(scan(tmp_path), uncached)
    warm = scan(tmp_path)
    same_as(warm, uncached)
    assert not notes(warm)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty-header"])
def test_a_corrupt_cache_is_discarded_with_one_note(tmp_path, uncached, damage):
    scan(tmp_path)  # a real database, then damaged
    db = cache.database_path(tmp_path)
    for side in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        side.unlink(missing_ok=True)
    data = db.read_bytes()
    db.write_bytes({"garbage": b"\x89not a database at all" * 200, "truncated": data[: len(data) // 3],
                    "empty-header": b"\0" * 100 + data[100:]}[damage])
    first = scan(tmp_path)
    same_as(first, uncached)
    assert len(notes(first)) == 1, first.stderr
    again = scan(tmp_path)  # the damaged file was replaced: no note any more
    same_as(again, uncached)
    assert not notes(again), again.stderr


def test_unreadable_entries_are_analysed_again(tmp_path, uncached):
    scan(tmp_path)
    with sqlite3.connect(cache.database_path(tmp_path)) as db:
        db.execute("UPDATE results SET value = ?", (b"\x78\x9c not zlib",))
    result = scan(tmp_path)
    same_as(result, uncached)
    assert len(notes(result)) == 1 and "unreadable entr" in notes(result)[0]
    same_as(scan(tmp_path), uncached)


def test_a_locked_cache_is_bypassed(tmp_path, uncached, monkeypatch):
    monkeypatch.setattr(cache, "LOCK_TIMEOUT_S", 0.2)
    scan(tmp_path)
    holder = sqlite3.connect(cache.database_path(tmp_path), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another run writing, for longer than we wait
    try:
        (tmp_path / "other").mkdir()
        result = scan(tmp_path, "--select", "DS1,B6")  # different rules: entries to write
        fresh = scan(None, "--select", "DS1,B6")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    same_as(result, fresh)
    assert len(notes(result)) == 1 and "locked" in notes(result)[0]


def test_an_unwritable_cache_location_is_bypassed(tmp_path, uncached):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = scan(blocker / "cache")
    same_as(result, uncached)
    assert len(notes(result)) == 1 and "cannot create" in notes(result)[0]
    (tmp_path / "dir").mkdir()
    cache.database_path(tmp_path / "dir").mkdir()  # the database's name taken by a directory
    result = scan(tmp_path / "dir")
    same_as(result, uncached)
    assert len(notes(result)) == 1


def test_four_concurrent_runs_sharing_one_cache_agree(tmp_path, uncached):
    command = [sys.executable, "-m", "analyzer", "scan", str(TARGET), "-f", "json"]
    env = {**__import__("os").environ, "DIFFSENTRY_CACHE_DIR": str(tmp_path)}

    def one(_: int) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)

    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(one, range(4)))
    for proc in runs + [one(4)]:  # and one more, answered from what the four stored
        assert (proc.returncode, proc.stdout) == (uncached.exit_code, uncached.stdout), proc.stderr
        assert "note:" not in proc.stderr


def _entry(path: str) -> tuple[SourceFile, EngineResult]:
    source = SourceFile(path, f"x = {path!r}\n" * 50)
    finding = Finding("DS101", path, Region(1), "m" * 200, Severity.ERROR, Confidence.HIGH, ("cst",))
    return source, EngineResult((finding,), (), frozenset({path}))


def test_the_cache_is_bounded_and_evicts_the_least_recently_used(tmp_path):
    with cache.ResultCache.open(tmp_path, limit=4000) as store:
        for i in range(40):
            source, result = _entry(f"m{i}.py")
            store.store("k", [source], result)
            if i >= 1:
                store.split("k", [_entry("m0.py")[0]])  # m0 is used all the time
        info = store.info()
        assert 0 < info.size <= 4000
        assert store.split("k", [_entry("m0.py")[0]])[0].findings  # recently used: kept
        assert not store.split("k", [_entry("m1.py")[0]])[0].findings  # oldest unused: evicted
        assert store.split("k", [_entry("m39.py")[0]])[0].findings


def test_the_key_covers_rules_engine_versions_and_code():
    # (an edit of any rule file, the shared Semgrep block included, changes `code_digest`:
    # tests/test_injection_rules.py checks it on a copy of rulesets/)
    assert cache.engine_key("semgrep", ("a",), "1.0") != cache.engine_key("semgrep", ("b",), "1.0")
    assert cache.engine_key("semgrep", ("a",), "1.0") != cache.engine_key("semgrep", ("a",), "1.1")


def test_cache_info_and_clear(tmp_path):
    env = {"DIFFSENTRY_CACHE_DIR": str(tmp_path)}
    scan(tmp_path)
    info = CliRunner().invoke(main, ["cache", "info"], env=env)
    assert info.exit_code == 0 and str(cache.database_path(tmp_path)) in info.stdout
    entries = int(next(line for line in info.stdout.splitlines() if line.startswith("entries:")).split()[1])
    assert entries > 0
    cleared = CliRunner().invoke(main, ["cache", "clear"], env=env)
    assert cleared.exit_code == 0 and "removed" in cleared.stderr
    assert not list(tmp_path.glob("results-v*.sqlite*"))
    info = CliRunner().invoke(main, ["cache", "info"], env=env)
    assert "entries:  0" in info.stdout
