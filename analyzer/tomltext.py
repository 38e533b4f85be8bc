"""TOML read by `tomllib`, and the place in the text where a value or key is written.

`tomllib` gives values without positions, and a finding on a dependency must point at the line
that declares it. So the values are read by `tomllib` only, and each one's place is found again
in the raw text: every place where that exact string is written as a TOML string (or, for a key,
as a bare or quoted key) is a candidate. When there are exactly as many candidates as values that
want them, they are matched in text order; when there are more (the same text in a comment,
inside another string, or in another table), a candidate is confirmed by writing a marker in its
place and parsing again: it is the value's own place when the marker then stands at the value's
path. A value written in a form not searched for (a multi-line string, `\\u` escapes) has no
place; the caller falls back to the key that holds it. Nothing here reads TOML syntax itself.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

TomlPath = tuple[str | int, ...]

_MARK = "\u2063diffsentry-located\u2063"  # an invisible separator: never part of a real value
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Place:
    """1-based line and column of the first character of a string's content or of a key."""

    line: int
    column: int


@dataclass(frozen=True)
class _Candidate:
    start: int  # offset of the written form (quote included)
    end: int
    content: int  # offset of the first character of the value itself


class TomlText:
    """One TOML document: `data` as `tomllib` reads it (empty, with `error` set, when it is not
    valid TOML), and the places of its values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.error = ""
        self.data: dict[str, Any] = {}
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self.error = str(exc)

    def get(self, path: TomlPath) -> Any:
        """The value at `path` (table keys and array indexes), None where there is none."""
        return _at(self.data, path)

    def value_places(self, wanted: Sequence[tuple[TomlPath, str]]) -> list[Place | None]:
        """The place of each string value (its path and the string `tomllib` read there)."""
        return self._places([(path, value, False) for path, value in wanted])

    def key_places(self, wanted: Sequence[TomlPath]) -> list[Place | None]:
        """The place of the last key of each path."""
        return self._places([(path, str(path[-1]), True) for path in wanted])

    def _places(self, wanted: list[tuple[TomlPath, str, bool]]) -> list[Place | None]:
        places: list[Place | None] = [None] * len(wanted)
        groups: dict[tuple[str, bool], list[int]] = {}
        for i, (_, text, as_key) in enumerate(wanted):
            groups.setdefault((text, as_key), []).append(i)
        for (text, as_key), indexes in groups.items():
            candidates = self._candidates(text, as_key)
            if len(candidates) == len(indexes):  # each candidate is wanted: text order is path order
                for i, candidate in zip(indexes, candidates):
                    places[i] = self._place(candidate)
                continue
            free = list(candidates)
            for i in indexes:
                found = next((c for c in free if self._confirms(c, wanted[i][0], as_key)), None)
                if found is not None:
                    free.remove(found)
                    places[i] = self._place(found)
        return places

    def _candidates(self, text: str, as_key: bool) -> list[_Candidate]:
        found: dict[int, _Candidate] = {}
        for form in dict.fromkeys((f'"{text}"', f"'{text}'", json.dumps(text, ensure_ascii=False))):
            start = self.text.find(form)
            while start != -1:
                found.setdefault(start, _Candidate(start, start + len(form), start + 1))
                start = self.text.find(form, start + 1)
        if as_key and _BARE_KEY.fullmatch(text):
            for match in re.finditer(rf"(?<![\w\"'-]){re.escape(text)}(?![\w\"'-])", self.text):
                found.setdefault(match.start(), _Candidate(match.start(), match.end(), match.start()))
        return [found[start] for start in sorted(found)]

    def _confirms(self, candidate: _Candidate, path: TomlPath, as_key: bool) -> bool:
        trial = self.text[: candidate.start] + json.dumps(_MARK) + self.text[candidate.end :]
        try:
            data = tomllib.loads(trial)
        except tomllib.TOMLDecodeError:
            return False
        if as_key:
            parent = _at(data, path[:-1])
            return isinstance(parent, dict) and _MARK in parent
        return _at(data, path) == _MARK

    def _place(self, candidate: _Candidate) -> Place:
        line_start = self.text.rfind("\n", 0, candidate.content) + 1
        return Place(self.text.count("\n", 0, candidate.content) + 1, candidate.content - line_start + 1)


def _at(data: Any, path: TomlPath) -> Any:
    for step in path:
        if isinstance(step, int) and isinstance(data, list) and 0 <= step < len(data):
            data = data[step]
        elif isinstance(step, str) and isinstance(data, dict) and step in data:
            data = data[step]
        else:
            return None
    return data
