"""Every rule, whatever its engine, against its annotated cases (one analysis for all of them)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analyzer import testing
from analyzer.catalogue import load_catalogue
from analyzer.rulespec import DOC_FIELDS, FAMILY_TITLES, validate
from analyzer.report.docs import render_rules_markdown
from analyzer.findings import NoticeLevel
from tests.conftest import REPO

RULE_IDS = [spec.id for spec in load_catalogue().rules]
MIN_CASES = 2


@pytest.fixture(scope="module")
def case_run(catalogue, selected_rules) -> testing.CaseRun:
    if selected_rules is catalogue:
        return testing.run_cases(catalogue)
    return testing.run_cases(selected_rules, testing.cases_of(selected_rules))


def test_case_run_is_complete(case_run):
    errors = [n.one_line() for n in case_run.notices if n.level is NoticeLevel.ERROR]
    assert not errors, "the engines did not analyse every case:\n" + "\n".join(errors)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_matches_its_cases(case_run, catalogue, rule_id):
    problems = testing.check_rule(case_run, catalogue, rule_id)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_declaration_is_complete(catalogue, rule_id):
    spec = catalogue[rule_id]
    assert validate(spec) == []
    for name in DOC_FIELDS:
        assert getattr(spec, name).strip(), f"{rule_id}: {name} is empty"


def test_validate_names_what_is_missing_or_unknown(catalogue):
    spec = catalogue["DS301"]
    assert validate(spec) == []
    assert validate(replace(spec, engine="semgrepp")) == [
        "engine 'semgrepp' is not one of ('cst', 'semgrep', 'bandit', 'diff', 'suppress', 'config', 'inventory', "
        "'ai-policy', 'parse')"]
    assert validate(replace(spec, family="")) == ["family '' is not one of " + str(sorted(FAMILY_TITLES)),
                                                  "family '' does not match id DS301"]


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_has_cases_both_ways(case_run, catalogue, rule_id):
    counts = testing.case_counts(case_run.cases, catalogue)[rule_id]
    assert counts["fire"] >= MIN_CASES, f"{rule_id} needs {MIN_CASES}+ must-fire cases, has {counts['fire']}"
    assert counts["quiet"] >= MIN_CASES, f"{rule_id} needs {MIN_CASES}+ must-not-fire cases, has {counts['quiet']}"


def test_annotations_name_known_rules(case_run, catalogue):
    unknown = [f"{e.path}:{e.line}: {e.rule}" for e in testing.unknown_annotations(case_run.cases, catalogue)]
    assert not unknown, "annotations naming no rule:\n" + "\n".join(unknown)


def test_docs_are_generated_from_the_catalogue(catalogue):
    expected = render_rules_markdown(catalogue)
    actual = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is stale: run `diffsentry rules --format markdown > docs/rules.md`"


def test_annotation_parser_targets_the_next_code_line():
    text = "# ruleid: a, b\n# a plain comment\n\nx = 1\n# ok: a\ny = 2\n"
    got = [(e.kind, e.rule, e.line) for e in testing.parse_annotations("f.py", text)]
    assert got == [("ruleid", "a", 4), ("ruleid", "b", 4), ("ok", "a", 6)]


def test_harness_reports_a_missed_and_an_unexpected_hit(catalogue):
    case = testing.CaseFile(
        "probe.py",
        "import requests\n# ruleid: tls-verification-disabled\nrequests.get(u)\n"
        "# ok: tls-verification-disabled\nrequests.get(u, verify=False)\n",
        [],
    )
    case.expectations = testing.parse_annotations(case.path, case.text)
    run = testing.run_cases(catalogue.select(["DS301"]), [case])
    problems = testing.check_rule(run, catalogue, "DS301")
    assert any("not reported" in p for p in problems)
    assert any("`ok` line reported" in p for p in problems)
