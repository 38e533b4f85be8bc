"""Budgets grow with the input: a whole large repository must not fail at random (issue #15)."""

from __future__ import annotations

from pathlib import Path

from analyzer import cli, pipeline
from analyzer.engines import semgrep
from analyzer.findings import EngineResult
from analyzer.sources import SourceFile


def test_the_default_semgrep_budget_scales_with_the_files(monkeypatch, tmp_path, catalogue):
    given = []

    def fake_run(files, rules, rule_files, *, timeout_s, per_file_timeout_s):
        given.append((len(files), timeout_s))
        return EngineResult(scanned=frozenset(f.path for f in files))

    monkeypatch.setattr(semgrep, "run", fake_run)
    files = []
    for i in range(50):
        (tmp_path / f"m{i}.py").write_text("x = 1\n")
        files.append(SourceFile(f"m{i}.py", "x = 1\n", disk_path=tmp_path / f"m{i}.py"))
    chosen = catalogue.select(["DS2"])
    pipeline.analyse(files, [], tmp_path, chosen, pipeline.Options(), mode="scan")
    pipeline.analyse(files, [], tmp_path, chosen, pipeline.Options(semgrep_timeout_s=5.0), mode="scan")
    assert given == [(50, semgrep.budget_s(50)), (50, 5.0)]
    assert semgrep.budget_s(2788) > semgrep.budget_s(5) >= semgrep.DEFAULT_TIMEOUT_S


def test_the_run_deadline_grows_once_the_files_are_known_unless_given():
    scaled, fixed = cli._Watchdog(None), cli._Watchdog(100.0)
    try:
        scaled.files_known(5000)
        fixed.files_known(5000)
        assert scaled.seconds == cli.RUN_BUDGET_S + 5000 * semgrep.PER_FILE_BUDGET_S
        assert fixed.seconds == 100.0
    finally:
        scaled.cancel()
        fixed.cancel()
