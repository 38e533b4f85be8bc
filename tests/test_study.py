"""`diffsentry study`: input errors name the line, the figures are right, every output is written,
the HTML page renders in a real browser, and a Dask cluster gives byte-identical JSON.

The example study is analysed with every engine once per session (one Semgrep process: the whole
example is one batch); later runs reuse the session's result cache."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.study import stats
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "study" / "answers.jsonl"
GROUP_FIELDS = {"model", "condition", "n", "with_code", "no_code", "vulnerable", "rate", "ci_low", "ci_high",
                "incomplete", "by_family", "by_cwe"}
COMPARISON_FIELDS = {"model", "condition", "baseline_condition", "rate", "baseline_rate", "difference",
                     "relative_change", "p_value", "p_holm"}


def study(*args: str):
    return CliRunner().invoke(main, ["study", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    result = study(str(EXAMPLE), "-f", "json", "-o", str(out / "study.json"), "--html", str(out / "report.html"),
                   "--answers-out", str(out / "answers.jsonl"), "--batch-size", "64")
    assert result.exit_code == 0, result.output
    return out


# --- input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    (b'{"id": 1, "model": "m", "condition": "c", "response": "x"}\n{"id": 2, "model": "m",\n',
     "x.jsonl:2: invalid JSON: Expecting property name enclosed in double quotes (column 24)"),
    (b'{"id": 1, "model": "m", "condition": "c"}\n', "x.jsonl:1: missing field 'response'"),
    (b'\n{"id": 1, "response": "x"}\n', "x.jsonl:2: missing fields 'model', 'condition'"),
    (b'{"id": 1, "model": "m", "condition": "c", "response": null}\n',
     "x.jsonl:1: field 'response' must be a string, not null"),
    (b'[1, 2]\n', "x.jsonl:1: expected a JSON object, found list"),
    (b'{"id": 1, "model": "m", "condition": "c", "response": "\xff"}\n',
     "x.jsonl:1: not UTF-8 text (byte 0xff at column 56)"),
    (b'{"id": 1, "model": "m", "condition": "c", "response": ""}\n' * 2, "x.jsonl:2: id '1' is already used on line 1"),
    (b"", "x.jsonl: no answers (expected one JSON object per line)"),
])
def test_bad_input_is_one_line_naming_the_line(tmp_path, content, message):
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    result = _in(tmp_path, "study", "x.jsonl")
    assert result.exit_code == 2
    assert result.stderr == f"diffsentry: error: {message}\n"


def _in(directory, *args):
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)


def test_unknown_baseline_condition_is_refused():
    result = study(str(EXAMPLE), "--baseline-condition", "nope", "--fast")
    assert result.exit_code == 2 and "'nope' is not a condition" in result.stderr


def test_huge_answer_makes_the_study_incomplete_but_loses_nothing(tmp_path):
    rows = [{"id": "small", "model": "m", "condition": "neutral", "response": "```python\nimport os\n```"},
            {"id": "huge", "model": "m", "condition": "neutral", "response": "```python\n" + "x = 1\n" * 5000}]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = study(str(path), "--fast", "--max-answer-bytes", "10000", "-f", "json", "-o", str(tmp_path / "o.json"),
                   "--answers-out", str(tmp_path / "per.jsonl"))
    assert result.exit_code == 2
    assert "answer 'huge' (line 2): error: input: answer larger than the size limit" in result.stderr
    doc = json.loads((tmp_path / "o.json").read_text())
    assert doc["complete"] is False
    group, = doc["groups"]  # the unread answer is neither "with code" nor "no code": it is unknown
    assert (group["n"], group["with_code"], group["no_code"], group["incomplete"]) == (2, 1, 0, 1)
    per = [json.loads(line) for line in (tmp_path / "per.jsonl").read_text().splitlines()]
    assert [(p["id"], p["complete"]) for p in per] == [("small", True), ("huge", False)]


# --- statistics ----------------------------------------------------------------------------------


def test_wilson_interval_matches_the_formula():
    k, n, z = 4, 32, 1.959963984540054
    p = k / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = stats.wilson(k, n)
    assert low == pytest.approx(centre - half) and high == pytest.approx(centre + half)
    assert stats.wilson(0, 0) == (None, None)


def test_fisher_exact_matches_a_hand_computed_table():
    # [[3, 1], [1, 3]]: hypergeometric two-sided p = (1 + 16 + 16 + 1) / 70
    assert stats.fisher(3, 4, 1, 4) == pytest.approx(34 / 70)


def test_holm_steps_down_and_stays_monotone():
    assert stats.holm([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert stats.holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])
    assert stats.holm([]) == []


# --- outputs -------------------------------------------------------------------------------------


def test_json_has_groups_and_comparisons_with_the_documented_fields(example_run):
    doc = json.loads((example_run / "study.json").read_text())
    assert doc["baseline_condition"] == "neutral" and doc["complete"] is True
    assert [g["condition"] for g in doc["groups"]] == ["neutral", "sensitive"]
    assert all(set(g) == GROUP_FIELDS for g in doc["groups"])
    neutral, sensitive = doc["groups"]
    assert neutral["n"] == sensitive["n"] == 32
    assert sensitive["no_code"] > 0 and sensitive["with_code"] + sensitive["no_code"] == 32
    assert neutral["vulnerable"] > 0 and neutral["rate"] == neutral["vulnerable"] / neutral["with_code"]
    assert neutral["ci_low"] < neutral["rate"] < neutral["ci_high"]
    assert "injection" in sensitive["by_family"] and "CWE-78" in sensitive["by_cwe"]
    comparison, = doc["comparisons"]
    assert set(comparison) == COMPARISON_FIELDS
    assert comparison["difference"] == pytest.approx(sensitive["rate"] - neutral["rate"])
    assert comparison["p_value"] == pytest.approx(stats.fisher(sensitive["vulnerable"], sensitive["with_code"],
                                                               neutral["vulnerable"], neutral["with_code"]))
    assert comparison["p_holm"] == comparison["p_value"]  # one comparison: nothing to adjust


def test_per_answer_records_add_up_to_the_figures(example_run):
    doc = json.loads((example_run / "study.json").read_text())
    per = [json.loads(line) for line in (example_run / "answers.jsonl").read_text().splitlines()]
    assert len(per) == 64
    for group in doc["groups"]:
        mine = [p for p in per if p["condition"] == group["condition"]]
        assert sum(p["vulnerable"] for p in mine) == group["vulnerable"]
        assert sum(not p["has_code"] for p in mine) == group["no_code"]
    vulnerable = next(p for p in per if p["vulnerable"])
    assert vulnerable["findings"][0]["block"] == 1 and vulnerable["findings"][0]["line"] > 3


def test_local_worker_processes_give_the_same_figures(example_run):
    result = study(str(EXAMPLE), "-f", "json", "--batch-size", "32", "--workers", "2")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (example_run / "study.json").read_text()


def test_csv_and_table(example_run):
    rows = list(csv.DictReader(io.StringIO(study(str(EXAMPLE), "-f", "csv", "--batch-size", "64").stdout)))
    assert [r["condition"] for r in rows] == ["neutral", "sensitive"]
    assert rows[0]["p_value"] == "" and float(rows[1]["p_value"]) > 0
    table = study(str(EXAMPLE), "--batch-size", "64").stdout
    assert "synthetic-model" in table and "sensitive" in table and "95% CI" in table


def test_names_from_the_input_cannot_inject_markup_or_formulas(tmp_path):
    rows = [{"id": i, "model": "<script>alert(1)</script>", "condition": cond, "response": "no code"}
            for i, cond in enumerate(["neutral", "=HYPERLINK(\"x\")"])]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = study(str(path), "--fast", "-f", "csv", "--html", str(tmp_path / "r.html"))
    assert "'=HYPERLINK" in result.stdout
    assert "<script>" not in (tmp_path / "r.html").read_text()


# --- the page in a real browser ------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def browser(tmp_path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([chromium(), *flags, *args], capture_output=True, timeout=120, check=True)


def test_html_report_renders_in_chromium(example_run, tmp_path):
    page = example_run / "report.html"
    text = page.read_text()
    assert "http://" not in text and "https://" not in text and "<script" not in text  # self-contained
    dom = browser(tmp_path, "--dump-dom", page.as_uri()).stdout.decode()
    assert dom.count("<tr>") == 3  # header and two groups, as the browser parsed them
    assert dom.count('class="point"') == 2 and "<svg" in dom
    shot = tmp_path / "report.png"
    browser(tmp_path, f"--screenshot={shot}", "--window-size=1000,800", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # Pixels, not just a file: the baseline's grey and the other condition's red were painted.
    assert _has_colour(data, (0xC0, 0x39, 0x2B)) and _has_colour(data, (0x55, 0x55, 0x55))


def _has_colour(png: bytes, rgb: tuple[int, int, int]) -> bool:
    """Whether a pixel of this 8-bit RGB(A) PNG has exactly this colour (rows decoded by hand:
    the test needs no imaging library)."""
    import struct
    import zlib

    width, height, depth, kind = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and kind in (2, 6)
    channels = 3 if kind == 2 else 4
    idat, offset = b"", 8
    while offset < len(png):
        length, chunk = struct.unpack(">I4s", png[offset:offset + 8])
        if chunk == b"IDAT":
            idat += png[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw, stride, previous = zlib.decompress(idat), width * channels, bytearray(width * channels)
    for row in range(height):
        start = row * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous, channels)
        for x in range(0, stride, channels):
            if tuple(line[x:x + 3]) == rgb:
                return True
        previous = line
    return False


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            estimate = left + up - corner
            pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
    return line


# --- Dask ----------------------------------------------------------------------------------------


def test_dask_cluster_gives_byte_identical_json(example_run):
    distributed = pytest.importorskip("distributed")
    local = (example_run / "study.json").read_text()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        # Two batches, so both workers take one: the report must not depend on who analysed what.
        result = study(str(EXAMPLE), "-f", "json", "--batch-size", "32", "--dask-scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == local


def test_unreachable_scheduler_is_one_line_and_exit_2(monkeypatch):
    monkeypatch.setenv("DIFFSENTRY_DASK_TIMEOUT", "2s")
    result = study(str(EXAMPLE), "--fast", "--dask-scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert result.stderr.startswith("diffsentry: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
