"""Baselines: accept today's findings, report only new ones, and survive moves and edits."""

from __future__ import annotations

import json

from tests.conftest import findings_of, run_cli
from tests.gitrepo import GitRepo

FAST = ("--select", "B602,B506,DS692")

TASKS = '''\
import subprocess


def deploy(target):
    return subprocess.call(f"rsync -a build/ {target}", shell=True)


def backup(target):
    return subprocess.call(f"tar czf /backup/{target}.tgz data", shell=True)
'''


def states(result) -> list[tuple[str, int, str]]:
    return sorted((f["path"], f["start_line"], f["baseline_state"]) for f in findings_of(result))


def make_project(tmp_path) -> GitRepo:
    repo = GitRepo(tmp_path / "project")
    repo.write("pyproject.toml", '[tool.diffsentry]\nbaseline = "ci/diffsentry-baseline.json"\n')
    repo.write("ops/tasks.py", TASKS)
    created = run_cli("baseline", "create", str(repo.path), *FAST)
    assert created.exit_code == 0, created.output
    assert "wrote 2 finding(s)" in created.output
    repo.commit("base with an accepted baseline")
    return repo


def test_create_writes_a_stable_file_where_the_configuration_says(tmp_path):
    repo = make_project(tmp_path)
    written = repo.read("ci/diffsentry-baseline.json")
    document = json.loads(written)
    assert document["version"] == 1
    assert [(e["path"], e["line"], e["rule_id"]) for e in document["findings"]] == [
        ("ops/tasks.py", 5, "B602"), ("ops/tasks.py", 9, "B602")]
    assert all(len(e["fingerprint"]) == 32 and e["code"] for e in document["findings"])
    again = run_cli("baseline", "create", str(repo.path), *FAST, "-o", str(tmp_path / "again.json"))
    assert again.exit_code == 0 and (tmp_path / "again.json").read_text() == written, "deterministic"


def test_only_new_findings_count_and_moves_do_not_resurrect(tmp_path):
    repo = make_project(tmp_path)
    baseline = run_cli("scan", str(repo.path / "ops"), "-f", "json", *FAST)
    assert baseline.exit_code == 0 and states(baseline) == [("ops/tasks.py", 5, "unchanged"),
                                                            ("ops/tasks.py", 9, "unchanged")]
    # Lines inserted above, an unrelated line edited, one function moved to another module.
    repo.write("ops/tasks.py", '"""Operations."""\nimport logging\n' + TASKS.split("\n\ndef backup")[0]
               .replace("import subprocess", "import subprocess  # stdlib") + "\n")
    repo.write("ops/backups.py", "import subprocess\n\n\ndef backup(target):\n"
               '    return subprocess.call(f"tar czf /backup/{target}.tgz data", shell=True)\n')
    moved = run_cli("scan", str(repo.path / "ops"), "-f", "json", *FAST)
    assert moved.exit_code == 0, moved.output
    assert {s for *_, s in states(moved)} == {"unchanged"}
    # A copy of an accepted line is new, and so is an accepted line that was edited.
    repo.write("ops/backups.py", repo.read("ops/backups.py") + "\n\ndef restore(target):\n"
               '    return subprocess.call(f"tar czf /backup/{target}.tgz data", shell=True)\n')
    repo.write("ops/tasks.py", repo.read("ops/tasks.py").replace("rsync -a", "rsync -az"))
    grown = run_cli("scan", str(repo.path / "ops"), "-f", "sarif", *FAST)
    assert grown.exit_code == 1
    results = json.loads(grown.stdout)["runs"][0]["results"]
    got = sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"], r["baselineState"]) for r in results)
    assert got == [("ops/backups.py", 5, "unchanged"), ("ops/backups.py", 9, "new"), ("ops/tasks.py", 7, "new")]
    text = run_cli("scan", str(repo.path / "ops"), *FAST)
    assert "1 in the baseline" in text.stdout and text.stdout.count("B602 subprocess-popen") == 2


def test_explicit_baseline_flag_and_errors(tmp_path):
    repo = make_project(tmp_path)
    other = tmp_path / "empty.json"
    other.write_text('{"version": 1, "findings": []}\n')
    result = run_cli("scan", str(repo.path / "ops"), "-f", "json", *FAST, "--baseline", str(other))
    assert result.exit_code == 1 and {s for *_, s in states(result)} == {"new"}
    other.write_text("not json")
    broken = run_cli("scan", str(repo.path / "ops"), *FAST, "--baseline", str(other))
    assert broken.exit_code == 2 and "not a diffsentry baseline" in broken.output
    missing = run_cli("scan", str(repo.path / "ops"), *FAST, "--baseline", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_incomplete_analysis_writes_no_baseline(tmp_path):
    (tmp_path / "ok.py").write_text(TASKS)
    (tmp_path / "blob.py").write_bytes(b"x = 1\x00\x00")
    out = tmp_path / "baseline.json"
    result = run_cli("baseline", "create", str(tmp_path), *FAST, "-o", str(out))
    assert result.exit_code == 2 and "no baseline written" in result.output and not out.exists()


def test_a_change_cannot_add_itself_to_the_baseline(tmp_path):
    repo = make_project(tmp_path)
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("ops/tasks.py", TASKS + '\n\ndef wipe(target):\n    return subprocess.call(f"rm -rf {target}", shell=True)\n')
    assert run_cli("baseline", "create", str(repo.path), *FAST).exit_code == 0  # the change re-baselines itself
    repo.commit("add wipe, refresh the baseline")
    result = run_cli("diff", "--base", "main", "--root", str(repo.path), "-f", "json", *FAST)
    assert result.exit_code == 1, result.output
    got = {(f["path"], f["rule_id"], f["baseline_state"]) for f in findings_of(result)}
    assert got == {("ops/tasks.py", "B602", "new"), ("ci/diffsentry-baseline.json", "DS692", "new")}
