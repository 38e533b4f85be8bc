"""Terminal output: grouped by file, severity coloured, the line with a caret, why and fix, a
summary; plain when not a terminal or with NO_COLOR; safe to print whatever the source holds."""

from __future__ import annotations

from pathlib import Path

from analyzer.findings import Confidence, Finding, Notice, NoticeLevel, Region, Severity, Suppression
from analyzer.pipeline import Report
from analyzer.report import text
from tests.conftest import run_cli

CODE = 'import subprocess\n\n\ndef run(cmd):\n    return subprocess.run(cmd, shell=True)\n'


def report_of(catalogue, findings, texts, notices=()) -> Report:
    return Report(root=Path("/repo"), mode="scan", rules=catalogue.rules, findings=tuple(findings),
                  notices=tuple(notices), files=tuple(sorted(texts)), texts=texts)


def shell(path: str, line: int = 5, **extra) -> Finding:
    return Finding("B602", path, Region(line, 12, line, 43), "subprocess call with shell=True.", Severity.WARNING,
                   Confidence.HIGH, ("bandit",), **extra)


def test_layout_groups_by_file_with_caret_why_and_fix(catalogue):
    out = text.render(report_of(catalogue, [shell("a.py"), shell("b.py")], {"a.py": CODE, "b.py": CODE}))
    lines = out.splitlines()
    assert lines[0] == "a.py" and "b.py" in lines
    head = lines[1]
    assert head.startswith("  5:12 warning B602 subprocess-popen-with-shell-equals-true  subprocess call")
    source, caret = lines[2], lines[3]
    assert source.endswith("|     return subprocess.run(cmd, shell=True)")
    assert caret.index("^") == source.index("subprocess.run") and caret.count("^") == 31
    assert lines[4].strip().startswith("why: ") and lines[5].strip().startswith("fix: ")
    assert lines[-1] == "2 findings (2 warnings) in 2 of 2 files analysed. `diffsentry explain RULE` tells more."
    assert "\x1b[" not in out


def test_colour_only_when_asked_and_never_with_no_color(catalogue, monkeypatch):
    report = report_of(catalogue, [shell("a.py")], {"a.py": CODE})
    coloured = text.render(report, color=True)
    assert "\x1b[33m" in coloured  # warning in yellow
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in text.render(report, color=True)


def test_cli_output_is_plain_off_a_terminal(tmp_path):
    (tmp_path / "run.py").write_text(CODE)
    result = run_cli("scan", str(tmp_path / "run.py"), "--select", "B602")
    assert result.exit_code == 1 and "\x1b[" not in result.output and "B602" in result.output


def test_source_lines_cannot_drive_the_terminal_or_reorder_the_report(catalogue):
    hostile = 'x = "\x1b[2J\x1b[31m"  # \u202e }\u2066 ⁦admin\n'
    finding = Finding("DS601", "h.py", Region(1, 20, 1, 21), "bidi", Severity.ERROR, Confidence.HIGH, ("cst",))
    out = text.render(report_of(catalogue, [finding], {"h.py": hostile}))
    assert "\x1b" not in out and "\u202e" not in out and "\u2066" not in out
    source = next(line for line in out.splitlines() if "|" in line and "x =" in line)
    assert "\\x1b[2J" in source and "\\u202e" in source
    caret = out.splitlines()[out.splitlines().index(source) + 1]
    assert caret.index("^") == source.index("\\u202e")


def test_quiet_findings_are_counted_not_listed_and_notices_shown(catalogue):
    findings = [shell("a.py", suppression=Suppression("inSource", "fixed command")),
                shell("a.py", line=4, baseline_state="unchanged")]
    notice = Notice(NoticeLevel.ERROR, "semgrep", "semgrep did not finish", None)
    out = text.render(report_of(catalogue, findings, {"a.py": CODE}, [notice]))
    assert "B602" not in out
    assert "error: semgrep: semgrep did not finish" in out
    assert out.splitlines()[-1] == ("No findings in 1 file analysed; 1 suppressed by comments; 1 in the baseline; "
                                    "ANALYSIS INCOMPLETE (see errors above)")


def test_long_lines_are_cut_around_the_finding(catalogue):
    code = "value = compute()" + " " * 150 + "; os.system(cmd)\n"
    finding = Finding("B605", "w.py", Region(1, 170, 1, 185), "shell", Severity.WARNING, Confidence.HIGH, ("bandit",))
    lines = text.render(report_of(catalogue, [finding], {"w.py": code}), width=100).splitlines()
    source, caret = lines[2], lines[3]
    assert len(source) < 110 and "…" in source
    assert caret.index("^") == source.index("os.system")
