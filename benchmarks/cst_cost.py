"""libcst engine time on the five largest Django modules (the capability model's cost).

    python benchmarks/cst_cost.py [--runs 5]
    DIFFSENTRY_REPO=/path/to/old/checkout python benchmarks/cst_cost.py   # the same files, older rules

Runs the libcst engine in-process with every libcst rule over django/db/models/sql/query.py,
db/models/query.py, contrib/admin/options.py, db/models/fields/__init__.py and db/models/base.py
(Django 5.1.4, downloaded once by bench_django.py), as one run (one project). Prints the median
of `--runs` runs with the libcst parse included (parse cache cleared) and with it cached (rules
only), and the capability model's share when the combination rules are present.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, os.environ.get("DIFFSENTRY_REPO") or str(HERE.parent))
sys.path.insert(1, str(HERE.parent))

from analyzer import parse  # noqa: E402
from analyzer.catalogue import load_catalogue  # noqa: E402
from analyzer.engines import cst  # noqa: E402
from analyzer.sources import Project, SourceFile  # noqa: E402

LARGEST = ("db/models/sql/query.py", "db/models/query.py", "contrib/admin/options.py",
           "db/models/fields/__init__.py", "db/models/base.py")


def django_root() -> Path:
    for candidate in (HERE / ".cache" / "Django-5.1.4", *sorted((HERE / ".cache" / "src").glob("*jango*/*jango-5.1.4"))):
        if (candidate / "django").is_dir():
            return candidate
    from benchmarks.bench_django import django_source

    return django_source()


def one_run(root: Path, rules, *, cold: bool) -> float:  # type: ignore[no-untyped-def]
    if cold:
        parse._CST_CACHE.clear()
    files = []
    for rel in LARGEST:
        path = root / "django" / rel
        text = path.read_text(encoding="utf-8")
        files.append((SourceFile(f"django/{rel}", text, disk_path=path), parse.parse_source(f"django/{rel}", text)))
    project = Project(root, {source.path: source.text for source, _ in files})
    # CPU seconds of this process (the engine's deep thread included): on a shared machine wall
    # time measures the other processes as much as this one.
    start = time.process_time()
    result = cst.run(files, rules, project)
    elapsed = time.process_time() - start
    assert not [n for n in result.notices if n.level.name == "ERROR"], result.notices
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    root = django_root()
    every = load_catalogue().for_engine("cst")
    without = tuple(spec for spec in every if not spec.source.endswith("behaviour.py"))
    lines = sum((root / "django" / rel).read_text().count("\n") for rel in LARGEST)
    print(f"{len(LARGEST)} Django modules, {lines} lines, {len(every)} libcst rules")
    for label, rules in (("all libcst rules", every), ("without the combination rules", without)):
        if label.startswith("without") and len(rules) == len(every):
            continue
        cold = statistics.median(one_run(root, rules, cold=True) for _ in range(args.runs))
        warm = statistics.median(one_run(root, rules, cold=False) for _ in range(args.runs))
        print(f"{label:32} with parse {cold:6.2f} s   rules only {warm:6.2f} s   (CPU, median of {args.runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
