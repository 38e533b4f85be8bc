"""Hostile and broken input: one clear line per problem, the rest still analysed, never a false clean.

Files: encodings (none declared, mixed, BOM against cookie, UTF-7 hiding code from Semgrep),
line endings (CRLF, old-Mac CR), NUL bytes and binaries named .py, syntax errors, nesting that
crashes or stalls libcst, very long lines, files over the size limit, empty files, FIFOs,
symlinks out of the tree and in a loop, file names that would forge log lines, files that vanish
or cannot be read. Patches: absolute and climbing paths, symlinks out, renames from outside,
duplicate headers, truncated or miscounted hunks, garbage, memory bombs, undecodable bytes.

The whole-tree scan runs in a subprocess with a timeout: a regression to a segfault or a hang
fails the test instead of taking pytest down with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import diff, parse, pipeline, sources
from analyzer.cli import main
from analyzer.findings import NoticeLevel
from tests.conftest import REPO

FIXTURES = Path(__file__).parent / "fixtures"
SHELL = b"import os\nos.system(input())\n"  # DS210 (Semgrep) and B605 (Bandit) on line 2


def _hostile_tree(root: Path, outside: Path) -> None:
    files = {
        "ok.py": SHELL,
        "latin1_cookie.py": b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\nimport os\nos.system(input())\n",
        "latin1_no_cookie.py": b"name = '\xe9t\xe9'\n",
        "mixed_encodings.py": "a = 'é'\n".encode() + b"b = '\xe9'\n",
        "bom.py": b"\xef\xbb\xbf" + SHELL,
        "bom_against_cookie.py": b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
        "unknown_cookie.py": b"# coding: klingon\nx = 1\n",
        "rot13_cookie.py": b"# coding: rot13\nx = 1\n",
        # `+AG8-` is UTF-7 for "o": Python runs os.system here; read as UTF-8 there is no call at all.
        "utf7_hidden.py": b"# coding: utf-7\nimport os\n+AG8-s.system(input())\n",
        "crlf.py": SHELL.replace(b"\n", b"\r\n"),
        "cr_only.py": b"import os\rx = 1\ros.system(input())\r",
        "nul.py": b"x = 1\x00\n",
        "binary.py": bytes(range(256)) * 8,
        "utf16.py": "x = 1\n".encode("utf-16"),
        "syntax_error.py": b"def f(:\n    pass\nimport os\nos.system(input())\n",
        "empty.py": b"",
        "deep_parens.py": b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n",
        "or_chain.py": SHELL + b"x = " + b" or ".join([b"a"] * 10_000) + b"\n",
        "import_chain.py": SHELL + b"import a" + b".b" * 10_000 + b"\n",
        "deep_sum.py": SHELL + b"x = " + b" + ".join([b"a"] * 2_000) + b"\n",
        "long_line.py": SHELL + b"x = '" + b"a" * 1_500_000 + b"'\n",
        "too_big.py": b"x = 1\n" * 400_000,  # 2.4 MB: over the default 2 MB limit
        "pkg.py/inner.py": SHELL,  # a directory with a .py name
        "evil\n::error file=x.py::forged.py": SHELL,
        "bidi\u202egnp.py": SHELL,
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / os.fsdecode(b"bad\xffname.py")).write_bytes(SHELL)
    os.mkfifo(root / "fifo.py")
    (outside / "secret.py").write_bytes(b"import os\nos.system('outside-the-tree')\n")
    os.symlink(outside / "secret.py", root / "escape.py")
    os.symlink("loop.py", root / "loop.py")


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("hostile")
    root, outside = base / "tree", base / "outside"
    root.mkdir()
    outside.mkdir()
    _hostile_tree(root, outside)
    sarif = base / "out.sarif"
    started = time.monotonic()
    proc = subprocess.run(
        # --suite extended: Bandit's B602 (extended) must still see the shell call beside DS210.
        [sys.executable, "-m", "analyzer", "scan", str(root), "--no-cache", "-f", "json", "--suite", "extended",
         "--sarif-output", str(sarif)],
        capture_output=True, timeout=900, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=root,
    )
    assert proc.returncode >= 0, f"diffsentry crashed with signal {-proc.returncode}: {proc.stderr[-2000:]!r}"
    return {
        "code": proc.returncode, "json": json.loads(proc.stdout), "sarif": json.loads(sarif.read_text("utf-8")),
        "stderr": proc.stderr.decode("utf-8"), "seconds": time.monotonic() - started,
    }


def notices_for(document: dict, path: str) -> list[tuple[str, str]]:
    return [(n["level"], n["message"]) for n in document["notices"] if n["path"] == path]


def finding_engines(document: dict, path: str, rule: str) -> set[str]:
    return {e for f in document["findings"] if f["path"] == path and f["rule_id"] == rule for e in f["engines"]}


def test_hostile_tree_fails_closed_but_analyses_the_rest(hostile_scan):
    document = hostile_scan["json"]
    assert hostile_scan["code"] == 2 and document["complete"] is False
    assert finding_engines(document, "ok.py", "DS210") == {"semgrep", "bandit"}
    assert finding_engines(document, "pkg.py/inner.py", "DS210") == {"semgrep", "bandit"}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("latin1_no_cookie.py", "encoding"),
        ("mixed_encodings.py", "encoding"),
        ("bom_against_cookie.py", "encoding"),
        ("unknown_cookie.py", "unknown encoding: klingon"),
        ("rot13_cookie.py", "not a text encoding"),
        ("nul.py", "NUL bytes"),
        ("binary.py", "NUL bytes"),
        ("utf16.py", "NUL bytes"),
        ("too_big.py", "larger than the size limit"),
        ("fifo.py", "not a regular file"),
        ("escape.py", "outside the project root"),
        ("loop.py", "symlink loop"),
        ("or_chain.py", "levels deep"),
        ("import_chain.py", "levels deep"),
        ("cr_only.py", "PartialParsing"),  # Python runs it; Semgrep, counting only LF, misread it
        ("long_line.py", ""),  # Semgrep skips it; that must not pass for scanned
        ("evil\\n::error file=x.py::forged.py", "control character"),
        ("bad\\xffname.py", "not valid UTF-8"),
        ("bidi\\u202egnp.py", "bidirectional control"),
    ],
)
def test_each_hostile_file_is_one_error_line(hostile_scan, path, message):
    found = notices_for(hostile_scan["json"], path)
    assert any(level == "error" and message in text for level, text in found), found


@pytest.mark.parametrize(
    ("path", "message"),
    [("syntax_error.py", "syntax error"), ("deep_parens.py", "too many nested parentheses")],
)
def test_files_python_rejects_are_warnings_and_still_go_to_semgrep(hostile_scan, path, message):
    found = notices_for(hostile_scan["json"], path)
    assert [level for level, _ in found] == ["warning"] and message in found[0][1]
    if path == "syntax_error.py":
        assert finding_engines(hostile_scan["json"], path, "DS210") == {"semgrep"}


@pytest.mark.parametrize(
    ("path", "line"),
    [("latin1_cookie.py", 4), ("bom.py", 2), ("crlf.py", 2), ("deep_sum.py", 2), ("or_chain.py", 2),
     ("utf7_hidden.py", 3)],
)
def test_odd_but_valid_files_are_analysed_by_every_engine(hostile_scan, path, line):
    found = [f for f in hostile_scan["json"]["findings"] if f["path"] == path and f["rule_id"] == "DS210"]
    assert [(f["start_line"], set(f["engines"])) for f in found] == [(line, {"semgrep", "bandit"})]


def test_clean_odd_files_raise_nothing(hostile_scan):
    for path in ("empty.py", "deep_sum.py", "latin1_cookie.py", "bom.py", "crlf.py", "utf7_hidden.py"):
        assert notices_for(hostile_scan["json"], path) == [], path


def test_nothing_outside_the_tree_was_reported(hostile_scan):
    assert "outside-the-tree" not in json.dumps(hostile_scan["json"])
    assert not [f for f in hostile_scan["json"]["findings"] if f["path"] in ("escape.py", "secret.py")]


def test_diagnostics_are_one_line_each_and_cannot_forge_workflow_commands(hostile_scan):
    notices = hostile_scan["json"]["notices"]
    lines = hostile_scan["stderr"].splitlines()
    assert len(lines) == len(notices)
    assert all(line.startswith("diffsentry: ") for line in lines)
    for notice in notices:
        assert "\n" not in notice["message"] and "\n" not in (notice["path"] or "")


def test_sarif_carries_every_problem_as_a_notification(hostile_scan):
    jsonschema = pytest.importorskip("jsonschema")
    sarif = hostile_scan["sarif"]
    jsonschema.validate(sarif, json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text()))
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert len(invocation["toolExecutionNotifications"]) == len(hostile_scan["json"]["notices"])


def test_size_limit_is_configurable(tmp_path):
    (tmp_path / "a.py").write_bytes(SHELL)
    code = CliRunner().invoke(main, ["scan", str(tmp_path), "--no-cache", "--max-file-bytes", "10", "-f", "json"])
    document = json.loads(code.stdout)
    assert code.exit_code == 2
    assert notices_for(document, "a.py") == [("error", "larger than the size limit (29 > 10 bytes); not analysed")]


def test_short_reads_are_read_to_the_end_and_growth_is_still_bounded(tmp_path, monkeypatch):
    """`read_bytes` reads with `os.read` until the end: a read may return less than asked for."""
    text = b"x = 1\n" * 500
    (tmp_path / "a.py").write_bytes(text)
    real_read = os.read
    monkeypatch.setattr(sources.os, "read", lambda fd, n: real_read(fd, min(n, 7)))
    assert sources.read_bytes(tmp_path / "a.py", max_bytes=len(text)) == text
    with pytest.raises(sources.UnreadableSource, match="larger than the size limit"):
        sources.read_bytes(tmp_path / "a.py", max_bytes=len(text) - 1)
    # A file that grows after its size was checked: never more than max_bytes + 1 read.
    asked = []
    monkeypatch.setattr(sources.os, "fstat", lambda fd: os.stat_result((0o100644, 0, 0, 1, 0, 0, 10, 0, 0, 0)))
    monkeypatch.setattr(sources.os, "read", lambda fd, n: asked.append(n) or real_read(fd, n))
    with pytest.raises(sources.UnreadableSource, match="larger than the size limit"):
        sources.read_bytes(tmp_path / "a.py", max_bytes=100)
    assert sum(asked) <= 101


def test_a_50_mb_generated_file_is_refused_not_attempted(tmp_path):
    big = tmp_path / "generated.py"
    with big.open("wb") as handle:
        line = b"VALUE_%08d = 'x' * 40\n"
        handle.writelines(line % i for i in range(2_000_000))  # 26 bytes a line: 52 MB
    assert big.stat().st_size >= 50_000_000
    (tmp_path / "small.py").write_bytes(SHELL)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", "import resource, runpy, sys; sys.argv = ['diffsentry'] + sys.argv[1:]\n"
         "try:\n    runpy.run_module('analyzer', run_name='__main__')\nfinally:\n"
         "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
         "scan", str(tmp_path), "--no-cache", "-f", "json"],
        capture_output=True, timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    document = json.loads(proc.stdout)
    assert proc.returncode == 2
    assert notices_for(document, "generated.py")[0][1].startswith("larger than the size limit")
    assert document["files"] == ["small.py"]
    peak_kib = int(proc.stderr.decode().strip().splitlines()[-1])
    assert peak_kib < 400 * 1024, f"peak memory {peak_kib // 1024} MiB: the file was loaded"
    assert time.monotonic() - started < 300


# --- files that change under us -----------------------------------------------------------------


def test_file_vanishing_between_listing_and_reading(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_bytes(SHELL)
    listed = sources._candidates  # what collect_files walks: (path, whether it is a link)

    def with_ghost(target, onerror):
        yield from listed(target, onerror)
        yield tmp_path / "ghost.py", False

    monkeypatch.setattr(sources, "_candidates", with_ghost)
    files, notices = sources.collect_files([tmp_path], tmp_path)
    assert [f.path for f in files] == ["a.py"]
    assert [(n.level, n.path, n.message) for n in notices] == [
        (NoticeLevel.ERROR, "ghost.py", "file disappeared before it could be read")
    ]


def test_file_vanishing_before_the_engines_read_it_fails_the_run(tmp_path, catalogue):
    (tmp_path / "a.py").write_bytes(SHELL)
    (tmp_path / "b.py").write_bytes(SHELL)
    files, notices = sources.collect_files([tmp_path], tmp_path)
    (tmp_path / "b.py").unlink()
    report = pipeline.analyse(files, notices, tmp_path, catalogue.select(["DS210", "B605"]), pipeline.Options(),
                              mode="scan")
    assert report.failed
    assert {n.source for n in report.notices if n.path == "b.py" and n.level is NoticeLevel.ERROR} == {
        "bandit", "semgrep"}
    assert {f.rule_id for f in report.findings if f.path == "a.py"} == {"DS210"}


def test_unreadable_file(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_bytes(SHELL)
    (tmp_path / "locked.py").write_bytes(SHELL)
    real_open = os.open

    def deny(path, flags, *args, **kwargs):
        if str(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(sources.os, "open", deny)
    files, notices = sources.collect_files([tmp_path], tmp_path)
    assert [f.path for f in files] == ["a.py"]
    assert [(n.level, n.path, n.message) for n in notices] == [(NoticeLevel.ERROR, "locked.py", "permission denied")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_for_real(tmp_path):
    (tmp_path / "locked.py").write_bytes(SHELL)
    (tmp_path / "locked.py").chmod(0)
    _, notices = sources.collect_files([tmp_path], tmp_path)
    assert [n.message for n in notices] == ["permission denied"]


def test_directory_that_cannot_be_listed_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_bytes(SHELL)
    (tmp_path / "sealed").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):  # as for a directory without read permission (the tests may run as root)
        if os.fspath(path).endswith("sealed"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(sources.os, "scandir", scandir)
    files, notices = sources.collect_files([tmp_path], tmp_path)
    assert [f.path for f in files] == ["a.py"]
    assert [(n.level, n.path) for n in notices] == [(NoticeLevel.ERROR, "sealed")]


# --- parsers: what crashes or stalls libcst ------------------------------------------------------

# Shapes CPython accepts that crashed (SIGSEGV) or stalled libcst before the gate. Run in a child:
# a regression must fail this test, not kill pytest.
_PARSE_PROBE = """
import json, sys, time
from analyzer.parse import parse_source
text = sys.stdin.read()
started = time.monotonic()
parsed = parse_source("probe.py", text, timeout_s=float(sys.argv[1]))
module = parsed.module
print(json.dumps({"tree": parsed.tree is not None, "module": module is not None,
                  "notice": parsed.cst_notice.message if parsed.cst_notice else None,
                  "level": parsed.cst_notice.level.name if parsed.cst_notice else None,
                  "seconds": time.monotonic() - started}))
"""


def probe_parse(text: str, timeout_s: float = 30) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PARSE_PROBE, str(timeout_s)], input=text.encode(),
                          capture_output=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, f"the parse crashed (exit {proc.returncode}): {proc.stderr[-1000:]!r}"
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    "text",
    [
        "x = " + " or ".join(["a"] * 20_000) + "\n",  # a segfault in libcst's native parser
        "import a" + ".b" * 20_000 + "\n",  # likewise
        "from a" + ".b" * 20_000 + " import c\n",
    ],
    ids=["or-chain", "dotted-import", "dotted-from-import"],
)
def test_chains_cpython_keeps_flat_are_refused_not_crashed_on(text):
    result = probe_parse(text)
    assert result["tree"] and not result["module"]
    assert result["level"] == "ERROR" and "levels deep" in result["notice"]


def test_costly_nesting_is_parsed_in_a_child_under_the_per_file_timeout():
    """`a[0][0]...` 900 deep takes libcst ~10 s (cubic), holding the GIL: only a child can be stopped."""
    result = probe_parse("x = a" + "[0]" * 900 + "\n", timeout_s=1)
    assert result["tree"] and not result["module"] and result["level"] == "ERROR"
    assert "within the per-file timeout (1 s)" in result["notice"]
    assert result["seconds"] < 30


def test_costly_but_feasible_nesting_is_parsed_in_a_child():
    text = "".join(f"x{i} = a" + "[0]" * 60 + "\n" for i in range(40))  # over the inline budget
    assert parse.cst_shape(parse.ast.parse(text))[1] > parse.INLINE_COST
    result = probe_parse(text)
    assert result["module"] and result["notice"] is None


def test_deep_real_code_is_analysed_not_skipped(catalogue):
    """2,000-term sums (generated code) overflow the default recursion limit of libcst's visitors."""
    from analyzer.engines import bandit, cst

    text = "import os\nos.system(input())\nx = " + " + ".join(["a"] * 2_000) + "\n"
    parsed = parse.parse_source("deep.py", text)
    result = cst.run([(sources.SourceFile("deep.py", text), parsed)], catalogue.for_engine("cst"))
    assert result.notices == () and parsed.module is not None
    assert parse.run_deep(lambda: parsed.module.code) == text


def test_python_valid_file_libcst_rejects_is_an_error():
    text = "x = " + " ".join(['"a"'] * 6_000) + "\n"  # libcst's grammar gives up on 6,000 adjacent strings
    parsed = parse.parse_source("strings.py", text)
    assert parsed.tree is not None and parsed.module is None
    assert parsed.cst_notice is not None and parsed.cst_notice.level is NoticeLevel.ERROR


def test_cst_shape_counts_what_libcst_nests():
    depth, _ = parse.cst_shape(parse.ast.parse("x = a or b or c or d\nimport p.q.r.s.t\n"))
    assert depth >= 5


# --- patches ------------------------------------------------------------------------------------

_RECORDING: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _RECORDING is not None and isinstance(args[0], (str, bytes, os.PathLike)):
        _RECORDING.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@contextlib.contextmanager
def opened_files() -> Iterator[list[str]]:
    """Every path opened (for reading or writing) inside the block, by anything in this process."""
    global _RECORDING
    _RECORDING = []
    try:
        yield _RECORDING
    finally:
        _RECORDING = None


def added_file(path: str, lines: list[str], source: str = "/dev/null") -> str:
    body = "".join(f"+{line}\n" for line in lines)
    return f"--- {source}\n+++ {path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"


def modified_file(old: str, new: str) -> str:
    return f"--- {old}\n+++ {new}\n@@ -1,1 +1,2 @@\n import os\n+os.system(input())\n"


@pytest.fixture()
def repo_with_outside(tmp_path) -> tuple[Path, Path]:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.py").write_text("import os\n", encoding="utf-8")
    (root / "app.py").write_text("import os\n", encoding="utf-8")
    os.symlink(outside, root / "linked")
    return root, outside


@pytest.mark.parametrize(
    "patch",
    [
        added_file("{outside}/secret.py", ["x = 1"]),
        modified_file("{outside}/secret.py", "{outside}/secret.py"),
        added_file("b/../outside/secret.py", ["x = 1"]),
        modified_file("a/../outside/secret.py", "b/../outside/secret.py"),
        modified_file("a/linked/secret.py", "b/linked/secret.py"),
        modified_file("a/../outside/secret.py", "b/app.py"),  # a "rename" from outside the repository
        added_file("b/~/secret.py", ["x = 1"]),
        added_file("b/nul\x00.py", ["x = 1"]),
        added_file("b/evil\x1b[2J.py", ["x = 1"]),
    ],
    ids=["absolute-added", "absolute-modified", "dotdot-added", "dotdot-modified", "symlink-out",
         "rename-from-outside", "tilde", "nul-in-path", "escape-in-path"],
)
def test_hostile_patch_paths_are_refused_and_nothing_outside_is_opened(repo_with_outside, patch):
    root, outside = repo_with_outside
    text = patch.replace("{outside}", str(outside))
    with opened_files() as opened:
        files, notices = diff.Revisions.for_patch(root, text).sources()
    assert files == []
    assert [n.level for n in notices] == [NoticeLevel.ERROR]
    assert "\n" not in notices[0].message and "\x1b" not in (notices[0].path or "")
    assert not [p for p in opened if str(outside) in p or "/linked/" in p]


def test_hostile_patch_through_the_command_line_exits_2(repo_with_outside, tmp_path):
    root, outside = repo_with_outside
    patch = tmp_path / "agent.patch"
    patch.write_text(modified_file(f"{outside}/secret.py", f"{outside}/secret.py") + added_file(
        "b/new.py", ["import os", "os.system(input())"]), encoding="utf-8")
    with opened_files() as opened:
        result = CliRunner().invoke(main, ["diff", "--patch", str(patch), "--root", str(root), "--no-cache",
                                           "-f", "json", "--suite", "extended"])  # B605 is extended
    document = json.loads(result.stdout)
    assert result.exit_code == 2
    assert document["files"] == ["new.py"]  # the rest of the patch was analysed
    assert finding_engines(document, "new.py", "DS210") == {"semgrep", "bandit"}
    assert not [p for p in opened if p.startswith(str(outside))]


def test_duplicate_file_headers_refuse_the_file_however_often_repeated(tmp_path):
    once = added_file("b/app.py", ["import os", "os.system(input())"])
    files, notices = diff.Revisions.for_patch(tmp_path, once * 3).sources()
    assert files == []
    assert [(n.level, n.path, n.message) for n in notices] == [
        (NoticeLevel.ERROR, "app.py", "file appears twice in the patch; not analysed")
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "patches").glob("*.patch")))
def test_malformed_patches_are_one_line_input_errors(name, tmp_path):
    text = (FIXTURES / "patches" / name).read_text(encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(diff.InputError) as caught:
        diff.Revisions.for_patch(tmp_path, text).sources()
    assert "\n" not in str(caught.value)
    assert time.monotonic() - started < 10
    result = CliRunner().invoke(main, ["diff", "--patch", str(FIXTURES / "patches" / name), "--root",
                                       str(tmp_path), "--no-cache"])
    assert result.exit_code == 2
    assert result.stderr.startswith("diffsentry: error: ") and result.stderr.count("\n") == 1


def test_empty_patch_is_an_empty_change(tmp_path):
    assert diff.Revisions.for_patch(tmp_path, "", allow_empty=True).sources() == ([], [])


def test_undecodable_and_nul_bytes_in_a_patch_refuse_that_file_only(tmp_path):
    patch = (
        added_file("b/bad_bytes.py", ["name = '\udce9t\udce9'"])  # latin-1 bytes, as the CLI reads them
        + added_file("b/nul.py", ["x = '\x00'"])
        + added_file("b/good.py", ["import os", "os.system(input())"])
    )
    files, notices = diff.Revisions.for_patch(tmp_path, patch).sources()
    assert [f.path for f in files] == ["good.py"]
    assert {(n.path, n.level) for n in notices} == {("bad_bytes.py", NoticeLevel.ERROR), ("nul.py", NoticeLevel.ERROR)}
    report = pipeline.scan_change(diff.Revisions.for_patch(tmp_path, patch), _select(["DS210"]), pipeline.Options())
    assert report.files == ("good.py",) and report.failed


def test_patched_file_over_the_size_limit_is_refused(tmp_path):
    patch = added_file("b/big.py", ["x = 1"] * 1000)
    files, notices = diff.Revisions.for_patch(tmp_path, patch).sources(max_bytes=1000)
    assert files == [] and "larger than the size limit" in notices[0].message


def test_patch_keeps_the_file_encoding(tmp_path):
    (tmp_path / "legacy.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n")
    # The agent's patch carries the file's own bytes (the CLI keeps undecodable ones as surrogates).
    patch = ("--- a/legacy.py\n+++ b/legacy.py\n@@ -1,2 +1,3 @@\n # -*- coding: latin-1 -*-\n"
             " name = '\udce9t\udce9'\n+other = '\udce0'\n")
    (source,), notices = diff.Revisions.for_patch(tmp_path, patch).sources()
    assert notices == [] and not source.fragment
    assert source.text.splitlines()[1:] == ["name = 'été'", "other = 'à'"]


def test_form_feed_does_not_split_lines_when_applying(tmp_path):
    """str.splitlines() splits at \\f, \\x1c, U+2028...; git does not. Before, such files never matched."""
    (tmp_path / "app.py").write_text("import os\n\x0c\n# page two\u2028still one line\nx = 1\n", encoding="utf-8")
    patch = ("--- a/app.py\n+++ b/app.py\n@@ -3,2 +3,3 @@\n # page two\u2028still one line\n x = 1\n"
             "+os.system(input())\n")
    (source,), notices = diff.Revisions.for_patch(tmp_path, patch).sources()
    assert notices == [] and not source.fragment
    assert source.changed_lines == {5}


def test_lone_cr_lines_are_counted_as_python_counts_them(tmp_path):
    """Git sees one line where Python sees three: the changed lines must cover all three."""
    patch = "--- /dev/null\n+++ b/mac.py\n@@ -0,0 +1 @@\n+import os\rx = 1\ros.system(input())\r\n"
    (source,), _ = diff.Revisions.for_patch(tmp_path, patch).sources()
    assert source.changed_lines == {1, 2, 3}
    report = pipeline.scan_change(diff.Revisions.for_patch(tmp_path, patch), _select(["B605"]), pipeline.Options())
    assert [(f.rule_id, f.region.start_line) for f in report.findings] == [("B605", 3)]


def test_lone_cr_lines_in_base_mode(tmp_path):
    from tests.gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.write("keep.py", "x = 1\n")
    repo.commit("base")
    repo.write("mac.py", b"import os\rx = 1\ros.system(input())\r")
    repo.git("add", "-A")
    report = pipeline.scan_change(diff.Revisions.for_base(repo.path, "HEAD"), _select(["B605"]), pipeline.Options())
    assert [(f.rule_id, f.path, f.region.start_line) for f in report.findings] == [("B605", "mac.py", 3)]


def _select(ids: list[str]):
    from analyzer.catalogue import load_catalogue

    return load_catalogue().select(ids)
