"""The wheel is what users install (`pip install .`): it must carry the rules and the PyPI index,
and document the rules exactly as the committed docs/rules.md does."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built offline (hatchling from the test extra, no build isolation), unpacked as
    site-packages would hold it."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(REPO), "-w", str(out)], check=True, capture_output=True, timeout=300)
    [wheel] = out.glob("diffsentry-*.whl")
    site = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def test_the_wheel_carries_the_rules_and_the_pypi_index(installed):
    package = installed / "analyzer"
    assert (package / "_rulesets" / "bandit.yaml").is_file()
    assert (package / "_rulesets" / "semgrep" / "exec-of-decoded-payload.yaml").is_file()
    assert (package / "engines" / "cst" / "supply_chain" / "pypi-index.bin").stat().st_size > 1_000_000


def test_installed_rules_markdown_is_the_committed_docs(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run([sys.executable, "-c", "import analyzer; print(analyzer.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=60).stdout
    assert where.startswith(str(installed)), where  # the wheel's copy, not this checkout
    proc = subprocess.run([sys.executable, "-m", "analyzer", "rules", "--format", "markdown"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "_rulesets" not in proc.stdout
    assert proc.stdout == (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
