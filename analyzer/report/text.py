"""Terminal output for people: grouped by file, the offending line with a caret, the rule's why
and fix, and a summary line. Colour only on a terminal and never with NO_COLOR."""

from __future__ import annotations

import io
import os
from itertools import groupby

from rich.console import Console
from rich.text import Text

from analyzer.findings import Finding, Severity
from analyzer.pipeline import Report

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def render(report: Report, *, color: bool = False, width: int = 100, **_: object) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=color and "NO_COLOR" not in os.environ, no_color=not color,
        width=width, highlight=False, soft_wrap=True,
    )
    rules = {spec.id: spec for spec in report.rules}
    for path, group in groupby(report.findings, key=lambda f: f.path):
        console.print(Text(path, style="bold underline"))
        lines = report.texts.get(path, "").splitlines()
        for finding in group:
            _finding(console, finding, lines, rules)
        console.print()
    for notice in report.notices:
        style = {"error": "bold red", "warning": "yellow", "note": "dim"}[notice.level.level]
        console.print(Text(notice.one_line(), style=style))
    console.print(_summary(report))
    return buffer.getvalue()


def _finding(console: Console, finding: Finding, lines: list[str], rules: dict) -> None:
    spec = rules.get(finding.rule_id)
    region = finding.region
    head = Text(f"  {region.start_line}:{region.start_column} ")
    head.append(finding.severity.level, style=_STYLE[finding.severity])
    head.append(f" {finding.rule_id}", style="bold")
    if spec:
        head.append(f" {spec.name}", style="dim")
    head.append(f"  {finding.message}")
    if finding.suppression:
        head.append(f"  [suppressed: {finding.suppression.justification}]", style="dim")
    console.print(head)
    if 0 < region.start_line <= len(lines):
        source = lines[region.start_line - 1].expandtabs(4)
        console.print(Text(f"    {region.start_line:>5} | {source}"))
        width = (region.end_column - region.start_column) if region.end_line == region.start_line else 0
        caret = " " * (region.start_column - 1) + "^" * max(1, min(width, len(source) - region.start_column + 1))
        console.print(Text(f"          | {caret}", style=_STYLE[finding.severity]))
    for step in finding.flow:
        console.print(Text(f"          {step.label}: {step.path}:{step.region.start_line}", style="dim"))
    if spec:
        console.print(Text(f"          why: {_first_sentence(spec.why)}", style="dim"))
        console.print(Text(f"          fix: {_first_sentence(spec.fix)}", style="dim"))
    engines = ", ".join(finding.engines)
    also = [r for r in finding.rule_ids if r != finding.rule_id]
    console.print(Text(f"          found by {engines}" + (f" (also {', '.join(also)})" if also else ""), style="dim"))


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def _summary(report: Report) -> Text:
    counts = {level: sum(1 for f in report.findings if f.severity is level and not f.suppression) for level in Severity}
    suppressed = sum(1 for f in report.findings if f.suppression)
    files = len(report.files)
    parts = [f"{counts[Severity.ERROR]} error(s)", f"{counts[Severity.WARNING]} warning(s)",
             f"{counts[Severity.NOTE]} note(s)"]
    text = Text(f"{sum(counts.values())} finding(s) in {files} file(s) analysed: " + ", ".join(parts))
    if suppressed:
        text.append(f"; {suppressed} suppressed")
    if report.failed:
        text.append("; ANALYSIS INCOMPLETE (see errors above)", style="bold red")
    return text
