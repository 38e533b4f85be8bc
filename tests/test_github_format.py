"""`--format github`, the step summary, the composite Action and the documented workflow."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from analyzer.findings import Confidence, Finding, Notice, NoticeLevel, Region, Severity, Suppression
from analyzer.pipeline import Report
from analyzer.report import github
from tests.conftest import REPO
from tests.gitrepo import GitRepo


def finding(n: int, severity: Severity, rule: str = "B602", message: str = "Shell call.") -> Finding:
    return Finding(rule, f"app/m{n:02d}.py", Region(n, 5, n, 20), message, severity, Confidence.HIGH, ("bandit",))


def report_of(findings, catalogue, notices=()) -> Report:
    return Report(root=Path("/repo"), mode="diff", rules=catalogue.rules, findings=tuple(findings),
                  notices=tuple(notices), files=tuple(sorted({f.path for f in findings})))


def commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


def test_annotation_shape_and_escaping(catalogue):
    weird = Finding("B602", "app/a,b:c.py", Region(3, 5, 4, 1), "50% sure: a, b\nsecond line", Severity.ERROR,
                    Confidence.HIGH, ("bandit",))
    [line] = commands(github.render(report_of([weird], catalogue)))
    assert line.startswith("::error file=app/a%2Cb%3Ac.py,line=3,endLine=4,title=B602 ")
    assert "col=" not in line  # columns only for single-line regions
    assert line.endswith("::50%25 sure: a, b%0Asecond line%0AFix: " + catalogue["B602"].fix)
    single = commands(github.render(report_of([finding(7, Severity.WARNING)], catalogue)))[0]
    assert single.startswith("::warning file=app/m07.py,line=7,endLine=7,col=5,endColumn=20,title=B602 ")


def test_most_severe_first_and_the_per_step_limit_is_announced(catalogue):
    findings = [finding(n, Severity.NOTE) for n in range(1, 4)]
    findings += [finding(n, Severity.ERROR) for n in range(10, 35)]
    findings += [finding(n, Severity.WARNING) for n in range(40, 50)]
    out = github.render(report_of(findings, catalogue))
    annotated = commands(out)
    kinds = [line.split(" ", 1)[0] for line in annotated]
    assert kinds == ["::error"] * 10 + ["::warning"] * 10 + ["::notice"] * 3
    assert "16 more errors not shown as annotations" in annotated[9]
    assert all("more warnings" not in line for line in annotated)  # exactly 10 warnings fit
    plain = [line for line in out.splitlines() if line.startswith("app/m")]
    assert len(plain) == 16 and plain[0].startswith("app/m19.py:19:5: error B602 ")
    assert out.splitlines()[-1] == "diffsentry: 38 findings (25 errors, 10 warnings, 3 notes) in 38 files"


def test_quiet_findings_are_counted_not_annotated(catalogue):
    findings = [
        finding(1, Severity.ERROR),
        Finding("B602", "app/s.py", Region(2), "m", Severity.ERROR, Confidence.HIGH, ("bandit",),
                suppression=Suppression("inSource", "fixed command")),
        Finding("B602", "app/b.py", Region(3), "m", Severity.ERROR, Confidence.HIGH, ("bandit",),
                baseline_state="unchanged"),
    ]
    report = report_of(findings, catalogue)
    assert len(commands(github.render(report))) == 1
    summary = github.summary(report)
    assert summary.startswith("## diffsentry: 1 finding (1 error) in 1 file\n")
    assert "1 suppressed by a comment, 1 accepted in the baseline." in summary


def test_incomplete_analysis_is_an_error_annotation_and_a_warning_in_the_summary(catalogue):
    notice = Notice(NoticeLevel.ERROR, "semgrep", "semgrep did not finish within 600 s")
    report = report_of([], catalogue, [notice])
    [line] = commands(github.render(report))
    assert line.startswith("::error title=diffsentry%3A analysis incomplete::error: semgrep: semgrep did not finish")
    summary = github.summary(report)
    assert "[!CAUTION]" in summary and "**incomplete**" in summary and "semgrep did not finish" in summary


def test_summary_table_escapes_cells(catalogue):
    summary = github.summary(report_of([finding(1, Severity.ERROR, message="a | b\nc")], catalogue))
    assert "| error | B602 `subprocess-popen-with-shell-equals-true` | `app/m01.py:1` | a \\| b c |" in summary


# --- the Action and the documented workflow -------------------------------------------------------


def action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def test_action_is_a_composite_that_uploads_then_fails():
    doc = action()
    assert doc["runs"]["using"] == "composite"
    assert {"base", "fail-on", "category", "sarif-file", "upload"} <= set(doc["inputs"])
    assert doc["inputs"]["base"]["default"] == "${{ github.event.pull_request.base.sha }}"
    steps = doc["runs"]["steps"]
    names = [s.get("name", s.get("uses", "")) for s in steps]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    fail = steps[-1]
    assert names.index(upload["name"]) < len(steps) - 1, "the threshold fails the job after the upload"
    assert upload["with"]["category"] == "${{ inputs.category }}"
    assert "head.repo.full_name == github.repository" in upload["if"], "no upload from fork pull requests"
    run = next(s for s in steps if s.get("id") == "analyse")["run"]
    assert '"$diffsentry" diff --base "$BASE"' in run and "--format github" in run and "--sarif-output" in run
    assert fail["env"]["CODE"] == "${{ steps.analyse.outputs.exit-code }}" and "exit 1" in fail["run"]
    for step in steps:  # inputs reach shell scripts through env, never pasted into the script
        assert "${{ inputs." not in step.get("run", ""), step.get("name")


def test_documented_workflow_has_the_permissions_it_needs():
    docs = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, re.S)
    workflows = [yaml.safe_load(b) for b in blocks if "jobs:" in b]
    assert workflows, "docs/integrations.md shows a workflow"
    workflow = workflows[0]
    job = next(iter(workflow["jobs"].values()))
    permissions = {**workflow.get("permissions", {}), **job.get("permissions", {})}
    assert permissions["security-events"] == "write" and permissions["contents"] == "read"
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("actions/checkout@") for u in uses) and any("diffsentry" in u for u in uses)
    checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0, "the merge-base needs history"
    hooks = [yaml.safe_load(b) for b in blocks if "repos:" in b]
    assert hooks and {h["id"] for h in hooks[0]["repos"][0]["hooks"]} <= {"diffsentry", "diffsentry-diff"}


def _step_script(step_id: str) -> dict:
    return next(s for s in action()["runs"]["steps"] if s.get("id") == step_id or s.get("name") == step_id)


def test_action_steps_run_as_written(tmp_path):
    """Run the Action's own bash steps (analyse, then fail by the threshold) against a pull request
    shaped repository, with diffsentry from this checkout standing in for the installed one."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "def main():\n    return 0\n")
    base = repo.commit("base")
    repo.write("app.py", "import subprocess\n\n\ndef main(cmd):\n    return subprocess.call(cmd, shell=True)\n")
    repo.commit("pull request")
    runner_temp = tmp_path / "runner"
    wrapper = runner_temp / "diffsentry-venv" / "bin" / "diffsentry"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m analyzer "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    outputs, summary = tmp_path / "github_output", tmp_path / "summary.md"
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(outputs),
           "GITHUB_STEP_SUMMARY": str(summary), "PYTHONPATH": str(REPO), "BASE": base, "PATHS": ".",
           "FAIL_ON": "", "SARIF": "diffsentry.sarif", "ARGS": "--select B602", "INCLUDE_SUPPRESSED": "false"}
    analyse = subprocess.run(["bash", "-e", "-c", _step_script("analyse")["run"]], cwd=repo.path, env=env,
                             capture_output=True, text=True, check=False)
    assert analyse.returncode == 0, analyse.stderr  # the step never fails: the last step does
    assert outputs.read_text().strip() == "exit-code=1"
    assert analyse.stdout.startswith("::warning file=app.py,line=5,")
    assert (repo.path / "diffsentry.sarif").is_file() and "## diffsentry: 1 finding" in summary.read_text()
    fail = subprocess.run(["bash", "-e", "-c", _step_script("Fail by the threshold")["run"]],
                          env={**os.environ, "CODE": "1"}, capture_output=True, text=True, check=False)
    assert fail.returncode == 1 and fail.stdout.startswith("::error title=diffsentry::")
    broken = subprocess.run(["bash", "-e", "-c", _step_script("Fail by the threshold")["run"]],
                            env={**os.environ, "CODE": "2"}, capture_output=True, text=True, check=False)
    assert broken.returncode == 2 and "incomplete" in broken.stdout
