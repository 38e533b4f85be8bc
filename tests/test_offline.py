"""Proof that no mode attempts a network connection, Semgrep and git subprocesses included:
scan, diff --patch, diff --base, diff --staged (the pre-commit hook), inventory, baseline create.

A tiny LD_PRELOAD library (tests/netguard/netguard.c) logs and refuses every IPv4/IPv6 connect,
sendto/sendmsg and every DNS lookup of the process tree it is loaded into. The control case shows
the proof has teeth: the same engine with the offline flags removed is caught phoning home.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DEMO, REPO, guarded_run

def test_guard_catches_a_python_connection(netguard, tmp_path):
    log = tmp_path / "net.log"
    code = "import socket\ntry:\n socket.socket().connect(('192.0.2.1', 443))\nexcept OSError: pass\n"
    _, _, _, attempts = guarded_run(netguard, log, ["-c", code], {})
    assert any("connect 192.0.2.1:443" in a for a in attempts)


# Both of Semgrep's CLIs: the OCaml one diffsentry uses by default, and the Python one.
@pytest.mark.parametrize("cli_env", [{}, {"DIFFSENTRY_SEMGREP_CLI": "python"}], ids=["osemgrep", "pysemgrep"])
def test_scan_with_semgrep_opens_no_socket(netguard, tmp_path, cli_env):
    log = tmp_path / "net.log"
    status, stdout, stderr, attempts = guarded_run(
        netguard, log, ["-m", "analyzer", "scan", str(DEMO), "-f", "sarif"], cli_env
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


# --- the other modes: one guarded process each -------------------------------------------------

CLEAN = "import subprocess\n\n\ndef run(name):\n    return subprocess.run(['echo', name], check=True)\n"
# A change that Semgrep (DS210) must report, and that names an AI endpoint for the inventory; the
# URL's host would be looked up by anything that resolves names, the guard would log it.
CHANGED = CLEAN + (
    "\n\ndef shell():\n    import os\n    os.system(input())\n\n\n"
    "from openai import OpenAI\nclient = OpenAI(base_url='https://api.deepseek.com/v1')\n"
)


@pytest.fixture(scope="module")
def change_repo(tmp_path_factory) -> Path:
    """A repository whose working tree and index hold a staged change against HEAD."""
    from tests.gitrepo import GitRepo

    repo = GitRepo(tmp_path_factory.mktemp("offline") / "repo")
    repo.write("app.py", CLEAN)
    repo.commit("clean")
    repo.write("app.py", CHANGED)
    repo.git("add", "app.py")
    return repo.path


@pytest.mark.parametrize("mode", ["diff --base", "diff --staged", "inventory", "baseline create"])
def test_every_other_mode_opens_no_socket(netguard, change_repo, tmp_path, mode):
    """`diff --staged` is also the pre-commit hook's mode (.pre-commit-hooks.yaml: diffsentry-diff);
    the other hook is `scan`, proven above."""
    baseline_file = tmp_path / "baseline.json"
    args = {
        "diff --base": ["diff", "--base", "HEAD", "--root", str(change_repo), "-f", "json", "--no-cache"],
        "diff --staged": ["diff", "--staged", "--root", str(change_repo), "-f", "json", "--no-cache"],
        "inventory": ["inventory", str(change_repo), "-f", "json"],
        "baseline create": ["baseline", "create", str(change_repo), "-o", str(baseline_file), "--no-cache"],
    }[mode]
    status, stdout, stderr, attempts = guarded_run(netguard, tmp_path / "net.log", ["-m", "analyzer", *args], {})
    assert attempts == []
    if mode == "inventory":
        assert status == 0, stderr
        assert "api.deepseek.com" in stdout  # the endpoint was read, and not looked up
    elif mode == "baseline create":
        assert status == 0, stderr
        assert "DS210" in baseline_file.read_text(encoding="utf-8")  # Semgrep really ran
    else:
        assert status == 1, stderr
        assert '"rule_id": "DS210"' in stdout  # a Semgrep rule's finding on the change: the subprocess ran


def test_without_the_offline_flags_semgrep_is_caught_phoning_home(netguard, tmp_path):
    """The control: if someone drops the flags, the proof above would fail.

    The Python CLI is the one that phones home without them (the OCaml CLI made no attempt with a
    local config when measured), so the control runs it: the flags stay necessary for it, and a
    switch back to it must not lose them."""
    log = tmp_path / "net.log"
    code = (
        "import sys; from pathlib import Path\n"
        "import analyzer.engines.semgrep as engine\n"
        "engine.OFFLINE_FLAGS = (); engine.OFFLINE_ENV = {}\n"
        "from analyzer import pipeline\nfrom analyzer.catalogue import load_catalogue\n"
        f"pipeline.scan_paths([Path({str(DEMO)!r})], Path({str(REPO)!r}), load_catalogue().select(['DS301']))\n"
    )
    _, _, _, attempts = guarded_run(netguard, log, ["-c", code], {"DIFFSENTRY_SEMGREP_CLI": "python"})
    assert attempts, "semgrep without --metrics=off/--disable-version-check made no network attempt?"
