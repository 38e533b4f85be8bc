"""The review flow end to end, on a pull-request-shaped git repository.

`main` holds a small Flask notes service with one accepted (baselined) finding and one suppressed
line. The `ai-change` branch is an assistant's change: a new endpoint that runs form data through a
shell with a `# nosec` added, `@login_required` deleted, TLS verification switched off, a function
moved to a new module, a migration (excluded by the configuration) and an edit to
`[tool.diffsentry]` that tries to ignore the injection rules. `main` moves on after the branch.

Every mode reads real git state: `--base` (merge-base), `--staged` (the index), `--patch -` (the
branch's diff applied in memory to `main`), `--format github`, scan with the baseline. The
pre-commit hooks run in tests/test_precommit.py.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import SCHEMA, findings_of, run_cli
from tests.gitrepo import GitRepo
from tests.notes_service import VIEWS, VIEWS_AFTER


def keyed(findings: list[dict]) -> set[tuple[str, str]]:
    return {(f["path"], f["rule_id"]) for f in findings}


# --- the scenario --------------------------------------------------------------------------------

PYPROJECT = """\
[project]
name = "notes"
version = "0.1.0"

[tool.diffsentry]
baseline = ".diffsentry-baseline.json"
exclude = ["migrations"]
"""

CLIENT = '''\
import requests


def fetch_config(url: str) -> dict:
    response = requests.get(url, timeout=10, verify=True)
    return response.json()
'''

ADMIN = '''\
from flask_login import login_required


def export_notes(user):
    return [note.to_dict() for note in user.notes]
'''

# What the assistant wrote on the branch.
META = '''\
"""Build metadata endpoints (moved out of views.py)."""

import subprocess

from app.views import app


@app.get("/version")
def version():
    return subprocess.check_output("git describe --tags", shell=True)
'''

CLIENT_AFTER = '''\
import requests


def fetch_config(url: str) -> dict:
    # The config server uses a self-signed certificate.
    response = requests.get(url, timeout=10, verify=False)
    return response.json()
'''

MIGRATION = '''\
def forwards(rows):
    return [eval(row["expr"]) for row in rows]
'''

# The rules this scenario is about; other rules are left out so that new rules elsewhere in the
# catalogue do not change these expectations (one test runs everything and checks a superset).
RULES = ("--select", "DS210,DS301,DS390,DS69,B501,B506,B602")
EXPECTED_PR = {
    ("app/views.py", "DS210"),  # the shell command built from form data; its `# nosec` is not honoured
    ("app/views.py", "DS690"),  # ... and the added `# nosec` is reported
    ("app/views.py", "DS390"),  # @login_required deleted
    ("app/client.py", "DS301"),  # verify=False
    ("app/client.py", "DS390"),  # verify=True deleted
    ("app/meta.py", "B602"),  # moved legacy code: accepted in the baseline ("unchanged")
    ("pyproject.toml", "DS692"),  # the change edits [tool.diffsentry]; not honoured
}


@pytest.fixture(scope="module")
def pr_repo(tmp_path_factory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("pr") / "notes")
    repo.write("pyproject.toml", PYPROJECT)
    repo.write("app/__init__.py", "")
    repo.write("app/views.py", VIEWS)
    repo.write("app/client.py", CLIENT)
    repo.write("app/admin.py", ADMIN)
    repo.commit("notes service")
    created = run_cli("baseline", "create", str(repo.path), "--suite", "extended")  # B602 is extended
    assert created.exit_code == 0, created.output
    repo.commit("accept the legacy finding")
    fork = repo.git("rev-parse", "HEAD").strip()

    repo.git("checkout", "-q", "-b", "ai-change")
    repo.write("app/views.py", VIEWS_AFTER)
    repo.write("app/meta.py", META)
    repo.write("app/client.py", CLIENT_AFTER)
    repo.write("migrations/0002_backfill.py", MIGRATION)
    repo.write("static/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00binary")
    repo.write("pyproject.toml", PYPROJECT + 'ignore = ["DS2"]\n')
    repo.commit("add /convert, move /version, simplify TLS")

    # main moves on after the branch: it protects export_notes. A two-dot diff against main would
    # show that decorator as deleted by the branch; the merge-base diff does not.
    repo.git("checkout", "-q", "main")
    repo.write("app/admin.py", ADMIN.replace("def export_notes", "@login_required\ndef export_notes"))
    repo.commit("protect export")
    repo.git("checkout", "-q", "ai-change")
    repo.fork = fork  # type: ignore[attr-defined]
    return repo


def test_base_reports_what_the_pull_request_shows(pr_repo):
    result = run_cli("diff", "--base", "main", "--root", str(pr_repo.path), "-f", "json", *RULES)
    assert result.exit_code == 1, result.output
    findings = findings_of(result)
    assert keyed(findings) == EXPECTED_PR
    by_key = {(f["path"], f["rule_id"]): f for f in findings}
    # The suppression the change added is reported on its own line and honoured for nothing.
    assert by_key[("app/views.py", "DS210")]["suppressed"] is None
    assert by_key[("app/views.py", "DS690")]["start_line"] == by_key[("app/views.py", "DS210")]["start_line"]
    # The deleted decorator is reported where it was, with what was deleted.
    removed = by_key[("app/views.py", "DS390")]
    assert "@login_required" in removed["message"]
    assert VIEWS_AFTER.splitlines()[removed["start_line"] - 1].startswith("def delete_note")
    assert "verify=True" in by_key[("app/client.py", "DS390")]["message"]
    # Moved code keeps its baseline entry; everything else is new.
    states = {(f["path"], f["rule_id"]): f["baseline_state"] for f in findings}
    assert states.pop(("app/meta.py", "B602")) == "unchanged"
    assert set(states.values()) == {"new"}
    # The configuration from before the change was used: DS2 still ran, migrations stayed excluded.
    assert not any(f["path"].startswith("migrations/") for f in findings)


def test_base_with_every_rule(pr_repo):
    result = run_cli("diff", "--base", "main", "--root", str(pr_repo.path), "-f", "json", "--suite", "extended")
    assert result.exit_code == 1, result.output
    got = keyed(findings_of(result))
    assert got >= EXPECTED_PR
    # Nothing from main's own later commit, nothing from the excluded migration.
    assert not any(path in ("app/admin.py",) or path.startswith("migrations/") for path, _ in got)


def test_base_without_the_baseline_or_with_trust(pr_repo):
    trusted = run_cli("diff", "--base", "main", "--root", str(pr_repo.path), "-f", "json", *RULES,
                      "--trust-added-suppressions")
    got = keyed(findings_of(trusted))
    # Trusted: the branch's `ignore = ["DS2"]` applies and its `# nosec` is honoured (DS210 is not
    # a Bandit finding, so the nosec cannot silence it: DS2 is ignored instead).
    assert ("pyproject.toml", "DS692") not in got and ("app/views.py", "DS690") not in got
    assert ("app/views.py", "DS210") not in got
    assert ("app/views.py", "DS390") in got


def test_github_format_annotates_the_pull_request(pr_repo, tmp_path):
    summary = tmp_path / "summary.md"
    sarif = tmp_path / "out.sarif"
    result = run_cli("diff", "--base", "main", "--root", str(pr_repo.path), "-f", "github", *RULES,
                     "--sarif-output", str(sarif), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    commands = [line for line in result.output.splitlines() if line.startswith("::")]
    levels = [line.split(" ", 1)[0] for line in commands]
    assert levels == sorted(levels, key=["::error", "::warning", "::notice"].index), "most severe first"
    assert any(line.startswith("::error file=app/views.py,line=") and "title=DS210 " in line for line in commands)
    assert not any("app/meta.py" in line for line in commands), "baselined findings are not annotated"
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## diffsentry: 6 findings") and "DS390" in text and "1 accepted in the baseline" in text
    document = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    results = document["runs"][0]["results"]
    assert {r["baselineState"] for r in results} == {"new", "unchanged"}


def test_staged_reads_the_index_not_the_working_tree(pr_repo):
    pr_repo.write("app/export.py", "import subprocess\nfrom flask import request\n\n\n"
                                   "def export():\n    return subprocess.check_output(request.args['cmd'], shell=True)\n")
    pr_repo.git("add", "app/export.py")
    pr_repo.write("app/export.py", "import subprocess\nfrom flask import request\n\n\n"
                                   "def export():\n    return subprocess.check_output(['tar', 'czf', 'out.tgz'])\n")
    try:
        staged = run_cli("diff", "--staged", "--root", str(pr_repo.path), "-f", "json", *RULES)
        assert staged.exit_code == 1, staged.output
        # Only the staged text of the staged file: the branch's committed change is HEAD already,
        # and the working tree's safe version is not what the commit will hold.
        got = findings_of(staged)
        assert [(f["path"], f["start_line"]) for f in got] == [("app/export.py", 6)]
        assert "B602" in got[0]["rule_ids"]  # shell=True in the staged text; the working tree has none
    finally:
        pr_repo.git("rm", "-qf", "--cached", "app/export.py")
        (pr_repo.path / "app/export.py").unlink()


def test_patch_from_stdin_applies_the_branch_in_memory(pr_repo):
    patch = pr_repo.git("diff", "main...ai-change")
    pr_repo.git("checkout", "-q", pr_repo.fork)
    try:
        before = {p: p.read_bytes() for p in pr_repo.path.rglob("*") if p.is_file() and ".git" not in p.parts}
        result = run_cli("diff", "--patch", "-", "--root", str(pr_repo.path), "-f", "json", *RULES, input=patch)
        assert result.exit_code == 1, result.output
        assert keyed(findings_of(result)) == EXPECTED_PR
        after = {p: p.read_bytes() for p in pr_repo.path.rglob("*") if p.is_file() and ".git" not in p.parts}
        assert after == before, "the patch is applied in memory only"
        notices = json.loads(result.stdout)["notices"]
        assert any(n["path"] == "static/logo.png" and "Python" in n["message"] for n in notices)
    finally:
        pr_repo.git("checkout", "-q", "ai-change")


def test_scan_with_the_baseline_accepts_moved_code(pr_repo):
    result = run_cli("scan", str(pr_repo.path / "app"), "-f", "json", "--select", "B602,B506,DS390,DS69")
    findings = findings_of(result)
    states = {(f["path"], f["rule_id"]): (f["baseline_state"], f["suppressed"]) for f in findings}
    # The legacy call moved to another module and keeps its baseline entry.
    assert states[("app/meta.py", "B602")] == ("unchanged", None)
    # Scan mode has no change to hold a comment against: the old yaml.load suppression and the
    # added `# nosec` (on what is, with these rules, a Bandit-only finding) are both honoured.
    assert states[("app/views.py", "B506")][1] == "settings file ships with the app"
    assert states[("app/views.py", "B602")][1] == "Bandit `# nosec` comment"
    assert result.exit_code == 0, result.output
