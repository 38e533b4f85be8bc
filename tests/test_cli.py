"""The command line, through click's CliRunner: exit codes, formats, selection, errors."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import diff
from analyzer.cli import main
from tests.conftest import DEMO, REPO
from tests.conftest import run_cli as run


def test_scan_demo_exits_1_with_findings():
    result = run("scan", str(DEMO / "vulnerable"))
    assert result.exit_code == 1
    assert "DS101" in result.output and "exec-of-decoded-payload" in result.output


def test_scan_clean_twin_exits_0():
    result = run("scan", str(DEMO / "clean"))
    assert result.exit_code == 0, result.output
    assert "DS" not in result.output and "B6" not in result.output


def test_fail_on_threshold_and_exit_zero():
    target = str(DEMO / "vulnerable")
    assert run("scan", target, "--select", "B608", "--fail-on", "error").exit_code == 0  # B608 is a warning
    assert run("scan", target, "--select", "B608", "--fail-on", "warning").exit_code == 1
    assert run("scan", target, "--fail-on", "none").exit_code == 0
    assert run("scan", target, "--exit-zero").exit_code == 0


def test_select_and_ignore(tmp_path):
    out = tmp_path / "out.json"
    run("scan", str(DEMO / "vulnerable"), "--select", "DS1,DS3", "--ignore", "DS190", "-f", "json", "-o", str(out))
    ids = {f["rule_id"] for f in json.loads(out.read_text())["findings"]}
    assert ids == {"DS101", "DS301"}


@pytest.mark.parametrize("suite", ["default", "extended"])
def test_the_demo_readme_names_what_a_scan_reports(suite):
    """fixtures/demo/README.md's table, cell by cell: "DS301 (+ Bandit B501, merged)" is one finding of
    both rules; "(extended suite: ...)" counts only with --suite extended; "also" is a finding of its own."""
    cells = [line.split("|")[3] for line in (DEMO / "README.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("| `")]
    documented = []
    for cell in cells:
        shown, _, extra = cell.partition("(")
        ids = re.findall(r"\b(?:DS|B)\d{3}\b", shown)
        more = [] if extra.strip().startswith("extended suite:") and suite == "default" else \
            re.findall(r"\b(?:DS|B)\d{3}\b", extra)
        documented += [ids + more] if "merged" in extra and more else [[i] for i in ids + more]
    findings = json.loads(run("scan", str(DEMO / "vulnerable"), "--suite", suite, "-f", "json").output)["findings"]
    assert sorted(documented) == sorted(f["rule_ids"] for f in findings)


def test_unknown_selector_is_a_usage_error():
    result = CliRunner().invoke(main, ["scan", str(DEMO), "--select", "DS999"])
    assert result.exit_code == 2
    assert "unknown rule selector" in result.output


def test_json_output_shape():
    result = run("scan", str(DEMO / "vulnerable"), "-f", "json", "--suite", "extended")  # B602 is in extended
    document = json.loads(result.output)
    assert document["complete"] is True
    finding = next(f for f in document["findings"] if f["rule_id"] == "DS210")
    assert finding["engines"] == ["semgrep", "bandit"] and finding["rule_ids"] == ["DS210", "B602"]
    assert finding["cwe"] == [78] and finding["flow"]


def test_missing_semgrep_exits_2_with_one_line(tmp_path):
    result = CliRunner().invoke(main, ["scan", str(DEMO / "clean"), "--no-cache"],
                                env={"DIFFSENTRY_SEMGREP": str(tmp_path / "no-such-semgrep")})
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if "semgrep executable not found" in line]
    assert len(errors) == 1


def test_semgrep_missing_from_path_in_a_real_process(tmp_path):
    """The installed command, with a PATH and interpreter directory that hold no semgrep."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    env = {"PATH": str(fake_bin), "DIFFSENTRY_SEMGREP": str(fake_bin / "semgrep"), "PYTHONPATH": str(REPO)}
    import sys

    proc = subprocess.run([sys.executable, "-m", "analyzer", "scan", str(DEMO / "clean"), "--no-cache"], cwd=tmp_path,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "semgrep executable not found" in proc.stdout + proc.stderr


def test_cached_results_equal_fresh_ones(tmp_path):
    env = {"DIFFSENTRY_CACHE_DIR": str(tmp_path / "cache")}
    first = run("scan", str(DEMO / "vulnerable"), "-f", "sarif", env=env)
    again = run("scan", str(DEMO / "vulnerable"), "-f", "sarif", env=env)
    # The second run is answered from the cache: no Semgrep process is even needed.
    cached_only = run("scan", str(DEMO / "vulnerable"), "-f", "sarif",
                      env={**env, "DIFFSENTRY_SEMGREP": str(tmp_path / "no-such-semgrep")})
    assert first.output == again.output == cached_only.output
    assert first.exit_code == again.exit_code == cached_only.exit_code == 1


def test_a_failed_run_is_not_cached(tmp_path):
    env = {"DIFFSENTRY_CACHE_DIR": str(tmp_path / "cache"), "DIFFSENTRY_SEMGREP": str(tmp_path / "missing")}
    assert run("scan", str(DEMO / "clean"), env=env).exit_code == 2
    assert run("scan", str(DEMO / "clean"), env=env).exit_code == 2  # not remembered as clean


def test_missing_path_exits_2():
    result = run("scan", "does/not/exist.py")
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_rules_lists_every_rule(catalogue):
    result = run("rules")
    assert result.exit_code == 0
    for spec in catalogue.rules:
        assert spec.id in result.output


@pytest.mark.parametrize("rule", ["DS101", "exec-of-decoded-payload", "B602"])
def test_explain_shows_the_documentation(rule):
    result = run("explain", rule)
    assert result.exit_code == 0
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert heading in result.output


@pytest.mark.parametrize("selector", ["DS22", "injection"])
def test_explain_of_a_prefix_or_family_lists_the_rules_it_matches(catalogue, selector):
    result = run("explain", selector)
    assert result.exit_code == 0
    matched = catalogue.select([selector]).rules
    assert f"{selector} matches {len(matched)} rules" in result.output
    assert all(spec.id in result.output and spec.name in result.output for spec in matched)
    assert "DS101" not in result.output


def test_explain_unknown_rule_exits_2():
    result = CliRunner().invoke(main, ["explain", "DS999"])
    assert result.exit_code == 2 and "unknown rule" in result.output


def test_diff_needs_exactly_one_mode():
    assert CliRunner().invoke(main, ["diff"]).exit_code == 2
    assert CliRunner().invoke(main, ["diff", "--staged", "--base", "main"]).exit_code == 2


def test_demo_patch_reports_only_what_it_added(tmp_path):
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["diff", "--patch", str(DEMO / "demo.patch"), "--root", str(REPO),
                                       "-f", "json", "-o", str(out)])
    assert result.exit_code == 1, result.output
    findings = json.loads(out.read_text())["findings"]
    got = {(f["path"].rsplit("/", 1)[1], f["rule_id"], f["start_line"]) for f in findings}
    assert {("notes_service.py", "DS210", 46), ("notes_service.py", "DS301", 56),
            ("sync_worker.py", "DS101", 14)} <= got
    added = {(c.path, n) for c in diff.parse_patch((DEMO / "demo.patch").read_text()) for n in c.added_lines}
    for f in findings:  # nothing the clean twin already had: every finding sits on an added line
        assert any((f["path"], n) in added for n in range(f["start_line"], f["end_line"] + 1)), f


def test_patch_from_stdin(tmp_path):
    patch = (DEMO / "demo.patch").read_text()
    result = CliRunner().invoke(main, ["diff", "--patch", "-", "--root", str(REPO), "-f", "json"], input=patch)
    assert result.exit_code == 1
    assert {f["rule_id"] for f in json.loads(result.output)["findings"]} >= {"DS101", "DS210", "DS301"}


def test_malformed_patch_is_a_one_line_error():
    result = CliRunner().invoke(main, ["diff", "--patch", "-", "--root", str(REPO)], input="this is not a diff\n")
    assert result.exit_code == 2
    assert "not a unified diff" in result.output


def test_python_dash_m_entry_point():
    import sys

    proc = subprocess.run([sys.executable, "-m", "analyzer", "--version"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0 and "diffsentry" in proc.stdout


def test_output_file_gets_results_and_stdout_stays_empty(tmp_path):
    out = tmp_path / "r.sarif"
    result = run("scan", str(DEMO / "clean"), "-f", "sarif", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_scan_root_is_the_git_work_tree(tmp_path):
    result = run("scan", str(DEMO / "vulnerable"), "-f", "json")
    paths = {f["path"] for f in json.loads(result.output)["findings"]}
    assert paths == {"fixtures/demo/vulnerable/notes_service.py"}
    assert Path(REPO / next(iter(paths))).is_file()
