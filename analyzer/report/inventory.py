"""`diffsentry inventory` output: text, JSON, and SARIF through the writer `scan` uses."""

from __future__ import annotations

import json

from analyzer import __version__
from analyzer.ai import inventory as detector
from analyzer.ai.inventory import Inventory
from analyzer.ai.vendors import load
from analyzer.pipeline import Report
from analyzer.report import sarif

JSON_VERSION = 2  # 2: evidence carries vendor and country; the table's version is named


def render_text(inventory: Inventory, **_: object) -> str:
    if not inventory.files:
        return "No AI provider, endpoint or model found.\n"
    providers, endpoints, models = inventory.by("providers"), inventory.by("endpoints"), inventory.by("models")
    lines = [f"{len(inventory.files)} file(s) use AI services: {len(providers)} provider(s), "
             f"{len(endpoints)} endpoint(s), {len(models)} model(s).", ""]
    for item in inventory.files:
        lines.append(f"{item.path}  ->  {', '.join(item.providers) or 'unknown'}")
        for e in item.evidence:
            note = f"{e.provider} family" if e.kind == "model" else e.provider
            lines.append(f"  {e.line:>5}  {e.kind:<10} {e.detail}" + (f"  ({note})" if e.kind != "sdk" else ""))
        lines.append("")
    for title, table in (("Providers", providers), ("Endpoints", endpoints), ("Models", models)):
        if table:
            lines.append(f"{title}:")
            lines += [f"  {key}{_who(key) if title != 'Endpoints' else ''}: {', '.join(paths)}"
                      for key, paths in table.items()]
    return "\n".join(lines).rstrip("\n") + "\n"


def _who(row: str) -> str:
    table = load()
    key = table.family_of_model(row) if row not in table.providers else row
    vendor = table.vendor_of(key) if key else None
    return f" [{vendor.company}, {vendor.country}]" if vendor and vendor.country else ""


def render_json(inventory: Inventory, **_: object) -> str:
    table = load()
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "diffsentry", "version": __version__},
        "vendor_table": table.version,
        "files": [
            {"path": f.path, "providers": f.providers, "endpoints": f.endpoints, "models": f.models,
             "evidence": [{"kind": e.kind, "provider": e.provider, "vendor": e.vendor,
                           "country": table.vendors[e.vendor].country if e.vendor else "",
                           "detail": e.detail, "line": e.line, "column": e.column} for e in f.evidence]}
            for f in inventory.files
        ],
        "providers": inventory.by("providers"),
        "endpoints": inventory.by("endpoints"),
        "models": inventory.by("models"),
        "notices": [n.one_line() for n in inventory.notices],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_sarif(inventory: Inventory, *, category: str | None = None, **_: object) -> str:
    """Note-level results of rule DS541, one per file and service.

    Results rather than notifications: GitHub code scanning shows notifications only on the tool's
    status page, while results are listed, filtered by rule and tag, and annotated on the lines
    of a pull request that adds a new AI call. Upload with its own category (`--category
    ai-inventory`) so these notes never mix with (or close) the security alerts of `scan`.
    """
    found = detector.findings(inventory)
    report = Report(root=inventory.root, mode="inventory", rules=(detector.SERVICE_SPEC,), findings=tuple(found),
                    notices=tuple(inventory.notices), files=tuple(f.path for f in inventory.files),
                    texts=inventory.texts)
    return sarif.render(report, category=category)


def render_cyclonedx(inventory: Inventory, **options: object) -> str:
    from analyzer.report import cyclonedx

    return cyclonedx.render(inventory, **options)


FORMATS = {"text": render_text, "json": render_json, "sarif": render_sarif, "cyclonedx": render_cyclonedx}
