"""A study as one self-contained HTML page: the table, and rate ± 95 % interval per condition drawn
as inline SVG. No script, no font, no image, no stylesheet from anywhere: it opens offline and
says the same in ten years. Every name from the input is escaped."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from analyzer.study.output import p_text, percent, signed_points

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 64

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 72rem; }
table { border-collapse: collapse; margin: 1rem 0 2rem; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: right; white-space: nowrap; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
thead th { background: #f2f2f2; }
.note { color: #555; font-size: .9rem; }
.incomplete { color: #b00; font-weight: bold; }
svg text { font-size: 12px; fill: #333; }
"""


def render(doc: Mapping[str, Any]) -> str:
    against = {(c["model"], c["condition"]): c for c in doc["comparisons"]}
    models = list(dict.fromkeys(g["model"] for g in doc["groups"]))
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        # Nothing may be fetched: the page is meant to be read offline, and opened from anywhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        "<title>diffsentry study</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
        "<h1>Vulnerable-answer rate by condition</h1>",
        f"<p class=\"note\">An answer is vulnerable when diffsentry finds at least one problem at level "
        f"<b>{escape(doc['fail_on'])}</b> or above in its code; the rate is vulnerable answers over answers with "
        f"code. Intervals are Wilson 95 %; p-values are Fisher's exact test against the baseline condition "
        f"<b>{escape(doc['baseline_condition'])}</b>, Holm-adjusted over the {len(doc['comparisons'])} comparison(s) "
        "in this report. diffsentry " + escape(doc["tool"]["version"]) + ".</p>",
    ]
    if not doc["complete"]:
        parts.append('<p class="incomplete">Analysis incomplete: some answers were not fully analysed.</p>')
    parts += _table(doc["groups"], against)
    for model in models:
        rows = [g for g in doc["groups"] if g["model"] == model]
        parts.append(f"<h2>{escape(model)}</h2>")
        parts.append(_plot(model, rows, doc["baseline_condition"]))
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _table(groups: Sequence[Mapping[str, Any]], against: Mapping[tuple[str, str], Mapping[str, Any]]) -> list[str]:
    headers = ("model", "condition", "n", "with code", "no code", "vulnerable", "rate", "95 % CI",
               "Δ vs baseline", "Fisher p", "Holm p")
    out = ['<table id="groups">', "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>",
           "<tbody>"]
    for g in groups:
        c = against.get((g["model"], g["condition"]), {})
        interval = "" if g["ci_low"] is None else f"{percent(g['ci_low'])} – {percent(g['ci_high'])}"
        cells = (g["model"], g["condition"], g["n"], g["with_code"], g["no_code"], g["vulnerable"], percent(g["rate"]),
                 interval, signed_points(c.get("difference")), p_text(c.get("p_value")), p_text(c.get("p_holm")))
        out.append("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


def _plot(model: str, rows: Sequence[Mapping[str, Any]], baseline: str) -> str:
    top = max([r["ci_high"] for r in rows if r["ci_high"] is not None] or [0.1])
    y_max = min(1.0, math.ceil(top * 10 + 1e-9) / 10) or 0.1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + inner_h * (1 - value / y_max)

    out = [f'<svg class="plot" role="img" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'aria-label="rate by condition for {escape(model)}">']
    steps = 5
    for i in range(steps + 1):
        value = y_max * i / steps
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                   'stroke="#e3e3e3"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{100 * value:.0f}%</text>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + inner_h}" stroke="#888"/>')
    for i, row in enumerate(rows):
        x = LEFT + inner_w * (i + 0.5) / len(rows)
        label = row["condition"] if len(row["condition"]) <= 24 else row["condition"][:23] + "…"
        out.append(f'<text x="{x:.1f}" y="{TOP + inner_h + 20}" text-anchor="middle">{escape(label)}</text>')
        out.append(f'<text x="{x:.1f}" y="{TOP + inner_h + 38}" text-anchor="middle" fill="#777">'
                   f'n={row["with_code"]} with code</text>')
        if row["rate"] is None:
            continue
        color = "#555" if row["condition"] == baseline else "#c0392b"
        low, high = y(row["ci_low"]), y(row["ci_high"])
        out.append(f'<g class="point" data-condition="{escape(row["condition"])}" data-rate="{row["rate"]:.6f}">'
                   f'<title>{escape(row["condition"])}: {percent(row["rate"])} '
                   f'({percent(row["ci_low"])} – {percent(row["ci_high"])})</title>'
                   f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{low:.1f}" y2="{high:.1f}" stroke="{color}" stroke-width="2"/>'
                   f'<line x1="{x - 8:.1f}" x2="{x + 8:.1f}" y1="{low:.1f}" y2="{low:.1f}" stroke="{color}" stroke-width="2"/>'
                   f'<line x1="{x - 8:.1f}" x2="{x + 8:.1f}" y1="{high:.1f}" y2="{high:.1f}" stroke="{color}" stroke-width="2"/>'
                   f'<circle cx="{x:.1f}" cy="{y(row["rate"]):.1f}" r="6" fill="{color}"/>'
                   f'<text x="{x + 12:.1f}" y="{y(row["rate"]) + 4:.1f}">{percent(row["rate"])}</text></g>')
    out.append("</svg>")
    return "".join(out)
