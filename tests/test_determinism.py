"""Determinism: the same input gives byte-identical SARIF and JSON, run after run.

Three real scans of the demo app (Semgrep, Bandit and libcst, no result cache): two of the same
copy, and one of a copy whose files and directories were created in the opposite order (so that
directory listings come back in another order on file systems that list by creation). Two runs of
the demo patch cover diff mode, whose patched files are written to a fresh, randomly named
scratch directory each time: no temporary path or time may reach the output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import DEMO, REPO


def copy_tree(source: Path, target: Path, *, reverse: bool) -> None:
    """Copy `source` creating directories and files in sorted or reverse-sorted order."""
    entries = sorted(source.rglob("*"), key=lambda p: p.relative_to(source).parts, reverse=reverse)
    target.mkdir()
    for directory in sorted((p for p in entries if p.is_dir()), key=lambda p: len(p.parts)):
        (target / directory.relative_to(source)).mkdir(parents=True, exist_ok=True)
    for path in entries:
        if path.is_file():
            shutil.copy2(path, target / path.relative_to(source))


def run(args: list[str], cwd: Path, out: Path) -> tuple[bytes, bytes]:
    """One CLI run writing JSON and SARIF; both outputs' bytes."""
    json_file, sarif_file = out.with_suffix(".json"), out.with_suffix(".sarif")
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", *args, "--no-cache", "-f", "json", "-o", str(json_file),
         "--sarif-output", str(sarif_file)],
        cwd=cwd, capture_output=True, timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 1, proc.stderr.decode()  # findings, and a complete run
    return json_file.read_bytes(), sarif_file.read_bytes()


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, tuple[bytes, bytes]]:
    base = tmp_path_factory.mktemp("determinism")
    work = base / "work"
    work.mkdir()
    copy_tree(DEMO, work / "demo", reverse=False)
    out = {"first": run(["scan", "demo"], work, base / "first"), "second": run(["scan", "demo"], work, base / "second")}
    shutil.rmtree(work / "demo")
    copy_tree(DEMO, work / "demo", reverse=True)  # the same path: the same %SRCROOT%
    out["reversed"] = run(["scan", "demo"], work, base / "reversed")
    patch = ["diff", "--patch", str(DEMO / "demo.patch"), "--root", str(REPO)]
    out["patch"], out["patch again"] = run(patch, REPO, base / "patch"), run(patch, REPO, base / "patch2")
    return out


def test_the_copy_really_was_made_in_another_order(tmp_path):
    copy_tree(DEMO, tmp_path / "a", reverse=False)
    copy_tree(DEMO, tmp_path / "b", reverse=True)
    names = lambda root: sorted(p.relative_to(root) for p in root.rglob("*"))  # noqa: E731
    assert names(tmp_path / "a") == names(tmp_path / "b")
    assert all((tmp_path / "a" / p).read_bytes() == (DEMO / p).read_bytes()
               for p in names(tmp_path / "a") if (DEMO / p).is_file())


@pytest.mark.parametrize("index, fmt", [(0, "json"), (1, "sarif")])
def test_two_scans_are_byte_identical(scans, index, fmt):
    assert scans["first"][index] == scans["second"][index]
    assert b'"DS210"' in scans["first"][index]  # Semgrep ran: its findings are part of what is compared


@pytest.mark.parametrize("index, fmt", [(0, "json"), (1, "sarif")])
def test_file_creation_order_does_not_change_a_byte(scans, index, fmt):
    assert scans["first"][index] == scans["reversed"][index]


@pytest.mark.parametrize("index, fmt", [(0, "json"), (1, "sarif")])
def test_two_patch_runs_are_byte_identical(scans, index, fmt):
    assert scans["patch"][index] == scans["patch again"][index]


@pytest.mark.parametrize("name", ["first", "patch"])
def test_outputs_hold_no_time_and_no_scratch_path(scans, name):
    """Not even where a fixed clock would keep two runs equal. (A scan's SARIF does name the
    directory scanned, in `originalUriBaseIds`: that is input, not the run's own state.)"""
    for output in scans[name]:
        text = output.decode("utf-8")
        assert "TimeUtc" not in text and "timeUtc" not in text
        assert os.path.join(tempfile.gettempdir(), "diffsentry-") not in text  # pipeline's scratch tree


def test_directory_listing_order_does_not_matter(catalogue, monkeypatch):
    """ext4 and most file systems list in hash order whatever the creation order, so the copy
    above may not reorder anything: here os.walk lists every directory backwards.
    In-process, without Semgrep (its files come from the same list)."""
    from analyzer import pipeline
    from analyzer.catalogue import Catalogue
    from analyzer.report import json_format, sarif

    no_semgrep = Catalogue(tuple(spec for spec in catalogue.rules if spec.engine != "semgrep"))
    options = pipeline.Options(cache_dir=None)

    def outputs() -> tuple[str, str]:
        report = pipeline.scan_paths([DEMO], REPO, no_semgrep, options)
        assert report.findings
        return json_format.render(report), sarif.render(report)

    straight = outputs()
    walk = os.walk
    listed = []

    def backwards_walk(top, *args, **kwargs):  # what analyzer.sources lists directories with
        for dirpath, dirnames, filenames in walk(top, *args, **kwargs):
            dirnames.sort(reverse=True)
            listed.append(dirpath)
            yield dirpath, dirnames, sorted(filenames, reverse=True)

    monkeypatch.setattr(os, "walk", backwards_walk)
    assert outputs() == straight
    assert len(listed) > 1  # the scan did list directories through it
