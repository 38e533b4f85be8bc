"""Engine faults end in exit 2 (or a per-file ERROR notice), never in a clean result.

Semgrep is replaced through `DIFFSENTRY_SEMGREP` by a small script that misbehaves on purpose:
missing, not executable, printing garbage, killed, too slow, leaving a grandchild behind,
skipping a target, reporting per-file timeouts, or answering in an unexpected shape. Bandit and
the libcst engine are made to raise from inside. Every CLI run here uses `--no-cache`: a cached
complete result must not stand in for the engine under test.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.engines import bandit, semgrep
from analyzer.engines.cst import framework
from analyzer.findings import NoticeLevel
from analyzer.sources import SourceFile

CLEAN = "def add(a, b):\n    return a + b\n"
SHELL = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n"

# One fake semgrep, its behaviour chosen by FAKE_SEMGREP_MODE. It answers like the real one:
# JSON on stdout naming the scanned targets (the trailing absolute *.py arguments).
FAKE = textwrap.dedent('''\
    import json, os, signal, subprocess, sys, time
    mode = os.environ["FAKE_SEMGREP_MODE"]
    log = os.environ.get("FAKE_SEMGREP_ARGV")
    if log:
        with open(log, "w") as handle:
            json.dump(sys.argv[1:], handle)
    targets = [a for a in sys.argv[1:] if a.startswith("/") and a.endswith(".py")]
    def answer(**extra):
        doc = {"results": [], "errors": [], "paths": {"scanned": targets}}
        doc.update(extra)
        sys.stdout.write(json.dumps(doc))
        sys.stdout.flush()
    if mode == "ok":
        answer()
    elif mode == "garbage":
        sys.stdout.write("this is not JSON {")
    elif mode == "empty":
        pass
    elif mode == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode == "killed-after-output":
        answer()
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode == "exit-3":
        answer()
        sys.exit(3)
    elif mode == "slow":
        # A grandchild like semgrep-core, holding our pipes; it must die with us.
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        with open(os.environ["FAKE_SEMGREP_CHILD"], "w") as handle:
            handle.write(str(child.pid))
        time.sleep(120)
    elif mode == "skip-first":
        answer(paths={"scanned": targets[1:]})
    elif mode == "per-file-timeout":
        answer(errors=[{"code": 3, "level": "warn", "type": "Timeout", "rule_id": "x", "path": targets[0],
                        "message": "Timeout when running x on " + targets[0]}])
    elif mode == "out-of-memory":
        answer(errors=[{"code": 3, "level": "warn", "type": "Out of memory", "path": targets[0], "message": "OOM"}])
    elif mode == "partial-parse":
        answer(errors=[{"code": 3, "level": "warn", "type": ["PartialParsing", []], "path": targets[0],
                        "message": "Syntax error", "spans": [{"start": {"line": 1, "col": 1}}]}])
    elif mode == "unknown-warning":
        answer(errors=[{"code": 3, "level": "warn", "type": "Something new", "path": targets[0], "message": "?"}])
    elif mode == "bad-position":
        answer(results=[{"check_id": "x", "path": targets[0], "start": "one", "end": {"line": 1, "col": 1}}])
    elif mode == "paths-is-a-list":
        answer(paths=[])
    elif mode == "results-not-dicts":
        answer(results=["a", 1, None])
    elif mode == "deep-json":
        sys.stdout.write("[" * 200000 + "]" * 200000)
    elif mode == "taint-then-garbage":
        # A taint finding in the main pass, garbage from the companion (source) pass.
        config = open(sys.argv[sys.argv.index("--config") + 1]).read()
        if "--diffsentry-source" in config:
            sys.stdout.write("not JSON {")
        else:
            answer(results=[{"check_id": "shell-command-from-untrusted-input", "path": targets[0],
                             "start": {"line": 6, "col": 5}, "end": {"line": 6, "col": 33}, "extra": {"message": "m"}}])
    elif mode == "not-utf8":
        sys.stdout.buffer.write(b'{"results": [], "x": "\\xff\\xfe"}')
''')


@pytest.fixture()
def fake_semgrep(tmp_path, monkeypatch):
    """Point the Semgrep engine at the fake; returns a function that sets its mode."""
    script = tmp_path / "fake-semgrep"
    script.write_text(f"#!{sys.executable}\n" + FAKE, encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("DIFFSENTRY_SEMGREP", str(script))

    def use(mode: str) -> Path:
        monkeypatch.setenv("FAKE_SEMGREP_MODE", mode)
        return script

    return use


@pytest.fixture()
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "a.py").write_text(CLEAN, encoding="utf-8")
    (root / "b.py").write_text(SHELL, encoding="utf-8")
    return root


def scan(project: Path, *extra: str) -> tuple[int, dict, str]:
    # The extended suite: Bandit's B605 (not in the default suite) is the finding in SHELL that
    # these tests count on to see that the other engines still ran.
    result = CliRunner().invoke(main, ["scan", str(project), "--no-cache", "-f", "json", "--suite", "extended", *extra],
                                catch_exceptions=False)
    stdout = result.stdout
    return result.exit_code, json.loads(stdout) if stdout.strip() else {}, result.stderr


def errors(document: dict, source: str | None = None) -> list[dict]:
    return [n for n in document.get("notices", []) if n["level"] == "error" and source in (None, n["source"])]


def test_fake_semgrep_in_good_order_gives_a_complete_run(fake_semgrep, project):
    """The control: the fake itself does not make runs fail."""
    fake_semgrep("ok")
    code, document, _ = scan(project)
    assert code == 1 and document["complete"] is True  # Bandit still finds the shell call


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("garbage", "without valid JSON output"),
        ("empty", "without valid JSON output"),
        ("killed", "exited -9 without valid JSON"),
        ("killed-after-output", "killed by signal 9"),
        ("exit-3", "exited with status 3"),
        ("bad-position", "not in the expected shape"),
        ("paths-is-a-list", "not in the expected shape"),
        ("results-not-dicts", "not in the expected shape"),
        ("deep-json", "not in the expected shape"),
        ("not-utf8", "without valid JSON output"),
    ],
)
def test_broken_semgrep_output_is_exit_2(fake_semgrep, project, mode, expected):
    fake_semgrep(mode)
    code, document, stderr = scan(project)
    assert code == 2, stderr
    assert document["complete"] is False
    assert any(expected in n["message"] for n in errors(document, "semgrep")), errors(document)


WEB = "from flask import request\nimport os\n\n\ndef view():\n    os.system(request.args['c'])\n"


def test_failing_companion_pass_is_exit_2(fake_semgrep, tmp_path):
    """The second Semgrep process (the taint sources of the rules that fired) fails: not clean."""
    fake_semgrep("taint-then-garbage")
    root = tmp_path / "p"
    root.mkdir()
    (root / "web.py").write_text(WEB, encoding="utf-8")
    code, document, _ = scan(root)
    assert code == 2 and document["complete"] is False
    assert any("without valid JSON output" in n["message"] for n in errors(document, "semgrep"))


def test_prefiltered_file_counts_as_scanned_and_a_needed_one_must_be(fake_semgrep, tmp_path, monkeypatch):
    """With only taint rules selected, a file none of them can fire on is not given to Semgrep
    and is complete; a file one of them can fire on that Semgrep skips is still an error."""
    fake_semgrep("skip-first")
    argv_log = tmp_path / "argv.json"
    monkeypatch.setenv("FAKE_SEMGREP_ARGV", str(argv_log))
    root = tmp_path / "p"
    root.mkdir()
    (root / "a.py").write_text(CLEAN, encoding="utf-8")
    (root / "b.py").write_text(WEB, encoding="utf-8")
    code, document, _ = scan(root, "--select", "DS210")
    assert [Path(a).name for a in json.loads(argv_log.read_text()) if a.endswith(".py")] == ["b.py"]
    # The fake skipped its first target, b.py: an error there, none on the pre-filtered a.py.
    assert code == 2 and [n["path"] for n in errors(document, "semgrep")] == ["b.py"]
    fake_semgrep("ok")
    code, document, _ = scan(root, "--select", "DS210")
    assert code == 0 and document["complete"] is True


def test_missing_semgrep_is_exit_2(project, monkeypatch, tmp_path):
    monkeypatch.setenv("DIFFSENTRY_SEMGREP", str(tmp_path / "no-such-semgrep"))
    code, document, _ = scan(project)
    assert code == 2
    assert any("executable not found" in n["message"] for n in errors(document, "semgrep"))


def test_semgrep_that_cannot_be_started_is_exit_2(fake_semgrep, project):
    script = fake_semgrep("ok")
    script.chmod(stat.S_IRUSR | stat.S_IWUSR)  # not executable
    if os.access(script, os.X_OK):
        pytest.skip("running with privileges that execute anything")
    code, document, _ = scan(project)
    assert code == 2
    assert any("could not be started" in n["message"] for n in errors(document, "semgrep"))


def test_semgrep_past_its_timeout_is_killed_with_its_children(fake_semgrep, project, tmp_path, monkeypatch):
    fake_semgrep("slow")
    pid_file = tmp_path / "grandchild.pid"
    monkeypatch.setenv("FAKE_SEMGREP_CHILD", str(pid_file))
    started = time.monotonic()
    code, document, _ = scan(project, "--semgrep-timeout", "3")
    assert time.monotonic() - started < 60, "the timeout did not stop the run"
    assert code == 2
    assert any("did not finish within 3 s" in n["message"] for n in errors(document, "semgrep"))
    assert_dies(int(pid_file.read_text()), "semgrep's grandchild outlived the timeout")


def test_skipped_target_is_an_error_on_that_file(fake_semgrep, project):
    fake_semgrep("skip-first")
    code, document, _ = scan(project)
    assert code == 2
    assert [n["path"] for n in errors(document, "semgrep")] == ["a.py"]
    assert "did not scan this file" in errors(document, "semgrep")[0]["message"]


@pytest.mark.parametrize("mode", ["per-file-timeout", "out-of-memory", "unknown-warning"])
def test_semgrep_warn_level_failures_are_errors(fake_semgrep, project, mode):
    """Semgrep reports these at level "warn"; each means code went unanalysed."""
    fake_semgrep(mode)
    code, document, _ = scan(project)
    assert code == 2
    assert [n["path"] for n in errors(document, "semgrep")] == ["a.py"]


def test_parse_errors_are_errors_only_where_python_runs_the_file(fake_semgrep, tmp_path):
    fake_semgrep("partial-parse")
    root = tmp_path / "p"
    root.mkdir()
    (root / "a.py").write_text("def f(:\n    pass\n", encoding="utf-8")  # Python rejects it too
    code, document, _ = scan(root)
    # Complete (nothing that could run went unread), but not clean: the file is a DS603 finding.
    assert code == 1 and document["complete"] is True
    assert [f["rule_id"] for f in document["findings"]] == ["DS603"]
    assert any(n["source"] == "semgrep" and n["level"] == "warning" for n in document["notices"])
    (root / "a.py").write_text(CLEAN, encoding="utf-8")  # Python runs it; Semgrep misread it
    code, document, _ = scan(root)
    assert code == 2
    assert [n["path"] for n in errors(document, "semgrep")] == ["a.py"]


def test_semgrep_gets_the_offline_flags_and_a_whole_second_per_file_timeout(fake_semgrep, project, tmp_path,
                                                                            monkeypatch):
    fake_semgrep("ok")
    argv_log = tmp_path / "argv.json"
    monkeypatch.setenv("FAKE_SEMGREP_ARGV", str(argv_log))
    result = semgrep.run(
        [SourceFile("a.py", CLEAN, disk_path=project / "a.py")],
        _catalogue().select(["DS301"]).for_engine("semgrep"),  # a search rule: no taint pre-filter
        _rule_files(),
        per_file_timeout_s=0.4,  # int() would make this 0: no limit at all
    )
    assert not result.notices
    argv = json.loads(argv_log.read_text())
    assert argv[argv.index("--timeout") + 1] == "1"
    assert {"--metrics=off", "--disable-version-check", "--disable-nosem"} <= set(argv)


def test_per_file_timeout_reaches_semgrep_from_the_command_line(fake_semgrep, project, tmp_path, monkeypatch):
    fake_semgrep("ok")
    argv_log = tmp_path / "argv.json"
    monkeypatch.setenv("FAKE_SEMGREP_ARGV", str(argv_log))
    code, _, _ = scan(project, "--per-file-timeout", "7")
    assert code == 1
    argv = json.loads(argv_log.read_text())
    assert argv[argv.index("--timeout") + 1] == "7"


# --- Bandit and the libcst engine ---------------------------------------------------------------


def test_bandit_raising_on_one_file_is_an_error_on_that_file_only(project, monkeypatch, catalogue):
    from bandit.core import node_visitor

    original = node_visitor.BanditNodeVisitor.process

    def explode_on_b(self, data):
        if self.fname.endswith("b.py"):
            raise RuntimeError("boom")
        return original(self, data)

    monkeypatch.setattr(node_visitor.BanditNodeVisitor, "process", explode_on_b)
    files = [SourceFile(n, (project / n).read_text(), disk_path=project / n) for n in ("a.py", "b.py")]
    result = bandit.run(files, catalogue.for_engine("bandit"))
    assert [(n.level, n.path) for n in result.notices] == [(NoticeLevel.ERROR, "b.py")]
    assert result.scanned == {"a.py"}


def test_bandit_failing_as_a_whole_is_exit_2(project, monkeypatch):
    from bandit.core import manager

    def broken(self):
        raise RuntimeError("plugin exploded")

    monkeypatch.setattr(manager.BanditManager, "run_tests", broken)
    code, document, _ = scan(project)
    assert code == 2
    assert any("Bandit failed" in n["message"] for n in errors(document, "bandit"))


def test_bandit_syntax_error_on_a_file_python_accepts_is_not_dropped(tmp_path, catalogue):
    """Bandit reads the disk; when that differs from the text we parsed (a file rewritten
    mid-scan), its "syntax error" skip must not be mistaken for one the parse stage reported."""
    disk = tmp_path / "a.py"
    disk.write_text("def f(:\n", encoding="utf-8")
    result = bandit.run([SourceFile("a.py", CLEAN, disk_path=disk)], catalogue.for_engine("bandit"))
    assert [(n.level, n.path) for n in result.notices] == [(NoticeLevel.ERROR, "a.py")]


def test_a_crashing_cst_rule_is_exit_2(project, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("rule bug")

    monkeypatch.setattr(framework, "run_rules", broken)  # the engine looks it up when it runs
    code, document, _ = scan(project)
    assert code == 2
    assert any("rule crashed" in n["message"] for n in errors(document, "cst"))


def test_run_deadline_stops_a_stuck_run_with_exit_2(tmp_path, fake_semgrep, project):
    """--timeout is the last resort: whatever hangs, the process ends with exit 2."""
    import subprocess

    fake_semgrep("slow")
    env = {**os.environ, "FAKE_SEMGREP_CHILD": str(tmp_path / "pid"), "PYTHONPATH": str(Path(__file__).parents[1])}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "scan", str(project), "--no-cache", "--timeout", "4",
         "--semgrep-timeout", "300"],
        capture_output=True, env=env, timeout=120,
    )
    assert time.monotonic() - started < 100
    assert proc.returncode == 2
    assert b"did not finish within 4 s (--timeout)" in proc.stderr
    assert_dies(int((tmp_path / "pid").read_text()), "semgrep's grandchild outlived the run's deadline")


def assert_dies(pid: int, why: str) -> None:
    """`pid` is gone (or a zombie waiting for init) within a few seconds; killed if not."""
    for _ in range(100):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except FileNotFoundError:
            return
        except OSError:
            break  # no /proc: fall back to signals
        time.sleep(0.1)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    os.kill(pid, signal.SIGKILL)
    pytest.fail(why)


def _catalogue():
    from analyzer.catalogue import load_catalogue

    return load_catalogue()


def _rule_files():
    from analyzer.rulespec import semgrep_rule_files

    return semgrep_rule_files()
