"""Keep the findings a change touched.

Whole files are analysed (a change on one line can create a problem on another, which is why
flake8 gave up linting diffs), then findings are kept when their region, widened to the whole
statement it sits in, shares a line with the change. Rules about a whole file (`scope: file`)
are kept whenever their file changed.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from analyzer.findings import Finding
from analyzer.sources import SourceFile

if TYPE_CHECKING:  # parse imports libcst, which a run answered from the cache never needs
    from analyzer.catalogue import Catalogue
    from analyzer.parse import ParsedModule


def statement_lines(first: int, last: int, spans: list[tuple[int, int]]) -> range:
    """Lines of the statements overlapping first..last (the region itself when none do)."""
    lo, hi = first, last
    for start, end in spans:
        if start <= last and end >= first:
            lo, hi = min(lo, start), max(hi, end)
    return range(lo, hi + 1)


def in_scope(
    findings: Iterable[Finding],
    files: Mapping[str, SourceFile],
    parsed: Mapping[str, ParsedModule],
    catalogue: Catalogue,
) -> list[Finding]:
    kept = []
    spans_cache: dict[str, list[tuple[int, int]]] = {}
    for finding in findings:
        source = files.get(finding.path)
        if source is None or source.changed_lines is None:
            kept.append(finding)
            continue
        spec = catalogue.get(finding.rule_id)
        if spec is not None and spec.scope == "file":
            kept.append(finding)
            continue
        changed = sorted(source.changed_lines)
        if _touches(finding.region.start_line, finding.region.end_line, changed):
            kept.append(finding)
            continue
        if finding.path not in spans_cache:
            module = parsed.get(finding.path)
            spans_cache[finding.path] = module.statement_spans() if module else []
        lines = statement_lines(finding.region.start_line, finding.region.end_line, spans_cache[finding.path])
        if _touches(lines.start, lines.stop - 1, changed):
            kept.append(finding)
    return kept


def _touches(first: int, last: int, changed_sorted: list[int]) -> bool:
    i = bisect.bisect_left(changed_sorted, first)
    return i < len(changed_sorted) and changed_sorted[i] <= last
