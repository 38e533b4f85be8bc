"""One finding per problem: merge what several engines (or overlapping rules) said about one line.

Findings are the same problem when they share path, start line and the rules' equivalence
`group` (declared in the catalogue, e.g. Bandit's B602 and our shell-injection rule). The most
severe, then most confident, then our own rule's wording wins; every engine and rule is kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from analyzer.findings import Finding

if TYPE_CHECKING:
    from analyzer.catalogue import Catalogue

# On a tie, prefer the engine whose rule text is most specific.
_ENGINE_PREFERENCE = {"cst": 0, "semgrep": 1, "bandit": 2}


def dedupe(findings: Iterable[Finding], catalogue: Catalogue) -> list[Finding]:
    groups: dict[tuple[str, int, str], list[Finding]] = {}
    for finding in findings:
        spec = catalogue.get(finding.rule_id)
        group = spec.group if spec else finding.rule_id
        groups.setdefault((finding.path, finding.region.start_line, group), []).append(finding)
    return [_merge(members) for members in groups.values()]


def _merge(members: list[Finding]) -> Finding:
    if len(members) == 1:
        return members[0]
    best = min(
        members,
        key=lambda f: (-f.severity, -f.confidence, _ENGINE_PREFERENCE.get(f.engines[0], 9), f.rule_id, f.region),
    )
    engines = tuple(sorted({e for f in members for e in f.engines}, key=lambda e: _ENGINE_PREFERENCE.get(e, 9)))
    rule_ids = tuple(dict.fromkeys([best.rule_id, *sorted(r for f in members for r in f.rule_ids)]))
    flow = best.flow or next((f.flow for f in members if f.flow), ())
    return dataclasses.replace(best, engines=engines, rule_ids=rule_ids, flow=flow)
