"""`diffsentry study ANSWERS.jsonl`: a model's vulnerable-answer rate by prompt condition.

Only click is imported here at start-up; scipy and dask are imported when a study runs, so the
other commands (and the pre-commit hook) never pay for them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import click

FORMATS = ("text", "json", "csv")


@click.command("study")
@click.argument("answers_file", metavar="ANSWERS.jsonl", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: a table; json: `groups` and `comparisons`; csv: one row per (model, condition).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the figures to this file instead of stdout.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write a self-contained HTML page: the table and rate ± interval per condition.")
@click.option("--answers-out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write one JSON line per answer: its findings, so that any figure can be audited.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note"]), default="warning", show_default=True,
              help="An answer is vulnerable when it has a finding at least this severe.")
@click.option("--baseline-condition", metavar="NAME",
              help="Compare every condition with this one [default: `baseline`, else `neutral`, else the first "
                   "condition in the file].")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (as for `scan`).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (as for `scan`).")
@click.option("--suite", type=click.Choice(["default", "extended"]), default=None,
              help="Rule suite (as for `scan`) [default: default; extended with --fast].")
@click.option("--fast", is_flag=True, help="Leave Semgrep's rules out (see docs/api.md for what that misses).")
@click.option("--batch-size", type=click.IntRange(1), default=200, show_default=True,
              help="Answers per run of the engines (one Semgrep process per batch).")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Local worker processes [default: the number of CPUs].")
@click.option("--dask-scheduler", metavar="tcp://HOST:PORT",
              help="Run the batches on this Dask cluster instead (the only connection diffsentry opens).")
@click.option("--max-answer-bytes", type=click.IntRange(1), default=2_000_000, show_default=True,
              help="Answers larger than this are not analysed (and make the study incomplete).")
@click.option("--per-file-timeout", type=click.FloatRange(1), default=30.0, show_default=True)
@click.option("--semgrep-timeout", type=click.FloatRange(1), default=600.0, show_default=True,
              help="Seconds one batch's Semgrep run may take.")
@click.option("--no-cache", is_flag=True, help="Analyse every answer afresh (no result cache).")
def study(answers_file: Path, fmt: str, output: Path | None, html_file: Path | None, answers_out: Path | None,
          fail_on: str, baseline_condition: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
          suite: str | None, fast: bool, batch_size: int, workers: int | None, dask_scheduler: str | None, max_answer_bytes: int,
          per_file_timeout: float, semgrep_timeout: float, no_cache: bool) -> None:
    """Measure how often a model's answers hold vulnerable code, per model and prompt condition.

    ANSWERS.jsonl holds one JSON object per line with `id`, `model`, `condition` and `response`
    (optional: `task`, `prompt`, `sample`). Exit 0 when every answer was analysed, 2 otherwise or on
    bad input; findings do not change the exit code (they are what is measured).
    """
    from analyzer.catalogue import CatalogueError, load_catalogue
    from analyzer.study import batches, data, output as out, page, stats

    try:
        records = data.read_file(str(answers_file))
    except data.DataError as exc:
        _fail(str(exc))
    select_list, ignore_list = _split(select), _split(ignore)
    try:
        load_catalogue().select(select_list, ignore_list)
    except CatalogueError as exc:
        raise click.UsageError(str(exc)) from None
    baseline = stats.baseline_condition(records, baseline_condition)
    if baseline not in {r.condition for r in records}:
        _fail(f"--baseline-condition {baseline!r} is not a condition of {answers_file}")
    settings = batches.Settings(fast=fast, suite=suite, select=tuple(select_list), ignore=tuple(ignore_list),
                                max_answer_bytes=max_answer_bytes, per_file_timeout_s=per_file_timeout,
                                semgrep_timeout_s=semgrep_timeout, cache=not no_cache)
    try:
        with _progress(len({r.response for r in records})) as advance:
            results = batches.analyse([r.response for r in records], settings, batch_size=batch_size,
                                      workers=workers or os.cpu_count() or 1, scheduler=dask_scheduler,
                                      progress=advance)
    except batches.ClusterError as exc:
        _fail(str(exc))
    groups = stats.groups(records, results, fail_on)
    complete = not any(result["errors"] for result in results)
    doc = out.document(groups, stats.comparisons(groups, baseline), fail_on=fail_on, baseline=baseline,
                       complete=complete)
    color = fmt == "text" and output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    rendered = {"json": out.render_json, "csv": out.render_csv}.get(fmt, lambda d: out.render_table(d, color=color))(doc)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)
    if html_file is not None:
        html_file.write_text(page.render(doc), encoding="utf-8")
    if answers_out is not None:
        answers_out.write_text(out.answer_records(records, results, fail_on), encoding="utf-8")
    if not complete:
        failed = [(r, res) for r, res in zip(records, results) if res["errors"]]
        for record, result in failed[:10]:
            click.echo(f"diffsentry: error: answer {record.id!r} (line {record.line}): {result['errors'][0]}", err=True)
        _fail(f"{len(failed)} of {len(records)} answers were not fully analysed; the figures are incomplete")


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _fail(message: str) -> None:
    click.echo(f"diffsentry: error: {message}", err=True)
    sys.exit(2)


def _progress(total: int) -> Any:
    """A progress bar of distinct answers on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    @contextlib.contextmanager
    def bar() -> Any:
        with Progress(TextColumn("diffsentry: analysing answers"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("answers", total=total)
            yield lambda n: progress.advance(task, n)

    return bar()
