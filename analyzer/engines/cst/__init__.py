"""The libcst engine: runs every selected `CstRule` over each parsed file in one batched pass."""

from __future__ import annotations

from collections.abc import Sequence

from analyzer.catalogue import RuleSpec
from analyzer.engines.cst.framework import CstRule, cst_rule_classes, run_rules
from analyzer.findings import EngineResult, Finding, Notice, NoticeLevel
from analyzer.parse import ParsedModule
from analyzer.sources import SourceFile

ENGINE = "cst"

__all__ = ["CstRule", "run"]


def run(files: Sequence[tuple[SourceFile, ParsedModule]], rules: Sequence[RuleSpec]) -> EngineResult:
    wanted = {spec.id for spec in rules}
    classes = [cls for cls in cst_rule_classes() if cls.id in wanted]
    if not classes:
        return EngineResult()
    findings: list[Finding] = []
    notices: list[Notice] = []
    scanned = set()
    for source, parsed in files:
        try:
            findings += run_rules(source.path, source.text, parsed.module, classes)
            if parsed.module is not None:
                scanned.add(source.path)
        except RecursionError:
            notices.append(Notice(NoticeLevel.WARNING, ENGINE, "nested too deeply for diffsentry's own checks", source.path))
        except Exception as exc:  # a rule bug must not pass for a clean file
            notices.append(Notice(NoticeLevel.ERROR, ENGINE, f"rule crashed: {exc!r}", source.path))
    return EngineResult(tuple(findings), tuple(notices), frozenset(scanned))
