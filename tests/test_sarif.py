"""SARIF output: valid against the 2.1.0 schema and shaped the way GitHub code scanning reads it."""

from __future__ import annotations

import pytest

from analyzer import pipeline
from analyzer.fingerprints import github_line_hashes
from analyzer.findings import Notice, NoticeLevel
from analyzer.report import sarif
from tests.conftest import DEMO, REPO, validate_sarif



@pytest.fixture(scope="module")
def demo_report(catalogue) -> pipeline.Report:
    return pipeline.scan_paths([DEMO], REPO, catalogue)


@pytest.fixture(scope="module")
def demo_log(demo_report) -> dict:
    return validate_sarif(sarif.render(demo_report))


def test_demo_lists_the_planted_problems(demo_log):
    # Every rule merged into a result counts (B608 is merged into DS201's SQL-injection finding).
    found = {(rule_id, r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
             for r in demo_log["runs"][0]["results"] for rule_id in r["properties"]["ruleIds"]}
    vulnerable = "fixtures/demo/vulnerable/notes_service.py"
    for rule_id in ("DS101", "DS190", "DS201", "DS210", "DS301", "DS601", "B506", "B608"):
        assert (rule_id, vulnerable) in found
    assert not any("clean/" in uri for _, uri in found)


def test_results_are_repo_relative_against_srcroot(demo_log):
    run = demo_log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "%SRCROOT%"
        assert not location["uri"].startswith("/")


def test_rules_carry_github_properties(demo_log):
    rules = demo_log["runs"][0]["tool"]["driver"]["rules"]
    assert rules
    for rule in rules:
        props = rule["properties"]
        assert "security" in props["tags"]
        assert any(t.startswith("external/cwe/cwe-") and len(t.rsplit("-", 1)[1]) >= 3 for t in props["tags"])
        assert props["precision"] in {"very-high", "high", "medium", "low"}
        assert 0.0 <= float(props["security-severity"]) <= 10.0
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert len(props["tags"]) <= 20


def test_result_rule_index_points_at_its_rule(demo_log):
    run = demo_log["runs"][0]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_rules_are_those_the_results_name(demo_log, catalogue):
    run = demo_log["runs"][0]
    listed = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert listed == sorted({r["ruleId"] for r in run["results"]}, key=lambda i: [s.id for s in catalogue.rules].index(i))
    assert len(listed) < len(catalogue.rules)


def test_line_hash_matches_githubs_algorithm(demo_log):
    text = (DEMO / "vulnerable" / "notes_service.py").read_text(encoding="utf-8")
    hashes = github_line_hashes(text)
    for result in demo_log["runs"][0]["results"]:
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == hashes[line - 1]
        assert len(result["partialFingerprints"]["diffsentry/v1"]) == 32


def test_taint_result_has_a_code_flow(demo_log):
    ds210 = next(r for r in demo_log["runs"][0]["results"] if r["ruleId"] == "DS210")
    steps = ds210["codeFlows"][0]["threadFlows"][0]["locations"]
    lines = [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps]
    assert [s["location"]["message"]["text"] for s in steps] == ["source", "sink"]
    assert lines[0] < lines[1]


def test_clean_run_still_has_results_and_no_automation_details(catalogue):
    report = pipeline.scan_paths([DEMO / "clean"], REPO, catalogue)
    log = validate_sarif(sarif.render(report))
    run = log["runs"][0]
    assert run["results"] == []
    assert "automationDetails" not in run
    assert run["invocations"][0]["executionSuccessful"] is True


def test_category_sets_automation_details(demo_report):
    log = validate_sarif(sarif.render(demo_report, category="diffsentry/pr"))
    assert log["runs"][0]["automationDetails"]["id"] == "diffsentry/pr/"


def test_engine_errors_become_tool_execution_notifications(demo_report):
    failed = pipeline.Report(
        root=demo_report.root, mode="scan", rules=demo_report.rules, findings=(), files=(),
        notices=(Notice(NoticeLevel.ERROR, "semgrep", "semgrep did not scan this file", "app.py"),),
    )
    log = validate_sarif(sarif.render(failed))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    note = invocation["toolExecutionNotifications"][0]
    assert note["level"] == "error"
    assert "did not scan" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"


def test_output_is_deterministic(catalogue):
    first = sarif.render(pipeline.scan_paths([DEMO], REPO, catalogue))
    second = sarif.render(pipeline.scan_paths([DEMO], REPO, catalogue))
    assert first == second
