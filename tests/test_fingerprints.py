from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.findings import Confidence, Finding, Region, Severity
from analyzer.fingerprints import assign_fingerprints, github_line_hashes
from tests.conftest import REPO

# codeql-action's own vectors (src/fingerprints.test.ts), and more computed by its algorithm in Node
# (surrogate pairs, repeated 100-character windows); see "about" in each file.
VECTOR_FILES = ("github-line-hash-vectors.json", "github-line-hash-vectors-more.json")
CASES = [case for name in VECTOR_FILES for case in json.loads((REPO / "tests" / name).read_text())["cases"]]


@pytest.mark.parametrize("case", CASES, ids=[f"case{n}" for n in range(len(CASES))])
def test_line_hashes_match_codeql_action(case):
    assert github_line_hashes(case["text"]) == case["line_hashes"]


def test_the_vectors_cover_surrogate_pairs_and_repeated_windows():
    """The cases that make a code-point hash or a constant `:1` counter fail are really there."""
    assert any(any(ord(c) > 0xFFFF for c in case["text"]) and len(case["text"].splitlines()[0]) > 50
               for case in CASES)
    assert any(any(h.endswith(":3") for h in case["line_hashes"]) for case in CASES)


def codeql_action_line_hashes(text: str) -> list[str]:
    """codeql-action's `hash()` (src/fingerprints.ts) read one UTF-16 unit at a time, as written
    there: the reference `github_line_hashes` computes faster and must agree with."""
    mask, block, mod = (1 << 64) - 1, 100, 37
    first_mod = pow(mod, block, 1 << 64)
    units = list(memoryview(text.encode("utf-16-le")).cast("H")) + [65535]
    window, line_numbers = [0] * block, [-1] * block
    hashes: dict[int, str] = {}
    counts: dict[str, int] = {}
    value = index = line = 0
    line_start, prev_cr = True, False

    def output() -> None:
        key = format(value, "x")
        counts[key] = counts.get(key, 0) + 1
        hashes[line_numbers[index]] = f"{key}:{counts[key]}"
        line_numbers[index] = -1

    def update(current: int) -> None:
        nonlocal value, index
        begin, window[index] = window[index], current
        value = (mod * value + current - first_mod * begin) & mask
        index = (index + 1) % block

    for n, current in enumerate(units):
        if n < len(units) - 1 and (current in (32, 9) or (prev_cr and current == 10)):
            prev_cr = False
            continue
        if current == 13:
            current, prev_cr = 10, True
        else:
            prev_cr = False
        if line_numbers[index] != -1:
            output()
        if line_start:
            line_start, line = False, line + 1
            line_numbers[index] = line
        if current == 10:
            line_start = True
        update(current)
    for _ in range(block):
        if line_numbers[index] != -1:
            output()
        update(0)
    return [hashes[n] for n in range(1, line + 1)]


def test_the_reference_port_reproduces_the_vectors():
    for case in CASES:
        assert codeql_action_line_hashes(case["text"]) == case["line_hashes"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["a", "b", " ", "\t", "\r", "\n", "\r\n", "\u00e9", "\U0001f600", "\u2028", "\x0c",
                                 "x" * 60, "if x:\n    y()"]), max_size=120).map("".join))
def test_line_hashes_agree_with_the_reference_port(text):
    assert github_line_hashes(text) == codeql_action_line_hashes(text)


def _finding(line: int) -> Finding:
    return Finding("DS101", "app.py", Region(line), "m", Severity.ERROR, Confidence.HIGH, ("semgrep",))


def test_own_fingerprint_survives_moving_the_code():
    before = "import os\n\nexec(payload)\n"
    after = "import os\nimport sys\n\n\nexec(payload)\n"
    (a,) = assign_fingerprints([_finding(3)], {"app.py": before})
    (b,) = assign_fingerprints([_finding(5)], {"app.py": after})
    assert a.fingerprint == b.fingerprint


def test_own_fingerprint_tells_repeated_code_apart():
    text = "exec(payload)\nexec(payload)\n"
    first, second = assign_fingerprints([_finding(1), _finding(2)], {"app.py": text})
    assert first.fingerprint != second.fingerprint
