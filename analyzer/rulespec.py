"""The rule model: what one rule is, and where rules are declared. Imports no engine.

A rule is declared once, next to its implementation:

* libcst rule: a `CstRule` subclass in `analyzer/engines/cst/rules/` (fields as class attributes);
* Semgrep rule: `rulesets/semgrep/<name>.yaml`, catalogue fields under `metadata:`;
* Bandit test: a row of `rulesets/bandit.yaml`;
* rule of a pipeline stage: a `StageRule` in the stage module's `RULES`.

Everything else (SARIF rule metadata, `diffsentry rules`/`explain`, `docs/rules.md`, the rule
tests) is derived from the `RuleSpec` built here; `analyzer.catalogue` collects them all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer import defaults, stored
from analyzer.findings import Confidence, Finding, Severity

if TYPE_CHECKING:
    from analyzer.catalogue import Catalogue

FAMILIES: Mapping[str, str] = {
    "1": "backdoor",
    "2": "injection",
    "3": "weakened-control",
    "4": "supply-chain",
    "5": "ai-application",
    "6": "source-integrity",
}
FAMILY_TITLES: Mapping[str, str] = {
    "backdoor": "Backdoor-like and malicious behaviour",
    "injection": "Injection: untrusted data reaching a dangerous sink",
    "weakened-control": "Weakened security controls",
    "supply-chain": "Supply chain",
    "ai-application": "AI and LLM application risks",
    "source-integrity": "Source integrity",
}
SUITES = defaults.SUITES  # the rule suites and the rules' suites each runs (the CLI's help reads them there)
rulesets_dir = stored.rulesets_dir  # `rulesets/` in a checkout, or its copy inside a wheel
# "diff", "suppress", "config", "inventory", "ai-policy" and "parse" are pipeline stages with rules of
# their own (see `StageRule`).
ENGINES = ("cst", "semgrep", "bandit", "diff", "suppress", "config", "inventory", "ai-policy", "parse")
SCOPES = ("lines", "file")
DOC_FIELDS = ("summary", "what", "why", "fix", "example", "use_instead")
_OUR_ID = re.compile(r"^DS[1-6]\d\d$")
_BANDIT_ID = re.compile(r"^B\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SECURITY_SEVERITY = re.compile(r"^(10\.0|\d\.\d)$")


class CatalogueError(ValueError):
    """A rule declaration is incomplete or inconsistent."""


@dataclass(frozen=True)
class RuleSpec:
    """Everything a user or a report needs to know about one rule."""

    id: str
    name: str
    engine: str
    family: str
    severity: Severity
    confidence: Confidence
    cwe: tuple[int, ...]
    security_severity: str
    summary: str
    what: str
    why: str
    fix: str  # one sentence: what to do instead
    example: str
    use_instead: str
    references: tuple[str, ...] = ()
    # Findings of rules in one group on one line are the same problem (dedupe across engines).
    group: str = ""
    # "lines": kept in diff mode when its region touches a changed line; "file": whenever the
    # file changed (for rules about the whole file).
    scope: str = "lines"
    source: str = ""  # where the declaration lives, repo-relative, for `explain` and docs
    suite: str = "default"  # the smallest suite that runs this rule (see SUITES)

    def __post_init__(self) -> None:
        if not self.group:
            object.__setattr__(self, "group", self.id)

    @property
    def cwe_tags(self) -> tuple[str, ...]:
        return tuple(f"external/cwe/cwe-{n:03d}" for n in self.cwe)


def family_of(rule_id: str) -> str:
    return FAMILIES[rule_id[2]] if _OUR_ID.match(rule_id) else ""


def spec_from_mapping(fields: Mapping[str, Any], *, engine: str, source: str) -> RuleSpec:
    """Build and validate a RuleSpec from declaration fields (yaml keys may use dashes)."""
    get = {str(k).replace("-", "_"): v for k, v in fields.items()}
    where = f"{source}: rule {get.get('id') or get.get('name') or '?'}"
    try:
        rule_id = str(get["id"])
        cwe = get.get("cwe") or ()
        spec = RuleSpec(
            id=rule_id,
            name=str(get["name"]),
            engine=engine,
            family=str(get.get("family") or family_of(rule_id)),
            severity=get["severity"] if isinstance(get["severity"], Severity) else Severity.parse(str(get["severity"])),
            confidence=get["confidence"]
            if isinstance(get["confidence"], Confidence)
            else Confidence.parse(str(get["confidence"])),
            cwe=tuple(int(str(c).upper().removeprefix("CWE-")) for c in ([cwe] if isinstance(cwe, (int, str)) else cwe)),
            security_severity=str(get["security_severity"]),
            summary=_text(get.get("summary")),
            what=_text(get.get("what")),
            why=_text(get.get("why")),
            fix=_text(get.get("fix")),
            example=_text(get.get("example"), strip=False),
            use_instead=_text(get.get("use_instead"), strip=False),
            references=tuple(str(r) for r in get.get("references") or ()),
            group=str(get.get("group") or ""),
            scope=str(get.get("scope") or "lines"),
            source=source,
            suite=str(get.get("suite") or "default"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogueError(f"{where}: {exc}") from None
    problems = validate(spec)
    if problems:
        raise CatalogueError(f"{where}: " + "; ".join(problems))
    return spec


def _text(value: Any, *, strip: bool = True) -> str:
    text = "" if value is None else str(value)
    return text.strip() if strip else text.strip("\n") + "\n" if text.strip() else ""


def validate(spec: RuleSpec) -> list[str]:
    """Everything wrong with one declaration; empty when it is complete."""
    problems = []
    if not (_OUR_ID.match(spec.id) or (spec.engine == "bandit" and _BANDIT_ID.match(spec.id))):
        problems.append(f"id {spec.id!r} is not DS<family><nn> (or a Bandit B-id on a Bandit row)")
    if spec.engine not in ENGINES:
        problems.append(f"engine {spec.engine!r} is not one of {ENGINES}")
    if not _NAME.match(spec.name):
        problems.append(f"name {spec.name!r} is not kebab-case")
    if spec.name.startswith(("no-", "ban-", "avoid-")):
        problems.append(f"name {spec.name!r} must name the flagged pattern, not forbid it")
    if spec.family not in FAMILY_TITLES:
        problems.append(f"family {spec.family!r} is not one of {sorted(FAMILY_TITLES)}")
    if _OUR_ID.match(spec.id) and spec.family != family_of(spec.id):
        problems.append(f"family {spec.family!r} does not match id {spec.id}")
    if not spec.cwe:
        problems.append("cwe is empty")
    if not _SECURITY_SEVERITY.match(spec.security_severity):
        problems.append(f"security-severity {spec.security_severity!r} is not a 0.0-10.0 string like '7.5'")
    if spec.suite not in SUITES:
        problems.append(f"suite {spec.suite!r} is not one of {tuple(SUITES)}")
    if spec.scope not in SCOPES:
        problems.append(f"scope {spec.scope!r} is not one of {SCOPES}")
    for name in DOC_FIELDS:
        if not getattr(spec, name).strip():
            problems.append(f"{name.replace('_', '-')} is empty")
    return problems


# --- where declarations live -------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _read_yaml(path: Path, mtime_ns: int) -> Any:
    import yaml  # imported when a rule file is read: a catalogue read from the cache needs none

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}


def read_rule_file(path: Path) -> Any:
    """A rule declaration file, parsed once per process (the catalogue and the engines share it).

    Callers must not mutate the result."""
    return _read_yaml(path, path.stat().st_mtime_ns)


def semgrep_rule_files() -> list[Path]:
    """Every YAML file the Semgrep configuration is built from: the rule files and the shared
    untrusted-input block (`_untrusted-input.yaml`, no `rules:`), so that cache keys cover both."""
    return sorted((rulesets_dir() / "semgrep").glob("*.yaml"))


def bandit_table_path() -> Path:
    return rulesets_dir() / "bandit.yaml"


def declared_in(path: Path, root: Path | None = None) -> str:
    """A declaration file's path as the repository names it (`rulesets/semgrep/x.yaml`), the same
    in a checkout and in an installed wheel, where `rulesets/` is `analyzer/_rulesets/`."""
    try:
        return "rulesets/" + path.relative_to(root or rulesets_dir()).as_posix()
    except ValueError:
        return path.name


# --- rules of pipeline stages -------------------------------------------------------------------


@dataclass(frozen=True)
class StageCase:
    """One example of a stage rule: a file after a change, and before it (None: no change, the
    file as scanned, or a new file)."""

    after: str
    before: str | None = None
    path: str = "example.py"


@dataclass(frozen=True)
class StageRule:
    """A rule that a pipeline stage implements instead of an engine, because it looks at the
    change rather than at one file: what a diff deleted, suppression comments, config edits.

    Declared in the stage's module as `RULES`, with its examples; `check` runs that stage on one
    example, so the rule tests cover it like any other rule.
    """

    spec: RuleSpec
    valid: tuple[StageCase, ...]
    invalid: tuple[StageCase, ...]
    #: Runs the stage on one case; the catalogue names every rule (a suppression may name any).
    check: Callable[[StageCase, Catalogue], Sequence[Finding]]
