"""Property-based tests of the report writers (analyzer/report/sarif.py, and the JSON writer beside it).

For generated findings and notices with arbitrary unicode messages and paths, regions, flows,
suppressions and baseline states, the SARIF log is valid against the 2.1.0 schema, encodes as
UTF-8, is one JSON document whose messages are the ones given and whose URIs decode to the paths
given. No engine runs. (Same output for the same input: tests/test_determinism.py.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer import pipeline
from analyzer.findings import (
    Confidence, Finding, FlowStep, Notice, NoticeLevel, Region, Severity, Suppression,
)
from analyzer.report import json_format, sarif

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
# RFC 3986 URI-reference characters: unreserved, reserved and percent-encoded octets.
URI_REFERENCE = re.compile(r"\A(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*\Z")

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
# Repo-relative paths as the pipeline makes them (sources.unsafe_name refuses control characters,
# bidi controls and undecodable bytes), otherwise any unicode: spaces, %, #, ?, emoji, RTL letters.
SEGMENT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\u202a\u202b\u202c\u202d"
                                "\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"), min_size=1, max_size=12)
PATH = st.lists(SEGMENT.filter(lambda s: s not in (".", "..")), min_size=1, max_size=3).map("/".join)
LINE = st.integers(1, 200)


@st.composite
def regions(draw) -> Region:
    start = draw(LINE)
    return Region(start, draw(st.integers(1, 120)), draw(st.integers(start, start + 5)), draw(st.integers(0, 121)))


@st.composite
def findings(draw, rule_ids: list[str]) -> Finding:
    rule_id = draw(st.sampled_from(rule_ids + ["DS999"]))  # DS999: a rule the run does not list
    return Finding(
        rule_id, draw(PATH), draw(regions()), draw(TEXT), draw(st.sampled_from(Severity)),
        draw(st.sampled_from(Confidence)), tuple(draw(st.lists(st.sampled_from(["bandit", "semgrep", "cst"]),
                                                                min_size=1, max_size=3, unique=True))),
        flow=tuple(draw(st.lists(st.builds(FlowStep, PATH, regions(), TEXT), max_size=3))),
        fingerprint=draw(st.text("0123456789abcdef", min_size=0, max_size=16)),
        suppression=draw(st.none() | st.builds(Suppression, st.sampled_from(["inSource", "external"]), TEXT)),
        baseline_state=draw(st.sampled_from([None, "new", "unchanged"])),
    )


NOTICES = st.builds(Notice, st.sampled_from(NoticeLevel), st.sampled_from(["semgrep", "bandit", "input", "patch"]),
                    TEXT, st.none() | PATH, st.none() | LINE)


@pytest.fixture(scope="module")
def rules(catalogue):
    return catalogue.rules[:4]  # enough to index into; the whole catalogue is slow to validate


def report_strategy(rules):
    ids = [spec.id for spec in rules]
    return st.builds(
        lambda found, notices, texts, mode: pipeline.Report(
            root=Path("/work/some project/ö"), mode=mode, rules=tuple(rules), findings=tuple(found),
            notices=tuple(notices), files=tuple(sorted({f.path for f in found})),
            texts={f.path: texts for f in found}),
        st.lists(findings(ids), max_size=4), st.lists(NOTICES, max_size=3),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=80), st.sampled_from(["scan", "diff"]),
    )


def check_uri(uri: str, path: str) -> None:
    assert URI_REFERENCE.match(uri), uri
    assert unquote(uri, errors="strict") == path


def test_generated_reports_give_schema_valid_sarif_that_says_what_it_was_given(rules):
    @given(report_strategy(rules), st.none() | TEXT.filter(str.strip))
    def check(report, category):
        text = sarif.render(report, category=category)
        text.encode("utf-8")  # writable as the CLI writes it (strict UTF-8)
        log = json.loads(text)
        VALIDATOR.validate(log)
        [run] = log["runs"]
        assert len(run["results"]) == len(report.findings)
        for result, finding in zip(run["results"], report.findings):
            assert result["message"]["text"] == finding.message
            [location] = result["locations"]
            check_uri(location["physicalLocation"]["artifactLocation"]["uri"], finding.path)
            assert location["physicalLocation"]["region"]["startLine"] == finding.region.start_line
            assert ("suppressions" in result) == (finding.suppression is not None)
            steps = result.get("codeFlows", [{"threadFlows": [{"locations": []}]}])[0]["threadFlows"][0]["locations"]
            for step, flow in zip(steps, finding.flow, strict=True):
                check_uri(step["location"]["physicalLocation"]["artifactLocation"]["uri"], flow.path)
        [invocation] = run["invocations"]
        assert invocation["executionSuccessful"] == (not report.failed)
        assert len(invocation.get("toolExecutionNotifications", [])) == len(report.notices)
        for note, notice in zip(invocation.get("toolExecutionNotifications", []), report.notices):
            assert note.get("level", "warning") == notice.level.level  # SARIF's default level is left out
            if notice.path:
                check_uri(note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], notice.path)
        document = json.loads(json_format.render(report))
        assert [f["message"] for f in document["findings"]] == [f.message for f in report.findings]
        assert document["complete"] == (not report.failed)

    check()
