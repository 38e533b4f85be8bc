"""One result-cache entry for a whole run (`analyzer.run_cache`): an unchanged re-run is answered
from it, exactly; anything that decides the report gives another entry; a damaged entry is a miss."""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import cache, pipeline, run_cache, sources, suppress
from analyzer.baseline import Baseline, Entry
from analyzer.cli import main
from analyzer.findings import Confidence, Finding, Notice, NoticeLevel, Region, Severity

RULES = ["cst", "bandit"]  # no Semgrep process: quick, and the same stages
APP = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
UTIL = "import pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "util.py").write_text(UTIL, encoding="utf-8")
    return root


def scan(tree: Path, catalogue, cache_dir: Path | None, **options) -> pipeline.Report:
    return pipeline.scan_paths([tree], tree, catalogue.select(RULES),
                               pipeline.Options(cache_dir=cache_dir, **options))


def outcome(report: pipeline.Report) -> tuple:
    return (report.findings, report.notices, report.files, report.capabilities, report.texts, report.rules,
            report.root, report.mode)


def run_entries(cache_dir: Path) -> int:
    with sqlite3.connect(cache.database_path(cache_dir)) as db:
        return db.execute("SELECT count(*) FROM results WHERE key LIKE 'run-%'").fetchone()[0]


def test_an_unchanged_run_is_answered_from_its_entry(tree, tmp_path, catalogue, monkeypatch):
    uncached = scan(tree, catalogue, None)
    assert uncached.findings and uncached.run_key is None
    cold = scan(tree, catalogue, tmp_path / "cache")
    assert outcome(cold) == outcome(uncached) and cold.run_key and not cold.from_run_cache
    monkeypatch.setattr(pipeline, "_analyse", lambda *a, **k: pytest.fail("analysed although nothing changed"))
    warm = scan(tree, catalogue, tmp_path / "cache")
    assert outcome(warm) == outcome(uncached) and warm.from_run_cache
    # Field by field, fingerprints and suppressions included.
    assert [dataclasses.asdict(f) for f in warm.findings] == [dataclasses.asdict(f) for f in uncached.findings]


def test_a_changed_file_is_analysed_again(tree, tmp_path, catalogue):
    scan(tree, catalogue, tmp_path / "cache")
    (tree / "util.py").write_text(UTIL.replace("pickle.loads(data)", "data"), encoding="utf-8")
    changed = scan(tree, catalogue, tmp_path / "cache")
    assert not changed.from_run_cache
    assert outcome(changed) == outcome(scan(tree, catalogue, None))
    assert {f.path for f in changed.findings} == {"app.py"}
    (tree / "new.py").write_text(UTIL, encoding="utf-8")  # a new file
    added = scan(tree, catalogue, tmp_path / "cache")
    assert not added.from_run_cache and "new.py" in {f.path for f in added.findings}
    assert run_entries(tmp_path / "cache") == 3


def key(tree: Path, catalogue, store: cache.ResultCache, files=None, notices=(), rules=RULES, mode="scan",
        root=None, before=None, extra=(), **options) -> str:
    if files is None:
        files, notices = sources.collect_files([tree], tree)
    return run_cache.run_key(store, files=files, input_notices=notices, root=root or tree,
                             catalogue=catalogue.select(rules), options=pipeline.Options(**options), mode=mode,
                             removals=(), extra=extra, before=before, semgrep_executable=None)


def test_every_input_that_decides_the_report_is_in_the_key(tree, tmp_path, catalogue, monkeypatch):
    store = cache.ResultCache.open(None)
    base = key(tree, catalogue, store)
    assert key(tree, catalogue, store) == base  # stable
    files, notices = sources.collect_files([tree], tree)
    entry = Entry("f" * 32, "B602", "c" * 32, "app.py", 5, "shell")
    finding = Finding("DS691", "pyproject.toml", Region(1), "m", Severity.WARNING, Confidence.HIGH, ("config",))
    variants = {
        "a file's text": [dataclasses.replace(files[0], text=files[0].text + "\n"), *files[1:]],
        "a file's name": [dataclasses.replace(files[0], path="other.py"), *files[1:]],
        "a file's changed lines": [dataclasses.replace(files[0], changed_lines=frozenset({1})), *files[1:]],
        "a file less": files[1:],
    }
    keys = {name: key(tree, catalogue, store, files=value) for name, value in variants.items()}
    keys |= {
        "an input notice": key(tree, catalogue, store, files=files,
                               notices=[Notice(NoticeLevel.ERROR, "input", "permission denied", "x.py")]),
        "the rules": key(tree, catalogue, store, rules=["cst"]),
        "the mode": key(tree, catalogue, store, mode="diff"),
        "the root": key(tree, catalogue, store, root=tmp_path),
        "the text before a change": key(tree, catalogue, store, before={"app.py": "x = 1\n"}),
        "a finding of the input": key(tree, catalogue, store, extra=[finding]),
        "the exclusions": key(tree, catalogue, store, exclude=("tests/*",)),
        "a severity override": key(tree, catalogue, store, severity={"B602": Severity.NOTE}),
        "nosec": key(tree, catalogue, store, suppression=suppress.Policy(nosec=False)),
        "trusted suppressions": key(tree, catalogue, store, suppression=suppress.Policy(trust_added=True)),
        "a baseline": key(tree, catalogue, store, suppression=suppress.Policy(baseline=Baseline((entry,), "b.json"))),
        "another baseline entry": key(tree, catalogue, store, suppression=suppress.Policy(
            baseline=Baseline((dataclasses.replace(entry, line=6),), "b.json"))),
        "the allowed hosts": key(tree, catalogue, store, allowed_hosts=("api.example.com",)),
        "the per-file timeout": key(tree, catalogue, store, per_file_timeout_s=31.0),
        "the Semgrep budget": key(tree, catalogue, store, semgrep_timeout_s=99.0),
        "the size limit": key(tree, catalogue, store, max_bytes=1000),
    }
    monkeypatch.setenv("DIFFSENTRY_TAINT_PREFILTER", "off")
    keys["an environment variable"] = key(tree, catalogue, store)
    monkeypatch.delenv("DIFFSENTRY_TAINT_PREFILTER")
    monkeypatch.setattr(run_cache, "_installed", lambda: iter(["site-packages\0bandit-9.9.dist-info\0..."]))
    keys["an installed package"] = key(tree, catalogue, store)
    monkeypatch.undo()
    monkeypatch.setattr(cache, "code_digest", lambda: "a rule file was edited")
    keys["diffsentry's code"] = key(tree, catalogue, store)
    monkeypatch.undo()
    assert key(tree, catalogue, store) == base
    same = [name for name, value in keys.items() if value == base]
    assert not same, f"the key ignores {same}"
    assert len(set(keys.values())) == len(keys)
    # What only shows the run, or where its cache is, is not part of it.
    assert key(tree, catalogue, store, progress=lambda *_: None, cache_dir=tmp_path) == base


def test_the_semgrep_executable_is_in_the_key(tree, tmp_path, catalogue):
    store = cache.ResultCache.open(None)
    files, notices = sources.collect_files([tree], tree)
    binary = tmp_path / "semgrep"
    binary.write_text("#!/bin/sh\n", encoding="utf-8")

    def with_semgrep(path: str | None) -> str:
        return run_cache.run_key(store, files=files, input_notices=notices, root=tree, catalogue=catalogue,
                                 options=pipeline.Options(), mode="scan", removals=(), extra=(), before=None,
                                 semgrep_executable=path)

    first = with_semgrep(str(binary))
    assert with_semgrep(str(binary)) == first != with_semgrep(None)
    binary.write_text("#!/bin/sh\necho upgraded\n", encoding="utf-8")
    assert with_semgrep(str(binary)) != first


@pytest.mark.parametrize("damage", [b"\x78\x9c not zlib", json.dumps({"findings": 3}), json.dumps([1, 2]),
                                    json.dumps({"findings": [{"rule_id": "B602"}], "notices": [], "files": [],
                                                "capabilities": []})])
def test_a_damaged_run_entry_is_analysed_again_with_one_note(tree, tmp_path, catalogue, caplog, damage):
    import zlib

    cold = scan(tree, catalogue, tmp_path / "cache")
    value = damage if isinstance(damage, bytes) else zlib.compress(damage.encode())
    with sqlite3.connect(cache.database_path(tmp_path / "cache")) as db:
        assert db.execute("UPDATE results SET value = ? WHERE key LIKE 'run-%'", (value,)).rowcount == 1
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        again = scan(tree, catalogue, tmp_path / "cache")
    assert outcome(again) == outcome(cold) and not again.from_run_cache
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "1 unreadable entry" in notes[0], notes
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        stored = scan(tree, catalogue, tmp_path / "cache")  # stored again
    assert outcome(stored) == outcome(cold) and stored.from_run_cache and not caplog.records


def cli(*args: str, cache_dir: Path | None):
    env = {"DIFFSENTRY_CACHE_DIR": str(cache_dir)} if cache_dir else None
    extra = [] if cache_dir else ["--no-cache"]
    return CliRunner().invoke(main, [*args, *extra], env=env, catch_exceptions=False)


def test_an_incomplete_run_comes_back_incomplete(tree, tmp_path):
    (tree / "big.py").write_text("x = 1\n" * 400, encoding="utf-8")  # over --max-file-bytes: an input error
    args = ("scan", str(tree), "--select", "cst,bandit", "-f", "json", "--max-file-bytes", "1000")
    uncached = cli(*args, cache_dir=None)
    assert uncached.exit_code == 2 and "big.py" in uncached.stderr
    cold = cli(*args, cache_dir=tmp_path / "cache")
    assert run_entries(tmp_path / "cache") == 1  # the error is the input's: stored with the report
    warm = cli(*args, cache_dir=tmp_path / "cache")
    for result in (cold, warm):
        assert (result.exit_code, result.stdout, result.stderr) == (2, uncached.stdout, uncached.stderr)
    assert json.loads(warm.stdout)["complete"] is False


def test_an_engine_fault_is_never_stored(tree, tmp_path):
    missing = tmp_path / "no-semgrep-here"
    env = {"DIFFSENTRY_CACHE_DIR": str(tmp_path / "cache"), "DIFFSENTRY_SEMGREP": str(missing)}
    args = ["scan", str(tree), "--select", "semgrep,cst", "-f", "json"]
    first = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert first.exit_code == 2 and "semgrep" in first.stderr.lower()
    assert run_entries(tmp_path / "cache") == 0
    again = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert (again.exit_code, again.stdout) == (first.exit_code, first.stdout)


@pytest.mark.parametrize("fmt", ["sarif", "json", "text", "github"])
def test_stored_renderings_are_the_fresh_ones(tree, tmp_path, fmt):
    (tree / "quiet.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)  # nosec\n",
                                   encoding="utf-8")
    for extra in ([], ["--hide-suppressed"], ["--category", "one"]):
        args = ("scan", str(tree), "--select", "cst,bandit", "-f", fmt, *extra)
        uncached = cli(*args, cache_dir=None)
        for _ in range(2):  # stored, then read
            result = cli(*args, cache_dir=tmp_path / "cache")
            assert (result.exit_code, result.stdout, result.stderr) == (uncached.exit_code, uncached.stdout,
                                                                        uncached.stderr), (fmt, extra)


def test_a_damaged_rendering_is_rendered_again(tree, tmp_path):
    import zlib

    args = ("scan", str(tree), "--select", "cst,bandit", "-f", "sarif")
    uncached = cli(*args, cache_dir=None)
    cli(*args, cache_dir=tmp_path / "cache")
    cli(*args, cache_dir=tmp_path / "cache")  # the rendering stored with the report read from the cache
    with sqlite3.connect(cache.database_path(tmp_path / "cache")) as db:
        assert db.execute("UPDATE results SET value = ? WHERE key LIKE 'rendering-%'",
                          (zlib.compress(b'{"not": "a rendering"}'),)).rowcount == 1
    again = cli(*args, cache_dir=tmp_path / "cache")
    assert (again.exit_code, again.stdout) == (uncached.exit_code, uncached.stdout)
    with sqlite3.connect(cache.database_path(tmp_path / "cache")) as db:
        assert db.execute("UPDATE results SET value = ? WHERE key LIKE 'rendering-%'", (b"garbage",)).rowcount == 1
    damaged = cli(*args, cache_dir=tmp_path / "cache")
    assert (damaged.exit_code, damaged.stdout) == (uncached.exit_code, uncached.stdout)
    assert "unreadable entr" in damaged.stderr
