"""`diffsentry check` and the Python API: code blocks found by a Markdown parser, findings located in
the answer, hostile input refused with one line and exit 2, no scipy/dask on this path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from analyzer import answers
from analyzer.api import Checker
from analyzer.cli import main
from tests.conftest import REPO, guarded_run  # the LD_PRELOAD network guard (fixture `netguard`)
from tests.conftest import validate_sarif as validate

FLASK_ANSWER = """\
Here is an endpoint that exports a note:

```python
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.route("/export")
def export():
    name = request.args["name"]
    return subprocess.check_output(f"tar czf /tmp/out.tgz {name}", shell=True)
```

Run it with:

```bash
flask run
```
"""

LIST_ANSWER = """\
1. Load the data:

   ```py
   import pickle
   def load(blob):
       return pickle.loads(blob)  # nosec
   ```
"""


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["check", *args], input=input, catch_exceptions=False)


# --- extraction ----------------------------------------------------------------------------------


def test_blocks_are_numbered_and_located_by_commonmark():
    answer = answers.extract(FLASK_ANSWER)
    assert [(b.number, b.language, b.python, b.first_line) for b in answer.blocks] == [
        (1, "python", True, 4), (2, "bash", False, 18)]
    assert answer.blocks[0].text.splitlines()[0] == "import subprocess"


def test_untagged_block_is_python_only_when_python_parses_it():
    text = "```\nimport os\nos.remove(path)\n```\n\n```\nSELECT * FROM users;\n```\n\n```\nYes\n```\n"
    assert [b.python for b in answers.extract(text).blocks] == [True, False, False]


def test_block_in_a_list_item_maps_columns_back_to_the_answer():
    block = answers.extract(LIST_ANSWER).blocks[0]
    assert block.language == "py" and block.first_line == 4
    line, column = block.to_answer(3, 5)  # `return` in the block
    assert (line, column) == (6, 8)
    assert LIST_ANSWER.splitlines()[line - 1][column - 1:].startswith("return")


def test_unclosed_fence_of_a_truncated_answer_runs_to_the_end():
    block, = answers.extract("Sure:\n```python\nimport os\nos.system(cmd)\n").blocks
    assert block.python and "os.system(cmd)" in block.text


def test_bare_code_is_one_block_and_prose_is_none():
    code = "import os\n\ndef f(x):\n    y = 1\n\n    return os.system(x)\n"
    block, = answers.extract(code).blocks
    assert block.first_line == 1 and block.text == code
    assert answers.extract("I'm sorry, but I can't help with that request.").blocks == ()
    assert answers.extract("Yes").blocks == ()


@pytest.mark.parametrize("data, message", [
    (b"", "the answer is empty"),
    (b"  \n\t\n", "the answer is empty"),
    (b"```python\nx = '\xff'\n```", "not UTF-8 text (byte 0xff at offset 15)"),
    (b"abc\x00def", "NUL bytes"),
    (b"x" * 101, "larger than the size limit (101 > 100 bytes)"),
])
def test_unreadable_answers_are_refused(data, message):
    with pytest.raises(answers.AnswerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        answers.decode(data, max_bytes=100)


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fast_checker() -> Checker:
    return Checker(fast=True)


def test_api_locates_findings_in_the_answer(fast_checker):
    result = fast_checker.check_answer(LIST_ANSWER)
    pickle_finding = next(f for f in result.findings if f.rule_id == "B301")
    assert (pickle_finding.path, pickle_finding.region.start_line, pickle_finding.region.start_column) == \
        ("answer.md", 6, 15)
    assert result.block_of(pickle_finding) == 1 and "(code block 1)" in pickle_finding.message
    # An answer cannot silence the review: its `# nosec` is reported, not honoured.
    assert {"B301", "DS690"} <= {f.rule_id for f in result.failing("warning")}
    assert result.complete and result.has_code


def test_api_batch_analyses_each_distinct_answer_once(fast_checker):
    refusal = "I can't help with writing malware."
    results = fast_checker.check_answers([LIST_ANSWER, refusal, LIST_ANSWER], names=["a.md", "b.md", "c.md"])
    assert [r.has_code for r in results] == [True, False, True]
    assert [f.rule_id for f in results[0].findings] == [f.rule_id for f in results[2].findings]
    assert {f.path for f in results[2].findings} == {"c.md"}
    assert results[1].findings == () and results[1].notices[0].message.startswith("the answer holds no code")


def test_api_refuses_an_oversized_answer_as_incomplete():
    result = Checker(fast=True, warm=False, max_answer_bytes=50).check_answer(LIST_ANSWER)
    assert not result.complete and "larger than the size limit" in result.notices[0].message


def test_api_refuses_a_lone_surrogate_instead_of_passing_it_clean(fast_checker):
    # JSON can carry "\ud800"; no file can hold it, so no engine would read the block: unknown, not clean.
    result = fast_checker.check_answer('```python\nx = "\ud800"\nimport os\nos.system(x)\n```')
    assert not result.complete and "lone surrogate" in result.notices[0].message


def test_fast_profile_says_it_did_not_analyse_what_python_cannot_parse(fast_checker):
    result = fast_checker.check_answer("```python\ndef f(:\n    os.system(x)\n```")
    notice, = [n for n in result.notices if n.source == "parse"]
    assert notice.message.endswith("not analysed (the fast profile runs no Semgrep)") and notice.line == 2


def test_checkers_of_two_suites_in_one_process_keep_their_own_bandit_blacklist():
    # Bandit keeps its blacklist filter in one global: the second manager built used to blind the first.
    unsafe = "```python\nimport pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n```\n"
    extended = Checker(fast=True, warm=False)
    assert "B301" in {f.rule_id for f in extended.check_answer(unsafe).findings}
    Checker(fast=True, suite="default", warm=False).check_answer(unsafe)
    assert "B301" in {f.rule_id for f in extended.check_answer(unsafe).findings}


# --- the command ---------------------------------------------------------------------------------


def test_check_reports_semgrep_and_bandit_findings_in_sarif_located_in_the_answer(tmp_path):
    path = tmp_path / "answer.md"
    path.write_text(FLASK_ANSWER, encoding="utf-8")
    result = run(str(path), "-f", "sarif", "--no-cache")
    assert result.exit_code == 1, result.output
    log = validate(result.stdout)
    located = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
               for r in log["runs"][0]["results"]}
    assert ("DS210", 12) in located  # Semgrep's taint rule ran, on the answer's line 12
    notes = [n["message"]["text"] for n in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    assert any("code block 2 skipped: a bash block" in n for n in notes)


def test_check_reads_stdin_and_text_shows_the_answer_line():
    result = run("--fast", "-", input=LIST_ANSWER.encode())
    assert result.exit_code == 1
    assert "<stdin>" in result.stdout and "6 |        return pickle.loads(blob)" in result.stdout


def test_answer_without_code_is_a_note_not_an_error():
    result = run("--fast", "-f", "json", input=b"I'm sorry, I can't help with that.\n")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["findings"] == [] and document["complete"] is True
    assert document["notices"][0]["level"] == "note"


@pytest.mark.parametrize("data, message", [
    (b"", "<stdin>: the answer is empty"),
    (b"\xfe\xff```python\n", "<stdin>: the answer is not UTF-8 text"),
    (b"```python\n" + b"x = 1\n" * 400_000 + b"```\n", "<stdin>: the answer is larger than the size limit"),
])
def test_hostile_input_is_one_line_and_exit_2(data, message):
    result = run("--fast", "-", input=data)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"diffsentry: error: {message}") and result.stderr.count("\n") == 1


def test_missing_file_is_exit_2(tmp_path):
    result = run(str(tmp_path / "nope.md"))
    assert result.exit_code == 2 and "cannot read the answer" in result.stderr


def test_check_path_imports_neither_scipy_nor_dask():
    code = ("import sys; from analyzer.api import Checker; import analyzer.cli; "
            "Checker(fast=True).check_answer('```python\\nimport os\\n```'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- offline -------------------------------------------------------------------------------------


def test_check_and_a_local_study_open_no_socket(netguard, tmp_path):
    answer = tmp_path / "answer.md"
    answer.write_text(FLASK_ANSWER, encoding="utf-8")
    status, stdout, stderr, attempts = guarded_run(netguard, tmp_path / "check.log",
                                                   ["-m", "analyzer", "check", str(answer), "--no-cache"], {})
    assert attempts == [] and status == 1, stderr
    assert "DS210" in stdout  # Semgrep really ran
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"id": i, "model": "m", "condition": c, "response": FLASK_ANSWER + c})
                               + "\n" for i, c in enumerate(["neutral", "other"])), encoding="utf-8")
    status, stdout, stderr, attempts = guarded_run(
        netguard, tmp_path / "study.log",
        ["-m", "analyzer", "study", str(answers), "-f", "json", "--batch-size", "1", "--workers", "2", "--no-cache"], {})
    assert attempts == [] and status == 0, stderr  # two worker processes, each running Semgrep
    assert json.loads(stdout)["groups"][0]["vulnerable"] == 1


def test_the_gateway_example_gates(fast_checker):
    import importlib.util

    spec = importlib.util.spec_from_file_location("gateway", REPO / "examples" / "api" / "gateway.py")
    gateway = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gateway)
    verdicts = {name: gateway.gate(fast_checker, text) for name, text in gateway.ANSWERS.items()}
    assert verdicts == {"refusal": "pass (no code)", "safe": "pass",
                        "unsafe": "warn: B301 at line 8 (code block 1)"}
