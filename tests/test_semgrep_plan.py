"""The stored Semgrep plan: the same configuration and pre-filter conditions as building them, and
never a broken run (a damaged copy is rebuilt, an unwritable location only costs the build)."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from analyzer import cache
from analyzer.engines import semgrep, semgrep_plan, taint_prefilter
from analyzer.rulespec import semgrep_rule_files
from analyzer.sources import SourceFile

RULE_FILES = semgrep_rule_files()


def stored(directory: Path) -> Path:
    return directory / f"semgrep-plan-v{semgrep_plan.STORED_SCHEMA}.json"


def described(plan: semgrep_plan.Plan) -> dict[str, str]:
    return {name: condition.describe() for name, condition in plan.conditions.items()}


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DIFFSENTRY_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_the_stored_plan_is_the_built_one(cache_dir, monkeypatch):
    built = semgrep_plan.build(RULE_FILES)
    first = semgrep_plan.load(RULE_FILES)
    assert stored(cache_dir).is_file()
    monkeypatch.setattr(semgrep_plan, "build", lambda files: pytest.fail("rebuilt although stored"))
    again = semgrep_plan.load(RULE_FILES)
    for plan in (first, again):
        assert json.dumps(plan.rules, sort_keys=True) == json.dumps(built.rules, sort_keys=True)
        assert described(plan) == described(built)
    assert len(built.conditions) == sum(rule.get("mode") == "taint" for rule in built.rules) > 30


def test_a_stored_condition_decides_files_as_the_built_one(cache_dir):
    built = semgrep_plan.build(RULE_FILES)
    semgrep_plan.load(RULE_FILES)
    read = semgrep_plan.load(RULE_FILES)
    texts = [path.read_text(encoding="utf-8") for path in sorted(RULE_FILES[0].parent.glob("*.py"))]
    names = sorted(built.conditions)
    for text in texts:
        assert (taint_prefilter.applicable([built.conditions[n] for n in names], text)
                == taint_prefilter.applicable([read.conditions[n] for n in names], text))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "payload-edited", "bad-node", "forward-reference",
                                    "rule-not-a-mapping"])
def test_a_damaged_plan_is_rebuilt_with_one_note(cache_dir, caplog, damage):
    built = semgrep_plan.load(RULE_FILES)
    doc = json.loads(stored(cache_dir).read_text(encoding="utf-8"))
    body = json.loads(doc["payload"])
    if damage == "garbage":
        data = b"\x89not json at all" * 50
    elif damage == "truncated":
        data = stored(cache_dir).read_bytes()[:5000]
    elif damage == "payload-edited":  # the key still matches: only the digest tells
        body["conditions"]["nodes"][0][1] = ["a-word-no-file-has"]
        data = json.dumps({**doc, "payload": json.dumps(body)}).encode()
    else:
        if damage == "bad-node":
            body["conditions"]["nodes"][0][0] = "xor"
        elif damage == "forward-reference":
            body["conditions"]["nodes"][0][2] = [len(body["conditions"]["nodes"])]
        else:
            body["rules"][0] = ["not", "a", "rule"]
        payload = json.dumps(body)
        digest = semgrep_plan.hashlib.sha256(payload.encode()).hexdigest()
        data = json.dumps({**doc, "payload": payload, "digest": digest}).encode()
    stored(cache_dir).write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        again = semgrep_plan.load(RULE_FILES)
    assert described(again) == described(built)
    assert json.dumps(again.rules, sort_keys=True) == json.dumps(built.rules, sort_keys=True)
    assert len(caplog.records) == 1 and "rebuilt" in caplog.records[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        semgrep_plan.load(RULE_FILES)  # rewritten: no note any more
    assert not caplog.records


def test_the_plan_follows_the_rule_files(cache_dir, tmp_path_factory):
    """An edited rule file gives another plan, never the stored one of the old text."""
    rules_dir = tmp_path_factory.mktemp("rules")
    for path in RULE_FILES:
        shutil.copy(path, rules_dir / path.name)
    copies = sorted(rules_dir.glob("*.yaml"))
    before = semgrep_plan.load(copies)
    target = rules_dir / "shell-command-from-untrusted-input.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("id: shell-command-from-untrusted-input",
                                                                  "id: shell-command-edited"), encoding="utf-8")
    after = semgrep_plan.load(copies)
    assert "shell-command-from-untrusted-input" in before.conditions and "shell-command-edited" not in before.conditions
    assert "shell-command-edited" in after.conditions and "shell-command-from-untrusted-input" not in after.conditions


def test_an_unwritable_location_still_plans_and_scans(tmp_path, monkeypatch, catalogue):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("DIFFSENTRY_CACHE_DIR", str(blocker / "cache"))
    assert described(semgrep_plan.load(RULE_FILES)) == described(semgrep_plan.build(RULE_FILES))
    code = tmp_path / "app.py"
    code.write_text("import os\nfrom flask import request\n\ndef run():\n    os.system(request.args['cmd'])\n")
    result = semgrep.run([SourceFile("app.py", code.read_text(), disk_path=code)],
                         catalogue.for_engine("semgrep"), RULE_FILES)
    assert {f.rule_id for f in result.findings} and not result.notices


def test_cache_clear_removes_the_stored_plan(cache_dir):
    semgrep_plan.load(RULE_FILES)
    assert stored(cache_dir) in cache.clear(cache_dir) and not stored(cache_dir).exists()
