"""The stored rule catalogue: the same rules as building it, and never a broken run.

`diffsentry rules`, `--version` and a run answered from the result cache must not import the
engines' heavy dependencies: that is checked by what a process imported, never by timing it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer import cache, catalogue
from tests.conftest import DEMO, REPO

HEAVY = ("libcst", "bandit", "sarif_om", "jschema_to_python", "yaml", "unidiff", "packaging")


def load(directory: Path, monkeypatch: pytest.MonkeyPatch) -> catalogue.Catalogue:
    monkeypatch.setenv("DIFFSENTRY_CACHE_DIR", str(directory))
    return catalogue.load_catalogue.__wrapped__()  # past the per-process memo


def stored(directory: Path) -> Path:
    return catalogue.stored_path(directory)


def cli(directory: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DIFFSENTRY_CACHE_DIR": str(directory)}
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_stored_catalogue_is_the_built_one(tmp_path, monkeypatch):
    built = catalogue.build_catalogue()
    assert load(tmp_path, monkeypatch) == built and stored(tmp_path).is_file()
    monkeypatch.setattr(catalogue, "build_catalogue", lambda: pytest.fail("rebuilt although stored"))
    again = load(tmp_path, monkeypatch)
    assert again.rules == built.rules
    assert [spec.__dict__ for spec in again.rules] == [spec.__dict__ for spec in built.rules]  # field by field


@pytest.mark.parametrize("damage", ["garbage", "truncated", "not-a-list", "bad-severity", "missing-field",
                                    "duplicate-id"])
def test_a_damaged_catalogue_is_rebuilt_with_one_note(tmp_path, monkeypatch, caplog, damage):
    built = load(tmp_path, monkeypatch)
    doc = json.loads(stored(tmp_path).read_text(encoding="utf-8"))
    if damage == "garbage":
        data = b"\x89not json at all" * 50
    elif damage == "truncated":
        data = stored(tmp_path).read_bytes()[:5000]
    else:
        if damage == "not-a-list":
            doc["rules"] = 7
        elif damage == "bad-severity":
            doc["rules"][3]["severity"] = "catastrophic"
        elif damage == "missing-field":
            del doc["rules"][0]["name"]
        else:
            doc["rules"][1]["id"] = doc["rules"][0]["id"]
        data = json.dumps(doc).encode()
    stored(tmp_path).write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        assert load(tmp_path, monkeypatch) == built
    assert len(caplog.records) == 1 and "rebuilt" in caplog.records[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        assert load(tmp_path, monkeypatch) == built  # rewritten: no note any more
    assert not caplog.records


def test_a_stale_catalogue_is_rebuilt_silently(tmp_path, monkeypatch, caplog):
    built = load(tmp_path, monkeypatch)
    doc = json.loads(stored(tmp_path).read_text(encoding="utf-8"))
    doc["key"] = "another version of diffsentry"
    doc["signature"] = [["/elsewhere/analyzer/cli.py", 1, 2, 3]]  # of that version's files
    doc["rules"] = doc["rules"][:3]  # what an older version declared
    stored(tmp_path).write_text(json.dumps(doc), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="diffsentry.cache"):
        assert load(tmp_path, monkeypatch) == built
    assert not caplog.records
    assert json.loads(stored(tmp_path).read_text(encoding="utf-8"))["key"] != "another version of diffsentry"


def test_the_key_follows_the_rule_files(tmp_path, monkeypatch):
    load(tmp_path, monkeypatch)
    key = json.loads(stored(tmp_path).read_text(encoding="utf-8"))["key"]
    monkeypatch.setattr(cache, "rules_digest", lambda: "a rule file was edited")
    assert catalogue._key() != key


def test_an_unwritable_location_still_answers(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = cli(blocker / "cache", "rules")
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("shows one rule's documentation."), proc.stderr
    assert "error" not in proc.stderr


def test_cache_clear_removes_the_stored_catalogue(tmp_path, monkeypatch):
    load(tmp_path, monkeypatch)
    assert stored(tmp_path) in cache.clear(tmp_path) and not stored(tmp_path).exists()


def imported_by(directory: Path, *args: str) -> set[str]:
    """Top-level packages a `diffsentry ARGS` process imported (the command itself is run too)."""
    code = ("import sys\nfrom analyzer.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('\\nIMPORTED ' + ' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n")
    env = {**os.environ, "DIFFSENTRY_CACHE_DIR": str(directory)}
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    marker = proc.stderr.rpartition("IMPORTED ")
    assert marker[1], proc.stderr
    return set(marker[2].split())


def test_start_up_imports_no_engine(tmp_path):
    assert cli(tmp_path, "rules").returncode == 0  # stores the catalogue, as the first run does
    for args in (["--version"], ["rules"], ["explain", "DS201"]):
        heavy = set(HEAVY) & imported_by(tmp_path, *args)
        assert not heavy, f"diffsentry {' '.join(args)} imported {sorted(heavy)}"


def test_a_run_answered_from_the_cache_imports_no_engine(tmp_path):
    target = str(DEMO / "vulnerable")
    first = cli(tmp_path, "scan", target, "-f", "json")
    assert first.returncode == 1, first.stderr
    heavy = set(HEAVY) & imported_by(tmp_path, "scan", target, "-f", "json")
    assert not heavy - {"packaging", "unidiff"}, f"a warm scan imported {sorted(heavy)}"
    # Answered by the run's own entry (`analyzer.run_cache`), with its stored SARIF: not even the
    # diff machinery or sarif-om.
    sarif = ("scan", target, "-f", "sarif")
    cli(tmp_path, *sarif)
    heavy = set(HEAVY) & imported_by(tmp_path, *sarif)
    assert not heavy, f"an unchanged re-run imported {sorted(heavy)}"


# --- the files' signature and the stored listings (`analyzer.stored`) ---------------------------


def test_rules_prints_the_stored_listing_without_loading_the_catalogue(tmp_path):
    from analyzer.report.docs import render_rules_markdown, render_rules_table

    built = catalogue.build_catalogue()
    assert cli(tmp_path, "rules").stdout == render_rules_table(built)  # builds and stores
    for fmt, expected in (("text", render_rules_table(built)), ("markdown", render_rules_markdown(built))):
        proc = cli(tmp_path, "rules", "--format", fmt)
        assert proc.returncode == 0 and proc.stdout == expected, proc.stderr
    code = ("import sys\nfrom analyzer.cli import main\ntry:\n    main(['rules'])\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('\\nIMPORTED ' + ' '.join(sorted(m for m in sys.modules if m.startswith('analyzer'))))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "DIFFSENTRY_CACHE_DIR": str(tmp_path)},
                          capture_output=True, text=True, timeout=300)
    modules = set(proc.stderr.rpartition("IMPORTED ")[2].split())
    assert {"analyzer.cli", "analyzer.stored"} <= modules
    assert not modules & {"analyzer.catalogue", "analyzer.rulespec", "analyzer.cache", "analyzer.findings"}, modules


def test_a_listing_of_other_files_is_not_printed(tmp_path):
    from analyzer import stored as stored_files

    expected = cli(tmp_path, "rules").stdout
    listing = stored_files.listing_path(tmp_path, "text")
    doc = json.loads(listing.read_text(encoding="utf-8"))
    doc["listing"] = "STALE LISTING\n"
    doc["signature"][0][2] += 1  # one file's modification time: the files changed since
    listing.write_text(json.dumps(doc), encoding="utf-8")
    assert cli(tmp_path, "rules").stdout == expected
    listing.write_bytes(b"\x00garbage")  # a damaged listing: rendered from the catalogue instead
    proc = cli(tmp_path, "rules")
    assert proc.returncode == 0 and proc.stdout == expected and not proc.stderr


def test_a_changed_signature_falls_back_to_the_content_key(tmp_path, monkeypatch):
    from analyzer import stored as stored_files

    built = load(tmp_path, monkeypatch)
    doc = json.loads(stored(tmp_path).read_text(encoding="utf-8"))
    doc["signature"] = doc["signature"][1:]  # as after a checkout that rewrote the files, same content
    stored(tmp_path).write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(catalogue, "build_catalogue", lambda: pytest.fail("rebuilt although the content is the same"))
    assert load(tmp_path, monkeypatch) == built
    rewritten = json.loads(stored(tmp_path).read_text(encoding="utf-8"))
    assert rewritten["signature"] == stored_files.signature() and rewritten["key"] == doc["key"]
    # A changed signature and another content key: rebuilt, not trusted.
    rewritten["signature"], rewritten["key"] = [], "other code"
    rewritten["rules"] = rewritten["rules"][:2]
    stored(tmp_path).write_text(json.dumps(rewritten), encoding="utf-8")
    monkeypatch.setattr(catalogue, "build_catalogue", lambda: built)
    assert load(tmp_path, monkeypatch) == built


def test_the_signature_follows_edits_of_the_rule_files(tmp_path, monkeypatch):
    import shutil

    from analyzer import stored as stored_files

    copy = tmp_path / "rulesets"
    shutil.copytree(stored_files.rulesets_dir(), copy)
    monkeypatch.setattr(stored_files, "rulesets_dir", lambda: copy)
    before = stored_files.signature()
    assert before == stored_files.signature()
    rule_file = copy / "bandit.yaml"
    rule_file.write_text(rule_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = stored_files.signature()
    assert edited != before
    (copy / "semgrep" / "new-rule.yaml").write_text("rules: []\n", encoding="utf-8")
    assert stored_files.signature() != edited
    (copy / "data.bin").write_bytes(b"data, not a rule")  # what checks read: not the catalogue's input
    assert len(stored_files.signature()) == len(edited) + 1
