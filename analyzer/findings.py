"""The one finding model every engine is normalised into.

A `Finding` is immutable. Later stages (scope, dedupe, suppress) return new findings with
`dataclasses.replace`; no stage mutates what an earlier one produced.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class _Scale(enum.IntEnum):
    """An ordered scale named by lower-case words, parsed from user input ("error", "High")."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> _Scale:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            *higher, lowest = [m.label for m in sorted(cls, reverse=True)]
            raise ValueError(f"unknown {cls.__name__.lower()} {text!r} (expected {', '.join(higher)} or {lowest})") from None


class Severity(_Scale):
    """How bad a true positive is. Named after the SARIF levels it maps to."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    level = _Scale.label  # SARIF `level`


class Confidence(_Scale):
    """How likely a finding of this rule is a true positive (SARIF `precision`)."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    precision = _Scale.label  # SARIF `precision`


@dataclass(frozen=True, order=True)
class Region:
    """1-based lines and columns; `end_column` is exclusive, as in SARIF."""

    start_line: int
    start_column: int = 1
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        if self.end_line < self.start_line:
            object.__setattr__(self, "end_line", self.start_line)

    @property
    def lines(self) -> range:
        return range(self.start_line, self.end_line + 1)


@dataclass(frozen=True, order=True)
class FlowStep:
    """One step of a source-to-sink path (SARIF `threadFlowLocation`)."""

    path: str
    region: Region
    label: str


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not counted: an inline comment or the baseline."""

    kind: str  # "inSource" or "external", the SARIF suppression kinds
    justification: str


@dataclass(frozen=True)
class Finding:
    """One problem at one place.

    `path` is repo-relative with forward slashes. `engines` lists every engine that reported it
    and `rule_ids` every rule merged into it by deduplication; `rule_id` is the one shown.
    """

    rule_id: str
    path: str
    region: Region
    message: str
    severity: Severity
    confidence: Confidence
    engines: tuple[str, ...]
    rule_ids: tuple[str, ...] = ()
    flow: tuple[FlowStep, ...] = ()
    fingerprint: str = ""
    suppression: Suppression | None = None
    baseline_state: str | None = None  # "new" / "unchanged" when a baseline was given

    def __post_init__(self) -> None:
        if not self.rule_ids:
            object.__setattr__(self, "rule_ids", (self.rule_id,))

    @property
    def sort_key(self) -> tuple[str, Region, str, str]:
        return (self.path, self.region, self.rule_id, self.message)


class NoticeLevel(_Scale):
    """How much a notice about the run matters (SARIF notification `level`)."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    level = _Scale.label


@dataclass(frozen=True, order=True)
class Notice:
    """Something about the run rather than the code: an engine fault, a skipped file.

    An ERROR notice means part of the input was not analysed, so the run cannot be called clean
    (exit 2). WARNING and NOTE notices are reported but do not change the exit code.
    """

    level: NoticeLevel
    source: str  # the stage or engine that raised it: "semgrep", "bandit", "input", ...
    message: str
    path: str | None = None
    line: int | None = None

    def one_line(self) -> str:
        where = f"{self.path}:{self.line}: " if self.path and self.line else f"{self.path}: " if self.path else ""
        return f"{self.level.level}: {self.source}: {where}{self.message}"


@dataclass(frozen=True)
class EngineResult:
    """What an engine returns. Engines never raise: faults become notices."""

    findings: tuple[Finding, ...] = ()
    notices: tuple[Notice, ...] = ()
    scanned: frozenset[str] = field(default_factory=frozenset)
