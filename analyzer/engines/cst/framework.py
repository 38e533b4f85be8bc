"""Our own checks: libcst visitors, one class per rule, run together in one pass per file.

A rule is a `CstRule` subclass in `analyzer/engines/cst/rules/`. Its class attributes are its
catalogue entry and its `VALID`/`INVALID` examples are its tests (Fixit's shape). It reports with
`self.report(node)`; positions are resolved only for files where some rule reported, because
libcst's `PositionProvider` costs more than parsing. The rules' `visit_*`/`leave_*` methods are
called by `walk.visit_batched`, libcst's batched visit without its rebuilding of every node.

Rules that read the raw text (invisible characters, hidden code) override `check_text`; they run
even when libcst could not parse the file.

libcst parsing is the expensive part, so a file is parsed only when some selected rule with
`visit_*` methods may fire on it: a rule can declare `TRIGGER`, a regex that any file it could
report must contain (like Semgrep's prefilters); a file matching no trigger is never parsed.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import libcst
from libcst.metadata import CodeRange, PositionProvider

from analyzer.rulespec import RuleSpec, spec_from_mapping
from analyzer.engines.cst import walk
from analyzer.findings import Confidence, Finding, FlowStep, Region, Severity
from analyzer.parse import ParsedModule
from analyzer.sources import Project

_SPEC_FIELDS = (
    "id", "name", "severity", "confidence", "cwe", "security_severity", "summary", "what", "why", "fix",
    "example", "use_instead", "references", "group", "scope", "suite",
)


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know about the file it checks."""

    path: str
    text: str
    #: The run's project (root, every file's text), for rules that judge a file by the rest of
    #: the project, e.g. by the dependencies its manifests declare.
    project: Project | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


@dataclass(frozen=True)
class _Report:
    node: libcst.CSTNode | None
    region: Region | None
    message: str
    flow: tuple[FlowStep, ...] = ()


class CstRule(libcst.BatchableCSTVisitor):
    """Base class of diffsentry's libcst rules. Subclasses set the catalogue fields below."""

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence]
    cwe: ClassVar[tuple[int, ...]]
    security_severity: ClassVar[str]
    summary: ClassVar[str]
    what: ClassVar[str]
    why: ClassVar[str]
    fix: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    references: ClassVar[tuple[str, ...]] = ()
    group: ClassVar[str] = ""
    scope: ClassVar[str] = "lines"
    suite: ClassVar[str] = "default"  # "extended": only in the extended suite (catalogue.SUITES)

    #: Code that must not be reported / must be reported at least once. A case may also carry
    #: `# ruleid:` / `# ok:` annotations to pin the exact lines.
    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[str]] = ()

    #: A regex every file this rule could report on contains; None: any file may.
    TRIGGER: ClassVar[re.Pattern[str] | None] = None
    #: Words one of which every text TRIGGER matches contains (lowercase when TRIGGER ignores case:
    #: then looked for in the lowercased text of ASCII files only). A file with none is not searched
    #: with TRIGGER: `word in text` is a fast scan, a regex that starts with `\b` or ignores case is
    #: not (tests/test_cst_triggers.py checks the words against TRIGGER).
    TRIGGER_WORDS: ClassVar[tuple[str, ...]] = ()

    spec: ClassVar[RuleSpec]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "id" in cls.__dict__:
            fields = {name: getattr(cls, name) for name in _SPEC_FIELDS}
            cls.spec = spec_from_mapping(fields, engine="cst", source=f"{cls.__module__.replace('.', '/')}.py")

    def __init__(self, context: RuleContext) -> None:
        super().__init__()
        self.context = context
        self._reports: list[_Report] = []

    def report(self, node: libcst.CSTNode, message: str | None = None) -> None:
        self._reports.append(_Report(node, None, message or self.summary))

    def report_at(self, region: Region, message: str | None = None, flow: Sequence[FlowStep] = ()) -> None:
        """Report a region; `flow` is the path that led there (SARIF codeFlows, text and JSON)."""
        self._reports.append(_Report(None, region, message or self.summary, tuple(flow)))

    def check_text(self) -> None:
        """Override to inspect `self.context.text` directly."""


def cst_rule_classes() -> list[type[CstRule]]:
    """Every rule class in `analyzer.engines.cst.rules`, found by walking the package."""
    from analyzer.engines.cst import rules

    for info in pkgutil.iter_modules(rules.__path__, rules.__name__ + "."):
        importlib.import_module(info.name)
    found: list[type[CstRule]] = []
    pending = list(CstRule.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "id" in cls.__dict__ and cls.__module__.startswith(rules.__name__):
            found.append(cls)
    return sorted(found, key=lambda c: c.id)


def uses_tree(cls: type[CstRule]) -> bool:
    """Whether the rule has visitor methods (else it only reads text and needs no parse)."""
    return any(name.startswith(("visit_", "leave_")) for klass in cls.__mro__[: cls.__mro__.index(CstRule)]
               for name in vars(klass))


def run_rules(
    parsed: ParsedModule, rule_classes: Sequence[type[CstRule]], project: Project | None = None
) -> list[Finding]:
    """Run the rules over one file; exceptions propagate to the engine, which reports them."""
    context = RuleContext(parsed.path, parsed.text, project)
    rules = [cls(context) for cls in rule_classes]
    admits = _Triggers(parsed.text)
    visitors = [rule for rule in rules if uses_tree(type(rule)) and admits(type(rule))]
    module = parsed.module if visitors else None  # parses (lazily) only when a visitor may fire
    if module is not None:
        walk.visit_batched(module, visitors)  # libcst's batched visit without rebuilding the tree
    for rule in rules:
        rule.check_text()
    if not any(r._reports for r in rules):
        return []
    positions = libcst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider) if (
        module is not None and any(rep.node is not None for r in rules for rep in r._reports)
    ) else {}
    findings = []
    for rule in rules:
        for rep in rule._reports:
            region = rep.region or _region(positions[rep.node])
            findings.append(
                Finding(
                    rule_id=rule.id,
                    path=parsed.path,
                    region=region,
                    message=rep.message,
                    severity=rule.spec.severity,
                    confidence=rule.spec.confidence,
                    engines=("cst",),
                    flow=rep.flow,
                )
            )
    return findings


class _Triggers:
    """Whether a rule's TRIGGER matches a text: its words first, and for an ASCII text the
    trigger compiled for ASCII (the same matches on such a text, found ~2x faster)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.lowered: str | None = None

    def __call__(self, rule: type[CstRule]) -> bool:
        trigger, words = rule.TRIGGER, rule.TRIGGER_WORDS
        if trigger is None:
            return True
        if words:
            if not trigger.flags & re.IGNORECASE:
                if not any(word in self.text for word in words):
                    return False
            elif self.ascii:
                if self.lowered is None:
                    self.lowered = self.text.lower()
                if not any(word in self.lowered for word in words):
                    return False
        return bool((_for_ascii(trigger) if self.ascii else trigger).search(self.text))


_ASCII_TRIGGERS: dict[re.Pattern[str], re.Pattern[str]] = {}


def _for_ascii(trigger: re.Pattern[str]) -> re.Pattern[str]:
    """`trigger` with ASCII-only classes and case folding: on a text of ASCII characters only,
    it matches exactly where `trigger` does."""
    found = _ASCII_TRIGGERS.get(trigger)
    if found is None:
        found = _ASCII_TRIGGERS[trigger] = re.compile(trigger.pattern, (trigger.flags & ~re.UNICODE) | re.ASCII)
    return found


def _region(code_range: CodeRange) -> Region:
    return Region(
        code_range.start.line, code_range.start.column + 1, code_range.end.line, code_range.end.column + 1
    )
