"""Latency of `Checker.check_answer` per answer, beside Meta CodeShield's published figures.

    python benchmarks/bench_answers.py [--count 300] [--full-count 100] [--batch 20]

Synthetic answers of about 20-100 lines (benchmarks/synthetic_answers.py, every one distinct, no
result cache), checked one at a time by a long-lived `Checker`, as a gateway would:

* fast profile (`Checker(fast=True)`: libcst and Bandit, no Semgrep);
* all engines, one answer per call: every call starts a Semgrep process;
* all engines, answers checked `--batch` at a time (`check_answers`): one Semgrep process per
  batch; the figure is the batch's time divided by its answers (what each answer costs when a
  gateway groups the answers of a short window).

CodeShield (Meta, PurpleLlama, 2023) reports < 70 ms for 90 % of inputs (its regex layer) and
~300 ms on its slow path (Semgrep over a snippet); those are its published figures, not measured
here. Absolute times on a shared machine drift: quote the ratios of one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from analyzer.api import Checker  # noqa: E402
from synthetic_answers import many  # noqa: E402

CODESHIELD = "CodeShield (published): < 70 ms for 90 % of inputs; ~300 ms on its slow path (Semgrep)"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def cpu() -> float:
    """CPU seconds of this process and its finished children (Semgrep): less sensitive than wall
    time to the other jobs of a shared machine."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def one_by_one(checker: Checker, texts: list[str]) -> tuple[list[float], list[float]]:
    wall, used = [], []
    for text in texts:
        start, start_cpu = time.perf_counter(), cpu()
        checker.check_answer(text)
        wall.append(time.perf_counter() - start)
        used.append(cpu() - start_cpu)
    return wall, used


def batched(checker: Checker, texts: list[str], size: int) -> tuple[list[float], list[float]]:
    wall, used = [], []
    for i in range(0, len(texts), size):
        batch = texts[i:i + size]
        start, start_cpu = time.perf_counter(), cpu()
        checker.check_answers(batch)
        wall += [(time.perf_counter() - start) / len(batch)] * len(batch)
        used += [(cpu() - start_cpu) / len(batch)] * len(batch)
    return wall, used


def row(name: str, times: tuple[list[float], list[float]]) -> str:
    ms, cpu_ms = [t * 1000 for t in times[0]], [t * 1000 for t in times[1]]
    return (f"{name:<40} {len(ms):>5} {statistics.median(ms):>7.0f} {percentile(ms, 90):>7.0f} "
            f"{percentile(ms, 99):>7.0f} {max(ms):>7.0f} {statistics.median(cpu_ms):>9.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="answers for the fast profile")
    parser.add_argument("--full-count", type=int, default=100, help="answers for each all-engines run")
    parser.add_argument("--batch", type=int, default=20, help="answers per check_answers call")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    texts = [r["response"] for r in many(max(args.count, args.full_count), args.seed)]
    lines = sorted(len(t.splitlines()) for t in texts)
    print(f"{len(texts)} synthetic answers, {lines[0]}-{lines[-1]} lines (median {statistics.median(lines):.0f})")

    results = []
    start = time.perf_counter()
    fast = Checker(fast=True)
    print(f"Checker(fast=True) built and warmed in {time.perf_counter() - start:.2f} s")
    results.append(row("fast profile (no Semgrep), per answer", one_by_one(fast, texts[:args.count])))
    start = time.perf_counter()
    full = Checker()
    print(f"Checker() built and warmed in {time.perf_counter() - start:.2f} s")
    results.append(row("all engines, one Semgrep per answer", one_by_one(full, texts[:args.full_count])))
    results.append(row(f"all engines, batches of {args.batch} (per answer)",
                       batched(full, texts[:args.full_count], args.batch)))
    print(f"load average at the start: {load:.1f} on {os.cpu_count()} CPUs")
    print(f"\n{'wall latency per answer (ms)':<40} {'n':>5} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} "
          f"{'CPU p50':>9}")
    print("\n".join(results))
    print(f"\n{CODESHIELD}")


if __name__ == "__main__":
    main()
