"""Scoping to changed lines and merging what several engines said about one problem."""

from __future__ import annotations

from analyzer import dedupe, scope
from analyzer.catalogue import Catalogue
from analyzer.findings import Confidence, Finding, Region, Severity
from analyzer.parse import parse_source
from analyzer.sources import SourceFile

MULTILINE = "import subprocess\n\nsubprocess.run(\n    cmd,\n    shell=True,\n)\nprint('unrelated')\n"


def finding(rule_id: str, line: int, engine: str, severity=Severity.WARNING, end_line: int = 0) -> Finding:
    return Finding(rule_id, "app.py", Region(line, 1, end_line or line), "m", severity, Confidence.MEDIUM, (engine,))


def scoped(findings, changed, catalogue):
    source = SourceFile("app.py", MULTILINE, frozenset(changed))
    return scope.in_scope(findings, {"app.py": source}, {"app.py": parse_source("app.py", MULTILINE)}, catalogue)


def test_finding_on_a_statement_counts_when_any_of_its_lines_changed(catalogue):
    hit = finding("B602", 3, "bandit")  # reported on the call's first line
    assert scoped([hit], {5}, catalogue) == [hit]  # only `shell=True` was added
    assert scoped([hit], {7}, catalogue) == []  # an unrelated line changed


def test_whole_file_scan_keeps_everything(catalogue):
    hit = finding("B602", 3, "bandit")
    source = SourceFile("app.py", MULTILINE, None)
    assert scope.in_scope([hit], {"app.py": source}, {}, catalogue) == [hit]


def test_file_scoped_rules_are_kept_whenever_the_file_changed(catalogue):
    spec = catalogue["DS601"]
    file_rule = type(spec)(**{**spec.__dict__, "scope": "file"})
    custom = Catalogue(tuple(s if s.id != "DS601" else file_rule for s in catalogue.rules))
    hit = finding("DS601", 1, "cst")
    assert scoped([hit], {7}, custom) == [hit]


def test_same_problem_from_two_engines_is_one_finding(catalogue):
    ours = finding("DS210", 3, "semgrep", Severity.ERROR)
    bandits = finding("B602", 3, "bandit", Severity.WARNING)
    (merged,) = dedupe.dedupe([bandits, ours], catalogue)
    assert merged.rule_id == "DS210" and merged.severity is Severity.ERROR
    assert merged.engines == ("semgrep", "bandit") and merged.rule_ids == ("DS210", "B602")


def test_different_groups_on_one_line_stay_apart(catalogue):
    assert len(dedupe.dedupe([finding("B602", 3, "bandit"), finding("DS301", 3, "semgrep")], catalogue)) == 2
