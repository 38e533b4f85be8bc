"""Precision on popular packages: diffsentry findings per 1,000 lines of well-reviewed code.

    python benchmarks/precision.py                      # DS1 (backdoor) and DS6 (source integrity)
    python benchmarks/precision.py --select DS2 --select DS3
    python benchmarks/precision.py --no-bandit --package requests --package flask
    python benchmarks/precision.py --select DS --select B --json findings.json   # machine-readable too

The corpus (`benchmarks/corpus.py`: pinned sdists of requests, flask, django, click, rich, httpx,
urllib3, jinja2, setuptools, pip) is downloaded on first use. diffsentry's pipeline runs
in-process in scan mode over every Python file of each sdist (tests and docs included); every
finding is listed, then counted per family and per rule. Bandit's CLI, with its default test set,
runs over the same files for scale. Code that trips rules of backdoor families should be rare in
these packages: every finding is either a rule bug or an oddity worth a sentence in README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer import pipeline  # noqa: E402
from analyzer.catalogue import Catalogue, load_catalogue  # noqa: E402
from analyzer.findings import Finding, NoticeLevel  # noqa: E402
from benchmarks.corpus import PACKAGES, source_dirs  # noqa: E402

DEFAULT_SELECT = ("DS1", "DS6")


@dataclass
class PackageResult:
    name: str
    files: int
    lines: int
    findings: list[Finding]
    errors: list[str]
    seconds: float
    bandit: int | None = None


def per_kloc(count: int, lines: int) -> float:
    return 1000.0 * count / lines if lines else 0.0


def bandit_count(directory: Path) -> int | None:
    """Findings of Bandit's CLI (default tests, every severity) on the same directory."""
    exe = Path(sys.executable).parent / "bandit"
    command = [str(exe) if exe.exists() else "bandit", "-r", str(directory), "-f", "json", "-q"]
    proc = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL)
    try:
        return len(json.loads(proc.stdout)["results"])
    except (ValueError, KeyError):
        print(f"  bandit failed on {directory}: {proc.stderr.decode(errors='replace')[-300:]}", file=sys.stderr)
        return None


def selected_rules(select: list[str], engines: list[str], suite: str = "default") -> Catalogue:
    catalogue = load_catalogue().select(select).in_suite(suite, named=select)
    if engines:
        catalogue = Catalogue(tuple(spec for spec in catalogue.rules if spec.engine in engines))
    return catalogue


def scan_package(name: str, directory: Path, catalogue: Catalogue, options: pipeline.Options,
                 with_bandit: bool) -> PackageResult:
    start = time.perf_counter()
    report = pipeline.scan_paths([directory], directory, catalogue, options)
    elapsed = time.perf_counter() - start
    lines = sum(len(text.splitlines()) for text in report.texts.values())
    errors = [n.one_line() for n in report.notices if n.level is NoticeLevel.ERROR]
    result = PackageResult(name, len(report.files), lines, list(report.findings), errors, elapsed)
    if with_bandit:
        result.bandit = bandit_count(directory)
    return result


def write_json(path: Path, results: list[PackageResult]) -> None:
    """Every finding (rule, path, line, message) per package, sorted, for comparing two runs."""
    packages = [{"name": r.name, "files": r.files, "lines": r.lines, "errors": r.errors,
                 "findings": sorted(({"rule": f.rule_id, "path": f.path, "line": f.region.start_line,
                                      "message": f.message} for f in r.findings),
                                    key=lambda f: (f["path"], f["line"], f["rule"]))}
                for r in results]
    path.write_text(json.dumps({"packages": packages}, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--select", action="append", default=[],
                        help="rule ids, prefixes or families to run (repeatable; default DS1 and DS6)")
    parser.add_argument("--package", action="append", default=[], help="only these corpus packages (repeatable)")
    parser.add_argument("--no-bandit", action="store_true", help="skip the Bandit CLI comparison")
    parser.add_argument("--engine", action="append", default=[],
                        help="only the selected rules of these engines: semgrep, cst, bandit, suppress, diff "
                             "(repeatable; default all)")
    parser.add_argument("--suite", choices=("default", "extended"), default="default",
                        help="rule suite, as `diffsentry --suite` (default: default)")
    # The CLI's default (600 s for the whole Semgrep run) is for a change; a package of the corpus
    # is a whole repository, and on a loaded machine setuptools alone took longer than that.
    parser.add_argument("--semgrep-timeout", type=float, default=7200.0,
                        help="seconds Semgrep may take per package (default 7200)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every finding to PATH as JSON")
    args = parser.parse_args(argv)
    select = [s for item in args.select for s in item.split(",") if s] or list(DEFAULT_SELECT)
    packages = tuple(p for p in PACKAGES if not args.package or p.name in args.package)
    catalogue = selected_rules(select, args.engine, args.suite)
    options = pipeline.Options(semgrep_timeout_s=args.semgrep_timeout)

    results = []
    for package, directory in zip(packages, source_dirs(packages)):
        print(f"scanning {package.requirement} ...", file=sys.stderr, flush=True)
        result = scan_package(package.requirement, directory, catalogue, options, not args.no_bandit)
        results.append(result)
        # Progress on stderr: a long run that is stopped early still shows what it found.
        print(f"  {result.files} files, {result.lines} lines, {len(result.findings)} findings, "
              f"bandit {result.bandit}, {result.seconds:.0f} s", file=sys.stderr, flush=True)
        for f in result.findings:
            print(f"    {f.path}:{f.region.start_line}: {f.rule_id} {f.message[:100]}", file=sys.stderr, flush=True)
        for error in result.errors:
            print(f"    INCOMPLETE: {error}", file=sys.stderr, flush=True)

    if args.json:
        write_json(args.json, results)
    engines = f" (engines: {', '.join(args.engine)})" if args.engine else ""
    print(f"diffsentry precision on popular packages; rules: {', '.join(select)}{engines}; suite {args.suite}\n")
    print("Findings")
    for result in results:
        for f in result.findings:
            print(f"  {result.name}/{f.path}:{f.region.start_line}: {f.rule_id} {f.message[:110]}")
    if not any(r.findings for r in results):
        print("  (none)")

    prefixes = sorted({s.id[:3] for s in catalogue.rules if s.id.startswith("DS")})
    total_lines = sum(r.lines for r in results)
    all_findings = [f for r in results for f in r.findings]

    def by_family(findings: list[Finding]) -> str:
        # One column per selected family, so that families with different targets read apart.
        counts = Counter(f.rule_id[:3] for f in findings)
        return "".join(f" {counts[p]:>6}" for p in prefixes)

    print(f"\n{'package':24} {'files':>6} {'lines':>9}" + "".join(f" {p + 'xx':>6}" for p in prefixes)
          + f" {'findings':>9} {'per KLOC':>9} {'bandit':>7} {'seconds':>8}")
    for r in results:
        bandit = "-" if r.bandit is None else str(r.bandit)
        print(f"{r.name:24} {r.files:6} {r.lines:9}{by_family(r.findings)} {len(r.findings):9}"
              f" {per_kloc(len(r.findings), r.lines):9.3f} {bandit:>7} {r.seconds:8.1f}")
    bandit_total = sum(r.bandit for r in results if r.bandit is not None) if not args.no_bandit else None
    print(f"{'total':24} {sum(r.files for r in results):6} {total_lines:9}{by_family(all_findings)}"
          f" {len(all_findings):9} {per_kloc(len(all_findings), total_lines):9.3f}"
          f" {'-' if bandit_total is None else bandit_total:>7}")
    if bandit_total is not None:
        print(f"(bandit: Bandit CLI's own findings with its default tests, {per_kloc(bandit_total, total_lines):.2f} per KLOC)")

    families = Counter(f.rule_id[:3] for f in all_findings)
    print("\nPer family (findings, per KLOC)")
    for prefix in prefixes:
        print(f"  {prefix}xx {families[prefix]:5} {per_kloc(families[prefix], total_lines):8.3f}")
    # The injection class as a reviewer sees it: DS2xx and the Bandit rows of the injection family
    # (one finding where both engines report the same line, as in every report).
    injection = [f for f in all_findings if catalogue[f.rule_id].family == "injection"]
    print(f"\nInjection class (DS2xx + Bandit injection rows): {len(injection)} findings, "
          f"{per_kloc(len(injection), total_lines):.3f} per KLOC")
    rules = Counter(f.rule_id for f in all_findings)
    print("\nPer rule (rules with findings)")
    for rule_id, count in sorted(rules.items()):
        print(f"  {rule_id} {catalogue[rule_id].name:45} {count:4} {per_kloc(count, total_lines):8.3f}")
    if not rules:
        print("  (none)")

    errors = [f"{r.name}: {e}" for r in results for e in r.errors]
    if errors:
        print("\nIncomplete analysis (these files were not fully analysed):")
        print("\n".join(f"  {e}" for e in errors))
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
