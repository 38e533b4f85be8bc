"""The capability delta of a change: powers the changed files have after it and did not have before.

A power is a fact's kind and detail ("network-egress", "POST to collector.example.xyz"), which
name no line and no local variable. Two ways to gain one:

* a power no changed file had before the change (a new destination, a first process spawn, a
  first read of SSH keys) is listed with the function that now has it;
* a power the code already had, now *reached* by a function that did not reach it before, through
  calls, threads and hooks (`backup()` now calls the existing `ship()` that posts to a collector)
  is listed with that function, the call and the helper it goes through. A new function counts
  when it reaches the power through a function that existed before.

Moving code between functions or files, renaming or reformatting adds nothing (a pure refactor
has an empty delta): a power some function reached before and no longer reaches (or that function
is gone) has moved, and its new holders are not listed. Hosts the project declares in
`allowed-hosts` (a host or any of its subdomains) are expected, not new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

import libcst as cst

from analyzer import parse
from analyzer.engines.cst.capabilities import facts as f
from analyzer.engines.cst.capabilities import splice
from analyzer.engines.cst.capabilities.change import NewCapability
from analyzer.engines.cst.capabilities.graph import INDEX_KEY, Index, Reached
from analyzer.engines.cst.capabilities.summary import MODULE, FileSummary, Scope, summarise
from analyzer.sources import Project

# Kinds a reader of a change wants to hear about. Not listed: the install/import-time context
# alone (its network or process work is), weak reads (one token variable, the host name).
REPORTED = (f.EGRESS, f.SECRET, f.SOURCE, f.SPAWN, f.DYNAMIC, f.DECODE, f.DOWNLOAD, f.EXEC_WRITE, f.PERSIST,
            f.DESTROY, f.LLM, f.TRIGGER)


Power = tuple[str, str]  # (kind, detail)


def compute(before: Mapping[str, str | None], after: Mapping[str, str],
            allowed_hosts: Iterable[str] = (), *,
            summaries: Mapping[str, FileSummary] | None = None) -> tuple[NewCapability, ...]:
    """New capabilities of the files in `after`; `before` maps the same paths to their text before
    the change (None: the file is new). Files that do not parse add nothing. `summaries`: some
    files' summaries already made from their text in `after` (the run's libcst engine made them
    for the combination rules), which are not made again."""
    return parse.run_deep(_compute, before, after, tuple(allowed_hosts), summaries or {})


class _Side:
    """The changed files on one side of the change, and what each of their scopes reaches."""

    def __init__(self, texts: Mapping[str, str | None], ready: Mapping[str, FileSummary],
                 other: _Side | None = None) -> None:
        """`ready`: summaries already made of some of `texts`; `other`: the side after the change,
        whose trees the side before it reuses where the text is the same (`splice`)."""
        python = {p: t for p, t in texts.items() if t is not None and p.endswith(".py")}
        self.texts = python
        self.index = Index(Project(Path("."), python))
        self.scopes: dict[tuple[str, str], Scope] = {}
        for path, text in sorted(python.items()):
            like = other.tree(path) if other is not None else None
            for summary in [ready[path]] if path in ready else _summaries(path, text, like):
                self.index.add(summary)
                self.scopes.update({(path, q): scope for q, scope in summary.scopes.items()})
        self._reached: dict[tuple[str, str], dict[Power, Reached]] = {}

    def tree(self, path: str) -> tuple[str, cst.Module] | None:
        """The text of `path` on this side and its libcst tree, when it parsed."""
        summary = self.index.held(path)
        return (self.texts[path], summary.module) if summary is not None else None

    def own(self) -> Iterable[tuple[Scope, f.Fact]]:
        return ((scope, fact) for scope in self.scopes.values() for fact, _ in scope.facts)

    def reached(self, key: tuple[str, str]) -> dict[Power, Reached]:
        """Powers the scope reaches (its own facts and those of what it calls), shortest first."""
        if key not in self._reached:
            found: dict[Power, Reached] = {}
            scope = self.scopes.get(key)
            for part in self.index.reach(scope, REPORTED) if scope is not None else ():
                if _reported(part.fact):
                    found.setdefault((part.fact.kind, part.fact.detail), part)
            self._reached[key] = found
        return self._reached[key]


def _compute(before: Mapping[str, str | None], after: Mapping[str, str],
             allowed_hosts: tuple[str, ...], summaries: Mapping[str, FileSummary]) -> tuple[NewCapability, ...]:
    new = _Side(after, summaries)
    # Every power listed below is a reported fact of some scope of `new` (reached through the
    # changed files only): without one, nothing can be listed and the files before the change
    # need not be parsed (most changes: a refactor, a fix, docs).
    if not any(_reported(fact) and not _allowed(fact, allowed_hosts) for _, fact in new.own()):
        return ()
    old = _Side(before, {}, new)
    had = {(fact.kind, fact.detail) for _, fact in old.own()}
    found: dict[tuple[str, str, str, str], NewCapability] = {}
    for scope, fact in new.own():  # powers no changed file had before
        if not _reported(fact) or (fact.kind, fact.detail) in had or _allowed(fact, allowed_hosts):
            continue
        key = (scope.path, scope.qualname, fact.kind, fact.detail)
        if key not in found:
            line = new.index.region(scope.path, fact.node).start_line
            found[key] = NewCapability(scope.path, line, fact.kind, fact.detail, scope.qualname)
    # Powers that were there before, now reached by a function that did not reach them.
    moved = {power for key in old.scopes for power in old.reached(key) if power not in new.reached(key)}
    for key, scope in new.scopes.items():
        existed = key in old.scopes
        for power, part in new.reached(key).items():
            if not part.hops or power not in had or power in moved or _allowed(part.fact, allowed_hosts):
                continue
            if existed and power in old.reached(key):
                continue
            if not existed and not any(power in old.reached((hop.target.path, hop.target.qualname))
                                       for hop in part.hops):
                continue  # a new function reaching it only through new code: moved or extracted
            entry = (scope.path, scope.qualname, *power)
            if entry not in found:
                hop = part.hops[0]
                line = new.index.region(scope.path, hop.edge.node).start_line
                found[entry] = NewCapability(scope.path, line, power[0], power[1], scope.qualname,
                                             via=_name(hop.target))
    return tuple(sorted(found.values()))


def _name(scope: Scope) -> str:
    return PurePosixPath(scope.path).stem if scope.qualname == MODULE else scope.qualname


def _summaries(path: str, text: str, like: tuple[str, cst.Module] | None = None) -> list[FileSummary]:
    """`text`'s summary; `like`: another text of the file and its tree, to reuse what is the same."""
    module = splice.tree_before(path, text, *like) if like is not None else parse.parse_source(path, text).module
    return [summarise(path, module)] if module is not None else []


def _reported(fact: f.Fact) -> bool:
    return fact.kind in REPORTED and not (fact.kind == f.SECRET and fact.grade == f.WEAK)


def _allowed(fact: f.Fact, allowed_hosts: tuple[str, ...]) -> bool:
    host = fact.host.lower()
    return bool(host) and any(host == h or host.endswith("." + h) for h in (a.lower().strip(".") for a in allowed_hosts))


def made_by_engine(project: Project, texts: Mapping[str, str]) -> dict[str, FileSummary]:
    """The summaries of `texts` that the run's libcst engine made (`graph.index_for`) from these
    very texts, still held by the run's index (it forgets all but the most recently used)."""
    index = project.cache.get(INDEX_KEY)
    if not isinstance(index, Index):
        return {}
    return {path: summary for path, text in texts.items()
            if project.texts.get(path) == text and (summary := index.held(path)) is not None}
