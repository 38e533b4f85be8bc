"""Recall and precision per weakness class on insecure/secure pairs written for this project.

    python benchmarks/injection_pairs.py                    # default suite
    python benchmarks/injection_pairs.py --suite extended
    python benchmarks/injection_pairs.py --verbose          # every sample, with the rules that fired

`benchmarks/injection_pairs/<class>/<pair>_bad.py` is written to be vulnerable and
`<pair>_good.py` is its fix or a safe look-alike (same framework, same shape, the safe idiom).
The samples were written for diffsentry from the CWE entries and the OWASP cheat sheets, not taken
from any project or test suite. All samples are analysed in one in-process pipeline run (one
Semgrep process), then per class:

* recall: insecure samples with at least one finding / insecure samples;
* precision: flagged insecure samples / all flagged samples;
* secure flagged: secure samples with any finding (each one is a false alarm a reviewer sees).

Any finding of the selected suite counts, whatever its rule: a reviewer does not care which rule
cried wolf. Supply-chain rules (DS4xx) are left out: they judge imports against the project's
manifests, which these single files do not have.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer import pipeline  # noqa: E402
from analyzer.catalogue import load_catalogue  # noqa: E402
from analyzer.findings import NoticeLevel  # noqa: E402

PAIRS = Path(__file__).resolve().parent / "injection_pairs"
IGNORED_FAMILIES = ("supply-chain",)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", choices=("default", "extended"), default="default")
    parser.add_argument("--verbose", action="store_true", help="list every sample and the rules that fired")
    args = parser.parse_args(argv)
    every = load_catalogue()
    catalogue = every.in_suite(args.suite).select(ignore=IGNORED_FAMILIES)
    report = pipeline.scan_paths([PAIRS], PAIRS, catalogue, pipeline.Options(cache_dir=None))
    errors = [n.one_line() for n in report.notices if n.level is NoticeLevel.ERROR]
    fired: dict[str, set[str]] = defaultdict(set)
    for finding in report.findings:
        fired[finding.path].update(finding.rule_ids)

    samples = sorted(p.relative_to(PAIRS).as_posix() for p in PAIRS.rglob("*.py"))
    rows: dict[str, dict[str, int]] = defaultdict(lambda: {"bad": 0, "caught": 0, "good": 0, "flagged": 0})
    for sample in samples:
        kind = "bad" if sample.endswith("_bad.py") else "good" if sample.endswith("_good.py") else None
        if kind is None:
            continue
        row = rows[sample.split("/")[0]]
        row[kind] += 1
        hit = bool(fired.get(sample))
        row["caught" if kind == "bad" else "flagged"] += hit
        if args.verbose:
            verdict = ("caught" if hit else "MISSED") if kind == "bad" else ("FLAGGED" if hit else "quiet")
            print(f"  {verdict:8} {sample:55} {' '.join(sorted(fired.get(sample, ())))}")

    print(f"\ndiffsentry on {PAIRS.name}/ (suite {args.suite}, {len(catalogue.rules)} rules)\n")
    print(f"{'class':16} {'pairs':>5} {'recall':>7} {'precision':>9} {'secure flagged':>15}")
    total = {"bad": 0, "caught": 0, "good": 0, "flagged": 0}
    for name, row in sorted(rows.items()):
        for key in total:
            total[key] += row[key]
        print(_line(name, row))
    print(_line("all", total))
    if errors:
        print("\nIncomplete analysis:\n" + "\n".join(f"  {e}" for e in errors))
        return 2
    return 0


def _line(name: str, row: dict[str, int]) -> str:
    recall = row["caught"] / row["bad"] if row["bad"] else 0.0
    flagged = row["caught"] + row["flagged"]
    precision = f"{row['caught'] / flagged:9.2f}" if flagged else f"{'-':>9}"
    return f"{name:16} {row['bad']:5} {recall:7.2f} {precision} {row['flagged']:>9} of {row['good']:<3}"


if __name__ == "__main__":
    raise SystemExit(main())
