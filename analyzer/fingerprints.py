"""Two identities for a finding.

* `assign_fingerprints`: ours, line-independent (rule + path + normalised code + occurrence), so
  that a baseline survives edits elsewhere in the file (Bandit's issue equality, made stable).
* `github_line_hashes`: GitHub code scanning's `primaryLocationLineHash`, bit for bit as
  codeql-action's `src/fingerprints.ts` computes it. GitHub uses only this key to track alerts,
  so it is either exactly theirs or absent.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping

from analyzer.findings import Finding

_MASK = (1 << 64) - 1
_BLOCK_SIZE = 100
_MOD = 37
_FIRST_MOD = pow(_MOD, _BLOCK_SIZE, 1 << 64)
_EOF = 65535
_TAB, _SPACE, _LF, _CR = 9, 32, 10, 13


def github_line_hashes(text: str) -> list[str]:
    """`primaryLocationLineHash` for every line of `text` (index 0 is line 1).

    A rolling hash (base 37, mod 2^64) over the next 100 characters from each line start, spaces
    and tabs skipped, CR and CRLF read as LF, end of file as 65535; `:n` counts earlier equal
    hashes. Characters are UTF-16 code units, as JavaScript's `charCodeAt` sees them.
    """
    units = memoryview(text.encode("utf-16-le")).cast("H")
    window = [0] * _BLOCK_SIZE
    line_numbers = [-1] * _BLOCK_SIZE
    hashes: dict[int, str] = {}
    counts: dict[str, int] = {}
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True, "prev_cr": False}

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        hashes[line_numbers[state["index"]]] = f"{value}:{counts[value]}"
        line_numbers[state["index"]] = -1

    def update(current: int) -> None:
        i = state["index"]
        begin = window[i]
        window[i] = current
        state["hash"] = (_MOD * state["hash"] + current - _FIRST_MOD * begin) & _MASK
        state["index"] = (i + 1) % _BLOCK_SIZE

    def process(current: int) -> None:
        if current in (_SPACE, _TAB) or (state["prev_cr"] and current == _LF):
            state["prev_cr"] = False
            return
        if current == _CR:
            current, state["prev_cr"] = _LF, True
        else:
            state["prev_cr"] = False
        if line_numbers[state["index"]] != -1:
            output()
        if state["line_start"]:
            state["line_start"] = False
            state["line"] += 1
            line_numbers[state["index"]] = state["line"]
        if current == _LF:
            state["line_start"] = True
        update(current)

    for unit in units:
        process(unit)
    process(_EOF)
    for _ in range(_BLOCK_SIZE):
        if line_numbers[state["index"]] != -1:
            output()
        update(0)
    return [hashes[n] for n in range(1, state["line"] + 1)]


def normalised_snippet(text_lines: list[str], first: int, last: int) -> str:
    return " ".join(" ".join(text_lines[first - 1 : last]).split())


def assign_fingerprints(findings: Iterable[Finding], texts: Mapping[str, str]) -> list[Finding]:
    """Give each finding its line-independent fingerprint (findings must be in report order)."""
    lines_cache: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        lines = lines_cache.setdefault(finding.path, texts.get(finding.path, "").splitlines())
        snippet = normalised_snippet(lines, finding.region.start_line, finding.region.end_line)
        identity = "\0".join((finding.rule_id, finding.path, snippet))
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        digest = hashlib.sha256(f"{identity}\0{occurrence}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
        out.append(dataclasses.replace(finding, fingerprint=digest))
    return out
