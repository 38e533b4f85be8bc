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
from typing import TYPE_CHECKING, Any

import click

# Start-up is paid by every pre-commit run and `--version`: only click and the values the options'
# help shows (`analyzer.defaults`, which imports nothing) are imported here; configuration, the
# catalogue, git, the pipeline, the engines, the result cache and the formatters load in the
# commands that use them (`python -X importtime -m analyzer --version` shows what is left).
from analyzer import __version__, report
from analyzer.defaults import (
    BASELINE_FILE, FAIL_ON, MAX_FILE_BYTES, PER_FILE_BUDGET_S, PER_FILE_TIMEOUT_S, RUN_BUDGET_S, SEMGREP_TIMEOUT_S,
    SUITES,
)

if TYPE_CHECKING:
    import logging
    import threading

    from analyzer import config, pipeline
    from analyzer.catalogue import Catalogue
    from analyzer.diff import Revisions
    from analyzer.findings import Finding

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
Scan = Callable[["Catalogue", "pipeline.Options", "tuple[Finding, ...]"], "pipeline.Report"]


def _analysis_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of every command that runs an analysis (scan, diff, baseline create)."""
    options = [
        click.option("--select", multiple=True, metavar="RULES",
                     help="Only these rules: ids, names, id prefixes (DS1, B6), families or engines (bandit, semgrep, cst). "
                          "Repeat or comma-separate. "
                          "Replaces `select` of the configuration."),
        click.option("--ignore", multiple=True, metavar="RULES",
                     help="Skip these rules (same forms as --select). Replaces `ignore` of the configuration."),
        click.option("--suite", type=click.Choice(tuple(SUITES)), default=None,
                     help="Rule suite: `default` (precise rules) or `extended` (adds rules that flag a call by "
                          "name, e.g. Bandit B608) [default: `suite` of the configuration, else default]."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     help="Read [tool.diffsentry] from this file [default: the nearest pyproject.toml above the "
                          "target that has one]."),
        click.option("--max-file-bytes", type=click.IntRange(1), default=MAX_FILE_BYTES, show_default=True,
                     help="Refuse (and report) Python files larger than this."),
        click.option("--semgrep-timeout", type=click.FloatRange(1), default=None,
                     help="Seconds before the Semgrep run is abandoned (an error, never a clean result) "
                          f"[default: {SEMGREP_TIMEOUT_S:g} plus {PER_FILE_BUDGET_S:g} per file "
                          "analysed]."),
        click.option("--per-file-timeout", type=click.FloatRange(1), default=PER_FILE_TIMEOUT_S,
                     show_default=True,
                     help="Seconds one file may take in libcst's parser and in each Semgrep rule (an error, "
                          "never a clean result)."),
        click.option("--timeout", "run_timeout", type=click.FloatRange(1), default=None,
                     help="Seconds the whole run may take; past it diffsentry stops with exit 2 and no result "
                          f"[default: {RUN_BUDGET_S:g} plus {PER_FILE_BUDGET_S:g} per file analysed]."),
        click.option("--no-cache", is_flag=True,
                     help="Analyse every file afresh instead of reusing results cached by content "
                          "(cache: $DIFFSENTRY_CACHE_DIR, else ~/.cache/diffsentry)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("-f", "--format", "fmt", type=click.Choice(sorted(report.FORMATS)), default="text",
                     show_default=True, help="Output format (github: workflow annotations and a step summary)."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                     help="Write results to this file instead of stdout."),
        click.option("--sarif-output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                     help="Also write SARIF to this file (one run for annotations and code scanning)."),
        click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
                     help="Exit 1 when a finding is at least this severe [default: `fail-on` of the "
                          "configuration, else warning]."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (errors still exit 2)."),
        click.option("--category", help="SARIF automationDetails.id, to tell several uploads apart."),
        click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Report only findings not in this baseline (`diffsentry baseline create`).",),
        click.option("--trust-added-suppressions", is_flag=True,
                     help="Diff modes: honour suppression comments, configuration and baseline edits that the change "
                          "itself makes (by default they are reported and not honoured)."),
        click.option("--hide-suppressed", is_flag=True,
                     help="Leave suppressed and baselined findings out of the output (GitHub code scanning shows "
                          "suppressed SARIF results as open alerts)."),
    ]
    for option in reversed(options):
        func = option(func)
    return _analysis_options(func)


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
    # `rules` answers from its stored listing without importing logging (~4 ms of its start-up);
    # it shows the notes itself before it loads the catalogue.
    if click.get_current_context().invoked_subcommand != "rules":
        _show_cache_notes()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_common_options
def scan(paths: tuple[Path, ...], **options: Any) -> None:
    """Analyse whole files and directories (every finding counts)."""
    from analyzer import pipeline

    root = _scan_root(paths)
    _run(lambda catalogue, opts, extra: pipeline.scan_paths(list(paths), root, catalogue, opts), options,
         start=paths[0], project_root=root)


@main.command()
@click.option("--base", metavar="REF", help="Diff merge-base(REF, HEAD) against the working tree (what a PR shows).")
@click.option("--staged", is_flag=True, help="Diff the index against HEAD, reading the staged text (pre-commit).")
@click.option("--patch", "patch_file", type=click.File("r", encoding="utf-8", errors="surrogateescape"),
              metavar="FILE|-", help="Read a unified diff (an agent's patch) and apply it in memory.")
@click.option("--root", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Directory the patch applies to [default: the git work tree, else the current directory].")
@click.option("--allow-empty", is_flag=True,
              help="An empty --patch is a clean, empty change (by default it is an error: a failed step upstream "
                   "often leaves an empty file).")
@_common_options
def diff(base: str | None, staged: bool, patch_file: Any, root: Path | None, allow_empty: bool,
         **options: Any) -> None:
    """Analyse a change and report only what it added or edited."""
    from analyzer import pipeline
    from analyzer.diff import Revisions
    from analyzer.git import InputError, repo_root

    chosen = [name for name, on in (("--base", base), ("--staged", staged), ("--patch", patch_file)) if on]
    if len(chosen) != 1:
        raise click.UsageError("choose exactly one of --base REF, --staged or --patch FILE|-")
    try:
        if patch_file is not None:
            revisions = Revisions.for_patch(root or _project_root(Path.cwd()), patch_file.read(),
                                            allow_empty=allow_empty)
        else:
            repo = repo_root(root or Path.cwd())
            revisions = Revisions.for_staged(repo) if staged else Revisions.for_base(repo, base or "")
    except InputError as exc:
        _fail(str(exc))
    _run(lambda catalogue, opts, extra: pipeline.scan_change(revisions, catalogue, opts, extra=extra), options,
         start=revisions.root, revisions=revisions, project_root=revisions.root)


@main.command()
@click.argument("answer_file", default="-", metavar="[FILE|-]")
@click.option("--fast", is_flag=True, help="Leave Semgrep's rules out (no subprocess) and run the extended suite "
              "unless --suite says otherwise (see docs/api.md).")
@_common_options
def check(answer_file: str, fast: bool, **options: Any) -> None:
    """Check the code in an assistant's answer (Markdown or bare code) before it is pasted.

    Python blocks are analysed; other languages are listed as skipped. Findings are located in the
    answer (its lines, and the code block in the message). An answer with no code is a note."""
    from analyzer.answers import AnswerError, decode
    from analyzer.api import Checker

    name = "<stdin>" if answer_file == "-" else _answer_name(answer_file)
    try:
        with contextlib.nullcontext(sys.stdin.buffer) if answer_file == "-" else open(answer_file, "rb") as handle:
            data = handle.read(options["max_file_bytes"] + 1)
        text = decode(data, max_bytes=options["max_file_bytes"])
    except OSError as exc:
        _fail(f"{name}: cannot read the answer: {exc.strerror or exc}")
    except AnswerError as exc:
        _fail(f"{name}: {exc}")
    if fast and options.get("suite") is None:
        options["suite"] = "extended"  # Bandit's by-name rows stand in for the Semgrep rules left out
    _run(lambda catalogue, opts, extra: Checker(catalogue=catalogue, fast=fast, options=opts, warm=False,
                                                max_answer_bytes=opts.max_bytes).check_answer(text, name=name).report,
         options, start=Path.cwd())


def _answer_name(path: str) -> str:
    """How reports name the answer: relative to the current directory (SARIF's %SRCROOT%) when inside it."""
    relative = os.path.relpath(path)
    return Path(path if relative.startswith("..") else relative).as_posix()


@main.group("baseline")
def baseline_group() -> None:
    """Accept today's findings so that only new ones are reported."""


@baseline_group.command("create")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help=f"Baseline file to write [default: `baseline` of the configuration, else {BASELINE_FILE} "
                   "in the project root].")
@_analysis_options
def baseline_create(paths: tuple[Path, ...], output: Path | None, **options: Any) -> None:
    """Write the current findings of PATHS (default: the project) to a baseline file.

    Findings are keyed by a line-independent fingerprint, so moving code or editing other lines
    does not bring them back. Suppressed findings are not written; an incomplete analysis writes
    nothing and exits 2.
    """
    import dataclasses

    from analyzer import baseline, pipeline
    from analyzer.git import InputError

    targets = list(paths) or [_project_root(Path.cwd())]
    root = _scan_root(tuple(targets))
    settings = _settings(options, start=targets[0], baseline_file=None, trust=False, revisions=None,
                         use_baseline=False)
    catalogue, opts = _analysis_setup(settings, options)
    try:
        with _guarded(options["run_timeout"]) as progress:
            opts = dataclasses.replace(opts, progress=progress)
            result = pipeline.scan_paths(targets, root, catalogue, opts)
    except InputError as exc:
        _fail(str(exc))
    for notice in result.notices:
        click.echo(f"diffsentry: {notice.one_line()}", err=True)
    if result.failed:
        _fail("the analysis is incomplete (see above); no baseline written")
    target = output or settings.config.baseline or root / BASELINE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(baseline.create(result.findings, result.texts), encoding="utf-8")
    count = sum(1 for f in result.findings if f.suppression is None)
    click.echo(f"diffsentry: wrote {count} finding(s) to {target}", err=True)


@main.command("rules")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule with its id, severity and summary."""
    from analyzer.stored import stored_listing

    listing = stored_listing(fmt)  # stored with the catalogue: no rule object is built to print it
    if listing is not None:
        click.echo(listing, nl=False)
        return
    from analyzer.report.docs import render_rules_markdown, render_rules_table

    _show_cache_notes()
    catalogue = _catalogue_or_exit()
    click.echo(render_rules_markdown(catalogue) if fmt == "markdown" else render_rules_table(catalogue), nl=False)


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show a rule's documentation: what, why, example and what to use instead.

    RULE is an id or a name; an id prefix or a family (DS22, injection) lists the rules it matches."""
    from analyzer.catalogue import CatalogueError
    from analyzer.report.docs import render_explain, render_rules_table

    catalogue = _catalogue_or_exit()
    spec = catalogue.get(rule)
    if spec is not None:
        click.echo(render_explain(spec), nl=False)
        return
    try:
        matches = catalogue.select([rule])
    except CatalogueError:
        _fail(f"unknown rule {rule!r} (see `diffsentry rules`)")
    click.echo(render_rules_table(matches, title=f"{rule} matches {len(matches.rules)} rules:"), nl=False)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "sarif", "cyclonedx"]), default="text",
              show_default=True, help="cyclonedx: an AI bill of materials, CycloneDX 1.6 JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the inventory to this file instead of stdout.")
@click.option("--category", help="SARIF automationDetails.id (upload the inventory under its own category).")
@click.option("--provenance", "with_provenance", is_flag=True,
              help="cyclonedx: add which files and commits an AI assistant wrote (`diffsentry provenance`).")
@click.option("--since", metavar="REF", help="With --provenance: only commits after REF.")
def inventory(paths: tuple[Path, ...], fmt: str, output: Path | None, category: str | None, with_provenance: bool,
              since: str | None) -> None:
    """List which files talk to which AI providers, endpoints and models (read, never run)."""
    from analyzer.ai import inventory as ai_inventory
    from analyzer.git import InputError
    from analyzer.ai import provenance as ai_provenance
    from analyzer.report import inventory as inventory_report

    if with_provenance and fmt != "cyclonedx":
        raise click.UsageError("--provenance goes with --format cyclonedx (or run `diffsentry provenance`)")
    found = ai_inventory.build(list(paths), _scan_root(paths))
    try:
        history = ai_provenance.read(paths[0], since) if with_provenance else None
    except InputError as exc:
        _fail(str(exc))
    rendered = inventory_report.FORMATS[fmt](found, category=category, provenance=history)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)
    for notice in found.notices:
        click.echo(f"diffsentry: {notice.one_line()}", err=True)
    sys.exit(EXIT_ERROR if any(n.level.level == "error" for n in found.notices) else EXIT_CLEAN)


@main.command()
@click.argument("path", required=False, default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--since", metavar="REF", help="Only commits after REF (REF..HEAD) [default: the whole history].")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the report to this file instead of stdout.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Read [tool.diffsentry.ai-policy] from this file [default: the nearest pyproject.toml].")
def provenance(path: Path, since: str | None, fmt: str, output: Path | None, config_file: Path | None) -> None:
    """Which commits, files and lines were written with an AI assistant (from git metadata).

    Exit 1 when `deny-assistants` of [tool.diffsentry.ai-policy] forbids what it found."""
    from analyzer import config
    from analyzer.ai import provenance as ai_provenance
    from analyzer.git import InputError
    from analyzer.report import provenance as provenance_report

    try:
        settings = config.load(path, explicit=config_file)
        found = ai_provenance.read(path, since)
    except (InputError, config.ConfigError) as exc:
        _fail(str(exc))
    violations = ai_provenance.violations(found, settings.ai_policy)
    rendered = provenance_report.FORMATS[fmt](found, violations)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)
    sys.exit(EXIT_FINDINGS if violations else EXIT_CLEAN)


@main.group("cache")
def cache_group() -> None:
    """The per-file result cache ($DIFFSENTRY_CACHE_DIR, else $XDG_CACHE_HOME/diffsentry, else
    ~/.cache/diffsentry). Deleting it is always safe."""


@cache_group.command("info")
def cache_info() -> None:
    """Where the cache is, how many entries it holds and its size bound."""
    from analyzer import cache

    directory = cache.default_directory()
    with cache.ResultCache.open(directory) as store:
        info = store.info()
    click.echo(f"location: {info.path}")
    click.echo(f"entries:  {info.entries}")
    click.echo(f"size:     {info.size / 2**20:.1f} MB stored, {info.disk / 2**20:.1f} MB on disk "
               f"(bound {info.limit / 2**20:.0f} MB, DIFFSENTRY_CACHE_MAX_MB)")
    if not info.usable:
        _fail("the cache cannot be used (see the note above)")


@cache_group.command("clear")
def cache_clear() -> None:
    """Delete every cached result, the stored rule catalogue and the stored Semgrep plan."""
    from analyzer import cache

    directory = cache.default_directory()
    removed = cache.clear(directory)
    click.echo(f"diffsentry: removed {len(removed)} file(s) from {directory}", err=True)


# --- shared plumbing ----------------------------------------------------------------------------


def _settings(
    options: dict[str, Any], *, start: Path, baseline_file: Path | None, trust: bool, revisions: Revisions | None,
    use_baseline: bool = True, default_baseline: Path | None = None,
) -> config.Resolved:
    from analyzer import baseline, config

    try:
        return config.resolve(start, explicit=options["config_file"], baseline_path=baseline_file, trust=trust,
                              revisions=revisions, use_baseline=use_baseline, default_baseline=default_baseline)
    except (config.ConfigError, baseline.BaselineError) as exc:
        _fail(str(exc))
        raise  # unreachable


def _analysis_setup(settings: config.Resolved, options: dict[str, Any]) -> tuple[Catalogue, pipeline.Options]:
    """The selected rules and the pipeline options: command-line flags first, then the configuration."""
    from analyzer import cache, config, pipeline, suppress
    from analyzer.catalogue import CatalogueError

    cfg = settings.config
    every_rule = _catalogue_or_exit()
    where = f"{cfg.path}: [tool.diffsentry]" if cfg.path else "configuration"
    try:
        selected = _split(options["select"]) or cfg.select
        catalogue = every_rule.select(selected, _split(options["ignore"]) or cfg.ignore)
        catalogue = catalogue.in_suite(options.get("suite") or cfg.suite, named=selected)
    except CatalogueError as exc:
        # One style for every error, whether the selector came from a flag or the configuration.
        _fail(str(exc) if options["select"] or options["ignore"] else f"{where}: {exc}")
    try:
        severity = config.severity_by_rule(cfg.severity, every_rule)
    except CatalogueError as exc:
        _fail(f"{where} severity: {exc}")
    opts = pipeline.Options(
        max_bytes=options["max_file_bytes"], semgrep_timeout_s=options["semgrep_timeout"],
        per_file_timeout_s=options["per_file_timeout"], exclude=cfg.exclude,
        severity=severity, cache_dir=None if options["no_cache"] else cache.default_directory(),
        allowed_hosts=cfg.allowed_hosts,
        suppression=suppress.Policy(nosec=cfg.nosec, trust_added=options.get("trust_added_suppressions", False)
                                    or cfg.trust_added_suppressions, baseline=settings.baseline),
        ai_policy=cfg.ai_policy,
    )
    return catalogue, opts


def _run(
    scan: Scan, options: dict[str, Any], *, start: Path, revisions: Revisions | None = None,
    project_root: Path | None = None,
) -> None:
    """`project_root`: where `baseline create` writes its default baseline, which is used when it exists."""
    import dataclasses

    from analyzer import suppress
    from analyzer.git import InputError

    settings = _settings(options, start=start, baseline_file=options["baseline_file"],
                         trust=options["trust_added_suppressions"], revisions=revisions,
                         default_baseline=project_root / BASELINE_FILE if project_root else None)
    catalogue, opts = _analysis_setup(settings, options)
    try:
        with _guarded(options["run_timeout"]) as progress:
            result = scan(catalogue, dataclasses.replace(opts, progress=progress), settings.findings)
    except InputError as exc:
        _fail(str(exc))
    full = result
    if options["hide_suppressed"]:
        result = dataclasses.replace(result, findings=tuple(f for f in result.findings if suppress.counts(f)))
    fmt, output = options["fmt"], options["output"]
    color = fmt == "text" and output is None and sys.stdout.isatty()
    hidden = options["hide_suppressed"]
    # Notices go to stderr in every format (below); a text report written to a file lists them too.
    rendered = _render(result, fmt, opts.cache_dir, hidden, category=options["category"], color=color,
                       list_notices=output is not None)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)
    if options["sarif_output"] is not None:
        options["sarif_output"].write_text(_render(result, "sarif", opts.cache_dir, hidden,
                                                   category=options["category"]), encoding="utf-8")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_file:
        from analyzer.report import github

        with contextlib.suppress(OSError), open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(github.summary(full))  # still counts what --hide-suppressed left out
    for notice in result.notices:
        click.echo(f"diffsentry: {notice.one_line()}", err=True)
    fail_on = options["fail_on"] or settings.config.fail_on
    sys.exit(exit_code(result, fail_on, options["exit_zero"]))


def _render(result: pipeline.Report, fmt: str, cache_dir: Path | None, hidden: bool, **options: Any) -> str:
    """`report.render`, stored with a report that is stored as a whole run (`analyzer.run_cache`):
    an unchanged re-run writes the same SARIF without importing sarif-om or hashing lines again
    (0.15-0.3 s of Django's re-run). Read only when the report itself was read from the cache (a
    report analysed afresh is rendered afresh); colour goes to a terminal: never stored."""
    if result.run_key is None or cache_dir is None or options.get("color"):
        return report.render(result, fmt, **options)
    from analyzer import cache, run_cache

    key = run_cache.rendering_key(result.run_key, fmt, hidden, sorted(options.items()))
    with cache.ResultCache.open(cache_dir) as store:
        stored = store.get(key) if result.from_run_cache else None
        if isinstance(stored, str):
            return stored
        rendered = report.render(result, fmt, **options)
        store.put(key, rendered)
    return rendered


def exit_code(result: pipeline.Report, fail_on: str, exit_zero: bool) -> int:
    from analyzer import suppress
    from analyzer.findings import Severity

    if result.failed:
        return EXIT_ERROR
    if exit_zero or fail_on == "none":
        return EXIT_CLEAN
    threshold = Severity.parse(fail_on)
    failing = [f for f in result.findings if f.severity >= threshold and suppress.counts(f)]
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _project_root(start: Path) -> Path:
    """The git work tree containing `start`, else `start` itself (no git needed for scan)."""
    from analyzer.git import InputError, repo_root

    try:
        return repo_root(start)
    except InputError:
        return start.resolve()


def _scan_root(paths: tuple[Path, ...]) -> Path:
    """Paths in reports are relative to this: the git work tree holding the first target, else the
    current directory when it holds every target, else the targets' common directory."""
    from analyzer.git import InputError, repo_root

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
    from analyzer.catalogue import CatalogueError, load_catalogue

    try:
        return load_catalogue()
    except CatalogueError as exc:
        _fail(f"broken rule declaration: {exc}")
        raise  # unreachable; keeps type checkers honest


class _Watchdog:
    """Past the run's deadline, stop the whole process with exit 2: a stuck analysis must not hang CI.

    A timer thread, since the work may sit in native code or a child process; it kills Semgrep's
    process group first so that nothing keeps running after we are gone. Without `--timeout` the
    deadline grows with the input once the number of files is known (`files_known`), as the
    Semgrep budget does: a whole large repository must not fail at random (issue #15)."""

    def __init__(self, seconds: float | None) -> None:
        import time

        self.explicit = seconds is not None
        self.seconds = seconds if seconds is not None else RUN_BUDGET_S
        self._started = time.monotonic()
        self._timer = self._arm(self.seconds)

    def _arm(self, seconds: float) -> threading.Timer:
        import threading
        import time

        timer = threading.Timer(max(0.0, seconds - (time.monotonic() - self._started)), self._expire)
        timer.daemon = True
        timer.start()
        return timer

    def files_known(self, count: int) -> None:
        scaled = RUN_BUDGET_S + PER_FILE_BUDGET_S * count
        if not self.explicit and scaled > self.seconds:
            self._timer.cancel()
            self.seconds = scaled
            self._timer = self._arm(scaled)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        semgrep = sys.modules.get("analyzer.engines.semgrep")  # not imported: no Semgrep process runs
        if semgrep is not None:
            semgrep.kill_running()
        sys.stderr.write(f"diffsentry: error: the analysis did not finish within {self.seconds:g} s (--timeout); "
                         "no result\n")
        sys.stderr.flush()
        os._exit(EXIT_ERROR)


@contextlib.contextmanager
def _guarded(seconds: float | None) -> Iterator[Callable[[str, int, int], None]]:
    """The run's watchdog and its progress on stderr (see `analyzer.progress`), as the pipeline's
    `progress` callback."""
    from analyzer.progress import reporting

    watchdog = _Watchdog(seconds)
    try:
        with reporting() as shown:
            def progress(stage: str, done: int, total: int) -> None:
                watchdog.files_known(total)
                shown(stage, done, total)

            yield progress
    finally:
        watchdog.cancel()


def _show_cache_notes() -> None:
    """The result cache's one-line notes (a broken cache is bypassed, never an error) on stderr."""
    import logging

    class NoteHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            click.echo(f"diffsentry: note: {record.getMessage()}", err=True)

    notes = logging.getLogger("diffsentry.cache")
    if not any(getattr(h, "diffsentry_notes", False) for h in notes.handlers):
        handler = NoteHandler()
        handler.diffsentry_notes = True  # type: ignore[attr-defined]
        notes.addHandler(handler)
        notes.propagate = False


def _fail(message: str) -> None:
    click.echo(f"diffsentry: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _register_study() -> None:
    from analyzer.study.command import study  # imports click only; scipy and dask load when a study runs

    main.add_command(study)


_register_study()
