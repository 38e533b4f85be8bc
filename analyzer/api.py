"""The Python API for gateways and agent loops: is the code in this answer safe to paste?

    from analyzer.api import Checker

    checker = Checker(fast=True)          # once: loads the rules, Bandit's plugins, libcst
    result = checker.check_answer(text)   # per answer
    if result.failing():                  # findings at warning level or above
        ...

A `Checker` is meant to live as long as the process: building it loads the catalogue and warms
every engine it uses, so each answer pays only for its own analysis. `fast=True` leaves Semgrep
out (its rules are the injection taint rules; each Semgrep run is a subprocess start) and so
runs the `extended` suite, whose Bandit rows flag the dangerous calls by name where the Semgrep
rules that follow the data cannot run (`suite=` to choose otherwise); answers
checked together with `check_answers` share one Semgrep process. Findings are located in the
answer: `path` is the answer's name and lines are the answer's lines.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer import answers, fingerprints, pipeline, suppress
from analyzer.catalogue import Catalogue, load_catalogue
from analyzer.findings import Finding, FlowStep, Notice, NoticeLevel, Region, Severity
from analyzer.parse import ONLY_SEMGREP
from analyzer.sources import DEFAULT_MAX_BYTES, SourceFile

__all__ = ["AnswerCheck", "Checker"]

DEFAULT_NAME = "answer.md"


@dataclass(frozen=True)
class AnswerCheck:
    """What one answer holds and what was found in it. `report` feeds the usual formatters."""

    answer: answers.Answer
    report: pipeline.Report
    refused: bool = False  # not analysed at all (too large): whether it holds code is unknown

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Findings that count (suppression comments written in an answer are never honoured)."""
        return tuple(f for f in self.report.findings if suppress.counts(f))

    @property
    def notices(self) -> tuple[Notice, ...]:
        return self.report.notices

    @property
    def has_code(self) -> bool:
        return bool(self.answer.blocks)

    @property
    def complete(self) -> bool:
        """Every Python block was analysed by every engine; False means "unknown", never "clean"."""
        return not self.report.failed

    def failing(self, fail_on: str = "warning") -> tuple[Finding, ...]:
        threshold = Severity.parse(fail_on)
        return tuple(f for f in self.findings if f.severity >= threshold)

    def block_of(self, finding: Finding) -> int | None:
        block = self.answer.block_at(finding.region.start_line)
        return block.number if block else None


class Checker:
    """Checks answers with the rules loaded once. Not thread-safe: one per thread or process."""

    def __init__(
        self,
        *,
        fast: bool = False,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        options: pipeline.Options | None = None,
        suite: str | None = None,
        catalogue: Catalogue | None = None,
        max_answer_bytes: int = DEFAULT_MAX_BYTES,
        warm: bool = True,
    ) -> None:
        if catalogue is None:
            suite = suite or ("extended" if fast else "default")
            catalogue = load_catalogue().select(select, ignore).in_suite(suite, named=select)
        if fast:
            catalogue = Catalogue(tuple(spec for spec in catalogue.rules if spec.engine != "semgrep"))
        self.catalogue = catalogue
        self.fast = fast
        self.options = options or pipeline.Options()
        self.max_answer_bytes = max_answer_bytes
        if warm:  # pay for imports, plugin loading and (full profile) Semgrep's first start now
            self.check_answer("```python\nimport subprocess\nsubprocess.call(x, shell=True)\n```\n")

    def check_answer(self, text: str, *, name: str = DEFAULT_NAME, root: Path | None = None) -> AnswerCheck:
        return self.check_answers([text], names=[name], root=root)[0]

    def check_answers(
        self, texts: Sequence[str], *, names: Sequence[str] | None = None, root: Path | None = None
    ) -> list[AnswerCheck]:
        """Check many answers in one run of the engines (one Semgrep process for all of them)."""
        names = list(names) if names is not None else [DEFAULT_NAME] * len(texts)
        extracted: dict[str, answers.Answer] = {}
        refused: dict[str, Notice] = {}
        files: list[SourceFile] = []
        keys = []
        for text in texts:
            key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]
            keys.append(key)
            if key in extracted or key in refused:
                continue  # the same answer twice is analysed once
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > self.max_answer_bytes:
                refused[key] = Notice(NoticeLevel.ERROR, "input", f"answer larger than the size limit "
                                      f"({size:,} > {self.max_answer_bytes:,} bytes); not analysed")
                continue
            if _has_lone_surrogate(text):  # e.g. "\ud800" in JSON: no file can hold it, no engine reads it
                refused[key] = Notice(NoticeLevel.ERROR, "input", "answer holds a lone surrogate character "
                                      "(not valid Unicode text); not analysed")
                continue
            answer = extracted[key] = answers.extract(text)
            # Every line of an answer is new code: scope keeps every finding, and a suppression
            # comment the answer writes is reported and not honoured (an answer cannot silence us).
            files += [SourceFile(f"{key}/block-{block.number}.py", block.text,
                                 changed_lines=frozenset(range(1, len(block.indents) + 1)))
                      for block in answer.python_blocks]
        report = pipeline.analyse(files, [], _empty_root(), self.catalogue, self.options, mode="answer") \
            if files else None
        shown_root = root or Path.cwd()
        out = []
        for key, text, name in zip(keys, texts, names):
            if key in refused:
                empty = answers.Answer(text, ())
                out.append(AnswerCheck(empty, _report(shown_root, self.catalogue, name, empty, (), (refused[key],)),
                                       refused=True))
                continue
            answer = extracted[key]
            found = [_locate(f, answer, name) for f in report.findings if f.path.startswith(key + "/")] \
                if report else []
            notices = [_locate_notice(n, answer, name, key, self.fast) for n in report.notices
                       if n.path is None or n.path.startswith(key + "/")] if report and answer.python_blocks else []
            out.append(AnswerCheck(answer, _report(shown_root, self.catalogue, name, answer, found, notices)))
        return out


def _report(root: Path, catalogue: Catalogue, name: str, answer: answers.Answer, found: Sequence[Finding],
            notices: Sequence[Notice]) -> pipeline.Report:
    notes = list(notices)
    if not answer.blocks and answer.text:
        notes.append(Notice(NoticeLevel.NOTE, "input", "the answer holds no code block; nothing to analyse", name))
    for block in answer.skipped_blocks:
        what = f"a {block.language} block" if block.language else "a block with no language that is not Python"
        notes.append(Notice(NoticeLevel.NOTE, "input", f"code block {block.number} skipped: {what} "
                            "(only Python is analysed)", name, block.first_line))
    texts = {name: answer.text}
    located = fingerprints.assign_fingerprints(sorted(found, key=lambda f: f.sort_key), texts)
    return pipeline.Report(root=root, mode="answer", rules=catalogue.rules, findings=tuple(located),
                           notices=tuple(sorted(set(notes), key=lambda n: (-n.level, n.line or 0, n.message))),
                           files=(name,) if answer.python_blocks else (), texts=texts)


def _block(path: str, answer: answers.Answer) -> answers.CodeBlock:
    number = int(path.rsplit("/block-", 1)[1].removesuffix(".py"))
    return answer.blocks[number - 1]


def _region(region: Region, block: answers.CodeBlock) -> Region:
    start_line, start_column = block.to_answer(region.start_line, region.start_column)
    end_line, end_column = block.to_answer(region.end_line, region.end_column)
    return Region(start_line, start_column, end_line, end_column)


def _locate(finding: Finding, answer: answers.Answer, name: str) -> Finding:
    """The finding as a reader of the answer sees it: the answer's name, lines and columns."""
    block = _block(finding.path, answer)
    flow = tuple(FlowStep(name, _region(s.region, _block(s.path, answer)), s.label) for s in finding.flow)
    return dataclasses.replace(finding, path=name, region=_region(finding.region, block), flow=flow,
                               message=f"{finding.message} (code block {block.number})")


def _locate_notice(notice: Notice, answer: answers.Answer, name: str, key: str, fast: bool) -> Notice:
    if notice.path is None or not notice.path.startswith(key + "/"):
        return notice
    block = _block(notice.path, answer)
    line = block.to_answer(notice.line)[0] if notice.line else block.first_line
    message = notice.message
    if fast and notice.source == "parse":  # Semgrep is the engine that reads what Python cannot parse
        message = message.replace(ONLY_SEMGREP, "not analysed (the fast profile runs no Semgrep)")
    return dataclasses.replace(notice, path=name, line=line, message=f"code block {block.number}: {message}")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _empty_root() -> Path:
    """An empty directory as the project root: an answer has no project around it, and nothing on
    this machine may leak into its analysis. One fixed name, so that cache keys stay stable."""
    path = Path(tempfile.gettempdir()) / f"diffsentry-answers-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not any(path.iterdir()):
            return path
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="diffsentry-answers-"))
