from __future__ import annotations

import json

from analyzer.findings import Confidence, Finding, Region, Severity
from analyzer.fingerprints import assign_fingerprints, github_line_hashes
from tests.conftest import REPO

VECTORS = json.loads((REPO.parent / "shared" / "data" / "github-line-hash-vectors.json").read_text()) \
    if (REPO.parent / "shared" / "data" / "github-line-hash-vectors.json").exists() else None
# The vectors are codeql-action's own (src/fingerprints.test.ts); a copy travels with the tests.
LOCAL_VECTORS = json.loads((REPO / "tests" / "github-line-hash-vectors.json").read_text())


def test_line_hashes_match_codeql_action_vectors():
    for case in LOCAL_VECTORS["cases"]:
        assert github_line_hashes(case["text"]) == case["line_hashes"]


def test_local_vectors_are_the_shared_ones():
    if VECTORS is not None:
        assert VECTORS == LOCAL_VECTORS


def test_line_hash_counts_repeated_lines():
    hashes = github_line_hashes("x = 1\nx = 1\n")
    assert hashes[0].split(":")[1] == "1"
    assert hashes[0].split(":")[0] != hashes[1].split(":")[0] or hashes[1].endswith(":2")


def test_non_bmp_characters_count_as_two_utf16_units():
    # JavaScript sees an emoji as two code units; so must we, or hashes drift after it.
    assert github_line_hashes("a = '😀'\nb\n") != github_line_hashes("a = '?'\nb\n")


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
