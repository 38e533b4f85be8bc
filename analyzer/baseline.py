"""Baselines: accept the findings a project has today, report only new ones.

`diffsentry baseline create` writes the current unsuppressed findings keyed by their
line-independent fingerprint (rule + path + normalised code + occurrence, see `fingerprints`).
With `--baseline FILE` a finding found in it is `unchanged` (SARIF `baselineState`) and does not
count towards the exit code; every other finding is `new`.

Matching is one-to-one. First by fingerprint; then, for what is left, by rule and normalised code
alone, so code moved to another place or another file keeps its entry, while a second copy of a
baselined line is still new. Line numbers are stored only for people reading the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from analyzer import __version__
from analyzer import defaults
from analyzer.findings import Finding
from analyzer.fingerprints import normalised_snippet

VERSION = 1
DEFAULT_FILE = defaults.BASELINE_FILE  # defined where the CLI's help reads it


class BaselineError(ValueError):
    """The baseline file cannot be used; one line naming the file."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule_id: str
    code: str  # digest of rule + normalised code, without the path
    path: str
    line: int
    message: str


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...]
    source: str  # where it was read from, for messages


def code_key(finding: Finding, lines: Sequence[str]) -> str:
    snippet = normalised_snippet(list(lines), finding.region.start_line, finding.region.end_line)
    return hashlib.sha256(f"{finding.rule_id}\0{snippet}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def create(findings: Iterable[Finding], texts: Mapping[str, str]) -> str:
    """The baseline file for these findings (suppressed ones are left out: they need no baseline)."""
    lines = _lines(texts)
    entries = [
        Entry(f.fingerprint, f.rule_id, code_key(f, lines(f.path)), f.path, f.region.start_line, f.message)
        for f in findings
        if f.suppression is None
    ]
    entries.sort(key=lambda e: (e.path, e.line, e.rule_id, e.fingerprint))
    document = {
        "version": VERSION,
        "tool": {"name": "diffsentry", "version": __version__},
        "findings": [dataclasses.asdict(e) for e in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def parse(text: str, source: str) -> Baseline:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{source}: not a diffsentry baseline (invalid JSON: {exc.msg}, line {exc.lineno})") from None
    if not isinstance(document, dict) or document.get("version") != VERSION or not isinstance(
        document.get("findings"), list
    ):
        raise BaselineError(f"{source}: not a version-{VERSION} diffsentry baseline (`diffsentry baseline create` writes one)")
    entries = []
    for n, raw in enumerate(document["findings"]):
        try:
            entries.append(
                Entry(str(raw["fingerprint"]), str(raw["rule_id"]), str(raw.get("code", "")), str(raw.get("path", "")),
                      int(raw.get("line", 0)), str(raw.get("message", "")))
            )
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{source}: entry {n} lacks a fingerprint or rule_id") from None
    return Baseline(tuple(entries), source)


def apply(findings: Iterable[Finding], baseline: Baseline | None, texts: Mapping[str, str]) -> list[Finding]:
    """Mark each finding `unchanged` (in the baseline) or `new`; without a baseline, unchanged."""
    findings = list(findings)
    if baseline is None:
        return findings
    by_fingerprint: dict[str, list[Entry]] = {}
    by_code: dict[tuple[str, str], list[Entry]] = {}
    for entry in baseline.entries:
        by_fingerprint.setdefault(entry.fingerprint, []).append(entry)
        if entry.code:
            by_code.setdefault((entry.rule_id, entry.code), []).append(entry)
    used: set[int] = set()
    state: dict[int, str] = {}
    # Exact fingerprints first, for every finding, so that a moved finding cannot take the entry of
    # one that stayed put.
    for i, finding in enumerate(findings):
        entry = _take(by_fingerprint.get(finding.fingerprint, ()), used)
        if entry is not None:
            state[i] = "unchanged"
    lines = _lines(texts)
    for i, finding in enumerate(findings):
        if i in state:
            continue
        entry = _take(by_code.get((finding.rule_id, code_key(finding, lines(finding.path))), ()), used)
        state[i] = "unchanged" if entry is not None else "new"
    return [dataclasses.replace(f, baseline_state=state[i]) for i, f in enumerate(findings)]


def _take(candidates: Iterable[Entry], used: set[int]) -> Entry | None:
    for entry in candidates:
        if id(entry) not in used:
            used.add(id(entry))
            return entry
    return None


def _lines(texts: Mapping[str, str]):  # -> Callable[[str], list[str]]
    cache: dict[str, list[str]] = {}

    def lines(path: str) -> list[str]:
        if path not in cache:
            cache[path] = texts.get(path, "").splitlines()
        return cache[path]

    return lines
