"""Speed and memory of diffsentry against its peers on Django 5.1.4, in one run.

    python benchmarks/bench_django.py [--runs 3] [--subset django/db] [--skip-peers]
    python benchmarks/bench_django.py --sdist          # the whole sdist, as a CI log shows it

Downloads Django's sdist once (pip download, into benchmarks/.cache/), then times, as separate
processes on the same files (issue #12's table):

* start-up: `diffsentry --version` and `diffsentry rules` (target <= 0.15 s);
* `diffsentry diff --patch` of a 5-file change, cold (`--no-cache`; median of 5, target <= 1.5 s);
* `diffsentry scan django/` cold (every engine, every rule) against `bandit -r django/` and
  `semgrep scan` with diffsentry's Semgrep rules (target <= 1.0x `bandit -r`), with its peak RSS
  (target < 1 GB);
* the same scan again, unchanged, with the result cache warm (target <= 0.5 s), and the 5-file
  diff again warm.

`--sdist` scans the whole sdist (2,788 files, tests and docs included) cold with the default
budgets and CI=true, so that progress lines are printed as a CI log would show them, and reports
the time, exit status, peak RSS and the progress lines (issue #15 item 5).

Peak RSS is the whole process tree's (diffsentry with its Semgrep processes), sampled from /proc. The load
average is printed before and after: the machine is shared, so compare the ratios of one run,
not absolute seconds across runs.
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
import threading
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache"
DJANGO = "django==5.1.4"
sys.path.insert(0, str(REPO))

from analyzer.catalogue import load_catalogue  # noqa: E402
from analyzer.rulespec import semgrep_rule_files  # noqa: E402
from analyzer.engines.semgrep import build_config  # noqa: E402
from analyzer.engines.semgrep_command import OFFLINE_ENV, OFFLINE_FLAGS, semgrep_executable  # noqa: E402


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


class Measure(NamedTuple):
    seconds: float  # wall
    status: int  # exit status
    peak_mb: int  # peak RSS of the whole process tree
    cpu_s: float  # user + system CPU of the process and the processes it waited for (Semgrep's)


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None,
          stderr: int | None = subprocess.DEVNULL) -> Measure:
    """Wall seconds, exit status, peak RSS in MB of the whole process tree, and CPU seconds.

    CPU is the one figure other work on the machine barely changes: compare it across runs.

    The tree's RSS (diffsentry and the Semgrep processes it runs, together) is sampled every
    0.2 s from /proc; without /proc, the largest single process (wait4's ru_maxrss)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    sampler = _TreeSampler(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    # Linux folds the peak of the child's reaped descendants (semgrep-core) into its ru_maxrss.
    return Measure(elapsed, os.waitstatus_to_exitcode(status), max(usage.ru_maxrss // 1024, sampler.peak_kb // 1024),
                   usage.ru_utime + usage.ru_stime)


class _TreeSampler(threading.Thread):
    """The largest sum of RSS over a process and its descendants, sampled from /proc."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak_kb, self.done = root, 0, threading.Event()

    def run(self) -> None:
        page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
        while not self.done.wait(0.2):
            children: dict[int, list[int]] = {}
            rss: dict[int, int] = {}
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/stat") as handle:
                        fields = handle.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                pid = int(entry.name)
                children.setdefault(int(fields[1]), []).append(pid)
                rss[pid] = int(fields[21]) * page_kb
            total, stack = 0, [self.root]
            while stack:
                pid = stack.pop()
                total += rss.get(pid, 0)
                stack.extend(children.get(pid, ()))
            self.peak_kb = max(self.peak_kb, total)


def median_of(runs: int, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measure:
    results = [timed(command, cwd, env) for _ in range(runs)]
    return Measure(statistics.median(r.seconds for r in results), results[-1].status, max(r.peak_mb for r in results),
                   statistics.median(r.cpu_s for r in results))


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
    parser.add_argument("--runs", type=int, default=3, help="runs per full-scan measurement (median reported)")
    parser.add_argument("--diff-runs", type=int, default=5, help="runs of the 5-file diff (median reported)")
    parser.add_argument("--subset", default="django", help="directory of the sdist to scan (e.g. django/db)")
    parser.add_argument("--skip-peers", action="store_true", help="do not run bandit -r and semgrep scan")
    parser.add_argument("--sdist", action="store_true", help="scan the whole sdist once, cold, as in CI")
    args = parser.parse_args()

    root = django_source()
    # With PYTHONDONTWRITEBYTECODE set (it is on the development machine), a module edited since
    # its .pyc was written is compiled again by every run, ~10 ms a module; an installed
    # diffsentry has its .pyc from pip. Compile once, as installing does.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "analyzer")], check=True,
                   stdout=subprocess.DEVNULL)
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    if args.sdist:
        whole_sdist(root)
        return
    package = root / args.subset
    files = sorted(str(p) for p in package.rglob("*.py"))
    lines = sum(p.read_text(encoding="utf-8").count("\n") for p in map(Path, files))
    print(f"corpus: {DJANGO} {args.subset}/: {len(files)} files, {lines:,} lines; {os.cpu_count()} cores; "
          f"runs={args.runs}")

    bin_dir = Path(sys.executable).parent
    env = {**os.environ, **OFFLINE_ENV, "DIFFSENTRY_PROGRESS": "off"}
    diffsentry = [sys.executable, "-m", "analyzer"]
    with tempfile.TemporaryDirectory() as scratch:
        catalogue = load_catalogue()
        # The peer gets the rules in the same JSON form our engine passes (YAML parsing alone
        # would add ~15 s of pysemgrep start-up to every run).
        config = Path(scratch) / "rules.json"
        config.write_text(json.dumps(build_config(semgrep_rule_files(), catalogue.for_engine("semgrep"))))
        patch = Path(scratch) / "five.patch"
        patch.write_text(five_file_patch(root))
        exe = semgrep_executable() or "semgrep"
        warm = {**env, "DIFFSENTRY_CACHE_DIR": str(Path(scratch) / "cache")}
        diff_command = [*diffsentry, "diff", "--patch", str(patch), "--root", str(root), "-f", "sarif",
                        "-o", os.devnull, "--exit-zero"]
        scan_command = [*diffsentry, "scan", str(package), "-f", "sarif", "-o", os.devnull, "--exit-zero"]
        results: dict[str, Measure] = {}

        def measure(name: str, runs: int, command: list[str], cwd: Path, run_env: dict[str, str]) -> None:
            results[name] = median_of(runs, command, cwd, run_env)
            seconds, status, peak, cpu = results[name]
            print(f"  {name:<36} {seconds:8.2f} s  cpu {cpu:7.2f} s  peak {peak:5d} MB  exit {status}", flush=True)

        timed([*diffsentry, "rules"], REPO, warm)  # the cached catalogue, as every later run has it
        measure("start-up: --version", 5, [*diffsentry, "--version"], REPO, warm)
        measure("start-up: rules", 5, [*diffsentry, "rules"], REPO, warm)
        measure("diff, 5 files, cold", args.diff_runs, [*diff_command, "--no-cache"], REPO, warm)
        measure("scan, cold (all engines)", args.runs, [*scan_command, "--no-cache"], REPO, warm)
        if not args.skip_peers:
            measure("bandit -r", args.runs, [str(bin_dir / "bandit"), "-r", str(package), "-f", "json", "-q"],
                    Path(scratch), env)
            measure("semgrep scan (our rules)", args.runs, [exe, "scan", *OFFLINE_FLAGS, "--config", str(config),
                                                            "--json", "--quiet", *files], Path(scratch), env)
        timed(scan_command, REPO, warm)  # warms the cache with the whole scan
        measure("scan, unchanged re-run (warm cache)", args.runs, scan_command, REPO, warm)
        timed(diff_command, REPO, warm)
        measure("diff, 5 files, unchanged re-run", args.runs, diff_command, REPO, warm)

    print(f"load average after: {os.getloadavg()[0]:.1f}")
    cold = results["scan, cold (all engines)"]
    print("\nagainst the targets (issue #12):")
    print(f"  start-up --version / rules     {results['start-up: --version'].seconds:.2f} / "
          f"{results['start-up: rules'].seconds:.2f} s  (target <= 0.15 s)")
    print(f"  5-file diff, cold              {results['diff, 5 files, cold'].seconds:.2f} s  (target <= 1.5 s)")
    print(f"  unchanged full re-run          {results['scan, unchanged re-run (warm cache)'].seconds:.2f} s  "
          "(target <= 0.5 s)")
    if "bandit -r" in results:
        bandit_r, semgrep_scan = results["bandit -r"], results["semgrep scan (our rules)"]
        print(f"  full scan / bandit -r          {cold.seconds / bandit_r.seconds:.2f}x wall, "
              f"{cold.cpu_s / bandit_r.cpu_s:.2f}x CPU  (target <= 1.0x)")
        print(f"  full scan / semgrep scan       {cold.seconds / semgrep_scan.seconds:.2f}x wall, "
              f"{cold.cpu_s / semgrep_scan.cpu_s:.2f}x CPU")
    print(f"  peak memory, full scan         {cold.peak_mb} MB  (target < 1024 MB)")


def whole_sdist(root: Path) -> None:
    """The whole sdist, cold, default budgets, progress as in a CI log (issue #15 item 5)."""
    files = sum(1 for _ in root.rglob("*.py"))
    env = {**os.environ, **OFFLINE_ENV, "CI": "true"}
    env.pop("DIFFSENTRY_PROGRESS", None)
    command = [sys.executable, "-m", "analyzer", "scan", str(root), "-f", "sarif", "-o", os.devnull,
               "--exit-zero", "--no-cache"]
    print(f"corpus: {DJANGO} whole sdist: {files} Python files; default budgets (Semgrep "
          f"{600 + files} s, run {3600 + files} s); CI=true", flush=True)
    with tempfile.TemporaryFile("w+") as log:
        seconds, status, peak, cpu = timed(command, REPO, env, stderr=log.fileno())
        log.seek(0)
        lines = log.read().splitlines()
    progress = [line for line in lines if "files, at work" in line]
    other = [line for line in lines if line not in progress]
    print(f"  scan, whole sdist, cold  {seconds:8.1f} s  cpu {cpu:.1f} s  peak {peak} MB  exit {status}")
    print(f"  {len(progress)} progress lines; first and last:")
    for line in progress[:1] + progress[-1:]:
        print(f"    {line}")
    for line in other[:20]:
        print(f"  stderr: {line}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
