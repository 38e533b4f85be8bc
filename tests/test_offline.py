"""Proof that a scan attempts no network connection, Semgrep subprocess included.

A tiny LD_PRELOAD library (tests/netguard/netguard.c) logs and refuses every IPv4/IPv6 connect,
sendto/sendmsg and every DNS lookup of the process tree it is loaded into. The control case shows
the proof has teeth: the same engine with the offline flags removed is caught phoning home.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DEMO, REPO

NETGUARD_C = Path(__file__).parent / "netguard" / "netguard.c"


@pytest.fixture(scope="module")
def netguard(tmp_path_factory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler is needed to build the network guard for the offline proof"
    library = tmp_path_factory.mktemp("netguard") / "netguard.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(NETGUARD_C), "-ldl"], check=True)
    return library


def guarded_run(netguard: Path, log: Path, args: list[str], env_overrides: dict[str, str], timeout: float = 600):
    """Run `python args` under the guard; stop early once a network attempt is logged."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMGREP_")}
    env.update(env_overrides, LD_PRELOAD=str(netguard), NETGUARD_LOG=str(log), PYTHONPATH=str(REPO))
    # Output goes to files, not pipes: a SARIF log is larger than a pipe buffer, and an unread
    # pipe would block the child while we poll.
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            if log.exists() and log.read_text().strip():
                proc.kill()  # caught: no need to sit through Semgrep's ~100 s of retries
                break
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    stdout, stderr = out_path.read_bytes(), err_path.read_bytes()
    attempts = log.read_text().splitlines() if log.exists() else []
    return proc.returncode, stdout.decode(), stderr.decode(), attempts


def test_guard_catches_a_python_connection(netguard, tmp_path):
    log = tmp_path / "net.log"
    code = "import socket\ntry:\n socket.socket().connect(('192.0.2.1', 443))\nexcept OSError: pass\n"
    _, _, _, attempts = guarded_run(netguard, log, ["-c", code], {})
    assert any("connect 192.0.2.1:443" in a for a in attempts)


def test_scan_with_semgrep_opens_no_socket(netguard, tmp_path):
    log = tmp_path / "net.log"
    status, stdout, stderr, attempts = guarded_run(
        netguard, log, ["-m", "analyzer", "scan", str(DEMO), "-f", "sarif"], {}
    )
    assert attempts == []
    assert status == 1, stderr  # the demo has findings, and the run was complete
    assert '"ruleId": "DS210"' in stdout  # a Semgrep rule's finding: the subprocess really ran


def test_patch_mode_opens_no_socket(netguard, tmp_path):
    log = tmp_path / "net.log"
    status, stdout, stderr, attempts = guarded_run(
        netguard, log, ["-m", "analyzer", "diff", "--patch", str(DEMO / "demo.patch"), "-f", "json"], {}
    )
    assert attempts == []
    assert status == 1, stderr


def test_without_the_offline_flags_semgrep_is_caught_phoning_home(netguard, tmp_path):
    """The control: if someone drops the flags, the proof above would fail."""
    log = tmp_path / "net.log"
    code = (
        "import sys; from pathlib import Path\n"
        "import analyzer.engines.semgrep as engine\n"
        "engine.OFFLINE_FLAGS = (); engine.OFFLINE_ENV = {}\n"
        "from analyzer import pipeline\nfrom analyzer.catalogue import load_catalogue\n"
        f"pipeline.scan_paths([Path({str(DEMO)!r})], Path({str(REPO)!r}), load_catalogue().select(['DS301']))\n"
    )
    _, _, _, attempts = guarded_run(netguard, log, ["-c", code], {})
    assert attempts, "semgrep without --metrics=off/--disable-version-check made no network attempt?"
