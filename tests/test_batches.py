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
