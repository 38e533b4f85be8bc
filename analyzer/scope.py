"""Keep the findings a change touched.

Whole files are analysed (a change on one line can create a problem on another, which is why
flake8 gave up linting diffs), then findings are kept when their region, widened to the whole
statement it sits in, shares a line with the change. Rules about a whole file (`scope: file`)
are kept whenever their file changed. A finding with a trace (a combination rule's steps, a taint
path) is kept when the change touches any step of it, in any changed file: a change that adds
only the network send to a helper, or only the secret read, gives the whole finding to review.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from analyzer.findings import Finding, Region
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
    changed_cache: dict[str, list[int]] = {}

    def touched(path: str, region: Region) -> bool:
        source = files.get(path)
        if source is None:  # a file the change did not touch (a trace may lead there)
            return False
        if source.changed_lines is None:
            return True
        if path not in changed_cache:
            changed_cache[path] = sorted(source.changed_lines)
        changed = changed_cache[path]
        if _touches(region.start_line, region.end_line, changed):
            return True
        if path not in spans_cache:
            module = parsed.get(path)
            spans_cache[path] = module.statement_spans() if module else []
        lines = statement_lines(region.start_line, region.end_line, spans_cache[path])
        return _touches(lines.start, lines.stop - 1, changed)

    for finding in findings:
        source = files.get(finding.path)
        if source is None or source.changed_lines is None:
            kept.append(finding)
            continue
        spec = catalogue.get(finding.rule_id)
        if spec is not None and spec.scope == "file":
            kept.append(finding)
            continue
        if touched(finding.path, finding.region) or any(touched(step.path, step.region) for step in finding.flow):
            kept.append(finding)
    return kept


def _touches(first: int, last: int, changed_sorted: list[int]) -> bool:
    i = bisect.bisect_left(changed_sorted, first)
    return i < len(changed_sorted) and changed_sorted[i] <= last
