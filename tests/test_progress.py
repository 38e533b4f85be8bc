"""Progress on stderr: rich's bar on a terminal (checked under a pseudo-terminal), plain lines in
CI logs, nothing otherwise; results on stdout are never mixed with it."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from analyzer import progress
from analyzer.engines.semgrep_command import semgrep_executable
from tests.conftest import DEMO, REPO


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(("tty", "env", "expected"), [
    (True, {}, "bar"),
    (False, {}, "off"),
    (False, {"CI": "true"}, "plain"),
    (False, {"GITHUB_ACTIONS": "true"}, "plain"),
    (False, {"CI": "false"}, "off"),
    (True, {"DIFFSENTRY_PROGRESS": "off"}, "off"),
    (False, {"DIFFSENTRY_PROGRESS": "plain"}, "plain"),
])
def test_the_style_follows_the_stream_and_the_environment(monkeypatch, tty, env, expected):
    for name in ("CI", "GITHUB_ACTIONS", "DIFFSENTRY_PROGRESS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert progress.choose(_Stream(tty)) == expected


def _wait_for(condition) -> None:
    """Synchronise with the progress thread (no timing is asserted)."""
    done = threading.Event()
    for _ in range(2000):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("the progress thread never got there")


def test_plain_lines_say_files_done_and_the_engine_at_work():
    stream = _Stream(False)
    shown = progress.Progress(stream, "plain", delay_s=0, interval_s=0.01)
    shown("semgrep", 12, 40)
    shown.start()
    _wait_for(lambda: stream.getvalue().count("\n") >= 2)
    shown.stop()
    first = stream.getvalue().splitlines()[0]
    assert first.startswith("diffsentry: 12/40 files, at work: semgrep (")


def test_nothing_is_written_when_off():
    stream = _Stream(False)
    shown = progress.Progress(stream, "off", delay_s=0, interval_s=0.01)
    shown.start()
    shown("bandit", 1, 2)
    shown.stop()
    assert stream.getvalue() == ""


def _pty(columns: int = 120) -> tuple[int, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    return master, slave


def _drain(master: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_the_bar_is_drawn_on_a_pseudo_terminal():
    master, slave = _pty()
    with os.fdopen(slave, "w", encoding="utf-8", closefd=True) as terminal:
        assert terminal.isatty()
        shown = progress.Progress(terminal, "bar", delay_s=0, interval_s=1)
        shown("semgrep", 3, 10)
        shown.start()
        _wait_for(lambda: shown._bar is not None)
        shown("libcst, bandit, semgrep", 7, 10)
        shown.stop()
    out = _drain(master)
    os.close(master)
    assert "diffsentry" in out and "files" in out and "7/10" in out and "semgrep" in out


def test_a_real_scan_shows_the_bar_on_a_terminal_and_keeps_stdout_clean(tmp_path):
    """The installed CLI with stderr on a pseudo-terminal; Semgrep is made to take over the
    second after which the bar appears (a wrapper that waits, then runs the real one)."""
    real = semgrep_executable()
    slow = tmp_path / "slow-semgrep"
    slow.write_text(f"#!/bin/sh\nsleep 2\nexec {real} \"$@\"\n")
    slow.chmod(0o755)
    env = {**os.environ, "DIFFSENTRY_SEMGREP": str(slow)}
    env.pop("DIFFSENTRY_PROGRESS", None)
    master, slave = _pty()
    proc = subprocess.Popen([sys.executable, "-m", "analyzer", "scan", str(DEMO / "vulnerable"), "--no-cache",
                             "-f", "json"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    reader = threading.Thread(target=lambda: captured.append(_drain(master)))
    captured: list[str] = []
    reader.start()
    stdout, _ = proc.communicate()
    reader.join()
    os.close(master)
    assert proc.returncode == 1
    assert stdout.lstrip().startswith(b"{")  # the JSON report alone
    terminal = captured[0]
    assert "diffsentry" in terminal and "files" in terminal and "semgrep" in terminal, terminal
