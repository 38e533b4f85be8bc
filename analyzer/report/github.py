"""GitHub Actions output: workflow-command annotations, and a markdown summary for the job page.

    ::error file=app/views.py,line=12,endLine=12,col=5,endColumn=40,title=DS210 shell-command-...::Message

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and drops the rest
without a word. So annotations go out most severe first; when a level has more than 10, nine are
annotated and the tenth says how many more there are, and every finding not annotated is still
printed as a plain log line. `summary` is the markdown the CLI appends to `$GITHUB_STEP_SUMMARY`.
Suppressed and baselined findings are not annotated; they are counted in the summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analyzer.findings import Finding, NoticeLevel, Severity
from analyzer.pipeline import Report
from analyzer.rulespec import RuleSpec
from analyzer.suppress import counts

MAX_PER_LEVEL = 10  # GitHub's limit per step for each of error, warning and notice
MAX_SUMMARY_ROWS = 200  # the step summary is capped at 1 MiB
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
_LEVEL_OF_NOTICE = {NoticeLevel.ERROR: Severity.ERROR, NoticeLevel.WARNING: Severity.WARNING}


@dataclass(frozen=True)
class _Annotation:
    level: Severity
    properties: dict[str, str | int]
    message: str
    plain: str  # the same, as a plain log line, for when it cannot be an annotation


def render(report: Report, **_: object) -> str:
    rules = {spec.id: spec for spec in report.rules}
    annotations = [_from_notice(n) for n in report.notices if n.level in _LEVEL_OF_NOTICE]
    shown = sorted((f for f in report.findings if counts(f)),
                   key=lambda f: (-f.severity, f.path, f.region.start_line, f.rule_id))
    annotations += [_from_finding(f, rules.get(f.rule_id)) for f in shown]
    lines, plain = [], []
    for level in (Severity.ERROR, Severity.WARNING, Severity.NOTE):
        mine = [a for a in annotations if a.level is level]
        keep = mine if len(mine) <= MAX_PER_LEVEL else mine[: MAX_PER_LEVEL - 1]
        lines += [_command(a) for a in keep]
        rest = mine[len(keep):]
        if rest:
            word = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.NOTE: "notes"}[level]
            lines.append(_command(_Annotation(
                level, {"title": f"diffsentry: {len(rest)} more {word}"},
                f"{len(rest)} more {word} not shown as annotations (GitHub shows {MAX_PER_LEVEL} per step): "
                "see the job summary, the log below, or the code scanning alerts.", "")))
            plain += [a.plain for a in rest]
    lines += plain
    lines.append(_totals(report))
    return "\n".join(lines) + "\n"


def summary(report: Report) -> str:
    """Markdown for `$GITHUB_STEP_SUMMARY`: totals, a table of findings, the run's notices."""
    rules = {spec.id: spec for spec in report.rules}
    shown = sorted((f for f in report.findings if counts(f)),
                   key=lambda f: (-f.severity, f.path, f.region.start_line, f.rule_id))
    parts = [f"## diffsentry: {_headline(shown, report)}\n\n"]
    if report.failed:
        parts.append("> [!CAUTION]\n> The analysis is **incomplete**: part of the change was not analysed "
                     "(see the notices below). This is not a clean result.\n\n")
    if report.capabilities:
        parts.append("### New capabilities in this change\n\n")
        parts += [f"- {_cell(c.sentence)}\n" for c in report.capabilities]
        parts.append("\n")
    if shown:
        parts.append("| severity | rule | where | finding |\n|---|---|---|---|\n")
        for finding in shown[:MAX_SUMMARY_ROWS]:
            spec = rules.get(finding.rule_id)
            name = f" `{spec.name}`" if spec else ""
            parts.append(f"| {finding.severity.level} | {finding.rule_id}{name} | "
                         f"`{finding.path}:{finding.region.start_line}` | {_cell(finding.message)} |\n")
        if len(shown) > MAX_SUMMARY_ROWS:
            parts.append(f"\n…and {len(shown) - MAX_SUMMARY_ROWS} more (see the SARIF upload or the log).\n")
        parts.append("\n")
    quiet = _quiet_counts(report.findings)
    if quiet:
        parts.append(quiet[0].upper() + quiet[1:] + ".\n\n")
    if report.notices:
        parts.append("<details><summary>Run notices</summary>\n\n")
        parts += [f"- {_cell(n.one_line())}\n" for n in report.notices]
        parts.append("\n</details>\n\n")
    parts.append("`diffsentry explain RULE` shows what a rule looks for and how to fix it.\n")
    return "".join(parts)


def _from_finding(finding: Finding, spec: RuleSpec | None) -> _Annotation:
    region = finding.region
    props: dict[str, str | int] = {"file": finding.path, "line": region.start_line, "endLine": region.end_line}
    if region.end_line == region.start_line and region.end_column > region.start_column:
        props.update(col=region.start_column, endColumn=region.end_column)
    title = f"{finding.rule_id} {spec.name}" if spec else finding.rule_id
    props["title"] = title
    message = finding.message + (f"\nFix: {spec.fix}" if spec else "")
    plain = f"{finding.path}:{region.start_line}:{region.start_column}: {finding.severity.level} {title}: {finding.message}"
    return _Annotation(finding.severity, props, message, plain)


def _from_notice(notice) -> _Annotation:  # notice: analyzer.findings.Notice
    level = _LEVEL_OF_NOTICE[notice.level]
    props: dict[str, str | int] = {"title": "diffsentry: analysis incomplete" if level is Severity.ERROR
                                   else "diffsentry"}
    if notice.path:
        props["file"] = notice.path
        if notice.line:
            props["line"] = notice.line
    return _Annotation(level, props, notice.one_line(), f"diffsentry: {notice.one_line()}")


def _command(annotation: _Annotation) -> str:
    props = ",".join(f"{key}={_escape_property(str(value))}" for key, value in annotation.properties.items())
    return f"::{_COMMAND[annotation.level]} {props}::{_escape_data(annotation.message)}"


def _escape_data(text: str) -> str:
    # As @actions/core's command.ts: a message runs to the end of the line.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _headline(shown: Sequence[Finding], report: Report) -> str:
    if not shown:
        return f"no findings in {len(report.files)} file(s) analysed"
    by_level = [(level, sum(1 for f in shown if f.severity is level)) for level in Severity]
    levels = ", ".join(f"{n} {level.level}{'s' if n != 1 else ''}" for level, n in reversed(by_level) if n)
    files = len({f.path for f in shown})
    return f"{len(shown)} finding{'s' if len(shown) != 1 else ''} ({levels}) in {files} file{'s' if files != 1 else ''}"


def _quiet_counts(findings: Sequence[Finding]) -> str:
    suppressed = sum(1 for f in findings if f.suppression is not None)
    baselined = sum(1 for f in findings if f.suppression is None and f.baseline_state == "unchanged")
    parts = []
    if suppressed:
        parts.append(f"{suppressed} suppressed by a comment")
    if baselined:
        parts.append(f"{baselined} accepted in the baseline")
    return ", ".join(parts)


def _totals(report: Report) -> str:
    shown = [f for f in report.findings if counts(f)]
    quiet = _quiet_counts(report.findings)
    text = f"diffsentry: {_headline(shown, report)}" + (f"; {quiet}" if quiet else "")
    return text + ("; ANALYSIS INCOMPLETE" if report.failed else "")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
