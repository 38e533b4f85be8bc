"""Recall on malicious behaviours and look-alikes flagged, per family, on benchmarks/behaviour/.

    python benchmarks/behaviour.py                  # DS1 (backdoor) + DS5 (AI application) rules
    python benchmarks/behaviour.py --select DS125 --verbose
    DIFFSENTRY_REPO=/path/to/old/checkout python benchmarks/behaviour.py   # the same corpus, older rules

`benchmarks/behaviour/<family>/<case>/` holds one small project per case: `bad_*` are malicious
behaviours written for this corpus from public descriptions of real incidents (see the README
there), `ok_*` are clean look-alikes with the same capabilities used legitimately. Each case is
analysed on its own, in scan mode, by the whole pipeline (Bandit, Semgrep, libcst); a case counts
as found when any selected rule reports anywhere in it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "behaviour"
sys.path.insert(0, os.environ.get("DIFFSENTRY_REPO") or str(HERE.parent))

from analyzer import pipeline  # noqa: E402
from analyzer.catalogue import load_catalogue  # noqa: E402
from analyzer.sources import SourceFile  # noqa: E402


def cases() -> list[tuple[str, Path]]:
    return sorted((family.name, case) for family in CORPUS.iterdir() if family.is_dir()
                  for case in family.iterdir() if case.is_dir())


def findings_of(case: Path, catalogue) -> list:  # type: ignore[no-untyped-def]
    files = [SourceFile(p.relative_to(case).as_posix(), p.read_text(encoding="utf-8"), disk_path=p)
             for p in sorted(case.rglob("*.py"))]
    report = pipeline.analyse(files, [], case, catalogue, pipeline.Options(), mode="scan")  # no result cache
    errors = [n for n in report.notices if n.level.name == "ERROR"]
    if errors:
        print(f"  incomplete analysis of {case}: {errors[0].one_line()}", file=sys.stderr)
    return list(report.findings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--select", action="append", default=[], help="rule selectors (default: DS1 and DS5)")
    parser.add_argument("--verbose", action="store_true", help="list each case and the rules that reported")
    args = parser.parse_args()
    catalogue = load_catalogue().select(args.select or ["DS1", "DS5"])
    table: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"bad": [], "bad_found": [], "ok": [], "ok_flagged": []})
    for family, case in cases():
        found = findings_of(case, catalogue)
        kind = "bad" if case.name.startswith("bad_") else "ok"
        table[family][kind].append(case.name)
        if found:
            table[family]["bad_found" if kind == "bad" else "ok_flagged"].append(case.name)
        if args.verbose:
            rules = sorted({f.rule_id for f in found})
            print(f"{family:18} {case.name:28} {'FOUND' if found else '-':6} {' '.join(rules)}")
    print(f"{'family':18} {'recall':>12} {'look-alikes flagged':>21}")
    totals = [0, 0, 0, 0]
    for family in sorted(table):
        row = table[family]
        counts = (len(row["bad_found"]), len(row["bad"]), len(row["ok_flagged"]), len(row["ok"]))
        totals = [t + c for t, c in zip(totals, counts)]
        print(f"{family:18} {counts[0]:>3}/{counts[1]:<3} {counts[0] / counts[1]:4.2f} {counts[2]:>10}/{counts[3]:<3}"
              + (f"  missed: {', '.join(sorted(set(row['bad']) - set(row['bad_found'])))}" if counts[0] < counts[1] else "")
              + (f"  flagged: {', '.join(row['ok_flagged'])}" if row["ok_flagged"] else ""))
    print(f"{'all':18} {totals[0]:>3}/{totals[1]:<3} {totals[0] / totals[1]:4.2f} {totals[2]:>10}/{totals[3]:<3}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
