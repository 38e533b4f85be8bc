from __future__ import annotations

import json

import pytest

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
