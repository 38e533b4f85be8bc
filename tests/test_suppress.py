"""Suppression comments: what they silence, what they need, and what a change may not do."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from analyzer import suppress
from tests.conftest import SCHEMA, findings_of, run_cli
from tests.gitrepo import GitRepo

FAST = ("--select", "B602,B506,DS69")  # Bandit and the suppression rules: no Semgrep start-up

HANDLER = '''\
import subprocess

import yaml
from flask import request


def thumbnail():
    name = request.form["name"]
    subprocess.run(f"convert {name} thumb.png", shell=True)@COMMENT@
    return "ok"


def settings(handle):
    return yaml.load(handle, Loader=yaml.Loader)
'''


def handler(comment: str) -> str:
    return HANDLER.replace("@COMMENT@", comment)


def scan(tmp_path: Path, code: str, *args: str):
    path = tmp_path / "handler.py"
    path.write_text(code, encoding="utf-8")
    return run_cli("scan", str(path), "-f", "json", *args)


def by_rule(result) -> dict[str, dict]:
    return {f["rule_id"]: f for f in findings_of(result)}


def test_ignore_with_rule_and_reason_is_honoured_and_kept_in_sarif(tmp_path):
    code = handler("  # diffsentry: ignore[B602] name is checked against ALLOWED above")
    result = scan(tmp_path, code, *FAST)
    got = by_rule(result)
    assert got["B602"]["suppressed"] == "name is checked against ALLOWED above"
    assert got["B506"]["suppressed"] is None and result.exit_code == 1  # other lines unaffected
    (tmp_path / "handler.py").write_text(code.replace("yaml.load(handle, Loader=yaml.Loader)", "yaml.safe_load(handle)"))
    clean = run_cli("scan", str(tmp_path / "handler.py"), "-f", "sarif", *FAST)
    assert clean.exit_code == 0, "a suppressed finding does not count"
    document = json.loads(clean.stdout)
    jsonschema.validate(document, SCHEMA)
    [sarif_result] = document["runs"][0]["results"]
    assert sarif_result["suppressions"] == [{"kind": "inSource",
                                             "justification": "name is checked against ALLOWED above"}]
    text = run_cli("scan", str(tmp_path / "handler.py"), *FAST)
    assert "B602" not in text.stdout and "1 suppressed by comments" in text.stdout


def test_rule_names_work_like_ids_and_a_line_of_its_own_covers_the_next_line(tmp_path):
    code = handler("").replace(
        "    subprocess.run(", "    # diffsentry: ignore[subprocess-popen-with-shell-equals-true] fixed list\n"
                             "    subprocess.run(")
    assert by_rule(scan(tmp_path, code, *FAST))["B602"]["suppressed"] == "fixed list"


def test_comment_on_any_line_of_a_multi_line_statement(tmp_path):
    code = handler("").replace(
        'subprocess.run(f"convert {name} thumb.png", shell=True)',
        'subprocess.run(\n        f"convert {name} thumb.png",\n        shell=True,\n    )  # diffsentry: ignore[B602] ok')
    assert by_rule(scan(tmp_path, code, *FAST))["B602"]["suppressed"] == "ok"


def test_bare_or_incomplete_ignores_are_not_honoured_and_are_reported(tmp_path):
    for comment, problem in (("  # diffsentry: ignore", "names no rule"),
                             ("  # diffsentry: ignore[B602]", "gives no reason"),
                             ("  # diffsentry: ignore[B999] looks fine", "unknown rule(s) B999"),
                             ("  # diffsentry: disable=B602", "is not `ignore[RULE] reason`")):
        got = by_rule(scan(tmp_path, handler(comment), *FAST))
        assert got["B602"]["suppressed"] is None, comment
        assert problem in got["DS691"]["message"], comment


def test_nosec_silences_only_bandit_findings(tmp_path):
    for comment, suppressed in (("  # nosec", True), ("  # nosec B602", True), ("  # nosec: B602, B607", True),
                                ("  # nosec B101", False)):
        got = by_rule(scan(tmp_path, handler(comment), *FAST))
        assert (got["B602"]["suppressed"] is not None) is suppressed, comment
    # Configurable: `nosec = false` honours none.
    (tmp_path / "pyproject.toml").write_text("[tool.diffsentry]\nnosec = false\n")
    assert by_rule(scan(tmp_path, handler("  # nosec"), *FAST))["B602"]["suppressed"] is None


def test_nosec_does_not_silence_our_rule_on_the_same_line(tmp_path):
    # DS210 (taint: form data into a shell) and B602 are one finding; Bandit's comment cannot
    # silence a finding our own rule made.
    result = scan(tmp_path, handler("  # nosec"), "--select", "B602,DS210")
    [finding] = findings_of(result)
    assert finding["rule_id"] == "DS210" and "B602" in finding["rule_ids"] and finding["suppressed"] is None
    explicit = scan(tmp_path, handler("  # diffsentry: ignore[DS210] name is validated"),
                    "--select", "B602,DS210")
    assert findings_of(explicit)[0]["suppressed"] == "name is validated" and explicit.exit_code == 0


def test_directives_are_read_from_comments_only():
    text = 'HELP = "add # nosec or # diffsentry: ignore"\nx = 1  # nosec B602\n'
    [directive] = suppress.directives(text)
    assert (directive.line, directive.kind, directive.rules) == (2, "nosec", ("B602",))


def test_a_change_cannot_silence_its_own_review(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.write("app/handler.py", handler("  # diffsentry: ignore[B602] reviewed in #12"))
    repo.commit("base: an accepted suppression")
    repo.git("checkout", "-q", "-b", "feature")
    # The feature edits the suppressed line (the comment was already there) and adds a new shell
    # call with a suppression of its own.
    changed = handler("  # diffsentry: ignore[B602] reviewed in #12").replace(
        "thumb.png", "thumb.webp").replace(
        '    return "ok"\n',
        '    subprocess.run(f"rm -rf /tmp/{name}", shell=True)  # diffsentry: ignore[B602] temp dir only\n'
        '    return "ok"\n')
    repo.write("app/handler.py", changed)
    repo.commit("feature")
    result = run_cli("diff", "--base", "main", "--root", str(repo.path), "-f", "json", *FAST)
    got = {(f["rule_id"], f["start_line"]): f for f in findings_of(result)}
    assert got[("B602", 9)]["suppressed"] == "reviewed in #12"  # edited line, comment was there before
    assert got[("B602", 10)]["suppressed"] is None  # added by the change: not honoured
    assert "ignore[B602]" in got[("DS690", 10)]["message"]
    assert result.exit_code == 1
    trusted = run_cli("diff", "--base", "main", "--root", str(repo.path), "-f", "json", *FAST,
                      "--trust-added-suppressions")
    assert trusted.exit_code == 0 and not any(f["rule_id"] == "DS690" for f in findings_of(trusted))
    # The same change as an agent's patch on stdin, applied to main's files in memory.
    patch = repo.git("diff", "main", "feature")
    repo.git("checkout", "-q", "main")
    from_patch = run_cli("diff", "--patch", "-", "--root", str(repo.path), "-f", "json", *FAST, input=patch)
    assert {(f["rule_id"], f["start_line"], f["suppressed"]) for f in findings_of(from_patch)} == {
        ("B602", 9, "reviewed in #12"), ("B602", 10, None), ("DS690", 10, None)}
