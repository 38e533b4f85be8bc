"""diffsentry's own JSON: findings and notices as flat records, stable key order."""

from __future__ import annotations

import json

from analyzer import __version__
from analyzer.findings import Finding, Notice
from analyzer.pipeline import Report

JSON_VERSION = 1


def render(report: Report, **_: object) -> str:
    rules = {spec.id: spec for spec in report.rules}
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "diffsentry", "version": __version__},
        "mode": report.mode,
        "files": list(report.files),
        "capabilities": [c.as_dict() for c in report.capabilities],
        "findings": [_finding(f, rules) for f in report.findings],
        "notices": [_notice(n) for n in report.notices],
        "complete": not report.failed,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _finding(finding: Finding, rules: dict) -> dict:
    spec = rules.get(finding.rule_id)
    return {
        "rule_id": finding.rule_id,
        "rule_name": spec.name if spec else finding.rule_id,
        "path": finding.path,
        "start_line": finding.region.start_line,
        "start_column": finding.region.start_column,
        "end_line": finding.region.end_line,
        "end_column": finding.region.end_column,
        "severity": finding.severity.level,
        "confidence": finding.confidence.precision,
        "cwe": list(spec.cwe) if spec else [],
        "security_severity": spec.security_severity if spec else None,
        "message": finding.message,
        "engines": list(finding.engines),
        "rule_ids": list(finding.rule_ids),
        "fingerprint": finding.fingerprint,
        "flow": [
            {"label": s.label, "path": s.path, "start_line": s.region.start_line, "end_line": s.region.end_line}
            for s in finding.flow
        ],
        "suppressed": finding.suppression.justification if finding.suppression else None,
        "baseline_state": finding.baseline_state,
    }


def _notice(notice: Notice) -> dict:
    return {"level": notice.level.level, "source": notice.source, "path": notice.path, "line": notice.line,
            "message": notice.message}
