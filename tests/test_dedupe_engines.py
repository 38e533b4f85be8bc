"""One problem, one finding: Bandit and our rules agree through equivalence groups; taint has a path.

These run the real pipeline (Bandit in-process, Semgrep as a subprocess) on small files written
the way an assistant writes them, so they prove the catalogue's `group` fields and the Semgrep
engine's rebuilt source→sink flows end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer import pipeline
from analyzer.rulespec import semgrep_rule_files
from analyzer.findings import NoticeLevel
from analyzer.report import sarif
from analyzer.sources import SourceFile

HANDLERS = '''\
import subprocess

import requests
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/export", methods=["POST"])
def export():
    fmt = request.form.get("format", "md")
    return subprocess.check_output(f"pandoc notes.json -o /tmp/export.{fmt}", shell=True)


@app.route("/pipeline", methods=["POST"])
def import_pipeline():
    spec = yaml.load(request.data, Loader=yaml.Loader)
    return {"steps": len(spec["steps"])}


def fetch_status(url: str) -> int:
    return requests.get(url, timeout=10, verify=False).status_code
'''
SHELL_LINE, SOURCE_LINE, YAML_LINE, TLS_LINE = 13, 12, 18, 23


@pytest.fixture(scope="module")
def report(catalogue, tmp_path_factory) -> pipeline.Report:
    root = tmp_path_factory.mktemp("dedupe")
    path = root / "app.py"
    path.write_text(HANDLERS, encoding="utf-8")
    chosen = catalogue.select(["DS210", "B602", "DS221", "B506", "DS301", "B501"])
    result = pipeline.analyse([SourceFile("app.py", HANDLERS, disk_path=path)], [], root, chosen,
                              pipeline.Options(), mode="scan")
    assert not [n for n in result.notices if n.level is NoticeLevel.ERROR], result.notices
    return result


@pytest.mark.parametrize(
    ("line", "ours", "bandit"),
    [(SHELL_LINE, "DS210", "B602"), (YAML_LINE, "DS221", "B506"), (TLS_LINE, "DS301", "B501")],
)
def test_bandit_and_our_rule_on_one_line_are_one_finding(report, line, ours, bandit):
    on_line = [f for f in report.findings if f.region.start_line == line]
    assert len(on_line) == 1, [(f.rule_id, f.rule_ids) for f in on_line]
    finding = on_line[0]
    assert finding.rule_id == ours  # our rule's wording wins a tie; Bandit's id is kept
    assert set(finding.rule_ids) == {ours, bandit}
    assert finding.engines == ("semgrep", "bandit")


def test_nothing_else_is_reported(report):
    assert sorted(f.region.start_line for f in report.findings) == [SHELL_LINE, YAML_LINE, TLS_LINE]


def test_sarif_lists_both_engines_of_a_merged_finding(report):
    log = json.loads(sarif.render(report))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "DS221")
    assert result["properties"]["engines"] == ["semgrep", "bandit"]
    assert result["properties"]["ruleIds"] == ["DS221", "B506"]


def test_taint_finding_carries_a_source_to_sink_code_flow(report):
    log = json.loads(sarif.render(report))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "DS210")
    (flow,) = result["codeFlows"]
    (thread,) = flow["threadFlows"]
    steps = [step["location"] for step in thread["locations"]]
    assert [s["message"]["text"] for s in steps] == ["source", "sink"]
    lines = [s["physicalLocation"]["region"]["startLine"] for s in steps]
    assert lines == [SOURCE_LINE, SHELL_LINE]
    source_region = steps[0]["physicalLocation"]["region"]
    source_text = HANDLERS.splitlines()[SOURCE_LINE - 1]
    start, end = source_region["startColumn"] - 1, source_region["endColumn"] - 1
    assert source_text[start:end].startswith("request.form")
    assert all(s["physicalLocation"]["artifactLocation"]["uri"] == "app.py" for s in steps)


def test_search_rule_findings_have_no_code_flow(report):
    log = json.loads(sarif.render(report))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "DS301")
    assert "codeFlows" not in result


def test_untainted_sink_is_not_an_injection_finding(catalogue, tmp_path: Path):
    """The safe forms an assistant should write instead are quiet (Bandit's B602 still sees shell=True)."""
    text = (
        "import subprocess\nimport yaml\nfrom flask import request\n\n"
        "def log(ref):\n    return subprocess.run(['git', 'log', ref], capture_output=True).stdout\n\n"
        "def load():\n    return yaml.safe_load(request.data)\n\n"
        "def usage():\n    return subprocess.run('du -sh /var/log', shell=True, capture_output=True).stdout\n"
    )
    path = tmp_path / "safe.py"
    path.write_text(text, encoding="utf-8")
    result = pipeline.analyse([SourceFile("safe.py", text, disk_path=path)], [], tmp_path,
                              catalogue.select(["DS2"]), pipeline.Options(), mode="scan")
    assert [(f.rule_id, f.region.start_line) for f in result.findings] == []


def test_taint_sources_are_matched_only_where_a_taint_rule_fired(catalogue, tmp_path: Path, monkeypatch):
    """The companion source rules cost as much as the rules themselves: they run in a second pass,
    over the files where a taint rule fired, and only for those rules."""
    from analyzer.engines import semgrep

    (tmp_path / "app.py").write_text(HANDLERS, encoding="utf-8")
    (tmp_path / "quiet.py").write_text("import subprocess\nsubprocess.run(['ls'])\n", encoding="utf-8")
    files = [SourceFile(name, (tmp_path / name).read_text(), disk_path=tmp_path / name)
             for name in ("app.py", "quiet.py")]
    passes: list[tuple[list[str], list[str]]] = []
    real = semgrep._run_killable

    def recording(command, **kwargs):
        config = json.loads(Path(command[command.index("--config") + 1]).read_text())
        passes.append(([rule["id"] for rule in config["rules"]], [Path(a).name for a in command if a.endswith(".py")]))
        return real(command, **kwargs)

    monkeypatch.setattr(semgrep, "_run_killable", recording)
    chosen = catalogue.select(["DS210", "DS221", "DS301"])
    result = semgrep.run(files, chosen.for_engine("semgrep"), semgrep_rule_files())
    (first_rules, first_files), (second_rules, second_files) = passes
    assert not any(rule.endswith(semgrep.SOURCE_SUFFIX) for rule in first_rules)
    assert first_files == ["app.py", "quiet.py"]
    assert sorted(second_rules) == sorted(f"{name}{semgrep.SOURCE_SUFFIX}" for name in (
        "shell-command-from-untrusted-input", "deserialization-of-untrusted-data"))
    assert second_files == ["app.py"]
    assert {f.rule_id: bool(f.flow) for f in result.findings} == {"DS210": True, "DS221": True, "DS301": False}
