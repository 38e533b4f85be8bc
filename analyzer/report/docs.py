"""Rule documentation, generated from the catalogue: `diffsentry rules`, `explain`, docs/rules.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.rulespec import FAMILY_TITLES, RuleSpec

if TYPE_CHECKING:
    from analyzer.catalogue import Catalogue

DOCS_HEADER = (
    "# diffsentry rules\n\n"
    "Generated from the rule declarations by `diffsentry rules --format markdown > docs/rules.md`; "
    "a test fails when this file is out of date. Each rule's cases live next to its declaration.\n\n"
    "The `suite` column says which rules run by default: `default` rules follow data or match an "
    "unambiguous dangerous form; `extended` rules (`--suite extended`, or `suite = \"extended\"` in "
    "`[tool.diffsentry]`) add checks that flag a call by its name where a `default` rule follows the "
    "data to the same sink.\n"
)


def render_rules_table(catalogue: Catalogue, title: str = "") -> str:
    rows = [title] if title else []
    rows.append(f"{'ID':<6} {'SEVERITY':<8} {'CONF':<6} {'ENGINE':<8} {'NAME':<44} SUMMARY")
    for spec in catalogue.rules:
        rows.append(
            f"{spec.id:<6} {spec.severity.level:<8} {spec.confidence.precision:<6} {spec.engine:<8} "
            f"{spec.name:<44} {spec.summary}"
        )
    rows.append(f"\n{len(catalogue.rules)} rules. `diffsentry explain ID` shows one rule's documentation.")
    return "\n".join(rows) + "\n"


def sections(spec: RuleSpec) -> list[tuple[str, str, str]]:
    """A rule's documentation as (heading, prose, code), in the order every rendering uses."""
    return [
        ("What it does", spec.what, ""),
        ("Why is this bad?", spec.why, ""),
        ("Example", "", spec.example),
        ("Use instead", spec.fix, spec.use_instead),
    ]


def help_markdown(spec: RuleSpec) -> str:
    """The rule's help in Markdown: docs/rules.md and SARIF `help.markdown`."""
    cwe = ", ".join(f"[CWE-{n}](https://cwe.mitre.org/data/definitions/{n}.html)" for n in spec.cwe)
    refs = "".join(f"\n- <{ref}>" for ref in spec.references)
    body = "\n\n".join(
        f"## {heading}\n" + "\n\n".join(part for part in (prose, code and f"```python\n{code.rstrip()}\n```") if part)
        for heading, prose, code in sections(spec)
    )
    return (
        f"{body}\n\n**{spec.id} {spec.name}** · severity {spec.severity.level} · confidence "
        f"{spec.confidence.precision} · suite {spec.suite} · security-severity {spec.security_severity} · {cwe}"
        + (f"\n\n## References{refs}" if refs else "")
    )


def help_text(spec: RuleSpec) -> str:
    """The rule's help in plain text: `diffsentry explain` and SARIF `help.text`."""
    return "\n".join(
        f"{heading}\n" + (f"  {_indent(prose)}\n" if prose else "") + _code(code)
        for heading, prose, code in sections(spec)
    )


def render_explain(spec: RuleSpec) -> str:
    cwe = ", ".join(f"CWE-{n}" for n in spec.cwe)
    return (
        f"{spec.id} {spec.name} ({spec.family}, {spec.engine})\n"
        f"severity {spec.severity.level}, confidence {spec.confidence.precision}, suite {spec.suite}, "
        f"security-severity {spec.security_severity}, {cwe}\n\n"
        f"{spec.summary}\n\n"
        f"{help_text(spec)}\n"
        + (f"References\n" + "".join(f"  {ref}\n" for ref in spec.references) + "\n" if spec.references else "")
        + f"Declared in {spec.source}\n"
    )


def render_rules_markdown(catalogue: Catalogue) -> str:
    parts = [DOCS_HEADER]
    for family, title in FAMILY_TITLES.items():
        specs = [s for s in catalogue.rules if s.family == family]
        if not specs:
            continue
        parts.append(f"\n## {title}\n\n| id | name | severity | confidence | suite | engine | summary |\n"
                     "|---|---|---|---|---|---|---|\n")
        parts.extend(
            f"| [{s.id}](#{s.id.lower()}-{s.name}) | `{s.name}` | {s.severity.level} | {s.confidence.precision} "
            f"| {s.suite} | {s.engine} | {s.summary} |\n"
            for s in specs
        )
        for spec in specs:
            parts.append(f"\n### {spec.id} {spec.name}\n\n{spec.summary}\n\n{help_markdown(spec)}\n\n"
                         f"Declared in `{spec.source}`.\n")
    return "".join(parts)


def _indent(text: str) -> str:
    return "\n  ".join(" ".join(text.split()).split("\n"))


def _code(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.rstrip().splitlines())
