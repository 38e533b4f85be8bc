"""Throughput of `diffsentry study`'s batches: answers per second on synthetic answers.

    python benchmarks/bench_study.py [--count 10000] [--batch-size 200] [--workers 2] [--fast]

Analyses `--count` distinct synthetic answers of about 20-100 lines (benchmarks/synthetic_answers.py)
exactly as `diffsentry study` does (batches of `--batch-size`, one Semgrep process per batch, in
`--workers` local processes), with no result cache, and prints answers per second and the time
10,000 answers would take at that rate. When the machine is too loaded for 10,000, run fewer and
say that the 10,000 figure is extrapolated (it is printed as such).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from analyzer.study import batches  # noqa: E402
from synthetic_answers import many  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fast", action="store_true", help="leave Semgrep out")
    args = parser.parse_args()
    texts = [r["response"] for r in many(args.count, 11)]
    load = os.getloadavg()[0]
    before = os.times()
    start = time.perf_counter()
    results = batches.analyse(texts, batches.Settings(fast=args.fast, cache=False), batch_size=args.batch_size,
                              workers=args.workers)
    elapsed = time.perf_counter() - start
    after = os.times()  # the worker processes have exited: their CPU time is in children_*
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("user", "system", "children_user", "children_system"))
    rate = len(texts) / elapsed
    vulnerable = sum(1 for r in results if any(f["severity"] in ("warning", "error") for f in r["findings"]))
    incomplete = sum(1 for r in results if r["errors"])
    profile = "fast profile (no Semgrep)" if args.fast else "all engines"
    print(f"{len(texts)} answers ({len(set(texts))} distinct), {profile}, batches of {args.batch_size}, "
          f"{args.workers} worker process(es); load average at the start {load:.1f} on {os.cpu_count()} CPUs")
    print(f"{elapsed:.1f} s: {rate:.1f} answers/s; {vulnerable} vulnerable, {incomplete} incomplete")
    print(f"CPU time (all processes, Semgrep included): {cpu:.1f} s = {1000 * cpu / len(texts):.0f} ms per answer; "
          f"on {os.cpu_count()} idle CPUs that is at best {len(texts) / cpu * (os.cpu_count() or 1):.1f} answers/s")
    if args.count != 10_000:
        print(f"10,000 answers at this rate: {10_000 / rate / 60:.1f} min (EXTRAPOLATED from {args.count})")


if __name__ == "__main__":
    main()
