"""Comments that switch off another security scanner on a line or a file (DS62x).

diffsentry's own `# diffsentry: ignore[...]` comments and Bandit's `# nosec` are judged by the
suppression stage (`analyzer/suppress.py`, DS690/DS691), which honours or refuses them. This rule
covers the other scanners a project runs next to us: Ruff/flake8-bandit `noqa` with security codes,
Semgrep's `nosemgrep`, pylint's `eval-used`/`exec-used`, SonarQube's `NOSONAR` and CodeQL's
`lgtm[...]`/`codeql[...]`. Only real comments count (found with the tokenizer, never inside a
string), and only security checks: `# noqa: F401`, `# type: ignore` or `# pylint: disable=
too-many-arguments` silence nothing a reviewer needs.

In diff mode the rule reports only comments on lines the change added: exactly the case where a
hostile or careless patch silences the check that would have flagged it.
"""

from __future__ import annotations

import re

from analyzer.engines.cst.framework import CstRule
from analyzer.engines.cst.rules._source_regions import regions_of
from analyzer.findings import Confidence, Region, Severity

# Security codes whose suppression is routine and harmless: assert statements (tests), and
# try/except/pass or continue. Everything else in flake8-bandit/Ruff `S` and dlint `DUO` counts.
ROUTINE_CODES = frozenset({"S101", "S110", "S112"})
PYLINT_SECURITY = frozenset({"eval-used", "exec-used", "w0123", "w0122"})

_CODE = r"[A-Za-z]+[0-9]+"
_NOQA = re.compile(rf"#\s*(?:(?P<file>ruff|flake8)\s*:\s*)?noqa\s*:\s*(?P<codes>{_CODE}(?:[\s,]+{_CODE})*)", re.I)
_SECURITY_CODE = re.compile(r"^(S\d{3}|DUO\d{3})$")
# Semgrep honours ` nosem`/` nosemgrep` after any space on the line, in any case, ids optional.
_NOSEMGREP = re.compile(r"(?:#|\s)nosem(?:grep)?(?:\s*[:=]\s*(?P<ids>[\w.\-/]+(?:\s*,\s*[\w.\-/]+)*))?", re.I)
_PYLINT = re.compile(r"#\s*pylint\s*:\s*disable(?:-next)?\s*=\s*(?P<names>[\w\-]+(?:\s*,\s*[\w\-]+)*)", re.I)
_NOSONAR = re.compile(r"\bNOSONAR\b")
_CODEQL = re.compile(r"#\s*(?P<tool>lgtm|codeql)\s*\[(?P<ids>[^\]]+)\]", re.I)
# Cheap test on the whole text before tokenizing: most files have none of these.
_ANYWHERE = re.compile(
    rf"noqa\s*:[^\n]*\b(?:S\d{{3}}|DUO\d{{3}})\b|nosem|pylint\s*:[^\n]*\b(?:eval-used|exec-used|W012[23])\b"
    r"|NOSONAR|(?:lgtm|codeql)\s*\[",
    re.I,
)


def security_suppressions(comment: str) -> list[tuple[int, str]]:
    """(offset in the comment, description) of each security-scanner suppression in one comment."""
    found = []
    for match in _NOQA.finditer(comment):
        codes = [c.upper() for c in re.split(r"[\s,]+", match.group("codes")) if c]
        security = [c for c in codes if _SECURITY_CODE.match(c) and c not in ROUTINE_CODES]
        if security:
            scope = "the whole file" if match.group("file") else "this line"
            codes = ", ".join(security)
            found.append((match.start(), f"`noqa: {codes}` turns off Ruff/flake8 security checks for {scope}"))
    for match in _NOSEMGREP.finditer(comment):
        ids = match.group("ids")
        what = f"Semgrep rule(s) {ids}" if ids else "every Semgrep rule"
        found.append((match.start(), f"`nosemgrep` turns off {what} for this line"))
    for match in _PYLINT.finditer(comment):
        names = [n for n in re.split(r"\s*,\s*", match.group("names")) if n.lower() in PYLINT_SECURITY]
        if names:
            found.append((match.start(), f"`pylint: disable={','.join(names)}` hides eval/exec from pylint"))
    for match in _NOSONAR.finditer(comment):
        found.append((match.start(), "`NOSONAR` turns off every SonarQube issue, hotspots included, for this line"))
    for match in _CODEQL.finditer(comment):
        found.append((match.start(), f"`{match.group('tool')}[{match.group('ids').strip()}]` dismisses CodeQL alerts"))
    return sorted(found)


class SecurityScannerSuppressionComment(CstRule):
    id = "DS620"
    name = "security-scanner-suppression-comment"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    cwe = (693,)
    security_severity = "5.0"
    summary = "A comment switches off another security scanner's check on this line or file."
    what = (
        "Reports comments that silence security checks of other scanners: `# noqa:` or "
        "`# ruff: noqa:` with flake8-bandit/Ruff `S` codes or dlint `DUO` codes (except the routine "
        "S101 assert and S110/S112 try-except-pass/continue), `# nosemgrep`, `# pylint: "
        "disable=eval-used/exec-used`, `NOSONAR`, and CodeQL's `# lgtm[...]`/`# codeql[...]`. Only "
        "comments count, never text in strings. `# diffsentry: ignore` and `# nosec` are judged by the "
        "suppression stage (DS690, DS691). Scanner configuration files (`.bandit`, `.semgrepignore`, "
        "`[tool.bandit]`) are not Python and are not checked by this rule."
    )
    why = (
        "A suppression comment is a standing exception that every later scan honours. When the "
        "change under review adds one next to an `exec`, a shell call or a SQL string, the check "
        "that would have flagged the code is switched off by the same patch, often by an assistant "
        "told to make CI pass. In diff mode only comments on added lines are reported."
    )
    fix = "Fix the flagged code instead, or have a maintainer approve the suppression in its own reviewed change."
    example = 'cursor.execute(f"SELECT * FROM users WHERE name = \'{name}\'")  # noqa: S608\n'
    use_instead = 'cursor.execute("SELECT * FROM users WHERE name = %s", (name,))\n'
    references = (
        "https://docs.astral.sh/ruff/linter/#error-suppression",
        "https://semgrep.dev/docs/ignoring-files-folders-code",
        "https://cwe.mitre.org/data/definitions/693.html",
    )

    VALID = (
        "import numpy as np  # noqa: F401\nfrom .compat import json  # type: ignore[attr-defined]\n"
        "def main(argv=None):  # pragma: no cover\n    return 0\n",
        'HELP = "Add `# noqa: S102` or `# nosemgrep` to silence a check you reviewed."\n'
        'TEMPLATE = """\nexec(code)  # noqa: S102\n"""\n',
        "def test_login(client):\n    response = client.post('/login', data={'user': 'a'})\n"
        "    assert response.status_code == 200  # noqa: S101\n"
        "    try:\n        client.logout()\n    except Exception:  # noqa: BLE001, S110\n        pass\n",
        "# ok: security-scanner-suppression-comment\n"
        "def build(a, b, c, d, e, f):  # pylint: disable=too-many-arguments\n"
        "    return a\n# ok: security-scanner-suppression-comment\n"
        "proc = subprocess.run(cmd, shell=True)  # nosec B602 - judged by the suppression stage\n"
        "# ok: security-scanner-suppression-comment\nSCANNED = True  # Semgrep and Ruff run on this module in CI\n",
    )
    INVALID = (
        "def load_plugin(path):\n    code = open(path).read()\n    namespace = {}\n"
        "    # ruleid: security-scanner-suppression-comment\n"
        "    exec(code, namespace)  # noqa: S102\n    return namespace\n",
        "@app.post('/convert')\ndef convert():\n    name = request.form['name']\n"
        "    # ruleid: security-scanner-suppression-comment\n"
        "    subprocess.run(f'convert {name} out.png', shell=True)  "
        "# nosemgrep: python.lang.security.audit.subprocess-shell-true\n"
        "    return 'ok'\n",
        "def calculate(expr: str) -> float:\n"
        "    # ruleid: security-scanner-suppression-comment\n"
        "    return eval(expr)  # pylint: disable=eval-used\n",
        "def find_user(cursor, name):\n"
        "    # ruleid: security-scanner-suppression-comment\n"
        "    cursor.execute(f\"SELECT * FROM users WHERE name = '{name}'\")  # NOSONAR\n"
        "    return cursor.fetchone()\n",
        # A comment on a line of its own cannot carry a line annotation (they target code lines).
        '"""Reporting queries."""\n# ruff: noqa: S608\nimport sqlite3\n\n\ndef report(db, table):\n'
        '    return db.execute(f"SELECT count(*) FROM {table}").fetchone()\n',
        "def fetch(url):\n    # codeql[py/full-ssrf] url is validated upstream\n"
        "    return requests.get(url, timeout=5)\n",
    )

    def check_text(self) -> None:
        text = self.context.text
        if not _ANYWHERE.search(text):
            return
        for comment in regions_of(text).comments:
            hits = security_suppressions(comment.text)
            if hits:
                offset = hits[0][0]
                column = comment.column + offset + 1
                self.report_at(
                    Region(comment.line, column, comment.line, comment.column + len(comment.text) + 1),
                    "Suppression comment: " + "; ".join(what for _, what in hits)
                    + ". A change must not switch off the checks that review it.",
                )
