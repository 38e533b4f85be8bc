"""Analysing thousands of answers: distinct answers in batches, each batch one run of the engines.

A batch is one `Checker.check_answers` call, so one Semgrep process serves a whole batch (a
Semgrep start costs more than analysing an answer). Identical answers are analysed once. Batches
run here, in local worker processes, or on an existing Dask cluster (`--dask-scheduler`): the
per-answer results are plain data, the same whichever ran them, so the report is too.

The cluster is the one network connection diffsentry ever opens, and only in `study`, only when
asked: the workers analyse, and like every run of the engines they open no socket.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from analyzer import __version__
from analyzer.api import AnswerCheck, Checker
from analyzer.findings import NoticeLevel

Progress = Callable[[int], None]  # called with the number of answers just analysed


@dataclass(frozen=True)
class Settings:
    """What decides an answer's result; sent to every worker."""

    fast: bool = False
    suite: str | None = None  # None: the profile's (default; extended when fast)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    max_answer_bytes: int = 2_000_000
    per_file_timeout_s: float = 30.0
    semgrep_timeout_s: float = 600.0
    cache: bool = True  # each worker's own result cache ($DIFFSENTRY_CACHE_DIR on that machine)


class ClusterError(RuntimeError):
    """The Dask cluster could not be used; the message is one line."""


def analyse(texts: Sequence[str], settings: Settings, *, batch_size: int = 200, workers: int = 1,
            scheduler: str | None = None, progress: Progress | None = None) -> list[dict[str, Any]]:
    """One result per text (in order): see `summarise` for its fields."""
    distinct = list(dict.fromkeys(texts))
    batches = [distinct[i:i + batch_size] for i in range(0, len(distinct), batch_size)]
    if scheduler:
        done = _on_dask(batches, settings, scheduler, progress)
    elif workers > 1 and len(batches) > 1:
        done = _in_processes(batches, settings, workers, progress)
    else:
        done = []
        for batch in batches:
            done.append(analyse_batch(batch, settings))
            if progress:
                progress(len(batch))
    by_text = {text: result for batch, results in zip(batches, done) for text, result in zip(batch, results)}
    return [by_text[text] for text in texts]


def analyse_batch(texts: Sequence[str], settings: Settings) -> list[dict[str, Any]]:
    """Runs in a worker: every answer of the batch through one run of the engines."""
    checker = _checker(settings)
    return [summarise(check, checker) for check in checker.check_answers(list(texts))]


def summarise(check: AnswerCheck, checker: Checker) -> dict[str, Any]:
    """An answer's result as plain data (picklable, JSON-ready, independent of the batch)."""
    findings = []
    for finding in check.findings:
        spec = checker.catalogue.get(finding.rule_id)
        findings.append({
            "rule_id": finding.rule_id,
            "severity": finding.severity.level,
            "family": spec.family if spec else "",
            "cwe": [f"CWE-{n}" for n in spec.cwe] if spec else [],
            "block": check.block_of(finding),
            "line": finding.region.start_line,
            "message": finding.message,
        })
    return {
        "has_code": None if check.refused else check.has_code,  # None: not analysed, unknown
        "python_blocks": len(check.answer.python_blocks),
        "skipped_blocks": [{"block": b.number, "language": b.language} for b in check.answer.skipped_blocks],
        "findings": findings,
        "errors": [n.one_line() for n in check.notices if n.level is NoticeLevel.ERROR],
    }


@functools.cache
def _checker(settings: Settings) -> Checker:
    from analyzer import cache, pipeline

    options = pipeline.Options(max_bytes=settings.max_answer_bytes, per_file_timeout_s=settings.per_file_timeout_s,
                               semgrep_timeout_s=settings.semgrep_timeout_s,
                               cache_dir=cache.default_directory() if settings.cache else None)
    return Checker(fast=settings.fast, suite=settings.suite, select=settings.select, ignore=settings.ignore, options=options,
                   max_answer_bytes=settings.max_answer_bytes, warm=False)


def _in_processes(batches: list[list[str]], settings: Settings, workers: int,
                  progress: Progress | None) -> list[list[dict[str, Any]]]:
    # spawn: a fork would copy the parent's threads' state (the progress display's among them).
    done: list[list[dict[str, Any]] | None] = [None] * len(batches)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(analyse_batch, batch, settings): i for i, batch in enumerate(batches)}
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if progress:
                progress(len(batches[futures[future]]))
    return done  # type: ignore[return-value]


def worker_identity() -> tuple[str, str]:
    """What a worker must share with us for its results to be ours: diffsentry's version, code and rules."""
    from analyzer.cache import code_digest

    return __version__, code_digest()


def _on_dask(batches: list[list[str]], settings: Settings, scheduler: str,
             progress: Progress | None) -> list[list[dict[str, Any]]]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ClusterError("--dask-scheduler needs dask.distributed: pip install 'diffsentry[study]'") from None
    try:
        client = Client(scheduler, timeout=os.environ.get("DIFFSENTRY_DASK_TIMEOUT", "30s"),
                        set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}".splitlines()[0]) from None
    with client:
        try:
            identities = client.run(worker_identity)
        except Exception as exc:  # a worker without diffsentry, or a broken one: its own exception type
            raise ClusterError(f"a Dask worker could not run diffsentry: {exc!r}"[:300]) from None
        if not identities:
            raise ClusterError(f"the Dask cluster at {scheduler} has no workers")
        ours = worker_identity()
        for worker, identity in sorted(identities.items()):
            if tuple(identity) != ours:
                raise ClusterError(f"worker {worker} runs diffsentry {identity[0]} with other rules than this "
                                   f"diffsentry {ours[0]}: install the same version on every worker")
        futures = client.map(analyse_batch, batches, settings=settings, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        done: list[list[dict[str, Any]] | None] = [None] * len(batches)
        for future in dask_completed(futures, loop=client.loop):
            i = index[future.key]
            done[i] = future.result()
            if progress:
                progress(len(batches[i]))
    return done  # type: ignore[return-value]
