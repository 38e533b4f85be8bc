"""Near-misses of popular package names: the shapes typos, hallucinations and squats take.

Names are compared in their PEP 503 form (so `python_dateutil` and `python-dateutil` are the same
name, not a near-miss). The kinds, strongest first:

* `separators`: the same letters with separators added or dropped (`scikitlearn`, `beautiful-soup4`);
* `swapped letters`: two adjacent letters exchanged (`reqeusts`);
* `one edit`: one letter inserted, dropped or replaced (`huggingface-hubb`, `requests-oauth2lib`);
* `prefix/suffix`: a popular name with `python-`, `-sdk`, `-lib`, `2`... around it (`ollama-python`);
* `two edits`: two of the above, only for long names, where two slips still leave the name recognisable.

Only popular names are targets: that keeps the comparison fast and the findings precise (nearly
every short name is one letter away from some obscure project).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

KINDS = ("separators", "swapped letters", "one edit", "prefix/suffix", "two edits")  # strongest first
AFFIXES = ("python-", "py-", "-python", "-py", "-sdk", "-api", "-client", "-lib", "-official",
           "py", "python", "lib", "-dev", "2", "3")
# Affixes that read as "the official package of X" (squatters' favourites: `ollama-python`).
BRAND_AFFIXES = AFFIXES[:9]
MIN_LENGTH = 4  # shorter names are one edit away from too many others to mean anything
TWO_EDIT_MIN_LENGTH = 9


@dataclass(frozen=True)
class NearMiss:
    """`name` looks like the popular `target` (download rank `rank`) by a slip of kind `kind`."""

    name: str
    target: str
    kind: str
    rank: int


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (edits plus adjacent swaps), or `limit + 1` when larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        row_min = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def _deletes(name: str) -> set[str]:
    return {name[:i] + name[i + 1 :] for i in range(len(name))}


def _kind_at_distance_one(name: str, target: str) -> str:
    if len(name) == len(target):
        diff = [i for i, (x, y) in enumerate(zip(name, target)) if x != y]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            return "swapped letters"
    return "one edit"


class Targets:
    """Popular names indexed for near-miss queries (built once, queried many times)."""

    def __init__(self, ranked: Mapping[str, int]) -> None:
        """`ranked`: normalised popular name -> download rank (1 is the most downloaded)."""
        self.rank = dict(ranked)
        self._by_delete: dict[str, list[str]] = {}
        self._by_letters: dict[str, str] = {}
        for name in sorted(self.rank, key=self.rank.__getitem__):
            if len(name) < MIN_LENGTH:
                continue
            for variant in _deletes(name) | {name}:
                self._by_delete.setdefault(variant, []).append(name)
            self._by_letters.setdefault(name.replace("-", ""), name)

    def __contains__(self, name: str) -> bool:
        return name in self.rank

    def closest(
        self, name: str, *, kinds: tuple[str, ...] = KINDS, max_rank: int | None = None,
        affixes: tuple[str, ...] = AFFIXES,
    ) -> NearMiss | None:
        """The most popular target `name` is a near-miss of, by the strongest allowed kind found."""
        if len(name) < MIN_LENGTH:
            return None
        found = self._strong(name)
        if "prefix/suffix" in kinds and not found:
            found = self._affixed(name, affixes)
        if "two edits" in kinds and not found:
            found = self._two_edits(name)
        found = [m for m in found if m.kind in kinds and (max_rank is None or m.rank <= max_rank)]
        return min(found, key=lambda m: (KINDS.index(m.kind), m.rank), default=None)

    def _make(self, name: str, target: str, kind: str) -> NearMiss:
        return NearMiss(name, target, kind, self.rank[target])

    def _strong(self, name: str) -> list[NearMiss]:
        out = []
        letters = self._by_letters.get(name.replace("-", ""))
        if letters and letters != name:
            out.append(self._make(name, letters, "separators"))
        candidates: set[str] = set(self._by_delete.get(name, ()))
        for variant in _deletes(name):
            candidates.update(self._by_delete.get(variant, ()))
            if variant in self.rank and len(variant) >= MIN_LENGTH:
                candidates.add(variant)
        for target in candidates:
            if target != name and osa_distance(name, target, 1) == 1:
                kind = _kind_at_distance_one(name, target)
                if kind == "one edit" and name.replace("-", "") == target.replace("-", ""):
                    kind = "separators"
                out.append(self._make(name, target, kind))
        return out

    def _affixed(self, name: str, affixes: tuple[str, ...]) -> list[NearMiss]:
        out = []
        for affix in affixes:
            for stem in (name.removeprefix(affix), name.removesuffix(affix)):
                if stem != name and stem in self.rank and len(stem) >= MIN_LENGTH:
                    out.append(self._make(name, stem, "prefix/suffix"))
        return out

    def _two_edits(self, name: str) -> list[NearMiss]:
        if len(name) < TWO_EDIT_MIN_LENGTH:
            return []
        letters = set(name)
        return [
            self._make(name, target, "two edits")
            for target in self.rank
            if abs(len(target) - len(name)) <= 2 and len(target) >= TWO_EDIT_MIN_LENGTH
            and len(letters.symmetric_difference(target)) <= 4 and osa_distance(name, target, 2) <= 2
        ]


def suspicious_pairs(names: Iterable[str], targets: Targets, *, max_rank: int) -> Iterable[NearMiss]:
    """For the index builder: each name that imitates a target ranked <= max_rank by a slip
    (separators, a swap, one edit) or a brand affix (`-python`, `-sdk`, `py-`...)."""
    kinds = KINDS[:4]
    for name in names:
        if name in targets:
            continue
        miss = targets.closest(name, kinds=kinds, max_rank=max_rank, affixes=BRAND_AFFIXES)
        if miss is not None:
            yield miss
