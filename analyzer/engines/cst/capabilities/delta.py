"""The capability delta of a change: powers the changed files have after it and did not have before.

A power is a fact's kind and detail ("network-egress", "POST to collector.example.xyz"), which
name no line and no local variable. It is new when no changed file had it before the change, so
moving code between functions or files, renaming or reformatting adds nothing (a pure refactor
has an empty delta), while a new destination, a first process spawn or a first read of SSH keys
is listed with the function that now has it. Hosts the project declares in `allowed-hosts`
(a host or any of its subdomains) are expected, not new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analyzer import parse
from analyzer.engines.cst.capabilities import facts as f
from analyzer.engines.cst.capabilities.graph import Index
from analyzer.engines.cst.capabilities.summary import MODULE, FileSummary, summarise

# Kinds a reader of a change wants to hear about. Not listed: the install/import-time context
# alone (its network or process work is), weak reads (one token variable, the host name).
REPORTED = (f.EGRESS, f.SECRET, f.SOURCE, f.SPAWN, f.DYNAMIC, f.DECODE, f.DOWNLOAD, f.EXEC_WRITE, f.PERSIST,
            f.DESTROY, f.LLM, f.TRIGGER)


@dataclass(frozen=True, order=True)
class NewCapability:
    path: str
    line: int
    kind: str
    detail: str
    function: str  # qualified name in the file, "<module>" for the module body

    @property
    def sentence(self) -> str:
        where = self.path if self.function == MODULE else f"{self.path}:{self.function}"
        return f"{self.detail} in {where} (line {self.line})"

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "path": self.path, "line": self.line, "function": self.function,
                "detail": self.detail}


def compute(before: Mapping[str, str | None], after: Mapping[str, str],
            allowed_hosts: Iterable[str] = ()) -> tuple[NewCapability, ...]:
    """New capabilities of the files in `after`; `before` maps the same paths to their text before
    the change (None: the file is new). Files that do not parse add nothing."""
    return parse.run_deep(_compute, before, after, tuple(allowed_hosts))


def _compute(before: Mapping[str, str | None], after: Mapping[str, str],
             allowed_hosts: tuple[str, ...]) -> tuple[NewCapability, ...]:
    had = {(fact.kind, fact.detail) for path, text in before.items() if text is not None and path.endswith(".py")
           for summary in _summaries(path, text) for fact in _facts(summary)}
    index = Index(None)
    found: dict[tuple[str, str, str, str], NewCapability] = {}
    for path, text in sorted(after.items()):
        if not path.endswith(".py"):
            continue
        for summary in _summaries(path, text):
            index.add(summary)
            for scope in summary.scopes.values():
                for fact, _ in scope.facts:
                    if not _reported(fact) or (fact.kind, fact.detail) in had or _allowed(fact, allowed_hosts):
                        continue
                    key = (path, scope.qualname, fact.kind, fact.detail)
                    if key not in found:
                        line = index.region(path, fact.node).start_line
                        found[key] = NewCapability(path, line, fact.kind, fact.detail, scope.qualname)
    return tuple(sorted(found.values()))


def _summaries(path: str, text: str) -> list[FileSummary]:
    module = parse.parse_source(path, text).module
    return [summarise(path, module)] if module is not None else []


def _facts(summary: FileSummary) -> Iterable[f.Fact]:
    return (fact for scope in summary.scopes.values() for fact, _ in scope.facts)


def _reported(fact: f.Fact) -> bool:
    return fact.kind in REPORTED and not (fact.kind == f.SECRET and fact.grade == f.WEAK)


def _allowed(fact: f.Fact, allowed_hosts: tuple[str, ...]) -> bool:
    host = fact.host.lower()
    return bool(host) and any(host == h or host.endswith("." + h) for h in (a.lower().strip(".") for a in allowed_hosts))
