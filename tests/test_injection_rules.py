"""The DS2xx taint rules share one definition of untrusted input (`rulesets/semgrep/_untrusted-input.yaml`).

The shared sources and sanitizer sets are spliced into each rule when the Semgrep configuration is
built (`analyzer/engines/shared_input.py`); these tests check that the splice happens, that rule
files hold only their own patterns, and that a rule cannot quietly redeclare a shared source.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer import cache
from analyzer.catalogue import load_catalogue
from analyzer.engines import shared_input
from analyzer.engines.semgrep import build_config
from analyzer.rulespec import CatalogueError, read_rule_file, semgrep_rule_files

# Taint rules of the injection family whose sources are not "untrusted input" in general.
OWN_SOURCES = {"archive-member-name-used-as-path"}  # archive member names, not request data

RULE_FILES = semgrep_rule_files()
BLOCK = shared_input.load(RULE_FILES)
DECLARED = {rule["id"]: rule for path in RULE_FILES for rule in read_rule_file(path).get("rules", ())}
SPLICED = {rule["id"]: rule for rule in build_config(RULE_FILES, load_catalogue().for_engine("semgrep"))["rules"]}
INJECTION_TAINT = sorted(name for name, rule in DECLARED.items()
                         if rule.get("mode") == "taint" and str(rule["metadata"]["id"]).startswith("DS2")
                         and name not in OWN_SOURCES)


def test_the_shared_block_is_beside_the_rules_and_in_the_cache_key(tmp_path):
    assert BLOCK is not None and BLOCK.get("sources") and BLOCK.get("sanitizers")
    assert "rules" not in BLOCK, "the shared block must not be a rule file of its own"
    # The cache key hashes every rule file (`cache.code_digest`): an edit of the shared block
    # must change it, or cached results of the old sources would be served.
    from analyzer import rulespec

    copy = tmp_path / "rulesets"
    shutil.copytree(rulespec.rulesets_dir(), copy)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rulespec, "rulesets_dir", lambda: copy)
        cache.code_digest.cache_clear()
        try:
            before = cache.code_digest()
            shared = copy / "semgrep" / shared_input.FILE_NAME
            shared.write_text(shared.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
            cache.code_digest.cache_clear()
            assert cache.code_digest() != before
        finally:
            cache.code_digest.cache_clear()


def test_there_are_injection_taint_rules():
    assert len(INJECTION_TAINT) >= 15


@pytest.mark.parametrize("name", INJECTION_TAINT)
def test_every_injection_rule_takes_the_shared_block(name):
    declared, spliced = DECLARED[name], SPLICED[name]
    assert "validation" in (declared.get(shared_input.KEY) or {}).get("sanitizers", ()), \
        f"{name}: declare `untrusted-input: {{sanitizers: [validation, ...]}}`"
    # The splice happened: every shared source, once, ahead of the rule's own; no key of ours left.
    shared = list(BLOCK["sources"])
    assert spliced["pattern-sources"][: len(shared)] == shared
    assert spliced["pattern-sources"][len(shared):] == list(declared.get("pattern-sources") or ())
    assert shared_input.KEY not in spliced
    validation = list(BLOCK["sanitizers"]["validation"])
    assert all(entry in spliced["pattern-sanitizers"] for entry in validation)


@pytest.mark.parametrize("name", INJECTION_TAINT)
def test_rule_files_hold_only_their_own_sources(name):
    labels = shared_input.shared_labels(BLOCK)
    own = DECLARED[name].get("pattern-sources") or ()
    assert not [s for s in own if s.get("label") in labels], f"{name} redeclares a shared source label"


def test_a_rule_cannot_redeclare_a_shared_source():
    rule = {"id": "probe", "mode": "taint", shared_input.KEY: {"sanitizers": ["validation"]},
            "pattern-sinks": [{"pattern": "sink(...)"}]}
    web = next(s for s in BLOCK["sources"] if s.get("label") == "WEB")
    with pytest.raises(CatalogueError, match="label 'WEB'"):
        shared_input.splice({**rule, "pattern-sources": [web]}, BLOCK)
    copied = {"pattern-either": [{"pattern": "sys.argv"}]}  # a CLI source, without its label
    with pytest.raises(CatalogueError, match="already shared"):
        shared_input.splice({**rule, "pattern-sources": [copied]}, BLOCK)
    with pytest.raises(CatalogueError, match="unknown shared sanitizer set"):
        shared_input.splice({**rule, shared_input.KEY: {"sanitizers": ["no-such-set"]}}, BLOCK)
    with pytest.raises(CatalogueError, match="not among the rule files"):
        shared_input.splice(rule, None)
    own = {"label": "ARCHIVE", "pattern": "$A.namelist()"}
    assert shared_input.splice({**rule, "pattern-sources": [own]}, BLOCK)["pattern-sources"][-1] == own


def test_rules_without_the_key_pass_unchanged():
    for name, rule in DECLARED.items():
        if shared_input.KEY not in rule:
            assert SPLICED.get(name, rule) == rule


def test_sources_are_labelled_by_origin_and_every_sink_says_which_it_takes():
    """WEB, CLI and ENV sources are shared; each sink `requires` the origins untrusted for it."""
    labels = {source.get("label"): source for source in BLOCK["sources"]}
    assert {"WEB", "CLI", "ENV"} <= set(labels)
    assert {"pattern": "sys.argv"} in labels["CLI"]["pattern-either"]
    assert {"pattern": "input(...)"} in labels["CLI"]["pattern-either"]
    for name in INJECTION_TAINT:
        for sink in DECLARED[name]["pattern-sinks"]:
            assert "WEB" in sink.get("requires", ""), f"{name}: a sink without `requires: WEB ...`"
