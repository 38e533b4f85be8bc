"""Speed and memory of diffsentry against its peers on Django 5.1.4, in one run.

    python benchmarks/bench_django.py [--runs 3]

Downloads Django's sdist once (pip download, into benchmarks/.cache/), then times, as separate
processes on the same files:

* `diffsentry scan django/` (every engine, every rule) against `bandit -r django/` and
  `semgrep scan` with diffsentry's Semgrep rules (offline flags, same files);
* `diffsentry diff --patch` of a 5-file change in Django (cold: `--no-cache`);
* the same diff again with the result cache warm (an unchanged re-run).

It prints medians, ratios to the peers and each process's peak RSS (the largest process of its
tree, from wait4). Targets the design must reach: full scan <= 1.0x `bandit -r`, 5-file diff
<= 1.5 s, unchanged re-run <= 0.5 s, peak memory < 1 GB. Figures drift between machines: compare
ratios from one run, not absolute seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache"
DJANGO = "django==5.1.4"
sys.path.insert(0, str(REPO))

from analyzer.catalogue import load_catalogue, semgrep_rule_files  # noqa: E402
from analyzer.engines.semgrep import OFFLINE_ENV, OFFLINE_FLAGS, build_config, semgrep_executable  # noqa: E402


def django_source() -> Path:
    target = CACHE / "Django-5.1.4"
    if not target.is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", DJANGO,
                        "-d", str(CACHE), "-q"], check=True)
        archive = next(CACHE.glob("[Dd]jango-5.1.4.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(CACHE, filter="data")
    return target


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(seconds, exit status, peak RSS in MB of the largest process in the tree)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024


def median_of(runs: int, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, int]:
    results = [timed(command, cwd, env) for _ in range(runs)]
    return statistics.median(r[0] for r in results), results[-1][1], max(r[2] for r in results)


def five_file_patch(root: Path) -> str:
    """A change to five Django modules: one added line each, of the kind an assistant writes."""
    files = ["django/core/mail/message.py", "django/utils/text.py", "django/http/request.py",
             "django/db/backends/utils.py", "django/contrib/auth/hashers.py"]
    chunks = []
    for rel in files:
        lines = (root / rel).read_text(encoding="utf-8").splitlines(keepends=True)
        n = len(lines)
        chunks.append(
            f"--- a/{rel}\n+++ b/{rel}\n@@ -{n},1 +{n},2 @@\n {lines[-1].rstrip(chr(10))}\n"
            "+DEBUG_TOKEN = __import__('os').environ.get('DEBUG_TOKEN', '')\n"
        )
    return "".join(chunks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median reported)")
    args = parser.parse_args()

    root = django_source()
    package = root / "django"
    files = sorted(str(p) for p in package.rglob("*.py"))
    lines = sum(p.read_text(encoding="utf-8").count("\n") for p in map(Path, files))
    print(f"corpus: {DJANGO}: {len(files)} files, {lines:,} lines; {os.cpu_count()} cores; runs={args.runs}")

    bin_dir = Path(sys.executable).parent
    env = {**os.environ, **OFFLINE_ENV}
    with tempfile.TemporaryDirectory() as scratch:
        catalogue = load_catalogue()
        # The peer gets the rules in the same JSON form our engine passes (YAML parsing alone
        # would add ~15 s of pysemgrep start-up to every run).
        config = Path(scratch) / "rules.json"
        config.write_text(json.dumps(build_config(semgrep_rule_files(), catalogue.for_engine("semgrep"))))
        patch = Path(scratch) / "five.patch"
        patch.write_text(five_file_patch(root))
        exe = semgrep_executable() or "semgrep"
        diff_command = [sys.executable, "-m", "analyzer", "diff", "--patch", str(patch), "--root", str(root),
                        "-f", "sarif", "-o", os.devnull, "--exit-zero"]

        measurements = {
            # Cold: --no-cache, so that repeated runs do not measure the result cache.
            "diffsentry scan (all engines)": [sys.executable, "-m", "analyzer", "scan", str(package), "-f", "sarif",
                                              "-o", os.devnull, "--exit-zero", "--no-cache"],
            "bandit -r": [str(bin_dir / "bandit"), "-r", str(package), "-f", "json", "-q"],
            "semgrep scan (our rules)": [exe, "scan", *OFFLINE_FLAGS, "--config", str(config), "--json",
                                         "--quiet", *files],
            "diffsentry diff, 5 files": [*diff_command, "--no-cache"],
        }
        results = {}
        for name, command in measurements.items():
            cwd = REPO if "diffsentry" in name else Path(scratch)
            results[name] = median_of(args.runs, command, cwd, env if "diffsentry" not in name else None)
            seconds, status, peak = results[name]
            print(f"  {name:<32} {seconds:8.2f} s  peak {peak:5d} MB  exit {status}")
        # An unchanged re-run: the identical diff again with the result cache (in a scratch
        # directory) warmed by one untimed run.
        cached = {**os.environ, "DIFFSENTRY_CACHE_DIR": str(Path(scratch) / "cache")}
        timed(diff_command, REPO, cached)
        results["re-run, unchanged"] = median_of(args.runs, diff_command, REPO, cached)
        seconds, status, peak = results["re-run, unchanged"]
        print(f"  {'diffsentry diff, unchanged re-run':<32} {seconds:8.2f} s  peak {peak:5d} MB  exit {status}")

    ours = results["diffsentry scan (all engines)"][0]
    print("\nratios (lower is better):")
    print(f"  full scan / bandit -r            {ours / results['bandit -r'][0]:.2f}x   (target <= 1.0x)")
    print(f"  full scan / semgrep scan         {ours / results['semgrep scan (our rules)'][0]:.2f}x")
    print(f"  5-file diff                      {results['diffsentry diff, 5 files'][0]:.2f} s  (target <= 1.5 s)")
    print(f"  unchanged re-run                 {results['re-run, unchanged'][0]:.2f} s  (target <= 0.5 s)")
    print(f"  peak memory, full scan           {results['diffsentry scan (all engines)'][2]} MB  (target < 1024 MB)")


if __name__ == "__main__":
    main()
