"""Suppression: inline comments, Bandit's `# nosec`, and what a change does to them.

    x = eval(expr)  # diffsentry: ignore[DS201] expr is a constant table key, see SAFE_EXPRS

* A suppression names its rules and gives a reason; anything else after `diffsentry:` (a bare
  `ignore`, no reason, an unknown rule) is not honoured and is itself reported (DS691).
* Bandit's `# nosec` / `# nosec B602` is honoured for findings only Bandit made, and can be
  turned off (`nosec = false`). It never silences our own rules.
* Suppressed findings are kept, marked (SARIF `suppressions`), and do not count.
* In diff modes, a suppression comment on a line the change added is not honoured and is
  reported (DS690): a hostile or careless patch cannot silence its own review. It can be trusted
  explicitly (`--trust-added-suppressions`, or the setting in the configuration before the change).
  Edits to `[tool.diffsentry]` or the baseline are the configuration's business (DS692, `analyzer.config`).

A comment applies to the statement it is written on (any of its lines) or, on a line of its own,
to the next line.
"""

from __future__ import annotations

import dataclasses
import io
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.baseline import Baseline
from analyzer.config import CONFIG_ID
from analyzer.findings import Finding, Region, Suppression
from analyzer.rulespec import RuleSpec, StageCase, StageRule, spec_from_mapping
from analyzer.scope import statement_lines
from analyzer.sources import SourceFile

if TYPE_CHECKING:
    from analyzer.catalogue import Catalogue
    from analyzer.diff import Removal

ENGINE = "suppress"
ADDED_ID, MALFORMED_ID = "DS690", "DS691"
# Findings about suppressions and configuration edits cannot themselves be suppressed.
OWN_IDS = frozenset({ADDED_ID, MALFORMED_ID, CONFIG_ID})

_DIRECTIVE = re.compile(r"#\s*diffsentry\s*:(?P<body>.*)$", re.IGNORECASE)
_IGNORE = re.compile(r"^\s*ignore\s*\[(?P<ids>[^\]]*)\]\s*(?P<reason>.*)$")
_NOSEC = re.compile(r"#\s*nosec\b:?(?P<rest>[^#]*)", re.IGNORECASE)
_BANDIT_ID = re.compile(r"^B\d{3}$")
_MAYBE_DIRECTIVE = re.compile(r"diffsentry|nosec", re.IGNORECASE)  # test before tokenizing (see below)
_LONE_CR = re.compile(r"\r(?!\n)")


@dataclass(frozen=True)
class Policy:
    """How findings may be silenced in one run."""

    nosec: bool = True  # honour `# nosec` for Bandit findings
    trust_added: bool = False  # honour suppressions the change itself adds (diff modes)
    baseline: Baseline | None = None


@dataclass(frozen=True)
class Directive:
    """One suppression comment."""

    line: int
    column: int  # 1-based column of the `#`
    text: str  # the comment, normalised for comparison
    kind: str  # "ignore" or "nosec"
    rules: tuple[str, ...]  # as written; empty for a blanket nosec
    reason: str
    standalone: bool  # the only thing on its line: applies to the next line
    problem: str = ""  # why it cannot be honoured (malformed)


def counts(finding: Finding) -> bool:
    """Whether a finding counts (exit code, annotations): not suppressed, not accepted in the baseline."""
    return finding.suppression is None and finding.baseline_state != "unchanged"


# --- reading comments ---------------------------------------------------------------------------


def directives(text: str, catalogue: Catalogue | None = None) -> list[Directive]:
    """Every diffsentry and nosec comment in `text` (comments only: never inside strings)."""
    out = []
    for line, column, comment, standalone in _comments(text):
        match = _DIRECTIVE.search(comment)
        if match:
            out.append(_ignore_directive(line, column + match.start(), match.group("body"), standalone, catalogue))
            continue
        match = _NOSEC.search(comment)
        if match:
            rules = tuple(r for r in re.split(r"[\s,]+", match.group("rest")) if _BANDIT_ID.match(r.upper()))
            out.append(Directive(line, column + match.start(), _norm(match.group(0)), "nosec",
                                 tuple(r.upper() for r in rules), "Bandit `# nosec` comment", standalone))
    return out


def _ignore_directive(line: int, column: int, body: str, standalone: bool, catalogue: Catalogue | None) -> Directive:
    text = _norm("# diffsentry:" + body)
    match = _IGNORE.match(body)
    if not match:
        problem = ("a bare `ignore` names no rule and gives no reason" if body.strip().lower().startswith("ignore")
                   else f"`{body.strip()[:40]}` is not `ignore[RULE] reason`")
        return Directive(line, column, text, "ignore", (), "", standalone, problem)
    rules = tuple(r.strip() for r in match.group("ids").split(",") if r.strip())
    reason = match.group("reason").strip()
    problem = ""
    if not rules:
        problem = "it names no rule"
    elif not reason:
        problem = "it gives no reason"
    elif catalogue is not None:
        unknown = [r for r in rules if catalogue.get(r) is None]
        if unknown:
            problem = f"it names unknown rule(s) {', '.join(unknown)}"
    return Directive(line, column, text, "ignore", rules, reason, standalone, problem)


def _comments(text: str) -> list[tuple[int, int, str, bool]]:
    """(line, 1-based column, comment, standalone) for each comment; a file that does not tokenize
    is searched line by line from where tokenizing stopped."""
    out: list[tuple[int, int, str, bool]] = []
    # Lines as Python, Bandit and libcst number them (and as `changed_lines` are given, see
    # diff.python_line_numbers): a lone CR ends a line, which `tokenize` would not see, while form
    # feeds, U+2028 and the other characters `str.splitlines` also splits at do not (both found by
    # fuzzing: a comment was placed on the wrong line). CR -> LF keeps every column.
    text = _LONE_CR.sub("\n", text)
    lines = text.split("\n")
    done = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            done = token.start[0]
            if token.type == tokenize.COMMENT:
                row, col = token.start
                out.append((row, col + 1, token.string, not token.line[:col].strip()))
    except (tokenize.TokenError, SyntaxError):
        for number in range(max(done, 1), len(lines) + 1):
            line = lines[number - 1]
            for pattern in (_DIRECTIVE, _NOSEC):
                match = pattern.search(line)
                if match and not any(row == number for row, *_ in out):
                    out.append((number, match.start() + 1, line[match.start():], not line[: match.start()].strip()))
                    break
    return out


def _may_hold_directive(text: str) -> bool:
    """`_MAYBE_DIRECTIVE.search(text)`, faster: the case-insensitive regex took ~0.15 s of a warm
    re-run over Django's 6 MB. Lower-casing first and searching for two plain strings finds the
    same, except for the three characters the regex also takes for these letters (İ, ı and ſ, as
    `re` folds case; no other character lower-cases to one of them): text holding one of those
    goes to the regex."""
    lowered = text.lower()
    if "diffsentry" in lowered or "nosec" in lowered:
        return True
    if text.isascii() or not any(char in text for char in _OTHER_CASES):
        return False
    return _MAYBE_DIRECTIVE.search(text) is not None


_OTHER_CASES = "\u0130\u0131\u017f"  # what `re.IGNORECASE` matches to i, i and s beyond ASCII


def _norm(comment: str) -> str:
    return " ".join(comment.split()).lower()


# --- the stage ----------------------------------------------------------------------------------


def apply(
    findings: Iterable[Finding],
    files: Mapping[str, SourceFile],
    spans: Mapping[str, list[tuple[int, int]]],
    policy: Policy,
    catalogue: Catalogue,
    removals: Iterable[Removal] = (),
    *,
    every_rule: Catalogue,
) -> list[Finding]:
    """Mark suppressed findings and add the findings about suppression comments themselves.

    `files` gives each file's text and, in diff modes, its changed lines; `spans` its statements'
    line spans; `removals` the comments the change deleted (a comment deleted and added again on
    an edited line was there before, so it is not "added"). `catalogue` holds the selected rules,
    `every_rule` all of them: a comment naming a rule that exists but is not selected is fine.
    """
    deleted = {r.path: Counter(d.text for d in directives(_deleted_text(r)))
               for r in removals if _may_hold_directive(r.before)}
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    out: list[Finding] = []
    for path in sorted(set(by_path) | set(files)):
        source = files.get(path)
        found = by_path.get(path, [])
        if source is None:
            out += found
            continue
        python = path.endswith((".py", ".pyi"))  # manifests (requirements, pyproject) have no such comments
        found_directives = directives(source.text, every_rule) if python and _may_hold_directive(source.text) else []
        honoured, reports = _judge(source, found_directives, policy, deleted.get(path, Counter()))
        out += [_suppress(f, honoured, spans.get(path, []), catalogue) for f in found]
        out += [r for r in reports if catalogue.get(r.rule_id) is not None]
    return out


def _judge(
    source: SourceFile, found: Sequence[Directive], policy: Policy, deleted: Counter
) -> tuple[list[Directive], list[Finding]]:
    """Which directives count, and the findings about the others."""
    honoured, reports = [], []
    for directive in found:
        in_scope = source.changed_lines is None or directive.line in source.changed_lines
        if directive.problem:
            if in_scope:
                reports.append(_report(MALFORMED_ID, source.path, directive,
                                       f"Suppression comment not honoured: {directive.problem}. Write "
                                       "`# diffsentry: ignore[RULE-ID] why this is safe`."))
            continue
        added = source.changed_lines is not None and directive.line in source.changed_lines
        if added and deleted[directive.text] > 0:  # the line was edited; the comment was already there
            deleted[directive.text] -= 1
            added = False
        if added and not policy.trust_added:
            what = "`# nosec`" if directive.kind == "nosec" else f"`# diffsentry: ignore[{', '.join(directive.rules)}]`"
            reports.append(_report(ADDED_ID, source.path, directive,
                                   f"This change adds the suppression {what}; a change cannot silence its own "
                                   "review, so it is not honoured here. A reviewer can accept it (or run with "
                                   "--trust-added-suppressions)."))
            continue
        if directive.kind == "nosec" and not policy.nosec:
            continue
        honoured.append(directive)
    return honoured, reports


def _suppress(
    finding: Finding, honoured: Sequence[Directive], spans: list[tuple[int, int]], catalogue: Catalogue
) -> Finding:
    if finding.rule_id in OWN_IDS or finding.suppression is not None:
        return finding
    lines = statement_lines(finding.region.start_line, finding.region.end_line, spans)
    for directive in honoured:
        applies = directive.line in lines or (directive.standalone and directive.line + 1 == finding.region.start_line)
        if not applies:
            continue
        if directive.kind == "nosec":
            bandit_only = all(_BANDIT_ID.match(r) for r in finding.rule_ids)
            if bandit_only and (not directive.rules or set(directive.rules) & set(finding.rule_ids)):
                return dataclasses.replace(finding, suppression=Suppression("inSource", directive.reason))
            continue
        named = {spec.id for r in directive.rules if (spec := catalogue.get(r)) is not None} | set(directive.rules)
        if named & set(finding.rule_ids):
            return dataclasses.replace(finding, suppression=Suppression("inSource", directive.reason))
    return finding


def _report(rule_id: str, path: str, directive: Directive, message: str) -> Finding:
    spec = _SPECS[rule_id]
    return Finding(rule_id, path, Region(directive.line, directive.column), message, spec.severity,
                   spec.confidence, (ENGINE,))


def _deleted_text(removal: Removal) -> str:
    lines = removal.before.split("\n")  # numbered as git numbers them
    return "\n".join(line if n in removal.removed else "" for n, line in enumerate(lines, start=1)) + "\n"


# --- declarations -------------------------------------------------------------------------------


def _spec(fields: dict) -> RuleSpec:
    return spec_from_mapping({"severity": "warning", "scope": "lines", **fields}, engine=ENGINE,
                             source="analyzer/suppress.py")


def _check_comments(case: StageCase, catalogue: Catalogue) -> list[Finding]:
    from analyzer.diff import change_from_texts, removal_of  # git and unidiff: not for a run answered from the cache

    changed = None
    removals = []
    if case.before is not None:
        change = change_from_texts(case.path, case.before, case.after)
        changed = change.added_lines
        removal = removal_of(change, case.before, case.after)
        removals = [removal] if removal else []
    source = SourceFile(case.path, case.after, changed)
    return apply([], {case.path: source}, {}, Policy(), catalogue, removals, every_rule=catalogue)


_HANDLER = '''import subprocess

from flask import request


@app.post("/thumbnail")
def thumbnail():
    name = request.form["name"]
    subprocess.run(["convert", name, "thumb.png"], check=True)
    return "ok"
'''
_HANDLER_SHELL = _HANDLER.replace('subprocess.run(["convert", name, "thumb.png"], check=True)',
                                  'subprocess.run(f"convert {name} thumb.png", shell=True)')
_SPECS = {
    ADDED_ID: _spec({
        "id": ADDED_ID,
        "name": "suppression-added-by-change",
        "confidence": "high",
        "cwe": [693],
        "security-severity": "5.0",
        "summary": "The change adds a comment that silences a security finding.",
        "what": (
            "Reports, in diff modes, `# diffsentry: ignore[...]` and `# nosec` comments on lines the change added. "
            "Such a comment is not honoured for the change that adds it."
        ),
        "why": (
            "A suppression comment is a standing exception: once merged, every later scan honours it. If the "
            "change under review could add one, a hostile or careless patch (or an assistant told to make the "
            "check pass) could silence exactly the finding the review exists to catch."
        ),
        "fix": "Have a reviewer accept the suppression explicitly, or fix the code so that no suppression is needed.",
        "example": 'subprocess.run(f"convert {name} thumb.png", shell=True)  # nosec\n',
        "use-instead": 'subprocess.run(["convert", name, "thumb.png"], check=True)\n',
        "references": ["https://bandit.readthedocs.io/en/latest/config.html#exclusions"],
    }),
    MALFORMED_ID: _spec({
        "id": MALFORMED_ID,
        "name": "suppression-without-rule-or-reason",
        "confidence": "high",
        "cwe": [693],
        "security-severity": "4.0",
        "summary": "A `# diffsentry:` comment does not name its rules and a reason.",
        "what": (
            "Reports `# diffsentry:` comments other than `ignore[RULE, ...] reason`: a bare `ignore`, an empty "
            "rule list, a missing reason, or a rule that does not exist. Such a comment suppresses nothing."
        ),
        "why": (
            "A blanket or unexplained suppression hides every present and future finding on its line and tells "
            "the next reader nothing about why that was safe; it is how real problems stay hidden for years."
        ),
        "fix": "Name the rule ids and say why the code is safe, e.g. `# diffsentry: ignore[DS201] constant input`.",
        "example": "value = eval(expression)  # diffsentry: ignore\n",
        "use-instead": "value = eval(expression)  # diffsentry: ignore[B307] expression comes from the SAFE table\n",
        "references": ["https://docs.astral.sh/ruff/rules/blanket-noqa/"],
    }),
}

RULES = (
    StageRule(
        spec=_SPECS[ADDED_ID],
        invalid=(
            StageCase(_HANDLER_SHELL.replace("shell=True)", "shell=True)  # nosec"), _HANDLER),
            StageCase(_HANDLER_SHELL.replace("shell=True)", "shell=True)  # diffsentry: ignore[B602] trusted name"),
                      _HANDLER),
            # On a line of its own above the call.
            StageCase(_HANDLER_SHELL.replace("    subprocess.run(f",
                                             "    # diffsentry: ignore[B602, DS210] convert needs globbing\n"
                                             "    subprocess.run(f"), _HANDLER_SHELL),
        ),
        valid=(
            # The comment was already there; the change edits other lines.
            StageCase(_HANDLER_SHELL.replace("shell=True)", "shell=True)  # nosec").replace('"ok"', '"done"'),
                      _HANDLER_SHELL.replace("shell=True)", "shell=True)  # nosec")),
            # The line is edited, the comment was there before and stays.
            StageCase(
                _HANDLER_SHELL.replace("shell=True)", "shell=True, check=True)  # diffsentry: ignore[B602] fixed"),
                _HANDLER_SHELL.replace("shell=True)", "shell=True)  # diffsentry: ignore[B602] fixed"),
            ),
            # "nosec" inside a string is not a comment.
            StageCase(_HANDLER.replace('return "ok"', 'return "use # nosec sparingly"'), _HANDLER),
        ),
        check=_check_comments,
    ),
    StageRule(
        spec=_SPECS[MALFORMED_ID],
        invalid=(
            StageCase(_HANDLER_SHELL.replace("shell=True)", "shell=True)  # diffsentry: ignore")),
            StageCase(_HANDLER_SHELL.replace("shell=True)", "shell=True)  # diffsentry: ignore[B602]")),
            StageCase(_HANDLER_SHELL.replace("shell=True)", "shell=True)  # diffsentry: ignore[DS999] fine")),
        ),
        valid=(
            StageCase(_HANDLER_SHELL.replace("shell=True)", "shell=True)  # diffsentry: ignore[B602] name is "
                                                            "checked against ALLOWED_NAMES above")),
            StageCase(_HANDLER.replace("import subprocess", "import subprocess  # we call convert, see docs")),
            # A diff mode only looks at changed lines: an old bare ignore elsewhere is not this change's.
            StageCase(_HANDLER_SHELL.replace("shell=True)", "shell=True)  # diffsentry: ignore").replace(
                '"ok"', '"done"'), _HANDLER_SHELL.replace("shell=True)", "shell=True)  # diffsentry: ignore")),
        ),
        check=_check_comments,
    ),
)
