"""The taint pre-filter never drops a file a taint rule fires on (a drop would be a silent miss).

* Property over every rule case and injection pair: Semgrep run WITHOUT the pre-filter finds
  taint findings; the pre-filter must admit each (rule, file) of them.
* Property over regexes: strings Hypothesis generates to match a regex contain one of the
  literals the pre-filter requires of that regex.
* Semgrep really applies the `paths: include` globs built for odd file names (brackets, stars,
  spaces, non-ASCII, leading dots and dashes, backslashes): every such file is still scanned.
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from analyzer.engines import semgrep, taint_prefilter
from analyzer.engines.taint_prefilter import FileText, TRUE, rule_condition
from analyzer.rulespec import semgrep_rule_files
from analyzer.sources import SourceFile
from tests.conftest import REPO

RULE_FILES = semgrep_rule_files()
PAIRS = REPO / "benchmarks" / "injection_pairs"


def _spliced(catalogue) -> dict[str, dict]:
    return {rule["id"]: rule for rule in semgrep.build_config(RULE_FILES, catalogue.for_engine("semgrep"))["rules"]}


def _samples() -> list[Path]:
    cases = sorted((REPO / "rulesets" / "semgrep").glob("*.py"))
    return cases + sorted(PAIRS.rglob("*.py")) + sorted((REPO / "fixtures").rglob("*.py"))


def _taint_hits(catalogue, files: list[SourceFile]) -> tuple[set[tuple[str, str]], list]:
    """(rule name, file) of every taint finding of Semgrep without the pre-filter, and the findings."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIFFSENTRY_TAINT_PREFILTER", "off")
        result = semgrep.run(files, catalogue.for_engine("semgrep"), RULE_FILES)
    assert not [n.one_line() for n in result.notices if n.level.name == "ERROR"]
    rules = _spliced(catalogue)
    by_id = {spec.id: spec.name for spec in catalogue.for_engine("semgrep")}
    taint = [f for f in result.findings if rules[by_id[f.rule_id]].get("mode") == "taint"]
    return {(by_id[f.rule_id], f.path) for f in taint}, taint


def _cut(text: str, line: int) -> str | None:
    """The file's imports and the one top-level statement holding `line`: a single case."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.splitlines(keepends=True)
    keep = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
            or node.lineno <= line <= (node.end_lineno or node.lineno)]
    starts = [min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))]) for node in keep]
    return "".join("".join(lines[start - 1:node.end_lineno]) for start, node in zip(starts, keep))


def test_every_taint_finding_without_the_prefilter_is_admitted_by_it(catalogue, tmp_path):
    """Each annotated case, cut out of its file with the file's imports, analysed without the
    pre-filter: wherever a taint rule fires, the pre-filter admits that rule on that text."""
    files = [SourceFile(str(p.relative_to(REPO)), p.read_text(encoding="utf-8"), disk_path=p) for p in _samples()]
    rules = _spliced(catalogue)
    whole, found = _taint_hits(catalogue, files)
    texts = {f.path: f.text for f in files}
    assert not [hit for hit in sorted(whole) if not rule_condition(rules[hit[0]]).holds(FileText(texts[hit[1]]))]
    # One file per taint finding of a rule case: its imports and its top-level statement.
    cuts: list[SourceFile] = []
    for finding in found:
        piece = _cut(texts[finding.path], finding.region.start_line)
        if piece is not None and piece not in {c.text for c in cuts}:
            disk = tmp_path / f"case{len(cuts)}.py"
            disk.write_text(piece, encoding="utf-8")
            cuts.append(SourceFile(disk.name, piece, disk_path=disk))
    hits, _ = _taint_hits(catalogue, cuts)
    assert len(hits) > 200, f"only {len(hits)} taint findings on single cases: the property means too little"
    by_name = {c.path: c.text for c in cuts}
    missed = [(name, path, by_name[path]) for name, path in sorted(hits)
              if not rule_condition(rules[name]).holds(FileText(by_name[path]))]
    assert not missed, f"the pre-filter would drop cases these rules fire on: {missed[:3]}"


def test_prefilter_drops_files_without_sources(catalogue):
    """The point of it: Django's password hashers read no untrusted input (0.41 s of DS220 before)."""
    rules = _spliced(catalogue)
    hashers_like = "import hashlib\n\ndef make(password, salt):\n    return hashlib.sha256(salt + password).hexdigest()\n"
    for name in ("code-evaluation-of-untrusted-input", "shell-command-from-untrusted-input",
                 "sql-query-from-untrusted-input", "deserialization-of-untrusted-data"):
        assert not rule_condition(rules[name]).holds(FileText(hashers_like)), name
    flask = "from flask import request\nimport os\n\ndef view():\n    os.system(request.args['c'])\n"
    assert rule_condition(rules["shell-command-from-untrusted-input"]).holds(FileText(flask))


def test_names_only_in_comments_and_docstrings_admit_nothing(catalogue):
    """Django's docstrings say `input`, `request.GET`...: words Semgrep never matches a name to."""
    rules = _spliced(catalogue)
    shell = rule_condition(rules["shell-command-from-untrusted-input"])
    prose = ('"""Read the request.args of the input() and call os.system on it."""\n'
             "import subprocess  # request.args, input(), sys.argv\n\n"
             "def run(cmd):\n    'flask.request.args.get(...)'\n    return subprocess.run(['ls'], check=True)\n")
    assert not shell.holds(FileText(prose))
    assert shell.holds(FileText(prose + "\ndef view():\n    subprocess.run(input(), shell=True)\n"))


@pytest.mark.parametrize("text", [
    'import os\nos.system(f"ls {input()}")\n',  # an f-string's fields are code
    'import os\nos.system(t"ls {input()}")\n',  # so are a t-string's (3.14), one NAME and one STRING here
    'import os\n__import__("os").system(input())  # os\n',  # a module named in a string: every word
    'import os\nos.system(input())\n\tx = (\n',  # does not tokenize: every word
    'import os\n"""\0"""\nos.system(input())\n',  # a NUL byte: every word
])
def test_code_words_keep_whatever_semgrep_may_read_as_code(catalogue, text):
    rules = _spliced(catalogue)
    assert rule_condition(rules["shell-command-from-untrusted-input"]).holds(FileText(text))
    assert {"os", "system", "input"} <= taint_prefilter.code_words(text)


def test_code_words_are_names_not_prose():
    words = taint_prefilter.code_words('"""input body"""\n# context\ndef f(request):\n    return request.GET\n')
    assert words == {"def", "f", "request", "return", "GET"}


# --- patterns and regexes -------------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "words"), [
    ("flask.request.$ATTR(...)", {"flask", "request"}),
    ("$REQ.$ATTR", set()),
    ("def $VIEW(self, $REQ, ...): ...", {"self"}),
    ("os.environ.get($...ARGS)", {"os", "environ", "get"}),
    ('$CONTEXT["dag_run"].conf', {"conf"}),  # strings: constant propagation may build them
    ("if not $X: raise ...", set()),  # keywords
    ("(str $X)", set()),  # typed metavariables: the type may be inferred
    ("f($X: int)", {"f"}),
    ("import gradio as $GR", {"gradio"}),
])
def test_pattern_names(pattern, words):
    condition = taint_prefilter._pattern(pattern)
    found = set() if condition is TRUE else {s for part in (condition.parts or (condition,)) for s in part.strings}
    assert found == words


@pytest.mark.parametrize("regex", [
    r"^(?i)(get|post)$", r"^(?i:get)$", r"[[:alpha:]]+", r"\Qa.b\E", r"^(a|)$", r".*", r"^(?!self$)",
    r"(ab)?", r"x{0,3}", r"\p{L}",
])
def test_regexes_without_a_certain_literal_require_nothing(regex):
    assert taint_prefilter._regex(regex) is TRUE


def _regexes_of_our_rules() -> list[str]:
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern-regex" and isinstance(value, str):
                    found.add(value)
                elif key == "metavariable-regex" and isinstance(value, dict):
                    found.add(value["regex"])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    from analyzer.catalogue import load_catalogue

    for rule in _spliced(load_catalogue()).values():
        walk(rule.get("pattern-sources"))
        walk(rule.get("pattern-sinks"))
    return sorted(found)


TRICKY = [r"ab(c|d)+e", r"^(.*\.)?(Handler|Base)$", r"x[ab]y?z", r"(?:foo|bar)baz", r"q{2,3}rs", r"(a|bc)(d|ef)",
          r"\bword\b", r"^resolve_\w+$", r"(x+|yy)z"]


@pytest.mark.parametrize("regex", _regexes_of_our_rules() + TRICKY)
@given(data=st.data())
def test_every_match_contains_a_required_literal(regex, data):
    python_regex = re.compile(regex)
    text = data.draw(st.from_regex(python_regex, fullmatch=False))
    assert taint_prefilter._regex(regex).holds(FileText(text)), (regex, text)
    # As a metavariable's whole binding (a token of the code, between non-word characters).
    binding = data.draw(st.from_regex(python_regex, fullmatch=True))
    assert taint_prefilter._regex(regex, binding=True).holds(FileText(f"x = ({binding})")), (regex, binding)


# --- Semgrep applies the include globs --------------------------------------------------------------

ODD_NAMES = ["a[1].py", "b*?.py", "sp ace .py", "\u00fcn\u00efcode.py", ".dot.py", "-dash.py", "back\\slash.py",
             "#hash.py", "!bang.py", "d[x]/in{braces}.py", "plain.py", "x/y/deep.py"]


def test_include_globs_reach_files_with_odd_names(tmp_path, monkeypatch):
    rule = {
        "id": "odd-taint", "languages": ["python"], "severity": "ERROR", "message": "m", "mode": "taint",
        "pattern-sources": [{"pattern": "source_here(...)"}], "pattern-sinks": [{"pattern": "sink_here(...)"}],
    }
    by_disk = {}
    for name in ODD_NAMES + ["decoy1.py", "sub/decoy2.py"]:
        path = tmp_path / "tree" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "other()\n" if "decoy" in name else "sink_here(source_here())\n"
        path.write_text(text, encoding="utf-8")
        by_disk[str(path.resolve())] = SourceFile(name, text, disk_path=path)
    # A search rule keeps the decoys in the run, so the taint rule gets an include list.
    search = {"id": "any-call", "languages": ["python"], "severity": "INFO", "message": "m", "pattern": "other()"}
    config, unneeded = semgrep.target_rules({"rules": [rule, search]}, by_disk)
    assert not unneeded
    assert len(config["rules"][0]["paths"]["include"]) == len(ODD_NAMES)
    out = semgrep._scan(semgrep.semgrep_executable(), by_disk, config,
                        deadline=semgrep._Deadline(time.monotonic() + 600, 600), per_file_timeout_s=30)
    assert isinstance(out, semgrep._Output), out
    assert not out.notices
    fired = {source.path for check_id, source, _, _ in out.matches if check_id == "odd-taint"}
    assert fired == set(ODD_NAMES)


def test_files_no_rule_can_fire_on_are_not_given_to_semgrep_and_count_as_scanned(tmp_path, catalogue,
                                                                                   monkeypatch):
    argv_log = tmp_path / "argv.json"
    calls = []
    real = semgrep._run_killable

    def recording(command, **kwargs):
        calls.append([Path(a).name for a in command if a.endswith(".py")])
        argv_log.write_text(json.dumps(command))
        return real(command, **kwargs)

    monkeypatch.setattr(semgrep, "_run_killable", recording)
    (tmp_path / "quiet.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (tmp_path / "app.py").write_text("from flask import request\nimport os\n\n\ndef view():\n"
                                     "    os.system(request.args['c'])\n", encoding="utf-8")
    files = [SourceFile(n, (tmp_path / n).read_text(), disk_path=tmp_path / n) for n in ("quiet.py", "app.py")]
    only_taint = catalogue.select(["DS210"]).for_engine("semgrep")
    result = semgrep.run(files, only_taint, RULE_FILES)
    assert calls[0] == ["app.py"]
    assert result.scanned == {"quiet.py", "app.py"}
    assert [f.rule_id for f in result.findings] == ["DS210"]
    calls.clear()
    result = semgrep.run(files[:1], only_taint, RULE_FILES)
    assert calls == [] and result.scanned == {"quiet.py"} and not result.notices
