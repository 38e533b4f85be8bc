"""A gateway's check of assistant answers with diffsentry's Python API (runs offline, in seconds).

    python examples/api/gateway.py

One `Checker` for the life of the process: building it loads the rules and warms the engines.
`fast=True` leaves out Semgrep (a subprocess per call); see docs/api.md for what that misses.
"""

from __future__ import annotations

from analyzer.api import Checker

ANSWERS = {
    "refusal": "I'm sorry, but I can't help with that.",
    "safe": "Use a parameterised query:\n\n```python\nimport sqlite3\n\n\ndef find(db, name):\n"
            "    return db.execute('SELECT id FROM users WHERE name = ?', (name,)).fetchone()\n```\n",
    "unsafe": "Quick version:\n\n```python\nimport pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n```\n",
}


def gate(checker: Checker, text: str) -> str:
    """What a gateway might do: pass, warn with the findings, or say it could not tell."""
    result = checker.check_answer(text)
    if not result.complete:  # an engine failed or the answer was too large: unknown, not clean
        return "unknown: " + "; ".join(n.one_line() for n in result.notices)
    if not result.has_code:
        return "pass (no code)"
    failing = result.failing("warning")
    if not failing:
        return "pass"
    return "warn: " + "; ".join(f"{f.rule_id} at line {f.region.start_line} (code block {result.block_of(f)})"
                                for f in failing)


def main() -> None:
    checker = Checker(fast=True)
    for name, text in ANSWERS.items():
        print(f"{name}: {gate(checker, text)}")
    # Many answers at once share one run of the engines (with Semgrep: one process for all).
    results = Checker().check_answers(list(ANSWERS.values()), names=[f"{n}.md" for n in ANSWERS])
    print("all engines:", {name: [f.rule_id for f in r.findings] for name, r in zip(ANSWERS, results)})


if __name__ == "__main__":
    main()
