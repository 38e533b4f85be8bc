"""Python files that no Python can run (DS603 `python-syntax-error`).

Bandit and diffsentry's own checks need a parse tree; Semgrep tolerates errors and scans what it
can. A file that does not parse cannot run either, so it is not an incomplete analysis (exit 2),
but it is not a clean one: the code an engine skipped is exactly what a reviewer should see.
So it is a finding, in `scan` and in diff modes alike, on the line where parsing stopped (scope
`file`: a change anywhere in the file may be what broke it). Code for a newer Python than the
analyzer's is not a syntax error (see `analyzer.lowering`); hunks rebuilt without the rest of
their file (fragments) are not judged, since the missing lines are what is broken.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from analyzer.findings import Finding, Region
from analyzer.parse import ParsedModule, parse_source
from analyzer.rulespec import StageCase, StageRule, spec_from_mapping
from analyzer.sources import SourceFile

ENGINE = "parse"
RULE_ID = "DS603"


def find(files: Iterable[SourceFile], parsed: dict[str, ParsedModule]) -> list[Finding]:
    findings = []
    for source in files:
        module = parsed.get(source.path)
        if module is None or module.syntax_error is None or source.fragment:
            continue
        message, line = module.syntax_error
        findings.append(Finding(RULE_ID, source.path, Region(line or 1), f"Python cannot parse this file ({message}); "
                                "only Semgrep, which tolerates errors, analysed it.", SPEC.severity, SPEC.confidence,
                                (ENGINE,)))
    return findings


def _check(case: StageCase, catalogue: object) -> Sequence[Finding]:
    source = SourceFile(case.path, case.after)
    return find([source], {case.path: parse_source(case.path, case.after)})


SPEC = spec_from_mapping(
    {
        "id": RULE_ID,
        "name": "python-syntax-error",
        "severity": "warning",
        "confidence": "high",
        "cwe": [1164],
        "security-severity": "4.0",
        "scope": "file",
        "summary": "The Python file does not parse, so most checks could not read it.",
        "what": (
            "Reports a `.py` file that no Python version can parse, on the line where parsing stopped. Code "
            "written for a newer Python than diffsentry's (3.12 `type` aliases and type parameters, 3.14 "
            "template strings) is not reported: it is analysed."
        ),
        "why": (
            "Bandit and diffsentry's own checks skip a file they cannot parse; only Semgrep reads around the "
            "error. A change that breaks the syntax hides everything in the file from most checks, and a file "
            "that cannot run is rarely what the author meant."
        ),
        "fix": "Fix the syntax error (run `python -m py_compile FILE`), or exclude generated templates in the "
               "configuration's `exclude`.",
        "example": 'def handler(request)\n    return run(request.args["cmd"])\n',
        "use-instead": 'def handler(request):\n    return run(request.args["cmd"])\n',
        "references": ["https://docs.python.org/3/reference/grammar.html"],
    },
    engine=ENGINE,
    source="analyzer/unparsable.py",
)

RULES = (
    StageRule(
        spec=SPEC,
        invalid=(
            StageCase('def handler(request)\n    return run(request.args["cmd"])\n'),
            StageCase('print "no longer Python"\n'),  # Python 2
            StageCase("import os\n\nif True:\n  os.system('x')\n    os.system('y')\n"),  # inconsistent indent
        ),
        valid=(
            StageCase('def handler(request):\n    return run(request.args["cmd"])\n'),
            StageCase("type Payload = bytes\n\n\ndef run[T](cmd: T) -> T:\n    return cmd\n"),  # Python 3.12
            StageCase('name = "t"\nprint(f"{name!r}")\n'),
        ),
        check=_check,
    ),
)
