"""`diffsentry provenance` output: text and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from analyzer import __version__
from analyzer.ai.provenance import Provenance, ranges
from analyzer.ai.vendors import load

JSON_VERSION = 1
LIMITS = ("Only assistants that leave metadata are seen: no trailer, bot account, footer or agent file, no "
          "claim (code style is never evidence). Squash and rebase keep or drop trailers as the person merging "
          "chose; lines later rewritten by someone else are theirs in blame.")


def _who(row: str) -> dict[str, str]:
    table = load()
    vendor = table.vendor_of(row)
    return {"assistant": row, "assistant_name": table.assistants[row].name if row in table.assistants else row,
            "vendor": vendor.id if vendor else "", "country": vendor.country if vendor else ""}


def render_json(provenance: Provenance, violations: Sequence[str] = (), **_: object) -> str:
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "diffsentry", "version": __version__},
        "vendor_table": load().version,
        "since": provenance.since,
        "commits_read": provenance.commits_read,
        "commits": [
            {"sha": c.sha, **_who(c.assistant), "confidence": c.confidence, "author": c.author, "date": c.date,
             "subject": c.subject,
             "evidence": [{"kind": e.kind, "assistant": e.assistant, "confidence": e.confidence, "detail": e.detail}
                          for e in c.evidence],
             "files": c.files}
            for c in provenance.commits
        ],
        "files": [
            {"path": f.path, "assistants": [_who(a) for a in f.assistants],
             "lines": {a: [list(r) for r in ranges(lines)] for a, lines in sorted(f.lines.items())},
             "line_count": sum(len(set(v)) for v in f.lines.values()), "commits": f.commits}
            for f in provenance.files
        ],
        "agent_files": [{"path": a.path, **_who(a.assistant), "tracked": a.tracked} for a in provenance.agent_files],
        "policy_violations": list(violations),
        "limits": LIMITS,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_text(provenance: Provenance, violations: Sequence[str] = (), **_: object) -> str:
    since = f" since {provenance.since}" if provenance.since else ""
    lines = [f"{len(provenance.commits)} of {provenance.commits_read} commit(s){since} written with an AI assistant; "
             f"{sum(len(set(v)) for f in provenance.files for v in f.lines.values())} line(s) in "
             f"{len(provenance.files)} file(s) at HEAD; {len(provenance.agent_files)} agent file(s).", ""]
    if provenance.commits:
        lines.append("Commits:")
        for c in provenance.commits:
            who = _who(c.assistant)
            lines.append(f"  {c.sha[:12]}  {who['assistant_name']} ({who['vendor'] or 'no vendor'}, "
                         f"{who['country'] or '-'})  {c.confidence}  {c.subject}")
            lines += [f"      {e.kind}: {e.detail}" for e in c.evidence]
        lines.append("")
    if provenance.files:
        lines.append("Lines at HEAD:")
        for f in provenance.files:
            for assistant, numbers in sorted(f.lines.items()):
                spans = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges(numbers))
                lines.append(f"  {f.path}  {assistant}  lines {spans}")
        lines.append("")
    if provenance.agent_files:
        lines.append("Agent files:")
        lines += [f"  {a.path}  {_who(a.assistant)['assistant_name']}" + ("" if a.tracked else "  (not committed)")
                  for a in provenance.agent_files]
        lines.append("")
    if violations:
        lines.append("AI policy violations:")
        lines += [f"  {v}" for v in violations]
        lines.append("")
    lines.append(f"Limits: {LIMITS}")
    return "\n".join(lines) + "\n"


FORMATS = {"text": render_text, "json": render_json}
