"""The DS2xx taint rules share one definition of untrusted input.

Semgrep has no includes, so each taint rule file carries a copy of the shared source and
sanitizer blocks between marker comments. A source added to one rule and forgotten in the others
would make recall depend on the sink class; this test keeps the copies identical.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from analyzer.catalogue import rulesets_dir

BLOCKS = {
    "sources": ("# --- shared untrusted sources", "# --- end shared sources ---"),
    "sanitizers": ("# --- shared sanitizers", "# --- end shared sanitizers ---"),
}
# Taint rules of the injection family whose sources are not "untrusted input" in general.
OWN_SOURCES = {"archive-member-name-used-as-path"}  # archive member names, not request data


def injection_taint_rules() -> list[Path]:
    found = []
    for path in sorted((rulesets_dir() / "semgrep").glob("*.yaml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", ()):
            if rule.get("mode") == "taint" and str(rule["metadata"]["id"]).startswith("DS2"):
                found.append(path)
    return found


def block(text: str, kind: str) -> str | None:
    start, end = BLOCKS[kind]
    match = re.search(re.escape(start) + r".*?" + re.escape(end), text, re.DOTALL)
    return match.group() if match else None


RULE_FILES = injection_taint_rules()


def test_there_are_injection_taint_rules():
    assert len(RULE_FILES) >= 15


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_shared_blocks_are_identical(kind):
    copies = {p.stem: block(p.read_text(encoding="utf-8"), kind) for p in RULE_FILES if p.stem not in OWN_SOURCES}
    missing = sorted(name for name, text in copies.items() if text is None)
    assert not missing, f"rules without the shared {kind} block: {missing}"
    distinct = {}
    for name, text in copies.items():
        distinct.setdefault(text, []).append(name)
    assert len(distinct) == 1, f"the shared {kind} block differs between: " + " | ".join(
        ", ".join(names) for names in distinct.values()
    )


def test_sources_are_labelled_by_origin_and_every_sink_says_which_it_takes():
    """WEB, CLI and ENV sources are shared; each sink `requires` the origins untrusted for it."""
    for path in RULE_FILES:
        if path.stem in OWN_SOURCES:
            continue
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))["rules"][0]
        labels = {source.get("label"): source for source in rule["pattern-sources"]}
        assert {"WEB", "CLI", "ENV"} <= set(labels), path.name
        assert {"pattern": "sys.argv"} in labels["CLI"]["pattern-either"], path.name
        assert {"pattern": "input(...)"} in labels["CLI"]["pattern-either"], path.name
        for sink in rule["pattern-sinks"]:
            assert "WEB" in sink.get("requires", ""), f"{path.name}: a sink without `requires: WEB ...`"
