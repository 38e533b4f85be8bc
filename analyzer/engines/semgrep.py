"""Semgrep: one subprocess per run, offline, over explicitly named files, failing closed.

Facts this module relies on (semgrep 1.182):
* Without `--metrics=off --disable-version-check` and `SEMGREP_ENABLE_VERSION_CHECK=0` it phones
  home, and on a machine with no network it hangs for ~100 s first.
* `--no-rewrite-rule-ids` keeps `check_id` equal to the rule's `id`; `--disable-nosem` because
  suppression is ours to decide.
* Without a login, `extra.lines`, `extra.fingerprint` and dataflow traces are withheld, so
  snippets are read from the file and taint paths are rebuilt from companion "source" rules (one
  search-mode rule per taint rule, made from its `pattern-sources`).
* Every target must appear in `paths.scanned`; one that does not was silently skipped, which is
  an error here, never a clean result.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from analyzer.catalogue import RuleSpec
from analyzer.findings import EngineResult, Finding, FlowStep, Notice, NoticeLevel, Region
from analyzer.sources import SourceFile

ENGINE = "semgrep"
OFFLINE_FLAGS = ("--metrics=off", "--disable-version-check")
OFFLINE_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
BASE_FLAGS = ("--json", "--no-rewrite-rule-ids", "--disable-nosem", "--no-git-ignore", "--quiet")
SOURCE_SUFFIX = "--diffsentry-source"
DEFAULT_TIMEOUT_S = 600.0
# Taint-only keys that a search-mode rule rejects.
_TAINT_ONLY_KEYS = ("label", "requires", "by-side-effect", "control", "exact")


def semgrep_executable() -> str | None:
    """The semgrep our pinned dependency installed (beside this interpreter), else PATH.

    `DIFFSENTRY_SEMGREP` overrides both (tests use it to simulate a missing or broken binary).
    """
    override = os.environ.get("DIFFSENTRY_SEMGREP")
    if override is not None:
        return override if Path(override).is_file() else None
    beside = Path(sys.executable).parent / "semgrep"
    if beside.is_file():
        return str(beside)
    return shutil.which("semgrep")


def version() -> str:
    """The installed semgrep distribution's version (for cache keys; no subprocess)."""
    from importlib.metadata import PackageNotFoundError, version as dist_version

    try:
        return dist_version("semgrep")
    except PackageNotFoundError:
        return "unknown"


def build_config(rule_files: Sequence[Path], rules: Sequence[RuleSpec]) -> dict[str, Any]:
    """One config holding the selected rules plus a companion source rule per taint rule."""
    wanted = {spec.name for spec in rules}
    out: list[dict[str, Any]] = []
    for path in rule_files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule in doc.get("rules", ()):
            if rule["id"] not in wanted:
                continue
            out.append(rule)
            if rule.get("mode") == "taint" and rule.get("pattern-sources"):
                out.append(_source_companion(rule))
    return {"rules": out}


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
    per_file_timeout_s: float = 30.0,
) -> EngineResult:
    """Scan `files` (which must have a disk_path) with the Semgrep rules in `rules`."""
    if not rules or not files:
        return EngineResult()
    exe = semgrep_executable()
    if exe is None:
        return _fatal("semgrep executable not found (install diffsentry's dependencies, or set DIFFSENTRY_SEMGREP)")
    by_disk = {str(Path(f.disk_path).resolve()): f for f in files if f.disk_path is not None}
    with tempfile.TemporaryDirectory(prefix="diffsentry-semgrep-") as workdir:
        config = Path(workdir) / "rules.yaml"
        config.write_text(yaml.safe_dump(build_config(rule_files, rules), sort_keys=False), encoding="utf-8")
        command = [exe, "scan", *OFFLINE_FLAGS, *BASE_FLAGS, "--config", str(config),
                   "--timeout", str(int(per_file_timeout_s)), "--timeout-threshold", "0", *sorted(by_disk)]
        env = {**os.environ, **OFFLINE_ENV}
        try:
            # cwd is an empty directory so that no .semgrepignore or git state of the scanned
            # repository can change what is scanned.
            proc = subprocess.run(command, cwd=workdir, env=env, capture_output=True, timeout=timeout_s,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return _fatal(f"semgrep did not finish within {timeout_s:g} s")
        except OSError as exc:
            return _fatal(f"semgrep could not be started: {exc.strerror or exc}")
    return parse_output(proc.returncode, proc.stdout, proc.stderr, by_disk, {spec.name: spec for spec in rules})


def parse_output(
    returncode: int, stdout: bytes, stderr: bytes, by_disk: Mapping[str, SourceFile], specs: Mapping[str, RuleSpec]
) -> EngineResult:
    """Turn Semgrep's JSON into findings, failing closed on anything unexpected."""
    try:
        data = json.loads(stdout)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ValueError("no results list")
    except ValueError:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        return _fatal(f"semgrep exited {returncode} without valid JSON output: {tail[0][:300]}")

    notices: list[Notice] = []
    if returncode not in (0, 1):
        notices.append(Notice(NoticeLevel.ERROR, ENGINE, f"semgrep exited with status {returncode}"))
    for error in data.get("errors") or ():
        notices.append(_error_notice(error, by_disk))

    scanned = {str(Path(p).resolve()) for p in (data.get("paths") or {}).get("scanned") or ()}
    for disk in sorted(set(by_disk) - scanned):
        notices.append(Notice(NoticeLevel.ERROR, ENGINE, "semgrep did not scan this file", by_disk[disk].path))

    sources: dict[tuple[str, str], list[Region]] = {}
    results = []
    for result in data["results"]:
        check_id = result.get("check_id", "")
        source = by_disk.get(str(Path(result.get("path", "")).resolve()))
        if source is None:
            continue
        region = Region(result["start"]["line"], result["start"]["col"], result["end"]["line"], result["end"]["col"])
        if check_id.endswith(SOURCE_SUFFIX):
            sources.setdefault((check_id.removesuffix(SOURCE_SUFFIX), source.path), []).append(region)
        elif check_id in specs:
            results.append((specs[check_id], source, region, result.get("extra", {}).get("message", "")))

    findings = []
    for spec, source, region, message in results:
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
    return EngineResult(tuple(findings), tuple(notices), frozenset(by_disk[d].path for d in scanned if d in by_disk))


def _nearest_source(candidates: Sequence[Region], sink: Region) -> Region | None:
    """The closest source match that starts before the sink (the taint engine's origin)."""
    before = [r for r in candidates if (r.start_line, r.start_column) <= (sink.start_line, sink.start_column)
              and not (r.start_line >= sink.start_line and r.end_line <= sink.end_line and r != sink)]
    before = before or [r for r in candidates if r.start_line <= sink.end_line]
    return max(before) if before else None


def _error_notice(error: Mapping[str, Any], by_disk: Mapping[str, SourceFile]) -> Notice:
    source = by_disk.get(str(Path(error.get("path", "") or "/").resolve()))
    path = source.path if source else None
    kind = str(error.get("type", "error"))
    kind = kind[0] if isinstance(error.get("type"), list) and error["type"] else kind
    message = " ".join(str(error.get("message", "")).split())[:300]
    spans = error.get("spans") or [{}]
    line = (spans[0].get("start") or {}).get("line") if isinstance(spans[0], dict) else None
    # Partial parses ("Syntax error", level warn) still produced a scan of the rest of the file.
    level = NoticeLevel.WARNING if error.get("level") == "warn" else NoticeLevel.ERROR
    return Notice(level, ENGINE, f"{kind}: {message}" if message else kind, path, line)


def _fatal(message: str) -> EngineResult:
    return EngineResult(notices=(Notice(NoticeLevel.ERROR, ENGINE, message),))
