"""What the stages after the engines need from each file's parse, so that a cached file is not parsed.

A run answered from the result cache has no engine to feed, yet the later stages read three facts
off every file's parse: its parse notice (a warning for a file Python rejects, a note for newer
syntax), DS603's syntax error, and statement spans (diff scope, suppression comments on a
multi-line statement). Parsing every file again for them cost a warm re-run of Django's 879 files
~1 s of `ast.parse` before anything else. So they are stored by file content beside the engines'
results (same SQLite file, their own key): a file is parsed only when an engine runs on it, when
its facts are not stored, or, for its spans, when it has findings and its stored facts have none
(spans are stored for files with findings only: walking every tree for them would slow cold runs).

`ParseFacts` maps each path of the run to an object with the `ParsedModule` attributes these
stages read (`notice`, `syntax_error`, `statement_spans()`): the stored facts, or the parse itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from analyzer import cache
from analyzer.findings import Notice
from analyzer.parse import ParsedModule, parse_source
from analyzer.sources import SourceFile

SCHEMA = 1


class Parses(Mapping[str, ParsedModule]):
    """The run's files, each parsed on first use (by an engine that runs on it, or a fact that is
    not stored). Parsing is what `parse_source` does; this only decides when."""

    def __init__(self, files: Sequence[SourceFile], *, timeout_s: float) -> None:
        self._texts = {f.path: f.text for f in files}
        self._timeout_s = timeout_s
        self._done: dict[str, ParsedModule] = {}

    def __getitem__(self, path: str) -> ParsedModule:
        if path not in self._done:
            self._done[path] = parse_source(path, self._texts[path], timeout_s=self._timeout_s)
        return self._done[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def parsed(self, path: str) -> bool:
        return path in self._done


@dataclass(frozen=True)
class StoredFacts:
    """A file's facts as stored: what `ParsedModule` would say, without parsing."""

    notice: Notice | None
    syntax_error: tuple[str, int | None] | None
    spans: tuple[tuple[int, int], ...] | None  # None: not stored (the file had no findings)
    reparse: Callable[[], ParsedModule] = field(compare=False, repr=False)

    def statement_spans(self) -> list[tuple[int, int]]:
        return list(self.spans) if self.spans is not None else self.reparse().statement_spans()


class ParseFacts(Mapping[str, "StoredFacts | ParsedModule"]):
    """Each file's facts: stored ones where the cache has them, else its parse."""

    def __init__(self, parses: Parses, stored: Mapping[str, StoredFacts]) -> None:
        self._parses, self._stored = parses, stored

    def __getitem__(self, path: str) -> StoredFacts | ParsedModule:
        stored = self._stored.get(path)
        if stored is not None:
            return stored
        parsed = self._parses[path]
        # The engines are done when facts are read: the trees go (a whole-repository run must not
        # hold them all; spans of a file with findings parse it again, see `ParsedModule.release`).
        parsed.release()
        return parsed

    def __iter__(self) -> Iterator[str]:
        return iter(self._parses)

    def __len__(self) -> int:
        return len(self._parses)


def key(timeout_s: float) -> str:
    # The per-file timeout bounds the parser process that tells newer syntax from a syntax error.
    return cache.engine_key("parse", SCHEMA, timeout_s)


def lookup(store: cache.ResultCache, files: Sequence[SourceFile], parses: Parses, *, timeout_s: float) -> ParseFacts:
    """The run's facts: stored where `store` has them (entries that cannot be read count as absent)."""
    found: dict[str, StoredFacts] = {}
    if store.enabled:
        for path, entry in store.lookup(key(timeout_s), files).items():
            try:
                found[path] = _from_stored(entry, lambda path=path: parses[path])
            except (KeyError, TypeError, ValueError):
                store.count_unreadable()  # reported once, when the store closes
    return ParseFacts(parses, found)


def save(store: cache.ResultCache, files: Sequence[SourceFile], facts: ParseFacts,
         spans: Mapping[str, list[tuple[int, int]]], *, timeout_s: float) -> None:
    """Store the facts of the files parsed in this run, and `spans` (those of the files with
    findings) where the stored facts had none."""
    if not store.enabled:
        return
    values = []
    for source in files:
        fact = facts[source.path]
        if isinstance(fact, StoredFacts):
            if fact.spans is None and source.path in spans:
                values.append((source, _to_stored(fact, spans[source.path])))
        elif fact.settled:  # not a parser process's failure, which may not happen again
            values.append((source, _to_stored(fact, spans.get(source.path))))
    store.save(key(timeout_s), values)


def _to_stored(fact: StoredFacts | ParsedModule, spans: list[tuple[int, int]] | None) -> dict[str, Any]:
    return {"notice": None if fact.notice is None else cache.notice_dict(fact.notice),
            "syntax_error": None if fact.syntax_error is None else list(fact.syntax_error),
            "spans": None if spans is None else [list(span) for span in spans]}


def _from_stored(entry: Mapping[str, Any], reparse: Callable[[], ParsedModule]) -> StoredFacts:
    notice = None if entry["notice"] is None else cache.notice_from_dict(entry["notice"])
    syntax_error = entry["syntax_error"]
    if syntax_error is not None:
        message, line = syntax_error
        syntax_error = (str(message), None if line is None else int(line))
    spans = entry["spans"]
    if spans is not None:
        spans = tuple((int(first), int(last)) for first, last in spans)
    return StoredFacts(notice, syntax_error, spans, reparse)
