"""A study's figures as JSON, CSV, a terminal table, and per-answer records for auditing.

Model and condition names come from the input: the table shows them as plain text (no rich
markup, control characters escaped) and the CSV keeps a spreadsheet from reading them as formulas.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from analyzer import __version__
from analyzer.study.data import Record
from analyzer.study.stats import vulnerable_families

JSON_VERSION = 1
CSV_FIELDS = ("model", "condition", "n", "with_code", "no_code", "vulnerable", "rate", "ci_low", "ci_high",
              "incomplete", "baseline_condition", "difference", "relative_change", "p_value", "p_holm")


def document(groups: Sequence[Mapping[str, Any]], comparisons: Sequence[Mapping[str, Any]], *, fail_on: str,
             baseline: str, complete: bool) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "tool": {"name": "diffsentry", "version": __version__},
        "fail_on": fail_on,
        "baseline_condition": baseline,
        "complete": complete,
        "groups": list(groups),
        "comparisons": list(comparisons),
    }


def render_json(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_csv(doc: Mapping[str, Any]) -> str:
    """One row per (model, condition), with its comparison against the baseline when it has one."""
    against = {(c["model"], c["condition"]): c for c in doc["comparisons"]}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for group in doc["groups"]:
        comparison = against.get((group["model"], group["condition"]), {})
        row = {field: group.get(field) for field in CSV_FIELDS}
        row["baseline_condition"] = doc["baseline_condition"]
        row.update({k: comparison.get(k) for k in ("difference", "relative_change", "p_value", "p_holm")})
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # read as text, not a formula
    return value


def render_table(doc: Mapping[str, Any], *, color: bool, width: int = 140) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from analyzer.report.text import _visible

    against = {(c["model"], c["condition"]): c for c in doc["comparisons"]}
    table = Table(title=f"Vulnerable-answer rate (fail-on {doc['fail_on']}; baseline condition "
                        f"{_visible(doc['baseline_condition'])!r})", title_justify="left")
    for header in ("model", "condition", "n", "with code", "no code", "vulnerable", "rate", "95% CI",
                   "Δ vs baseline", "Fisher p", "Holm p"):
        table.add_column(header, justify="left" if header in ("model", "condition") else "right")
    for group in doc["groups"]:
        comparison = against.get((group["model"], group["condition"]), {})
        interval = "" if group["ci_low"] is None else f"{percent(group['ci_low'])}–{percent(group['ci_high'])}"
        table.add_row(Text(_visible(group["model"])), Text(_visible(group["condition"])), str(group["n"]),
                      str(group["with_code"]), str(group["no_code"]), str(group["vulnerable"]),
                      percent(group["rate"]), interval, signed_points(comparison.get("difference")),
                      p_text(comparison.get("p_value")), p_text(comparison.get("p_holm")))
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    console.print(table)
    if not doc["complete"]:
        console.print(Text("ANALYSIS INCOMPLETE: some answers were not fully analysed (see --answers-out)",
                           style="bold red"))
    return buffer.getvalue()


def answer_records(records: Sequence[Record], results: Sequence[Mapping[str, Any]], fail_on: str) -> str:
    """JSON Lines, one per answer in input order: what was found, so any figure can be audited."""
    from analyzer.findings import Severity

    threshold = Severity.parse(fail_on)
    lines = []
    for record, result in zip(records, results):
        vulnerable, _, _ = vulnerable_families(result, threshold)
        lines.append(json.dumps({
            "id": record.id, "line": record.line, "model": record.model, "condition": record.condition,
            "task": record.task, "sample": record.sample, "has_code": result["has_code"],
            "vulnerable": bool(result["has_code"]) and vulnerable, "complete": not result["errors"], **result,
        }, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def signed_points(value: float | None) -> str:
    return "" if value is None else f"{100 * value:+.1f} pp"


def p_text(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"
