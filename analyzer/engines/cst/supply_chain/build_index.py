"""Build `pypi-index.bin` from a PyPI project snapshot (a maintainer's tool, not run by scans).

    python -m analyzer.engines.cst.supply_chain.build_index path/to/pypi-projects-2026-11.tsv.gz
    python -m analyzer.engines.cst.supply_chain.build_index --measure     # size, load time, lookup cost

The input is a TSV (optionally gzipped) with a header and the columns `name`, `download_rank`
(empty outside the ranked top) and `last_release_month` (`YYYY-MM`). The output is deterministic:
the same snapshot gives the same bytes. Building takes about a minute, almost all of it spent
finding the unpopular projects whose names imitate popular ones (`nearmiss.suspicious_pairs`).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import struct
import sys
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.engines.cst.supply_chain import index as fmt
from analyzer.engines.cst.supply_chain.names import import_names_by_distribution, normalise
from analyzer.engines.cst.supply_chain.nearmiss import Targets, suspicious_pairs

# Squats are judged against the most downloaded projects only: beyond that, "one letter from a
# popular name" stops meaning much (nearly every short name is one letter from something).
SUSPECT_TARGET_RANK = 2000
SUSPECT_MIN_LENGTH = 5
_SNAPSHOT = re.compile(r"(\d{4}-\d{2})")


@dataclass(frozen=True)
class Project:
    name: str  # normalised
    rank: int | None
    last_release: str


def read_snapshot(path: Path) -> list[Project]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        header = handle.readline().rstrip("\n").split("\t")
        if header[:3] != ["name", "download_rank", "last_release_month"]:
            raise SystemExit(f"{path}: unexpected header {header}")
        projects = {}
        for line in handle:
            name, rank, month = (line.rstrip("\n").split("\t") + ["", ""])[:3]
            if name:
                key = normalise(name)
                projects[key] = Project(key, int(rank) if rank else None, month)
    return [projects[k] for k in sorted(projects)]


def build(projects: Sequence[Project], snapshot: str, source: str = "", source_sha256: str = "") -> bytes:
    """The index file's bytes for these projects."""
    buckets: list[list[int]] = [[] for _ in range(1 << fmt.BUCKET_BITS)]
    tail_bits = fmt.HASH_BYTES * 8 - fmt.BUCKET_BITS
    for project in projects:
        value = fmt.name_hash(project.name)
        buckets[value >> tail_bits].append(value & ((1 << tail_bits) - 1))
    if max(len(b) for b in buckets) > 255:
        raise SystemExit("a hash bucket overflowed one byte; raise BUCKET_BITS")
    counts = bytes(len(b) for b in buckets)
    tails = b"".join(t.to_bytes(tail_bits // 8, "big") for b in buckets for t in sorted(set(b)))
    if len(tails) != len(projects) * (tail_bits // 8):
        raise SystemExit("two names share a 40-bit hash; change the hash personalisation")

    ranked = sorted((p for p in projects if p.rank is not None), key=lambda p: (p.rank, p.name))
    popular = "".join(f"{p.name}\t{p.rank}\n" for p in ranked)
    suspects = "".join(
        f"{m.name}\t{m.target}\t{m.kind}\t{month}\n" for m, month in find_suspects(projects)
    )
    sections = {"buckets": counts, "hashes": tails, "popular": zlib.compress(popular.encode(), 9),
                "suspects": zlib.compress(suspects.encode(), 9)}
    offsets, position = {}, 0
    for key, blob in sections.items():
        offsets[key] = [position, len(blob)]
        position += len(blob)
    header = json.dumps(
        {"snapshot": snapshot, "source": source, "source_sha256": source_sha256, "names": len(projects),
         "popular": len(ranked), "suspects": suspects.count("\n"), "hash": f"blake2b-{fmt.HASH_BYTES * 8}",
         "bucket_bits": fmt.BUCKET_BITS, "suspect_target_rank": SUSPECT_TARGET_RANK, "sections": offsets},
        sort_keys=True,
    ).encode()
    return fmt.MAGIC + struct.pack("<I", len(header)) + header + b"".join(sections.values())


def find_suspects(projects: Sequence[Project]) -> Iterable[tuple[object, str]]:
    """Unranked projects whose name imitates a top-ranked one. Known providers of
    import names (`python-magic-bin` for `magic`) are legitimate look-alikes and are left out."""
    ranks = {p.name: p.rank for p in projects if p.rank is not None and p.rank <= SUSPECT_TARGET_RANK}
    providers = import_names_by_distribution()
    legit = {normalise(m) for dist in providers for m in providers[dist]} | set(providers)
    months = {p.name: p.last_release for p in projects}
    candidates = [p.name for p in projects if p.rank is None and len(p.name) >= SUSPECT_MIN_LENGTH
                  and p.name not in legit]
    for miss in suspicious_pairs(candidates, Targets(ranks), max_rank=SUSPECT_TARGET_RANK):
        yield miss, months[miss.name]


def measure(path: Path, samples: int = 20_000) -> str:
    """Size, load time and lookup cost of an index file (CPU time, so machine load matters less)."""
    from analyzer.engines.cst.supply_chain.checks import popular_targets

    started = time.process_time()
    loaded = fmt.PackageIndex(path.read_bytes())
    load_ms = (time.process_time() - started) * 1e3
    present = list(loaded.ranks)[: samples // 2]
    absent = [f"{name}-zz{i}" for i, name in enumerate(present)]
    timings = []
    for names in (present, absent):
        started = time.process_time()
        hits = sum(name in loaded for name in names)
        timings.append(((time.process_time() - started) / len(names) * 1e6, hits))
    started = time.process_time()
    targets = popular_targets()
    build_ms = (time.process_time() - started) * 1e3
    started = time.process_time()
    for name in absent[:500]:
        targets.closest(name)
    hint_us = (time.process_time() - started) / 500 * 1e6
    return (f"{path.name}: {path.stat().st_size:,} bytes, {len(loaded):,} names, {len(loaded.ranks):,} ranked, "
            f"{len(loaded.suspects):,} suspects\n"
            f"load {load_ms:.1f} ms; lookup {timings[0][0]:.1f} us (present, {timings[0][1]} found), "
            f"{timings[1][0]:.1f} us (absent, {timings[1][1]} false hits)\n"
            f"near-miss targets built in {build_ms:.0f} ms (once, only when a name is unknown); "
            f"suggestion {hint_us:.0f} us per unknown name\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path, nargs="?", help="TSV(.gz): name, download_rank, last_release_month")
    parser.add_argument("-o", "--output", type=Path, default=fmt.INDEX_PATH)
    parser.add_argument("--measure", action="store_true", help="Only measure the index at --output (CPU time).")
    args = parser.parse_args(argv)
    if args.measure or args.snapshot is None:
        print(measure(args.output), end="")
        return 0
    started = time.perf_counter()
    projects = read_snapshot(args.snapshot)
    found = _SNAPSHOT.search(args.snapshot.name)
    digest = hashlib.sha256(args.snapshot.read_bytes()).hexdigest()
    data = build(projects, found.group(1) if found else "unknown", args.snapshot.name, digest)
    args.output.write_bytes(data)
    header = fmt.PackageIndex(data).header
    print(f"{args.output}: {len(data):,} bytes, {header['names']:,} names, {header['popular']:,} ranked, "
          f"{header['suspects']:,} suspects, {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
