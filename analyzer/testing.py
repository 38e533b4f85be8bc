"""The rule-test harness: one annotation convention for every engine.

Cases are Python samples annotated the way Semgrep's rule tests are, on the line before the target:

    # ruleid: <name or id>       the next code line must be reported by that rule
    # ok: <name or id>           the next code line must not be
    # todoruleid: <name or id>   a known miss: must not be reported yet (fix the rule, then flip it)
    # todook: <name or id>       a known false positive: is reported today

Sample files live beside the declarations (`rulesets/semgrep/<name>.py`, `rulesets/bandit/<ID>.py`,
`rulesets/cst/<name>/` for libcst rules that need a small project of several files);
a libcst rule's `VALID`/`INVALID` strings are cases too (unannotated INVALID: at least one report
anywhere; unannotated VALID: none). All cases of all engines are analysed in one run (Semgrep in one
process), then each rule is checked against its own expectations.
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analyzer import pipeline
from analyzer.catalogue import Catalogue, load_catalogue, stage_rules
from analyzer.engines.cst.framework import cst_rule_classes
from analyzer.findings import Notice
from analyzer.rulespec import StageCase, StageRule, rulesets_dir
from analyzer.sources import SourceFile

ANNOTATION = re.compile(r"#\s*(ruleid|ok|todoruleid|todook)\s*:\s*([\w\-, ]+)")
KINDS = ("ruleid", "ok", "todoruleid", "todook")


@dataclass(frozen=True)
class Expectation:
    kind: str  # one of KINDS
    rule: str  # as written in the annotation (name or id)
    path: str
    line: int  # the annotated target line


@dataclass
class CaseFile:
    path: str
    text: str
    expectations: list[Expectation]
    # For unannotated libcst examples: "valid" / "invalid" of this rule id.
    role: tuple[str, str] | None = None
    # For examples of a pipeline stage's rule: the rule and the before/after case it runs on.
    stage: tuple[StageRule, StageCase] | None = None


def parse_annotations(path: str, text: str) -> list[Expectation]:
    """Expectations in `text`; an annotation applies to the next line that is not a comment."""
    lines = text.splitlines()
    out: list[Expectation] = []
    pending: list[tuple[str, str]] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        match = ANNOTATION.match(stripped)
        if match:
            pending += [(match.group(1), rule.strip()) for rule in match.group(2).split(",") if rule.strip()]
            continue
        if pending and stripped and not stripped.startswith("#"):
            out += [Expectation(kind, rule, path, number) for kind, rule in pending]
            pending = []
    return out


def case_files() -> list[CaseFile]:
    """Every annotated sample and every libcst example, as files to analyse."""
    root = rulesets_dir()
    cases = []
    # `rulesets/cst/<rule name>/` holds annotated sample projects for libcst rules that read more
    # than one Python file: requirements files and pyproject.toml annotated with `# ruleid:` too.
    samples = [p for p in (root / "cst").rglob("*") if p.suffix in (".py", ".txt", ".toml", ".cfg", ".in")]
    for sample in sorted([*(root / "semgrep").glob("*.py"), *(root / "bandit").glob("*.py"), *samples]):
        rel = sample.relative_to(root.parent).as_posix()
        text = sample.read_text(encoding="utf-8")
        cases.append(CaseFile(rel, text, parse_annotations(rel, text)))
    for cls in cst_rule_classes():
        for role, examples in (("valid", cls.VALID), ("invalid", cls.INVALID)):
            for n, text in enumerate(examples):
                rel = f"cst-examples/{cls.id}_{role}_{n}.py"
                expectations = parse_annotations(rel, text)
                cases.append(CaseFile(rel, text, expectations, None if expectations else (role, cls.id)))
    for rule in stage_rules():
        for role, examples in (("valid", rule.valid), ("invalid", rule.invalid)):
            for n, example in enumerate(examples):
                rel = f"stage-examples/{rule.spec.id}_{role}_{n}/{example.path}"
                cases.append(CaseFile(rel, example.after, [], (role, rule.spec.id), (rule, example)))
    return cases


def cases_of(rules: Catalogue) -> list[CaseFile]:
    """The cases that concern `rules` (to run a few rules' cases alone): those that annotate one of
    them or are one of their examples, with every file of a multi-file sample project they are in."""
    ids = {spec.id for spec in rules.rules}
    cases = case_files()

    def mine(case: CaseFile) -> bool:
        return bool(case.role and case.role[1] in ids) or any(rules.get(e.rule) for e in case.expectations)

    projects = {_project_of(case.path) for case in cases if mine(case)} - {None}
    return [case for case in cases if mine(case) or _project_of(case.path) in projects]


def _project_of(path: str) -> str | None:
    """`rulesets/cst/<name>` for a file of a multi-file sample project, else None."""
    parts = path.split("/")
    return "/".join(parts[:3]) if parts[:2] == ["rulesets", "cst"] and len(parts) > 3 else None


@dataclass
class CaseRun:
    """Findings of one analysis of all cases, indexed for checking."""

    cases: list[CaseFile]
    reported: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # (path, rule id) -> lines
    notices: tuple[Notice, ...] = ()

    def lines(self, path: str, rule_id: str) -> set[int]:
        return self.reported.get((path, rule_id), set())


def run_cases(catalogue: Catalogue, cases: list[CaseFile] | None = None) -> CaseRun:
    cases = case_files() if cases is None else cases
    with tempfile.TemporaryDirectory(prefix="diffsentry-cases-") as scratch:
        files = [SourceFile(c.path, c.text, disk_path=_write(Path(scratch), c)) for c in cases if c.stage is None]
        report = pipeline.analyse(files, [], Path(scratch), catalogue, pipeline.Options(), mode="scan")
    reported: dict[tuple[str, str], set[int]] = defaultdict(set)
    for finding in report.findings:
        for rule_id in finding.rule_ids:  # deduplication must not hide a rule's own hit
            reported[(finding.path, rule_id)].add(finding.region.start_line)
    for case in cases:  # a stage rule's examples run through that stage alone
        if case.stage is not None and catalogue.get(case.stage[0].spec.id) is not None:
            rule, example = case.stage
            for finding in rule.check(example, load_catalogue()):
                reported[(case.path, finding.rule_id)].add(finding.region.start_line)
    return CaseRun(cases, dict(reported), report.notices)


def _write(scratch: Path, case: CaseFile) -> Path:
    target = scratch / case.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(case.text, encoding="utf-8")
    return target


def check_rule(run: CaseRun, catalogue: Catalogue, rule_id: str) -> list[str]:
    """Every way the cases disagree with what `rule_id` reported; empty when it behaves."""
    spec = catalogue[rule_id]
    problems = []
    for case in run.cases:
        mine = [e for e in case.expectations if catalogue.get(e.rule) is spec]
        lines = run.lines(case.path, spec.id)
        if case.role and case.role[1] == spec.id:
            if case.role[0] == "invalid" and not lines:
                problems.append(f"{case.path}: INVALID example was not reported:\n{case.text}")
            if case.role[0] == "valid" and lines:
                problems.append(f"{case.path}: VALID example reported on line(s) {sorted(lines)}:\n{case.text}")
            continue
        expected = set()
        for e in mine:
            hit = e.line in lines
            if e.kind in ("ruleid", "todook"):
                expected.add(e.line)
            if e.kind == "ruleid" and not hit:
                problems.append(f"{e.path}:{e.line}: expected {spec.name} here, not reported")
            elif e.kind == "ok" and hit:
                problems.append(f"{e.path}:{e.line}: `ok` line reported by {spec.name}")
            elif e.kind == "todoruleid" and hit:
                problems.append(f"{e.path}:{e.line}: todoruleid now reported: make it `ruleid`")
            elif e.kind == "todook" and not hit:
                problems.append(f"{e.path}:{e.line}: todook no longer reported: make it `ok`")
        if mine:
            for line in sorted(lines - expected):
                problems.append(f"{case.path}:{line}: reported by {spec.name} without a `ruleid` annotation")
    return problems


def case_counts(cases: Iterable[CaseFile], catalogue: Catalogue) -> dict[str, dict[str, int]]:
    """How many must-fire and must-not-fire cases each rule has."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"fire": 0, "quiet": 0})
    for case in cases:
        if case.role:
            counts[case.role[1]]["fire" if case.role[0] == "invalid" else "quiet"] += 1
        for e in case.expectations:
            spec = catalogue.get(e.rule)
            if spec is not None and e.kind in ("ruleid", "ok"):
                counts[spec.id]["fire" if e.kind == "ruleid" else "quiet"] += 1
    return counts


def unknown_annotations(cases: Iterable[CaseFile], catalogue: Catalogue) -> Iterator[Expectation]:
    for case in cases:
        yield from (e for e in case.expectations if catalogue.get(e.rule) is None)
