"""Semgrep: one subprocess per run, offline, over explicitly named files, failing closed.

Facts this module relies on (semgrep 1.182):
* Without `--metrics=off --disable-version-check` and `SEMGREP_ENABLE_VERSION_CHECK=0` it phones
  home, and on a machine with no network it hangs for ~100 s first.
* `--no-rewrite-rule-ids` keeps `check_id` equal to the rule's `id`; `--disable-nosem` because
  suppression is ours to decide.
* Without a login, `extra.lines`, `extra.fingerprint` and dataflow traces are withheld, so
  snippets are read from the file and taint paths are rebuilt from companion "source" rules (one
  search-mode rule per taint rule, made from its `pattern-sources`), run in a second, small pass
  over the files where that taint rule fired.
* Every target must appear in `paths.scanned`; one that does not was silently skipped, which is
  an error here, never a clean result.
* Semgrep reports a per-file `Timeout`, `Out of memory`, `Stack overflow` or `Fixpoint timeout`
  at level "warn": the file was only partly analysed, so here each is an ERROR. Parse errors are
  WARNINGs only when Python itself rejects the file (it cannot run either); a file Python runs
  but Semgrep cannot parse (e.g. old-Mac CR line endings) was not really scanned: an ERROR.
* Semgrep runs in its own process group: its timeout kills `semgrep-core` too, which would
  otherwise keep running after we gave up on it.
* Each taint rule is given only the files that can hold one of its sources and one of its sinks
  (`taint_prefilter`, decided from the file's text), through a rule `paths: include:` of anchored
  patterns relative to a `--project-root` that contains every target (without one, Semgrep's
  project root is wherever it finds a repository, and anchored patterns match nothing). A file
  no selected rule can fire on is not given to Semgrep at all and counts as scanned.
  `DIFFSENTRY_TAINT_PREFILTER=off` gives every rule every file (to compare the two).
* `semgrep scan --experimental` is the same command line and JSON output served by the OCaml
  binary (osemgrep) instead of the Python wrapper. It starts in ~0.3 s instead of ~2.3 s, most of
  a small change's run time, and gives the same results on every rule case of ours (the rule
  tests run through it). `DIFFSENTRY_SEMGREP_CLI=python` selects the Python CLI instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from analyzer import defaults
from analyzer.engines import semgrep_plan, taint_prefilter
# The command line (executable, CLI, offline flags) lives apart, light to import.
from analyzer.engines.semgrep_command import BASE_FLAGS, OFFLINE_ENV, OFFLINE_FLAGS, cli_flags, semgrep_executable
from analyzer.findings import EngineResult, Finding, FlowStep, Notice, NoticeLevel, Region
from analyzer.parse import DEFAULT_TIMEOUT_S as PER_FILE_TIMEOUT_S
from analyzer.parse import parse_source, run_deep
from analyzer.rulespec import RuleSpec
from analyzer.sources import SourceFile

ENGINE = "semgrep"
SOURCE_SUFFIX = "--diffsentry-source"
# Defined where the command line's help reads them without importing this module.
DEFAULT_TIMEOUT_S, PER_FILE_BUDGET_S = defaults.SEMGREP_TIMEOUT_S, defaults.PER_FILE_BUDGET_S


def budget_s(files: int) -> float:
    """The default Semgrep budget for a run over `files` files (`--semgrep-timeout` replaces it)."""
    return DEFAULT_TIMEOUT_S + PER_FILE_BUDGET_S * files
# Error types that may leave the rest of a file analysed: an ERROR unless Python rejects the file too.
_PARSE_ERRORS = frozenset({"Syntax error", "Lexical error", "Other syntax error", "PartialParsing"})
# Taint-only keys that a search-mode rule rejects.
_TAINT_ONLY_KEYS = ("label", "requires", "by-side-effect", "control", "exact")


def build_config(rule_files: Sequence[Path], rules: Sequence[RuleSpec]) -> dict[str, Any]:
    """One Semgrep config holding the selected rules (without companions), with the shared
    untrusted-input block spliced into the rules that take it (see `shared_input`, `semgrep_plan`)."""
    return semgrep_plan.load(rule_files).config({spec.name for spec in rules})


def prefilter_enabled() -> bool:
    return os.environ.get("DIFFSENTRY_TAINT_PREFILTER", "on") != "off"


def target_rules(
    config: Mapping[str, Any], by_disk: Mapping[str, SourceFile],
    conditions: Mapping[str, taint_prefilter.Condition] | None = None,
) -> tuple[dict[str, Any], dict[str, SourceFile]]:
    """`config` with each taint rule limited to the files it can fire on, and the files no rule
    of `config` can fire on (not to be given to Semgrep).

    A rule that can fire on every file keeps no `paths`; one that can fire on none is left out; a
    rule that declares its own `paths: include` is not limited (two include lists would not
    intersect). `conditions` are the rules' pre-filter conditions when already known (by rule id)."""
    rules = list(config["rules"])
    if not prefilter_enabled() or not by_disk:
        return {**config, "rules": rules}, {}
    limited = [i for i, rule in enumerate(rules)
               if rule.get("mode") == "taint" and "include" not in (rule.get("paths") or {})]
    known = conditions or {}
    decided = [known.get(rules[i]["id"]) or taint_prefilter.rule_condition(rules[i]) for i in limited]
    fires_on: dict[int, list[str]] = {i: [] for i in limited}
    unneeded: dict[str, SourceFile] = {}
    every_rule_limited = len(limited) == len(rules)
    for disk, source in by_disk.items():
        hits = taint_prefilter.applicable(decided, source.text)
        for i, hit in zip(limited, hits):
            if hit:
                fires_on[i].append(disk)
        if every_rule_limited and not any(hits):
            unneeded[disk] = source
    needed = [disk for disk in by_disk if disk not in unneeded]
    root = project_root(needed) if needed else None
    out = []
    for i, rule in enumerate(rules):
        if i in fires_on:
            files = fires_on[i]
            if not files:
                continue
            # Without a usable project root the rule gets every file: slower, never a miss.
            if len(files) < len(needed) and root is not None:
                rule = {**rule, "paths": {**(rule.get("paths") or {}),
                                          "include": [_anchored(disk, root) for disk in files]}}
        out.append(rule)
    return {**config, "rules": out}, unneeded


def project_root(targets: Sequence[str]) -> str | None:
    """The deepest directory holding every target (physical paths): Semgrep's --project-root.
    None when that is the file system's root, which semgrep 1.182 refuses as not containing the
    targets (it then scans nothing)."""
    root = os.path.commonpath([os.path.dirname(t) for t in targets])
    return None if os.path.dirname(root) == root else root


def _anchored(disk: str, root: str) -> str:
    """A `paths: include` glob matching `disk` (relative to the project root) and maybe a few
    other files: characters that globs or Semgrep's pattern reader may treat specially become
    `*` (which never matches "/" or a leading dot), so no file can be missed by escaping."""
    relative = os.path.relpath(disk, root).replace(os.sep, "/")
    return "/" + re.sub(r"[^A-Za-z0-9._/-]+", "*", relative)


def _source_companion(rule: Mapping[str, Any]) -> dict[str, Any]:
    # With taint labels, only sources whose label some sink `requires` can start a reported flow.
    required = _required_labels(rule)
    sources = []
    for source in rule["pattern-sources"]:
        if required is not None and source.get("label") not in required:
            continue
        clean = {k: v for k, v in source.items() if k not in _TAINT_ONLY_KEYS}
        sources.append(clean)
    return {
        "id": rule["id"] + SOURCE_SUFFIX,
        "languages": rule["languages"],
        "severity": "INFO",
        "message": "taint source",
        "pattern-either": sources,
    }


def _required_labels(rule: Mapping[str, Any]) -> set[str] | None:
    """Labels named in the sinks' `requires` (None when a sink takes any source or none is labelled)."""
    labels: set[str] = set()
    for sink in rule.get("pattern-sinks") or ():
        requires = sink.get("requires")
        if not requires:
            return None
        labels.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(requires)))
    labels -= {"and", "or", "not"}
    return labels if any(s.get("label") for s in rule.get("pattern-sources") or ()) else None


def run(
    files: Sequence[SourceFile],
    rules: Sequence[RuleSpec],
    rule_files: Sequence[Path],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    per_file_timeout_s: float = PER_FILE_TIMEOUT_S,
) -> EngineResult:
    """Scan `files` (which must have a disk_path) with the Semgrep rules in `rules`."""
    if not rules or not files:
        return EngineResult()
    exe = semgrep_executable()
    if exe is None:
        return _fatal("semgrep executable not found (install diffsentry's dependencies, or set DIFFSENTRY_SEMGREP)")
    by_disk = {str(Path(f.disk_path).resolve()): f for f in files if f.disk_path is not None}
    # Semgrep refuses the whole run over one missing target ("Invalid scanning root"); a file
    # that vanished since it was read is that file's error, and the rest is still scanned.
    vanished = tuple(Notice(NoticeLevel.ERROR, ENGINE, "file disappeared before Semgrep could read it", f.path)
                     for disk, f in sorted(by_disk.items()) if not os.path.isfile(disk))
    by_disk = {disk: f for disk, f in by_disk.items() if os.path.isfile(disk)}
    if not by_disk:
        return EngineResult(notices=vanished)
    deadline = _Deadline(time.monotonic() + timeout_s, timeout_s)
    specs = {spec.name: spec for spec in rules}
    plan = semgrep_plan.load(rule_files)
    config = plan.config(set(specs))
    # Files no selected rule can fire on are complete without Semgrep (see `target_rules`).
    config, unneeded = target_rules(config, by_disk, plan.conditions)
    by_disk = {disk: f for disk, f in by_disk.items() if disk not in unneeded}
    if not by_disk:
        return EngineResult(notices=vanished, scanned=frozenset(f.path for f in unneeded.values()))
    first = _scan(exe, by_disk, config, deadline=deadline, per_file_timeout_s=per_file_timeout_s)
    if isinstance(first, EngineResult):
        return dataclasses.replace(first, notices=vanished + first.notices)
    matches, notices = list(first.matches), [*vanished, *first.notices]
    scanned = first.scanned | {f.path for f in unneeded.values()}
    # Companion pass: the sources of the taint rules that fired, only in the files they fired in
    # (the flows of their findings). Running the companions in the main pass doubled Semgrep's
    # matching time on every file, almost all of which has no taint finding.
    taint = {rule["id"]: rule for rule in config["rules"]
             if rule.get("mode") == "taint" and rule.get("pattern-sources")}
    fired = {(check_id, source.path) for check_id, source, _, _ in matches if check_id in taint}
    if fired:
        paths = {path for _, path in fired}
        companions = {"rules": [_source_companion(taint[name]) for name in sorted({name for name, _ in fired})]}
        second = _scan(exe, {disk: f for disk, f in by_disk.items() if f.path in paths}, companions,
                       deadline=deadline, per_file_timeout_s=per_file_timeout_s)
        if isinstance(second, EngineResult):
            notices.extend(second.notices)
        else:
            matches.extend(second.matches)
            notices.extend(second.notices)
    # dict.fromkeys: a file both passes had trouble with is one notice, not two.
    return EngineResult(_findings(matches, specs), tuple(dict.fromkeys(notices)), scanned)


@dataclasses.dataclass(frozen=True)
class _Deadline:
    """When the whole engine (both passes) must be done, and the --semgrep-timeout that set it."""

    at: float  # time.monotonic()
    budget_s: float


@dataclasses.dataclass(frozen=True)
class _Output:
    """One Semgrep process's results, read but not yet turned into findings."""

    matches: tuple[tuple[str, SourceFile, Region, str], ...]  # (check_id, file, region, message)
    notices: tuple[Notice, ...]
    scanned: frozenset[str]  # SourceFile paths


def _scan(
    exe: str,
    by_disk: Mapping[str, SourceFile],
    config: Mapping[str, Any],
    *,
    deadline: _Deadline,
    per_file_timeout_s: float,
) -> _Output | EngineResult:
    """Run one Semgrep process; an EngineResult holding only the fatal notice when it failed."""
    timeout_s = deadline.at - time.monotonic()
    if timeout_s <= 0:
        return _fatal(f"semgrep did not finish within {deadline.budget_s:g} s (--semgrep-timeout)")
    with tempfile.TemporaryDirectory(prefix="diffsentry-semgrep-") as workdir:
        # JSON, not YAML: pysemgrep reads YAML configs with a pure-Python parser that costs ~10x
        # the whole scan of a small change (measured: 17.4 s against 1.6 s for our 100 rules).
        config_file = Path(workdir) / "rules.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        # Semgrep's --timeout is whole seconds per rule and file, and 0 would mean "no limit".
        per_file = str(max(1, math.ceil(per_file_timeout_s)))
        # --project-root: the anchor of the rules' `paths: include` patterns (see `target_rules`).
        root = project_root(list(by_disk))
        command = [exe, "scan", *cli_flags(), *OFFLINE_FLAGS, *BASE_FLAGS, "--config", str(config_file),
                   *(("--project-root", root) if root is not None else ()),
                   "--timeout", per_file, "--timeout-threshold", "0", *sorted(by_disk)]
        env = {**os.environ, **OFFLINE_ENV}
        try:
            # cwd is an empty directory so that no .semgrepignore or git state of the scanned
            # repository can change what is scanned.
            returncode, stdout, stderr = _run_killable(command, cwd=workdir, env=env, timeout_s=timeout_s)
        except subprocess.TimeoutExpired:
            return _fatal(f"semgrep did not finish within {deadline.budget_s:g} s (--semgrep-timeout)")
        except OSError as exc:
            return _fatal(f"semgrep could not be started: {exc.strerror or exc}")
    try:
        return parse_output(returncode, stdout, stderr, by_disk)
    except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
        return _fatal(f"semgrep's output is not in the expected shape ({type(exc).__name__}: {exc})"[:300])


_RUNNING: set[int] = set()  # process groups of Semgrep runs in progress


def kill_running() -> None:
    """Kill every Semgrep process group still running (the run's own deadline has passed)."""
    for group in list(_RUNNING):
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)


def _run_killable(
    command: list[str], *, cwd: str, env: Mapping[str, str], timeout_s: float
) -> tuple[int, bytes, bytes]:
    """Run `command` in a new session; on timeout kill its whole process group, then raise."""
    with subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, start_new_session=True) as proc:
        _RUNNING.add(proc.pid)
        try:
            stdout, stderr = proc.communicate(timeout=timeout_s)
        except BaseException:  # the timeout, KeyboardInterrupt and the like: leave nothing running
            _kill_group(proc)
            raise
        finally:
            _RUNNING.discard(proc.pid)
        return proc.returncode, stdout, stderr


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    # Grandchildren may hold the pipes open; they are dead now, so this returns promptly.
    proc.communicate()


def parse_output(
    returncode: int, stdout: bytes, stderr: bytes, by_disk: Mapping[str, SourceFile]
) -> _Output | EngineResult:
    """Read Semgrep's JSON, failing closed on anything unexpected."""
    try:
        # On a deep stack: json's C parser recurses, and the recursion limit is raised while the
        # libcst engine runs (see `run_deep`); deep JSON must not overflow this thread's stack.
        data = run_deep(json.loads, stdout)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ValueError("no results list")
    except ValueError:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        return _fatal(f"semgrep exited {returncode} without valid JSON output: {tail[0][:300]}")

    notices: list[Notice] = []
    if returncode not in (0, 1):
        why = f"killed by signal {-returncode}" if returncode < 0 else f"exited with status {returncode}"
        notices.append(Notice(NoticeLevel.ERROR, ENGINE, f"semgrep {why}"))
    for error in data.get("errors") or ():
        notices.append(_error_notice(error, by_disk))

    paths = data.get("paths", {})
    if not isinstance(paths, dict):  # e.g. `"paths": []`: not "nothing scanned", a format we don't know
        raise TypeError(f"`paths` is a {type(paths).__name__}, not an object")
    scanned = {str(Path(p).resolve()) for p in paths.get("scanned") or ()}
    for disk in sorted(set(by_disk) - scanned):
        notices.append(Notice(NoticeLevel.ERROR, ENGINE, "semgrep did not scan this file", by_disk[disk].path))

    matches = []
    for result in data["results"]:
        source = by_disk.get(str(Path(result.get("path", "")).resolve()))
        if source is not None:
            message = result.get("extra", {}).get("message", "")
            matches.append((result.get("check_id", ""), source, _region(result), message))
    return _Output(tuple(matches), tuple(notices), frozenset(by_disk[d].path for d in scanned if d in by_disk))


def _findings(
    matches: Sequence[tuple[str, SourceFile, Region, str]], specs: Mapping[str, RuleSpec]
) -> tuple[Finding, ...]:
    """Findings of the declared rules; companion matches become their taint findings' sources."""
    sources: dict[tuple[str, str], list[Region]] = {}
    for check_id, source, region, _ in matches:
        if check_id.endswith(SOURCE_SUFFIX):
            sources.setdefault((check_id.removesuffix(SOURCE_SUFFIX), source.path), []).append(region)
    findings = []
    for check_id, source, region, message in matches:
        spec = specs.get(check_id)
        if spec is None:
            continue
        flow: tuple[FlowStep, ...] = ()
        origin = _nearest_source(sources.get((spec.name, source.path), ()), region)
        if origin is not None:
            flow = (FlowStep(source.path, origin, "source"), FlowStep(source.path, region, "sink"))
        findings.append(
            Finding(
                rule_id=spec.id,
                path=source.path,
                region=region,
                message=" ".join(message.split()) or spec.summary,
                severity=spec.severity,
                confidence=spec.confidence,
                engines=(ENGINE,),
                flow=flow,
            )
        )
    return tuple(findings)


def _region(result: Mapping[str, Any]) -> Region:
    numbers = (result["start"]["line"], result["start"]["col"], result["end"]["line"], result["end"]["col"])
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
        raise ValueError(f"bad result position {numbers!r}"[:200])
    return Region(*numbers)


def _nearest_source(candidates: Sequence[Region], sink: Region) -> Region | None:
    """The closest source match that starts before the sink (the taint engine's origin)."""
    before = [r for r in candidates if (r.start_line, r.start_column) <= (sink.start_line, sink.start_column)
              and not (r.start_line >= sink.start_line and r.end_line <= sink.end_line and r != sink)]
    before = before or [r for r in candidates if r.start_line <= sink.end_line]
    return max(before) if before else None


def _error_notice(error: Mapping[str, Any], by_disk: Mapping[str, SourceFile]) -> Notice:
    source = by_disk.get(str(Path(str(error.get("path", "") or "/")).resolve()))
    path = source.path if source else None
    kind = error.get("type", "error")
    kind = str(kind[0] if isinstance(kind, list) and kind else kind)
    message = " ".join(str(error.get("message", "")).split())[:300]
    spans = error.get("spans") or [{}]
    line = (spans[0].get("start") or {}).get("line") if isinstance(spans[0], dict) else None
    line = line if isinstance(line, int) else None
    # A partial parse of a file Python rejects too scanned the rest of it: a warning. Anything else
    # (timeouts, memory, a file Python runs but Semgrep misread, unknown kinds) left code unscanned.
    python_rejects = source is not None and parse_source(source.path, source.text).tree is None
    benign = error.get("level") == "warn" and kind in _PARSE_ERRORS and python_rejects
    level = NoticeLevel.WARNING if benign else NoticeLevel.ERROR
    return Notice(level, ENGINE, f"{kind}: {message}" if message else kind, path, line)


def _fatal(message: str) -> EngineResult:
    return EngineResult(notices=(Notice(NoticeLevel.ERROR, ENGINE, message),))
