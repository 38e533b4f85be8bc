"""Proof that diffsentry never runs what it reads, in every mode.

The scanned tree is a git repository full of traps, each of which leaves a mark (a file in a
marker directory outside the tree) if it is ever run:

* modules that mark when imported: a plain module, a package, `conftest.py`, `sitecustomize.py`,
  `usercustomize.py`, `__main__.py`, and modules named like diffsentry's own dependencies
  (`click.py`, `yaml.py`, `libcst.py`, `unidiff.py`, `bandit.py`), which would shadow them if the
  scanned directory were ever put on `sys.path`;
* code that marks when executed as a script, or when `exec`'d from a file it reads;
* what an install would run: `setup.py`, an in-tree PEP 517 build backend (`pyproject.toml`),
  `requirements.txt` with `-e .`, a `.pth` file;
* commands git would run on the repository's behalf: `core.fsmonitor`, `diff.external`, a
  textconv and a clean/process filter driver named by `.gitattributes`.

Every mode runs once (a module-scoped fixture) with the whole rule set, Semgrep included. The
control step then sets every trap off on purpose (imports the modules, runs the scripts, processes
the .pth file, runs plain `git diff`), and the marks appear: the traps are real.

The command runs as the installed `diffsentry` script does: with `python -P`, so that Python
itself does not put the current directory (the scanned tree) first on `sys.path`, which
`python -m` would do (see docs/hardening.md).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.gitrepo import GitRepo

MODULE_TRAPS = ("evil_module", "pkg", "conftest", "sitecustomize", "usercustomize", "click", "yaml", "libcst",
                "unidiff", "bandit", "evil_backend", "runs_exec")
GIT_TRAPS = ("git-fsmonitor", "git-external", "git-textconv", "git-filter-clean")


def mark(marker: Path, name: str) -> str:
    """Python that leaves the mark `name` when run (and does something Semgrep and Bandit report)."""
    return (f"import pathlib\npathlib.Path({str(marker)!r}).joinpath({name!r}).touch()\n"
            "import os\nos.system(input())\n")


def build_trap_repo(root: Path, marker: Path) -> GitRepo:
    repo = GitRepo(root)
    for name in MODULE_TRAPS:
        if name == "pkg":
            repo.write("pkg/__init__.py", mark(marker, "pkg"))
            repo.write("pkg/__main__.py", mark(marker, "pkg-main"))
        elif name == "runs_exec":  # exec of a file it reads: a scanner that evaluated code would run it
            repo.write("payload.txt", mark(marker, "exec"))
            repo.write("runs_exec.py", f"exec(open({str(root / 'payload.txt')!r}).read())\n")
        else:
            repo.write(f"{name}.py", mark(marker, name))
    repo.write("script.py", "if __name__ == '__main__':\n" + "".join(
        "    " + line + "\n" for line in mark(marker, "script").splitlines()))
    repo.write("setup.py", mark(marker, "setup.py"))
    repo.write("pyproject.toml", '[build-system]\nrequires = []\nbuild-backend = "evil_backend"\nbackend-path = ["."]\n'
                                 '\n[project]\nname = "trap"\nversion = "1"\ndependencies = ["openai"]\n')
    repo.write("requirements.txt", "-e .\nrequests==2.32.3\n")
    repo.write("evil.pth", f"import pathlib; pathlib.Path({str(marker)!r}).joinpath('pth').touch()\n")
    repo.write(".gitattributes", "*.py diff=evil filter=evil\n")
    repo.write("app.py", "x = 1\n")
    repo.commit("traps")
    # The change: staged, and edited again in the working tree (so that `git diff <base>` must read
    # the working tree file, through the clean filter), both times with something to report.
    repo.write("app.py", "import os\nos.system(input())\n")
    repo.git("add", "app.py")
    repo.write("app.py", "import os\nos.system(input())\neval(input())\n")
    # Only now the commands (`git add` itself runs a clean filter).
    for name in GIT_TRAPS:
        script = root.parent / f"{name}.sh"
        # Mark, then behave: a filter copies stdin, textconv prints its file; never read a terminal.
        script.write_text(f"#!/bin/sh\ntouch '{marker / name}'\nif [ $# -eq 0 ]; then exec cat; fi\n"
                          "if [ -f \"$1\" ]; then cat \"$1\"; fi\nexit 0\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    bin_ = root.parent
    for key, value in (("core.fsmonitor", "git-fsmonitor"), ("diff.external", "git-external"),
                       ("diff.evil.textconv", "git-textconv"), ("filter.evil.clean", "git-filter-clean"),
                       ("filter.evil.smudge", "git-filter-clean")):
        repo.git("config", key, str(bin_ / f"{value}.sh"))
    return repo


def diffsentry(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-P", "-m", "analyzer", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def take_marks(marker: Path) -> set[str]:
    marks = {p.name for p in marker.iterdir()}
    for p in marker.iterdir():
        p.unlink()
    return marks


MODES = {
    "scan": lambda root, out: ["scan", str(root), "-f", "json", "--no-cache"],
    "diff --base": lambda root, out: ["diff", "--base", "HEAD", "--root", str(root), "-f", "json", "--no-cache"],
    "diff --staged": lambda root, out: ["diff", "--staged", "--root", str(root), "-f", "json", "--no-cache"],
    "diff --patch": lambda root, out: ["diff", "--patch", str(out / "change.patch"), "--root", str(root), "-f", "json",
                                       "--no-cache"],
    "inventory": lambda root, out: ["inventory", str(root), "-f", "json"],
    "provenance": lambda root, out: ["provenance", str(root), "-f", "json"],
    "inventory --provenance": lambda root, out: ["inventory", str(root), "-f", "cyclonedx", "--provenance"],
    "baseline create": lambda root, out: ["baseline", "create", str(root), "-o", str(out / "baseline.json"),
                                          "--no-cache"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, set[str]]]:
    base = tmp_path_factory.mktemp("never-executes")
    marker, out = base / "marks", base / "out"
    marker.mkdir()
    out.mkdir()
    repo = build_trap_repo(base / "repo", marker)
    # A patch that touches every trap module (applied in memory to the files on disk).
    (out / "change.patch").write_text("".join(
        f"--- a/{name}.py\n+++ b/{name}.py\n@@ -4,0 +5 @@\n+os.system(input())\n"
        for name in ("evil_module", "setup", "conftest", "click")), encoding="utf-8")
    take_marks(marker)
    results = {}
    for mode, args in MODES.items():
        results[mode] = (diffsentry(args(repo.path, out), repo.path), take_marks(marker))
    results["control"] = (None, control(repo, marker))
    return results


def control(repo: GitRepo, marker: Path) -> set[str]:
    """Set every trap off on purpose."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    python = lambda *args, stdin="": subprocess.run([sys.executable, *args], cwd=repo.path, env=env,  # noqa: E731
                                                    input=stdin, text=True, capture_output=True)
    python("-c", "import sys; sys.path.insert(0, '.')\nfor name in sys.argv[1:]:\n    try:\n"
           "        __import__(name)\n    except BaseException:\n        pass\n", *MODULE_TRAPS, stdin="true\n" * 20)
    python("-m", "pkg", stdin="true\n")
    python("script.py", stdin="true\n")
    python("setup.py", "--version", stdin="true\n")
    python("-c", "import site; site.addsitedir('.')")
    repo.git("diff", "HEAD")  # diff.external
    repo.git("diff", "--no-ext-diff", "HEAD")  # textconv, the filter, the fsmonitor hook
    return take_marks(marker)


@pytest.mark.parametrize("mode", list(MODES))
def test_no_mode_runs_anything_it_reads(runs, mode):
    proc, marks = runs[mode]
    assert marks == set(), f"{mode} ran scanned code or a repository command: {sorted(marks)}\n{proc.stderr}"


@pytest.mark.parametrize("mode", ["scan", "diff --base", "diff --staged", "diff --patch"])
def test_each_mode_really_analysed_the_traps(runs, mode):
    """Nothing ran, and yet the files were read: findings on them, including Semgrep's."""
    proc, _ = runs[mode]
    assert proc.returncode == 1, proc.stderr
    assert '"rule_id": "DS210"' in proc.stdout


def test_inventory_and_baseline_read_the_traps(runs):
    assert runs["inventory"][0].returncode == 0, runs["inventory"][0].stderr
    assert '"openai"' in runs["inventory"][0].stdout  # pyproject.toml's dependency, read as text
    assert runs["baseline create"][0].returncode == 0, runs["baseline create"][0].stderr
    assert runs["provenance"][0].returncode == 0, runs["provenance"][0].stderr
    assert '"commits_read": ' in runs["provenance"][0].stdout
    assert runs["inventory --provenance"][0].returncode == 0, runs["inventory --provenance"][0].stderr


def test_control_every_trap_leaves_its_mark_when_set_off(runs):
    _, marks = runs["control"]
    expected = {*MODULE_TRAPS, "pkg-main", "script", "setup.py", "pth", "exec", *GIT_TRAPS} - {"runs_exec"}
    assert expected <= marks, sorted(expected - marks)


# --- the filter fix, without an analysis --------------------------------------------------------


def _filtered_repo(tmp_path: Path, driver: str, required: bool) -> tuple[GitRepo, Path]:
    repo = GitRepo(tmp_path / "repo")
    repo.write(".gitattributes", f"*.py filter={driver}\n")
    repo.write("app.py", "x = 1\n")
    repo.commit("one")
    repo.write("app.py", "x = 2\n")
    mark_file = tmp_path / "ran"
    repo.git("config", f"filter.{driver}.clean", f"touch {mark_file}; cat")
    repo.git("config", f"filter.{driver}.required", "true" if required else "false")
    return repo, mark_file


def test_base_diff_runs_no_filter_even_a_required_one(tmp_path):
    from analyzer import diff

    repo, mark_file = _filtered_repo(tmp_path, "lfs", required=True)
    repo.git("diff", "HEAD")  # control: plain git runs it
    assert mark_file.exists()
    mark_file.unlink()
    files, notices = diff.Revisions.for_base(repo.path, "HEAD").sources()
    assert [(f.path, f.text) for f in files] == [("app.py", "x = 2\n")] and not notices
    assert not mark_file.exists()


def test_a_filter_driver_that_cannot_be_switched_off_refuses_the_run(tmp_path):
    from analyzer import diff

    repo, mark_file = _filtered_repo(tmp_path, "a=b", required=False)
    with pytest.raises(diff.InputError, match="filter driver that cannot be switched off"):
        diff.Revisions.for_base(repo.path, "HEAD").sources()
    assert not mark_file.exists()
