"""Bandit, run in-process, adapted to the finding model through `rulesets/bandit.yaml`.

Building a `BanditManager` loads every plugin, so one manager is built per selection of tests and
reused; its per-run state is reset before each run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from analyzer.findings import EngineResult, Finding, Notice, NoticeLevel, Region
from analyzer.parse import parse_source, run_deep
from analyzer.rulespec import RuleSpec
from analyzer.sources import SourceFile

ENGINE = "bandit"
_MANAGERS: dict[tuple[str, ...], tuple[object, tuple[object, object]]] = {}


def _manager(test_ids: tuple[str, ...]):  # -> bandit.core.manager.BanditManager
    """The manager for this selection of tests, its blacklist filter put back in place.

    Bandit keeps the blacklist tests' filter (which B3xx/B4xx calls to report) on one module-level
    object that every new manager overwrites: after a second selection was built (another suite),
    the first one silently reported the second's blacklist calls, e.g. no B301 for pickle.loads."""
    from bandit.core import blacklisting

    entry = _MANAGERS.get(test_ids)
    if entry is None:
        from bandit.core import config as b_config
        from bandit.core import manager as b_manager

        logging.getLogger("bandit").setLevel(logging.CRITICAL)
        # ignore_nosec: suppression is ours to decide (a change must not be able to silence us).
        manager = b_manager.BanditManager(
            b_config.BanditConfig(), "file", quiet=True, profile={"include": set(test_ids), "exclude": set()},
            ignore_nosec=True,
        )
        entry = _MANAGERS[test_ids] = (manager, (getattr(blacklisting.blacklist, "_checks", None),
                                                 getattr(blacklisting.blacklist, "_config", None)))
    manager, (checks, config) = entry
    blacklisting.blacklist._checks, blacklisting.blacklist._config = checks, config
    return manager


def version() -> str:
    from importlib.metadata import version as dist_version

    return dist_version("bandit")


def run(files: Sequence[SourceFile], rules: Sequence[RuleSpec]) -> EngineResult:
    """Run the Bandit tests named by `rules` over `files` (which must have a disk_path)."""
    if not rules or not files:
        return EngineResult()
    from bandit.core import meta_ast, metrics

    by_id = {spec.id: spec for spec in rules}
    by_disk = {str(f.disk_path): f for f in files if f.disk_path is not None}
    try:
        manager = _manager(tuple(sorted(by_id)))
        manager.results, manager.skipped, manager.scores = [], [], []
        manager.metrics, manager.b_ma = metrics.Metrics(), meta_ast.BanditMetaAst()
        manager.files_list = sorted(by_disk)
        # Bandit's AST visitor is recursive: deep (generated) code needs a deep stack.
        run_deep(manager.run_tests)
        issues = list(manager.results)
        skipped = list(manager.skipped)
    except Exception as exc:  # a Bandit bug must not pass for a clean run
        return EngineResult(notices=(Notice(NoticeLevel.ERROR, ENGINE, f"Bandit failed: {exc!r}"),))

    findings = []
    for issue in issues:
        source = by_disk.get(issue.fname)
        spec = by_id.get(issue.test_id)
        if source is None or spec is None:
            continue
        lines = [n for n in (issue.linerange or [issue.lineno]) if isinstance(n, int)] or [issue.lineno]
        start, end = min(lines), max(lines)
        start_col = max(issue.col_offset, 0) + 1
        end_col = issue.end_col_offset + 1 if end == start and issue.end_col_offset > issue.col_offset else 0
        findings.append(
            Finding(
                rule_id=spec.id,
                path=source.path,
                region=Region(start, start_col, end, end_col),
                message=_sentence(issue.text),
                severity=spec.severity,
                confidence=spec.confidence,
                engines=(ENGINE,),
            )
        )
    notices = []
    scanned = set(by_disk)
    for fname, reason in skipped:
        source = by_disk.get(fname)
        path = source.path if source else Path(fname).name
        if "syntax error" in reason and source is not None and parse_source(source.path, source.text).tree is None:
            continue  # the parse stage already reported it, with its line; the same text skips again (cached)
        scanned.discard(fname)
        notices.append(Notice(NoticeLevel.ERROR, ENGINE, f"Bandit could not scan this file: {reason}", path))
    return EngineResult(tuple(findings), tuple(notices), frozenset(by_disk[d].path for d in scanned))


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."
