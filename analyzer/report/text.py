"""Terminal output for people: grouped by file, the offending line with a caret, the rule's why
and fix, and a summary line. Colour only on a terminal and never with NO_COLOR.

Suppressed and baselined findings are not listed (as Ruff hides `noqa`'d ones); the summary
counts them so that nothing disappears silently.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from itertools import groupby

from rich.console import Console
from rich.text import Text

from analyzer.findings import Finding, Severity
from analyzer.pipeline import Report
from analyzer.suppress import counts

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
_NOTICE_STYLE = {"error": "bold red", "warning": "yellow", "note": "dim"}
_GUTTER = " " * 10
_PHYSICAL_LINE = re.compile(r"\r\n|\r|\n")


def render(report: Report, *, color: bool = False, width: int = 100, list_notices: bool = True, **_: object) -> str:
    """The report for a terminal. `list_notices=False` when the notices are shown elsewhere (the
    CLI writes them to stderr, so that stdout holds the findings alone)."""
    buffer = io.StringIO()
    color = color and "NO_COLOR" not in os.environ
    console = Console(file=buffer, force_terminal=color, no_color=not color, color_system="standard" if color else None,
                      width=width, highlight=False, soft_wrap=True)
    rules = {spec.id: spec for spec in report.rules}
    shown = [f for f in report.findings if counts(f)]
    if report.capabilities:  # what the change gives the code, before what is wrong with it
        console.print(Text("New capabilities in this change", style="bold"))
        for capability in report.capabilities:
            console.print(Text(f"  + {_visible(capability.sentence)}"))
        console.print()
    for path, group in groupby(shown, key=lambda f: f.path):
        console.print(Text(_visible(path), style="bold underline"))
        lines = _PHYSICAL_LINE.split(report.texts.get(path, ""))  # as Python numbers lines, not str.splitlines
        for finding in group:
            _finding(console, finding, lines, rules, width)
        console.print()
    for notice in report.notices if list_notices else ():
        console.print(Text(_visible(notice.one_line()), style=_NOTICE_STYLE[notice.level.level]))
    console.print(_summary(report, shown, "above" if list_notices else "on stderr"))
    return buffer.getvalue()


def _finding(console: Console, finding: Finding, lines: list[str], rules: dict, width: int) -> None:
    spec = rules.get(finding.rule_id)
    region = finding.region
    head = Text(f"  {region.start_line}:{region.start_column} ")
    head.append(finding.severity.level, style=_STYLE[finding.severity])
    head.append(f" {finding.rule_id}", style="bold")
    if spec:
        head.append(f" {spec.name}", style="dim")
    head.append(f"  {_visible(finding.message)}")
    console.print(head)
    if 0 < region.start_line <= len(lines):
        raw = lines[region.start_line - 1]
        first = _visible(raw[: region.start_column - 1])
        end = region.end_column - 1 if region.end_line == region.start_line and region.end_column else region.start_column
        source, column = _visible(raw), len(first)
        span = max(1, len(_visible(raw[: max(end, region.start_column)])) - column)
        room = max(20, width - 20)
        start = max(0, min(column, len(source)) - room // 2) if len(source) > room else 0
        shown = source[start: start + room]
        console.print(Text(f"    {region.start_line:>5} | {'…' if start else ''}{shown}"
                           f"{'…' if start + room < len(source) else ''}"))
        column = column - start + (1 if start else 0)
        caret = " " * column + "^" * max(1, min(span, len(shown) - column + 1 + (1 if start else 0)))
        console.print(Text(f"{_GUTTER}| {caret}", style=_STYLE[finding.severity]))
    for step in finding.flow:
        console.print(Text(f"{_GUTTER}{step.label}: {step.path}:{step.region.start_line}", style="dim"))
    if spec:
        console.print(Text(f"{_GUTTER}why: {_first_sentence(spec.why)}", style="dim"))
        console.print(Text(f"{_GUTTER}fix: {_first_sentence(spec.fix)}", style="dim"))
    engines = ", ".join(finding.engines)
    also = [r for r in finding.rule_ids if r != finding.rule_id]
    console.print(Text(f"{_GUTTER}found by {engines}" + (f" (also {', '.join(also)})" if also else ""), style="dim"))


def _visible(text: str) -> str:
    """The line as it may be shown on a terminal: tabs expanded, and control, format (bidi,
    zero-width) and separator characters written as escapes, so that the report can neither be
    reordered by Trojan Source characters nor drive the terminal with escape sequences."""
    out = []
    for char in text.expandtabs(4):
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or char == "\x7f":
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def _summary(report: Report, shown: list[Finding], errors_where: str) -> Text:
    files = len(report.files)
    analysed = f"{files} file{'s' if files != 1 else ''} analysed"
    if shown:
        levels = [(level, sum(1 for f in shown if f.severity is level)) for level in reversed(Severity)]
        levels = [(level, n) for level, n in levels if n]
        text = Text(f"{len(shown)} finding{'s' if len(shown) != 1 else ''} (", style="bold")
        for i, (level, n) in enumerate(levels):
            text.append(f"{n} {level.level}{'s' if n != 1 else ''}", style=_STYLE[level])
            text.append(", " if i < len(levels) - 1 else ")")
        text.append(f" in {len({f.path for f in shown})} of {analysed}")
    else:
        text = Text(f"No findings in {analysed}", style="bold green")
    suppressed = sum(1 for f in report.findings if f.suppression is not None)
    baselined = sum(1 for f in report.findings if f.suppression is None and f.baseline_state == "unchanged")
    if suppressed:
        text.append(f"; {suppressed} suppressed by comments")
    if baselined:
        text.append(f"; {baselined} in the baseline")
    if report.failed:
        text.append(f"; ANALYSIS INCOMPLETE (see errors {errors_where})", style="bold red")
    elif shown:
        text.append(". `diffsentry explain RULE` tells more.", style="dim")
    return text
