"""SARIF 2.1.0 for GitHub code scanning, built with sarif-om.

GitHub-specific choices (from its code scanning docs and codeql-action):
* `results` is always present, empty when clean;
* rule `properties` carry `tags` (`security`, `external/cwe/cwe-078`), `precision`,
  `security-severity` and our `suite` (default or extended, as CodeQL's query suites); results carry `partialFingerprints.primaryLocationLineHash` exactly as
  upload-sarif computes it, plus our own line-independent key;
* URIs are repo-relative against `%SRCROOT%`;
* `automationDetails` only when a category was asked for (it overrides the upload's category);
* `rules` holds the rules the log's results name, not every rule that ran (as Ruff and ESLint
  write it): a result's metadata is all GitHub shows, and serialising all ~140 rules' help through
  sarif-om took ~0.2 s of every run (its serialiser deep-copies each nested level again).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import jschema_to_python.to_json as jtp
import sarif_om as om

from analyzer import __version__
from analyzer.findings import Finding, Notice, Region
from analyzer.fingerprints import github_line_hashes
from analyzer.pipeline import Report
from analyzer.report.docs import help_markdown, help_text
from analyzer.rulespec import RuleSpec

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "diffsentry/v1"
SRCROOT = "%SRCROOT%"
INFORMATION_URI = "https://github.com/diffsentry/diffsentry"
MAX_TAGS = 20


def render(report: Report, *, category: str | None = None, **_: object) -> str:
    reported = {f.rule_id for f in report.findings}
    rules = [spec for spec in report.rules if spec.id in reported]
    index = {spec.id: i for i, spec in enumerate(rules)}
    with_findings = {f.path for f in report.findings}
    line_hashes = {path: github_line_hashes(text)
                   for path, text in report.texts.items() if path in with_findings}
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="diffsentry",
                semantic_version=__version__,
                version=__version__,
                information_uri=INFORMATION_URI,
                rules=[_rule(spec) for spec in rules],
            )
        ),
        results=[_result(f, index, line_hashes.get(f.path, [])) for f in report.findings],
        invocations=[
            om.Invocation(
                execution_successful=not report.failed,
                tool_execution_notifications=[_notification(n) for n in report.notices],
            )
        ],
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=report.root.resolve().as_uri() + "/")},
        column_kind="unicodeCodePoints",
        properties={"mode": report.mode, "filesAnalysed": len(report.files),
                    "capabilities": [c.as_dict() for c in report.capabilities]},
    )
    if category:
        run.automation_details = om.RunAutomationDetails(id=category if category.endswith("/") else category + "/")
    log = om.SarifLog(schema_uri=SCHEMA_URI, version="2.1.0", runs=[run])
    return json.dumps(log, indent=2, ensure_ascii=False, default=_as_json) + "\n"


def _as_json(obj: object) -> object:
    """One sarif-om object as `jschema_to_python.to_json` writes it (default values left out,
    SARIF's property names), by its own two steps. Its `to_json` deep-copies each object's whole
    subtree at every level (20,000 copies for Django's 14 results with code flows); a shallow
    copy is enough, since the steps only remove and rename the object's own keys."""
    if not hasattr(obj, "__dict__"):
        return str(obj)
    fields = dict(vars(obj))
    jtp._remove_properties_with_default_values(obj, fields)
    jtp._change_python_property_names_to_schema_property_names(obj, fields)
    return fields


def _rule(spec: RuleSpec) -> om.ReportingDescriptor:
    tags = ["security", spec.family, *spec.cwe_tags][:MAX_TAGS]
    return om.ReportingDescriptor(
        id=spec.id,
        name=spec.name,
        short_description=om.MultiformatMessageString(text=spec.summary),
        full_description=om.MultiformatMessageString(text=spec.what),
        help=om.MultiformatMessageString(text=help_text(spec), markdown=help_markdown(spec)),
        default_configuration=om.ReportingConfiguration(level=spec.severity.level),
        properties={
            "tags": tags,
            "precision": spec.confidence.precision,
            "suite": spec.suite,
            "security-severity": spec.security_severity,
            "engine": spec.engine,
        },
    )


def _region(region: Region) -> om.Region:
    out = om.Region(start_line=region.start_line, start_column=region.start_column, end_line=region.end_line)
    if region.end_column:
        out.end_column = region.end_column
    return out


def _location(path: str, region: Region | None, message: str | None = None) -> om.Location:
    # A URI reference, percent-encoded: upload-sarif runs decodeURIComponent on it, so a raw `%`
    # breaks the upload and a raw `#`, `?` or space names another file.
    uri = quote(path, safe="/")
    physical = om.PhysicalLocation(artifact_location=om.ArtifactLocation(uri=uri, uri_base_id=SRCROOT))
    if region is not None:
        physical.region = _region(region)
    location = om.Location(physical_location=physical)
    if message:
        location.message = om.Message(text=message)
    return location


def _result(finding: Finding, index: dict[str, int], line_hashes: list[str]) -> om.Result:
    fingerprints = {FINGERPRINT_KEY: finding.fingerprint}
    if 0 < finding.region.start_line <= len(line_hashes):
        fingerprints["primaryLocationLineHash"] = line_hashes[finding.region.start_line - 1]
    result = om.Result(
        rule_id=finding.rule_id,
        rule_index=index.get(finding.rule_id, -1),
        level=finding.severity.level,
        message=om.Message(text=finding.message),
        locations=[_location(finding.path, finding.region)],
        partial_fingerprints=fingerprints,
        properties={"engines": list(finding.engines), "ruleIds": list(finding.rule_ids),
                    "confidence": finding.confidence.precision},
    )
    if finding.flow:
        steps = [om.ThreadFlowLocation(location=_location(s.path, s.region, s.label)) for s in finding.flow]
        result.code_flows = [om.CodeFlow(thread_flows=[om.ThreadFlow(locations=steps)])]
    if finding.suppression is not None:
        result.suppressions = [om.Suppression(kind=finding.suppression.kind,
                                              justification=finding.suppression.justification)]
    if finding.baseline_state is not None:
        result.baseline_state = finding.baseline_state
    return result


def _notification(notice: Notice) -> om.Notification:
    note = om.Notification(message=om.Message(text=notice.one_line()), level=notice.level.level)
    if notice.path:
        note.locations = [
            _location(notice.path, Region(notice.line) if notice.line else None)
        ]
    note.properties = {"source": notice.source}
    return note
