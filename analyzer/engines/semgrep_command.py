"""How diffsentry starts Semgrep: which executable, which of its CLIs, the flags and environment
that keep it offline (`analyzer.engines.semgrep` has the measured reasons).

Light on purpose: a run answered from the result cache keys on the executable (`run_cache`)
before, and instead of, loading the engine (~15 ms of imports on that path).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

OFFLINE_FLAGS = ("--metrics=off", "--disable-version-check")
OFFLINE_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
BASE_FLAGS = ("--json", "--no-rewrite-rule-ids", "--disable-nosem", "--no-git-ignore", "--quiet")


def semgrep_executable() -> str | None:
    """The semgrep our pinned dependency installed (beside this interpreter), else PATH.

    `DIFFSENTRY_SEMGREP` overrides both (tests use it to simulate a missing or broken binary).
    """
    override = os.environ.get("DIFFSENTRY_SEMGREP")
    if override is not None:
        return override if Path(override).is_file() else None
    beside = Path(sys.executable).parent / "semgrep"
    if beside.is_file():
        return str(beside)
    return shutil.which("semgrep")


def cli_flags() -> tuple[str, ...]:
    """Which of semgrep's two CLIs runs the scan (`analyzer.engines.semgrep` says why)."""
    return () if os.environ.get("DIFFSENTRY_SEMGREP_CLI") == "python" else ("--experimental",)


def version() -> str:
    """The installed semgrep distribution's version and CLI (for cache keys; no subprocess)."""
    from importlib.metadata import PackageNotFoundError, version as dist_version

    try:
        installed = dist_version("semgrep")
    except PackageNotFoundError:
        installed = "unknown"
    return " ".join((installed, *cli_flags()))
