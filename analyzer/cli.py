"""The `diffsentry` command.

Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage error or incomplete analysis
(an engine failed, a file could not be read). Results go to stdout or `-o`; diagnostics and
progress go to stderr, progress only on a terminal.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from analyzer import __version__, pipeline, report
from analyzer.catalogue import Catalogue, CatalogueError, load_catalogue
from analyzer.diff import InputError, repo_root
from analyzer.docs import render_explain, render_rules_markdown, render_rules_table
from analyzer.findings import Severity
from analyzer.sources import DEFAULT_MAX_BYTES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("error", "warning", "note", "none")


def _common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("-f", "--format", "fmt", type=click.Choice(sorted(report.FORMATS)), default="text",
                     show_default=True, help="Output format."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                     help="Write results to this file instead of stdout."),
        click.option("--fail-on", type=click.Choice(FAIL_ON), default="warning", show_default=True,
                     help="Exit 1 when a finding is at least this severe."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (errors still exit 2)."),
        click.option("--select", multiple=True, metavar="RULES",
                     help="Only these rules: ids, names, id prefixes (DS1, B6) or families. Repeat or comma-separate."),
        click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (same forms as --select)."),
        click.option("--category", help="SARIF automationDetails.id, to tell several uploads apart."),
        click.option("--max-file-bytes", type=click.IntRange(1), default=DEFAULT_MAX_BYTES, show_default=True,
                     help="Refuse (and report) Python files larger than this."),
        click.option("--semgrep-timeout", type=click.FloatRange(1), default=600.0, show_default=True,
                     help="Seconds before the Semgrep run is abandoned (an error, never a clean result)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


class _FailClosedGroup(click.Group):
    """An unexpected exception is exit 2 with one line, never Python's exit 1 (which means findings)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            click.echo(f"diffsentry: internal error: {exc!r} (please report it); analysis incomplete", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=_FailClosedGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="diffsentry")
def main() -> None:
    """Security review of AI-written Python changes, offline.

    Finds backdoor-like code, injection flaws, weakened security checks and hallucinated packages
    in what a change added, and reports them as text, JSON or SARIF for GitHub code scanning.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_common_options
def scan(paths: tuple[Path, ...], **options: Any) -> None:
    """Analyse whole files and directories (every finding counts)."""
    root = _scan_root(paths)
    _run(lambda catalogue, opts: pipeline.scan_paths(list(paths), root, catalogue, opts), options)


@main.command()
@click.option("--base", metavar="REF", help="Diff merge-base(REF, HEAD) against the working tree (what a PR shows).")
@click.option("--staged", is_flag=True, help="Diff the index against HEAD, reading the staged text (pre-commit).")
@click.option("--patch", "patch_file", type=click.File("r", encoding="utf-8", errors="surrogateescape"),
              metavar="FILE|-", help="Read a unified diff (an agent's patch) and apply it in memory.")
@click.option("--root", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Directory the patch applies to [default: the git work tree, else the current directory].")
@_common_options
def diff(base: str | None, staged: bool, patch_file: Any, root: Path | None, **options: Any) -> None:
    """Analyse a change and report only what it added or edited."""
    chosen = [name for name, on in (("--base", base), ("--staged", staged), ("--patch", patch_file)) if on]
    if len(chosen) != 1:
        raise click.UsageError("choose exactly one of --base REF, --staged or --patch FILE|-")
    if patch_file is not None:
        text = patch_file.read()
        where = root or _project_root(Path.cwd())
        _run(lambda catalogue, opts: pipeline.scan_patch(text, where, catalogue, opts), options)
        return

    def run_git(catalogue: Catalogue, opts: pipeline.Options) -> pipeline.Report:
        repo = repo_root(root or Path.cwd())
        if staged:
            return pipeline.scan_staged(repo, catalogue, opts)
        return pipeline.scan_base(repo, base or "", catalogue, opts)

    _run(run_git, options)


@main.command("rules")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule with its id, severity and summary."""
    catalogue = _catalogue_or_exit()
    click.echo(render_rules_markdown(catalogue) if fmt == "markdown" else render_rules_table(catalogue), nl=False)


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show a rule's documentation: what, why, example and what to use instead."""
    spec = _catalogue_or_exit().get(rule)
    if spec is None:
        _fail(f"unknown rule {rule!r} (see `diffsentry rules`)")
    click.echo(render_explain(spec), nl=False)


# --- shared plumbing ----------------------------------------------------------------------------


def _run(scan: Callable[[Catalogue, pipeline.Options], pipeline.Report], options: dict[str, Any]) -> None:
    catalogue = _catalogue_or_exit()
    try:
        catalogue = catalogue.select(_split(options["select"]), _split(options["ignore"]))
    except CatalogueError as exc:
        raise click.UsageError(str(exc)) from None
    opts = pipeline.Options(max_bytes=options["max_file_bytes"], semgrep_timeout_s=options["semgrep_timeout"])
    try:
        with _progress("diffsentry: analysing"):
            result = scan(catalogue, opts)
    except InputError as exc:
        _fail(str(exc))
    fmt, output = options["fmt"], options["output"]
    color = fmt == "text" and output is None and sys.stdout.isatty()
    rendered = report.render(result, fmt, category=options["category"], color=color)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)
    for notice in result.notices:
        if fmt != "text" or output is not None:
            click.echo(f"diffsentry: {notice.one_line()}", err=True)
    sys.exit(exit_code(result, options["fail_on"], options["exit_zero"]))


def exit_code(result: pipeline.Report, fail_on: str, exit_zero: bool) -> int:
    if result.failed:
        return EXIT_ERROR
    if exit_zero or fail_on == "none":
        return EXIT_CLEAN
    threshold = Severity.parse(fail_on)
    failing = [f for f in result.findings if f.severity >= threshold and f.suppression is None
               and f.baseline_state != "unchanged"]
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _project_root(start: Path) -> Path:
    """The git work tree containing `start`, else `start` itself (no git needed for scan)."""
    try:
        return repo_root(start)
    except InputError:
        return start.resolve()


def _scan_root(paths: tuple[Path, ...]) -> Path:
    """Paths in reports are relative to this: the git work tree holding the first target, else the
    current directory when it holds every target, else the targets' common directory."""
    first = paths[0] if paths[0].is_dir() else paths[0].parent
    with contextlib.suppress(InputError, OSError):
        return repo_root(first.resolve() if first.exists() else Path.cwd())
    cwd = Path.cwd().resolve()
    resolved = [p.resolve() for p in paths]
    if all(p == cwd or cwd in p.parents for p in resolved):
        return cwd
    return Path(os.path.commonpath([p if p.is_dir() else p.parent for p in resolved]))


@functools.cache
def _catalogue_or_exit() -> Catalogue:
    try:
        return load_catalogue()
    except CatalogueError as exc:
        _fail(f"broken rule declaration: {exc}")
        raise  # unreachable; keeps type checkers honest


@contextlib.contextmanager
def _progress(message: str) -> Iterator[None]:
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def _fail(message: str) -> None:
    click.echo(f"diffsentry: error: {message}", err=True)
    sys.exit(EXIT_ERROR)
