"""The stage order, and the only module that knows it.

    input → exclude → parse → engines (+ what the change deleted) → scope → dedupe
          → severity overrides → suppress (inline) → sort → fingerprint → baseline → Report

Each stage is a plain function in its own module; this one wires them together and owns nothing
else. Formatting happens afterwards, in `analyzer.report`.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer import baseline, cache, config, dedupe, fingerprints, run_cache, scope, sources, suppress, unparsable
from analyzer.catalogue import Catalogue, load_catalogue
from analyzer.defaults import PER_FILE_TIMEOUT_S
from analyzer.engines import semgrep_command
from analyzer.engines.cst.capabilities.change import NewCapability
from analyzer.findings import EngineResult, Finding, Notice, NoticeLevel, Severity
from analyzer.parse import ParsedModule
from analyzer.rulespec import RuleSpec

if TYPE_CHECKING:  # imported where used: a configured AI policy; what a run answered from the cache skips
    from analyzer import diff, parse_facts
    from analyzer.ai import policy

__all__ = ["Options", "Report", "scan_paths", "scan_change", "analyse"]

# Bandit reads code in newer syntax through `analyzer.lowering`, so it is part of Bandit's cache
# key; found without importing it (it imports libcst, which a run answered from the cache skips).
_LOWERING = Path(importlib.util.find_spec("analyzer.lowering").origin)  # type: ignore[union-attr,arg-type]


@dataclass(frozen=True)
class Options:
    max_bytes: int = sources.DEFAULT_MAX_BYTES
    semgrep_timeout_s: float | None = None  # None: `semgrep.budget_s` of the files given to Semgrep
    per_file_timeout_s: float = PER_FILE_TIMEOUT_S  # libcst's parse and each Semgrep rule
    exclude: tuple[str, ...] = ()  # `exclude` patterns of the configuration
    severity: dict[str, Severity] = field(default_factory=dict)  # rule id -> configured severity
    suppression: suppress.Policy = suppress.Policy()
    cache_dir: Path | None = None  # where per-file engine results are cached; None: no cache
    allowed_hosts: tuple[str, ...] = ()  # `allowed-hosts`: egress there is not a new capability
    ai_policy: policy.Policy | None = None  # the AI vendor gate (DS540); None: not configured
    # Called with (what is at work, files done, files in all) as the run goes (the CLI's progress).
    progress: Callable[[str, int, int], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Report:
    """Everything a formatter needs; formatters never run detection."""

    root: Path
    mode: str  # "scan" or "diff"
    rules: tuple[RuleSpec, ...]
    findings: tuple[Finding, ...]
    notices: tuple[Notice, ...]
    files: tuple[str, ...]
    texts: dict[str, str] = field(repr=False, default_factory=dict)
    # Diff modes: powers the changed files gained (see analyzer/engines/cst/capabilities/delta.py).
    capabilities: tuple[NewCapability, ...] = ()
    # The result-cache entry this report is stored under (`analyzer.run_cache`), when it is stored:
    # its renderings may be stored under it too; `from_run_cache`: it was read from there.
    run_key: str | None = field(default=None, compare=False, repr=False)
    from_run_cache: bool = field(default=False, compare=False, repr=False)

    @property
    def failed(self) -> bool:
        """Part of the input was not analysed: the run cannot be called clean."""
        return any(n.level is NoticeLevel.ERROR for n in self.notices)


def scan_paths(targets: Sequence[Path], root: Path, catalogue: Catalogue, options: Options = Options()) -> Report:
    files, notices = sources.collect_files(targets, root, max_bytes=options.max_bytes)
    return analyse(files, notices, root, catalogue, options, mode="scan")


def scan_change(
    revisions: diff.Revisions, catalogue: Catalogue, options: Options = Options(), *, extra: Sequence[Finding] = ()
) -> Report:
    """Analyse what a change added (and deleted): `--base`, `--staged` and `--patch` alike."""
    files, notices = revisions.sources(max_bytes=options.max_bytes)
    removals = revisions.removals(max_bytes=options.max_bytes)
    changed = {f.path for f in files}
    before = {path: text for path, text in revisions.before_texts(max_bytes=options.max_bytes).items() if path in changed}
    return analyse(files, notices, revisions.root, catalogue, options, mode="diff", removals=removals, extra=extra,
                   before=before)


def analyse(
    files: Sequence[sources.SourceFile],
    input_notices: Sequence[Notice],
    root: Path,
    catalogue: Catalogue,
    options: Options,
    *,
    mode: str,
    removals: Sequence[diff.Removal] = (),
    extra: Sequence[Finding] = (),
    before: Mapping[str, str | None] | None = None,
) -> Report:
    """Run the stages over files already read. `removals` are what a diff deleted; `extra` are
    findings made while reading the input (the configuration edited by the change); `before` maps
    the changed files to their text before the change, for the capability delta."""
    if options.exclude:
        files = [f for f in files if not config.is_excluded(f.path, options.exclude)]
        removals = [r for r in removals if not config.is_excluded(r.path, options.exclude)]
    # `open` never raises: a corrupt, locked or unwritable cache is a store that does nothing.
    with cache.ResultCache.open(options.cache_dir) as store:
        # One entry for the whole run first: an unchanged re-run reads it and analyses nothing.
        run = _run_key(store, files, input_notices, root, catalogue, options, mode, removals, extra, before)
        stored = _stored_run(store, run, files, root, catalogue, mode, removals) if run else None
        if stored is not None:
            return stored
        report = _analyse(files, input_notices, root, catalogue, options, store, mode=mode, removals=removals,
                          extra=extra, before=before)
        if run and run_cache.storable(report.notices, input_notices) and store.put(
                run, run_cache.encode(report.findings, report.notices, report.files, report.capabilities)):
            report = replace(report, run_key=run)
    return report


def _run_key(
    store: cache.ResultCache, files: Sequence[sources.SourceFile], input_notices: Sequence[Notice], root: Path,
    catalogue: Catalogue, options: Options, mode: str, removals: Sequence[diff.Removal], extra: Sequence[Finding],
    before: Mapping[str, str | None] | None,
) -> str | None:
    if not store.enabled:
        return None
    try:
        return run_cache.run_key(store, files=files, input_notices=input_notices, root=root, catalogue=catalogue,
                                 options=options, mode=mode, removals=removals, extra=extra, before=before,
                                 semgrep_executable=semgrep_command.semgrep_executable())
    except OSError:  # diffsentry's own files could not be read for the key: no run-level entry
        return None


def _stored_run(
    store: cache.ResultCache, run: str, files: Sequence[sources.SourceFile], root: Path, catalogue: Catalogue,
    mode: str, removals: Sequence[diff.Removal],
) -> Report | None:
    entry = store.get(run)
    if entry is None:
        return None
    try:
        stored = run_cache.decode(entry)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        store.count_unreadable()  # analysed again; the cache's one note says so
        return None
    texts = {**{r.path: r.after for r in removals if not r.fragment}, **{f.path: f.text for f in files}}
    return Report(root=root, mode=mode, rules=catalogue.rules, texts=texts, run_key=run, from_run_cache=True, **stored)


def _analyse(
    files: Sequence[sources.SourceFile],
    input_notices: Sequence[Notice],
    root: Path,
    catalogue: Catalogue,
    options: Options,
    store: cache.ResultCache,
    *,
    mode: str,
    removals: Sequence[diff.Removal],
    extra: Sequence[Finding],
    before: Mapping[str, str | None] | None,
) -> Report:
    """`analyse` past the run-level entry: every stage, per-file entries from `store`."""
    import tempfile

    from analyzer import parse_facts
    from analyzer.engines import removed

    timeout_s = options.per_file_timeout_s
    with tempfile.TemporaryDirectory(prefix="diffsentry-") as scratch:
        on_disk = _materialise(files, Path(scratch) / "tree")
        # Parsed when first needed: a file whose engine results and parse facts are cached is not.
        parsed = parse_facts.Parses(on_disk, timeout_s=timeout_s)
        facts = parse_facts.lookup(store, on_disk, parsed, timeout_s=timeout_s)
        project = sources.Project(root, {f.path: f.text for f in on_disk})
        bandit_view = _BanditView(on_disk, parsed, Path(scratch) / "lowered")
        results = _run_engines(on_disk, parsed, catalogue, options, project, bandit_view, store=store)
        by_path = {f.path: f for f in on_disk}
        found = [finding for result in results for finding in result.findings]
        stage_notices: list[Notice] = []  # of the stages after the engines that read files themselves
        if options.ai_policy is not None:
            from analyzer.ai import policy  # its vendor tables: ~200 regexes compiled on import

            if catalogue.get(policy.RULE_ID) is not None:
                denied, unread_manifests = policy.check(on_disk, options.ai_policy)
                found += denied
                stage_notices += unread_manifests
        found = scope.in_scope(found, by_path, facts, catalogue)
        if catalogue.get(unparsable.RULE_ID) is not None:
            found += unparsable.find(on_disk, facts)  # about the whole file: not scoped
        if catalogue.get(removed.RULE_ID) is not None:
            found += removed.find(removals)  # located on the change by construction: not scoped again
        found += [f for f in extra if catalogue.get(f.rule_id) is not None]
        found = config.override_severity(dedupe.dedupe(found, catalogue), options.severity)
        spans = {path: facts[path].statement_spans() for path in {f.path for f in found} if path in facts}
        parse_notices = [fact.notice for fact in facts.values() if fact.notice]
        parse_facts.save(store, on_disk, facts, spans, timeout_s=timeout_s)
        capabilities = _capabilities(before, on_disk, options, store, project) if before is not None else ()
    found = suppress.apply(found, by_path, spans, options.suppression, catalogue, removals,
                           every_rule=load_catalogue())
    texts = {**{r.path: r.after for r in removals if not r.fragment}, **{f.path: f.text for f in on_disk}}
    found = fingerprints.assign_fingerprints(sorted(found, key=lambda f: f.sort_key), texts)
    found = baseline.apply(found, options.suppression.baseline, texts)
    notices = [*input_notices, *parse_notices]
    notices += [n for result in results for n in result.notices] + stage_notices
    notices += [
        Notice(NoticeLevel.NOTE, "input", "rebuilt from the patch's hunks only; findings are best effort", f.path)
        for f in on_disk if f.fragment
    ]
    return Report(
        root=root,
        mode=mode,
        rules=catalogue.rules,
        findings=tuple(found),
        notices=tuple(sorted(set(notices), key=_notice_order)),
        # A file the change only deleted lines from was analysed too (for DS390), so it counts.
        files=tuple(sorted({f.path for f in on_disk} | {r.path for r in removals})),
        texts=texts,
        capabilities=capabilities,
    )


def _capabilities(
    before: Mapping[str, str | None], files: Sequence[sources.SourceFile], options: Options,
    store: cache.ResultCache, project: sources.Project,
) -> tuple[NewCapability, ...]:
    """The capability delta of the change, from the cache when the same change was seen (it
    parses both sides of every changed file with libcst: ~1 s of a warm 5-file diff otherwise).
    The changed files' summaries that the libcst engine made for the combination rules of this
    run (from the same texts) are reused."""
    analysed = {f.path for f in files}
    old = {p: text for p, text in before.items() if p in analysed}
    new = {f.path: f.text for f in files if f.path in before and not f.fragment}
    # One entry for the whole change: the delta compares the changed files with each other.
    change = sources.SourceFile("<capability delta>", json.dumps([sorted(old.items()), sorted(new.items()),
                                                                   sorted(options.allowed_hosts)]))
    key = cache.engine_key("capability-delta") if store.enabled else ""  # reads the code: ~0.07 s
    stored = store.lookup(key, [change]) if store.enabled else {}
    if change.path in stored:
        try:
            return tuple(_new_capability(entry) for entry in stored[change.path])
        except (KeyError, TypeError, ValueError):
            store.count_unreadable()
    from analyzer.engines.cst.capabilities import delta as capability_delta  # libcst: only when computed

    found = capability_delta.compute(old, new, options.allowed_hosts,
                                     summaries=capability_delta.made_by_engine(project, new))
    store.save(key, [(change, [asdict(c) for c in found])])
    return found


def _new_capability(entry: Mapping[str, object]) -> NewCapability:
    return NewCapability(path=str(entry["path"]), line=int(entry["line"]),  # type: ignore[call-overload]
                         kind=str(entry["kind"]), detail=str(entry["detail"]), function=str(entry["function"]),
                         via=str(entry["via"]))


def _notice_order(n: Notice) -> tuple:
    return (-n.level, n.path or "", n.line or 0, n.source, n.message)


def _materialise(files: Sequence[sources.SourceFile], scratch: Path) -> list[sources.SourceFile]:
    """Engines read files from disk; write in-memory texts (patched, staged) to a scratch tree."""
    out = []
    for source in files:
        if source.disk_path is None:
            target = scratch / source.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(sources.engine_bytes(source.text))  # UTF-8, and its cookie says so
            source = replace(source, disk_path=target)
        out.append(source)
    return out


class _BanditView(Mapping[str, "sources.SourceFile | None"]):
    """What Bandit reads in place of a file in newer Python syntax: its lowered copy, or None
    when there is none (the parse notice says so and fails the run); no entry for other files.
    Worked out for a file when Bandit is given it: one answered from the cache is not parsed."""

    def __init__(self, files: Sequence[sources.SourceFile], parsed: Mapping[str, ParsedModule], scratch: Path) -> None:
        self._files = {f.path: f for f in files}
        self._parsed, self._scratch = parsed, scratch
        self._views: dict[str, sources.SourceFile | None | bool] = {}

    def __getitem__(self, path: str) -> sources.SourceFile | None:
        if path not in self._views:
            source = self._files[path]
            text = self._parsed[path].bandit_text
            if text is None:
                self._views[path] = None
            elif text is not source.text:
                self._views[path] = _materialise([replace(source, text=text, disk_path=None)], self._scratch)[0]
            else:
                self._views[path] = False  # Bandit reads the file itself
        view = self._views[path]
        if view is False:
            raise KeyError(path)
        return view  # type: ignore[return-value]

    def __iter__(self) -> Iterator[str]:
        return (path for path in self._files if path in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _run_engines(
    files: Sequence[sources.SourceFile],
    parsed: parse_facts.Parses,
    catalogue: Catalogue,
    options: Options,
    project: sources.Project | None,
    bandit_view: Mapping[str, sources.SourceFile | None],
    *,
    store: cache.ResultCache,
) -> list[EngineResult]:
    """Semgrep's subprocess runs in a thread while Bandit and libcst run here; files whose
    results are cached for the same engine and rules are not given to the engine at all.
    Dependency manifests (requirements, pyproject.toml) go to libcst's text checks only."""
    # The engines (and their imports) load only when a file is analysed: a run answered from the
    # result cache never gets here.
    from concurrent.futures import ThreadPoolExecutor

    from analyzer.engines import bandit, cst, semgrep
    from analyzer.rulespec import semgrep_rule_files

    if not files:
        return []

    def python(todo: Sequence[sources.SourceFile]) -> list[sources.SourceFile]:
        return [f for f in todo if not f.is_manifest]

    def for_bandit(todo: Sequence[sources.SourceFile]) -> list[sources.SourceFile]:
        seen = [bandit_view.get(f.path, f) for f in todo]
        return [f for f in seen if f is not None]

    semgrep_rules = catalogue.for_engine("semgrep")
    rule_files = semgrep_rule_files() if semgrep_rules else []
    # Keys are computed only when a cache is used: they read every rule source and package
    # version, ~0.1 s that an uncached check of one small answer would otherwise pay each time.
    jobs: dict[str, tuple[Callable[[], str], Callable[[Sequence[sources.SourceFile]], EngineResult]]] = {
        "cst": (
            lambda: cache.engine_key("cst", catalogue.for_engine("cst"), cst.version(),
                             cache.sources_digest(cst.rule_sources()), cst.cache_digest(project, catalogue.for_engine("cst"))),
            lambda todo: cst.run([(f, parsed[f.path]) for f in todo], catalogue.for_engine("cst"), project),
        ),
        "bandit": (
            lambda: cache.engine_key("bandit", catalogue.for_engine("bandit"), bandit.version(),
                                     cache.sources_digest([_LOWERING])),
            lambda todo: bandit.run(for_bandit(python(todo)), catalogue.for_engine("bandit")),
        ),
        "semgrep": (
            lambda: cache.engine_key("semgrep", semgrep_rules, semgrep_command.version(),
                             cache.sources_digest(rule_files), options.per_file_timeout_s),
            lambda todo: semgrep.run(python(todo), semgrep_rules, rule_files,
                                     timeout_s=options.semgrep_timeout_s or semgrep.budget_s(len(python(todo))),
                                     per_file_timeout_s=options.per_file_timeout_s),
        ),
    }
    progress = options.progress or (lambda *_: None)
    # `store`: the run's, opened by `analyse` (which reads parse facts from it too).
    keys = {name: key() for name, (key, _) in jobs.items()} if store.enabled else {}
    split = {
        name: store.split(keys[name], files) if store.enabled else (EngineResult(), list(files))
        for name in jobs
    }
    with ThreadPoolExecutor(max_workers=1) as background:
        semgrep_job = background.submit(jobs["semgrep"][1], split["semgrep"][1])
        fresh = _in_batches(files, {name: split[name][1] for name in ("cst", "bandit")},
                            {name: jobs[name][1] for name in ("cst", "bandit")}, parsed, progress,
                            after_batch=lambda: cst.after_batch(project))
        if not semgrep_job.done():
            progress("semgrep", len(files) - len(split["semgrep"][1]), len(files))
        fresh["semgrep"] = semgrep_job.result()
    if store.enabled:
        for name in jobs:
            store.store(keys[name], split[name][1], fresh[name])
    return [_combine(split[name][0], fresh[name]) for name in jobs]


# The in-process engines take the files this many at a time, and each batch's parse trees are
# dropped after it: holding every file's libcst tree for the run took the whole Django sdist
# (2,788 files) to 1.7 GB.
IN_PROCESS_BATCH = 32


def _in_batches(
    files: Sequence[sources.SourceFile],
    todo: Mapping[str, Sequence[sources.SourceFile]],
    run: Mapping[str, Callable[[Sequence[sources.SourceFile]], EngineResult]],
    parsed: parse_facts.Parses,
    progress: Callable[[str, int, int], None],
    after_batch: Callable[[], None] = lambda: None,
) -> dict[str, EngineResult]:
    """Run each in-process engine over its `todo` files, batch by batch in the order of `files`."""
    wanted = {name: {f.path for f in todo[name]} for name in todo}
    results = {name: EngineResult() for name in todo}
    busy = [f for f in files if any(f.path in paths for paths in wanted.values())]
    progress("libcst, bandit", len(files) - len(busy), len(files))
    for start in range(0, len(busy), IN_PROCESS_BATCH):
        batch = busy[start:start + IN_PROCESS_BATCH]
        for name in todo:
            chosen = [f for f in batch if f.path in wanted[name]]
            if chosen:
                results[name] = _combine(results[name], run[name](chosen))
        for f in batch:
            if parsed.parsed(f.path):  # never parse a file only to drop its trees
                parsed[f.path].release()
        after_batch()
        progress("libcst, bandit", len(files) - len(busy) + start + len(batch), len(files))
    return results


def _combine(cached: EngineResult, fresh: EngineResult) -> EngineResult:
    return EngineResult(cached.findings + fresh.findings, cached.notices + fresh.notices,
                        cached.scanned | fresh.scanned)