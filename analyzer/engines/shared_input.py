"""The untrusted-input block the injection rules share, spliced into them for Semgrep.

Semgrep has no includes: a taint rule must carry its sources and sanitizers itself. The DS2xx
rules all follow the same untrusted input (request data, events, messages, command lines) and
accept the same validation idioms, so `rulesets/semgrep/_untrusted-input.yaml` declares them once
and a rule file says which parts it takes:

    mode: taint
    untrusted-input:
      sanitizers: [validation, path]   # named sets of the shared file, in this order
    pattern-sanitizers: ...            # only the rule's own, after the shared ones
    pattern-sinks:
      - requires: WEB or CLI           # the shared sources' labels this sink trusts no more
        ...

Every shared source is spliced in; the sinks' `requires` choose among their labels. A rule may
not declare a source of its own under a shared label or repeat a shared source (that is how the
18 copies drifted apart before), and naming an unknown sanitizer set is an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from analyzer.rulespec import CatalogueError, read_rule_file

FILE_NAME = "_untrusted-input.yaml"
KEY = "untrusted-input"


def shared_file(rule_files: Iterable[Path]) -> Path | None:
    """The shared block among the Semgrep rule files (it lives, and is hashed, beside them)."""
    return next((path for path in rule_files if path.name == FILE_NAME), None)


def shared_labels(block: Mapping[str, Any]) -> set[str]:
    return {str(source["label"]) for source in block.get("sources") or () if source.get("label")}


def splice(rule: Mapping[str, Any], block: Mapping[str, Any] | None, *, where: str = "") -> dict[str, Any]:
    """`rule` as Semgrep must see it: shared sources and the named sanitizer sets first, then the
    rule's own, and without our `untrusted-input` key. Rules that do not declare it pass as they are."""
    if KEY not in rule:
        return dict(rule)
    where = where or str(rule.get("id", "?"))
    if block is None:
        raise CatalogueError(f"{where}: declares `{KEY}` but {FILE_NAME} is not among the rule files")
    wanted = (rule[KEY] or {}).get("sanitizers") or ()
    sets: Mapping[str, Sequence[Any]] = block.get("sanitizers") or {}
    unknown = [name for name in wanted if name not in sets]
    if unknown:
        raise CatalogueError(f"{where}: unknown shared sanitizer set(s) {unknown} (known: {sorted(sets)})")
    shared_sources = list(block.get("sources") or ())
    own_sources = list(rule.get("pattern-sources") or ())
    _refuse_redeclared(own_sources, shared_sources, where)
    spliced = {key: value for key, value in rule.items() if key != KEY}
    spliced["pattern-sources"] = shared_sources + own_sources
    sanitizers = [entry for name in wanted for entry in sets[name]] + list(rule.get("pattern-sanitizers") or ())
    if sanitizers:
        spliced["pattern-sanitizers"] = sanitizers
    return spliced


def _refuse_redeclared(own: Sequence[Mapping[str, Any]], shared: Sequence[Mapping[str, Any]], where: str) -> None:
    labels = {source.get("label") for source in shared if source.get("label")}
    shared_entries = [entry for source in shared for entry in _entries(source)]
    for source in own:
        if source.get("label") in labels:
            raise CatalogueError(f"{where}: source label {source['label']!r} is declared in {FILE_NAME}; "
                                 "add the source there, not in the rule")
        repeated = [entry for entry in _entries(source) if entry in shared_entries]
        if repeated:
            raise CatalogueError(f"{where}: source {repeated[0]!r} is already shared in {FILE_NAME}")


def _entries(source: Mapping[str, Any]) -> list[Any]:
    """The alternatives of one source (its `pattern-either` items, or the source itself)."""
    body = {key: value for key, value in source.items() if key not in ("label", "by-side-effect")}
    return list(body["pattern-either"]) if set(body) == {"pattern-either"} else [body]


def load(rule_files: Iterable[Path]) -> Mapping[str, Any] | None:
    path = shared_file(rule_files)
    return read_rule_file(path) if path is not None else None
