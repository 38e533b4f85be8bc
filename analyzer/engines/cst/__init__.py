"""The libcst engine: runs every selected `CstRule` over each parsed file in one batched pass."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer import parse, tomltext
from analyzer.findings import EngineResult, Finding, Notice, NoticeLevel
from analyzer.parse import ParsedModule
from analyzer.rulespec import RuleSpec
from analyzer.sources import Project, SourceFile

if TYPE_CHECKING:  # the rules import libcst: loaded when they run, not by this package's other users
    from analyzer.engines.cst.framework import CstRule

ENGINE = "cst"

__all__ = ["CstRule", "after_batch", "cache_digest", "rule_sources", "run"]

# Rules whose findings in one file depend on the code of the other files of the run (calls
# followed across files), so that a cached result is reused only when no Python file changed.
CROSS_FILE_MODULES = ("analyzer.engines.cst.rules.behaviour",)


def __getattr__(name: str) -> object:
    if name == "CstRule":
        from analyzer.engines.cst.framework import CstRule

        return CstRule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def version() -> str:
    from importlib.metadata import version as dist_version

    return dist_version("libcst")


def rule_sources() -> list[Path]:
    """The code that decides this engine's findings (for cache keys)."""
    here = Path(__file__).parent  # the rules and their support code, the PyPI index included
    return [*here.rglob("*.py"), *here.rglob("*.bin"), Path(parse.__file__), Path(tomltext.__file__)]


def cache_digest(project: Project | None, rules: Sequence[RuleSpec]) -> str:
    """What besides the file itself decides this engine's findings in a run (for cache keys)."""
    if project is None:
        return ""
    # A rule's `source` is its module's file (see `CstRule`): read off the specs, so that a key
    # computed for a run answered from the cache does not import the rules (and libcst).
    cross_file = {module.replace(".", "/") + ".py" for module in CROSS_FILE_MODULES}
    if not any(spec.source in cross_file for spec in rules):
        return project.digest
    import hashlib

    digest = hashlib.sha256(project.digest.encode())
    for rel in sorted(p for p in project.texts if p.endswith(".py")):
        digest.update(b"\0" + project.texts[rel].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


# Summaries of other files kept between batches of a run (each holds a libcst tree): the files
# most called into stay, the rest are parsed again if a later batch calls into them.
KEEP_SUMMARIES = 256


def after_batch(project: Project | None) -> None:
    """A batch of files is done: let the run's cross-file index forget what it need not keep."""
    from analyzer.engines.cst.capabilities.graph import INDEX_KEY, Index

    index = project.cache.get(INDEX_KEY) if project is not None else None
    if isinstance(index, Index):
        index.trim(KEEP_SUMMARIES)


def run(
    files: Sequence[tuple[SourceFile, ParsedModule]], rules: Sequence[RuleSpec], project: Project | None = None
) -> EngineResult:
    if not files:  # every file answered from the cache: the rules (and libcst) need not load
        return EngineResult()
    from analyzer.engines.cst.framework import cst_rule_classes

    wanted = {spec.id for spec in rules}
    classes = [cls for cls in cst_rule_classes() if cls.id in wanted]
    if not classes:
        return EngineResult()
    # Visiting is recursive: a thread with a deep stack lets deep (generated) code be checked.
    return parse.run_deep(_run, files, classes, project)


def _run(
    files: Sequence[tuple[SourceFile, ParsedModule]], classes: Sequence[type[CstRule]], project: Project | None
) -> EngineResult:
    from analyzer.engines.cst.framework import run_rules
    from analyzer.engines.cst.supply_chain.manifests import UnreadManifest
    from analyzer.engines.cst.supply_chain.project import unread_manifests

    findings: list[Finding] = []
    notices: list[Notice] = []
    scanned = set()
    for source, parsed in files:
        try:
            findings += run_rules(parsed, classes, project)
            scanned.add(source.path)
            if parsed.cst_notice is not None:
                notices.append(parsed.cst_notice)
            # Imports were judged without what these declare: said on the file (cached with it),
            # a warning, not an error: every import was still checked against PyPI.
            notices += [Notice(NoticeLevel.WARNING, ENGINE, f"{manifest} is {why}: imports here were checked "
                               "without the dependencies it declares", source.path)
                        for manifest, why in unread_manifests(project, source.path)]
        except UnreadManifest as exc:  # the manifest itself: its dependencies were not checked
            notices.append(Notice(NoticeLevel.ERROR, ENGINE, str(exc), source.path))
        except RecursionError:  # code that would run was not checked: not a clean result
            message = "nested too deeply for diffsentry's own checks"
            notices.append(Notice(NoticeLevel.ERROR, ENGINE, message, source.path))
        except Exception as exc:  # a rule bug must not pass for a clean file
            notices.append(Notice(NoticeLevel.ERROR, ENGINE, f"rule crashed: {exc!r}", source.path))
    return EngineResult(tuple(findings), tuple(notices), frozenset(scanned))
