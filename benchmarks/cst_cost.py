"""libcst engine CPU time on Django files: the whole engine, and rule by rule.

    python benchmarks/cst_cost.py [--runs 5]                   # the five largest Django modules
    python benchmarks/cst_cost.py --files five --per-rule      # bench_django's 5-file change, each rule alone
    python benchmarks/cst_cost.py --files django --runs 1      # all of django/ (879 files)
    DIFFSENTRY_REPO=/path/to/old/checkout python benchmarks/cst_cost.py ...   # the same files, older code

Runs the libcst engine in-process with every libcst rule over a set of Django 5.1.4 files
(downloaded once by bench_django.py), as one run (one project):

* `largest` (default): django/db/models/sql/query.py, db/models/query.py, contrib/admin/options.py,
  db/models/fields/__init__.py and db/models/base.py (13,410 lines);
* `five`: the five files bench_django.py's 5-file change touches (core/mail/message.py,
  utils/text.py, http/request.py, db/backends/utils.py, contrib/auth/hashers.py; ~3,500 lines);
* `django`: every file of django/, in batches of 100 (the engine's trees are dropped between
  batches as in a scan), the project holding every file.

Prints the median of `--runs` runs of CPU seconds of this process: the engine with the libcst
parse included (parse cache cleared, so only files some rule's trigger admits are parsed) and
with the parse cached (rules only); with the combination (capability) rules, again without them.
`--per-rule` adds each rule alone, parse cached (each includes one walk of every tree it reads).
CPU, not wall time: on a shared machine wall time measures the other processes as much as this.
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

FILES = {
    "largest": ("db/models/sql/query.py", "db/models/query.py", "contrib/admin/options.py",
                "db/models/fields/__init__.py", "db/models/base.py"),
    "five": ("core/mail/message.py", "utils/text.py", "http/request.py", "db/backends/utils.py",
             "contrib/auth/hashers.py"),
}
BATCH = 100


def django_root() -> Path:
    for candidate in (HERE / ".cache" / "Django-5.1.4", *sorted((HERE / ".cache" / "src").glob("*jango*/*jango-5.1.4"))):
        if (candidate / "django").is_dir():
            return candidate
    from benchmarks.bench_django import django_source

    return django_source()


def file_set(root: Path, which: str) -> list[str]:
    if which == "django":
        return sorted(p.relative_to(root).as_posix() for p in (root / "django").rglob("*.py"))
    return [f"django/{rel}" for rel in FILES[which]]


def one_run(root: Path, paths: list[str], texts: dict[str, str], rules, *, cold: bool) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds of the engine over `paths` (the engine's deep thread included)."""
    project = Project(root, texts)
    elapsed = 0.0
    for start in range(0, len(paths), BATCH):
        if cold:
            parse._CST_CACHE.clear()
        batch = paths[start:start + BATCH]
        files = [(SourceFile(rel, texts[rel], disk_path=root / rel), parse.parse_source(rel, texts[rel])) for rel in batch]
        began = time.process_time()
        result = cst.run(files, rules, project)
        elapsed += time.process_time() - began
        if cold and len(paths) > BATCH:
            parse._CST_CACHE.clear()  # what a scan's batches do: trees of earlier batches are dropped
        errors = [n for n in result.notices if n.level.name == "ERROR"]
        assert not errors, errors
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", choices=("largest", "five", "django"), default="largest")
    parser.add_argument("--per-rule", action="store_true", help="also each rule alone (parse cached)")
    args = parser.parse_args()
    root = django_root()
    paths = file_set(root, args.files)
    texts = {rel: (root / rel).read_text(encoding="utf-8") for rel in paths}
    every = load_catalogue().for_engine("cst")
    without = tuple(spec for spec in every if not spec.source.endswith("behaviour.py"))
    lines = sum(text.count("\n") for text in texts.values())
    print(f"{len(paths)} Django files ({args.files}), {lines} lines, {len(every)} libcst rules, "
          f"code of {os.environ.get('DIFFSENTRY_REPO') or HERE.parent}")
    for label, rules in (("all libcst rules", every), ("without the combination rules", without)):
        if label.startswith("without") and len(rules) == len(every):
            continue
        cold = statistics.median(one_run(root, paths, texts, rules, cold=True) for _ in range(args.runs))
        if args.files == "django":  # trees are not kept between batches: "rules only" would parse again
            print(f"{label:32} with parse {cold:6.2f} s   (CPU, median of {args.runs})")
            continue
        warm = statistics.median(one_run(root, paths, texts, rules, cold=False) for _ in range(args.runs))
        print(f"{label:32} with parse {cold:6.2f} s   rules only {warm:6.2f} s   (CPU, median of {args.runs})")
    if args.per_rule and args.files != "django":
        one_run(root, paths, texts, every, cold=False)  # every tree parsed and cached
        costs = []
        for spec in every:
            costs.append((statistics.median(one_run(root, paths, texts, (spec,), cold=False) for _ in range(args.runs)), spec))
        for seconds, spec in sorted(costs, key=lambda c: -c[0]):
            print(f"  {spec.id} {spec.name:55} {seconds:6.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
