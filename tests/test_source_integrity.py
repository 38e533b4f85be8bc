"""DS6xx source-integrity rules: the helpers behind them and the behaviours the rule examples can't pin
(line numbering across odd line breaks, tokens, diff scoping)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analyzer import pipeline
from analyzer.engines.cst.rules._source_regions import (
    CODE, COMMENT, DOCSTRING, STRING, SourceRegions, physical_lines,
)
from analyzer.engines.cst.rules.confusables import mixed_script_letter, segments, skeleton
from analyzer.engines.cst.rules.suppression_comments import security_suppressions
from analyzer.sources import SourceFile


def _scan(catalogue, text: str, changed: frozenset[int] | None = None, rules=("DS6",)) -> list[tuple[str, int]]:
    source = SourceFile("app.py", text, changed)
    report = pipeline.analyse([source], [], Path("."), catalogue.select(rules), pipeline.Options(),
                              mode="scan" if changed is None else "diff")
    return sorted((rule_id, f.region.start_line) for f in report.findings for rule_id in f.rule_ids)


# --- raw text: lines and tokens ------------------------------------------------------------------


def test_lines_are_numbered_as_python_numbers_them():
    # str.splitlines() would also break at the form feed and U+2028 and shift every later line.
    text = "\x0c\nx = 1  # a\u2028b\r\ny = 2\rz = 3\n"
    assert physical_lines(text)[:4] == ["\x0c", "x = 1  # a\u2028b", "y = 2", "z = 3"]
    assert [n.lineno for n in ast.parse(text).body] == [2, 3, 4]


def test_regions_tell_code_strings_and_comments_apart():
    text = '\ufeffx = "a"  # c\ns = """\nmiddle\n"""\nf = f"{x}y"\n'
    regions = SourceRegions(text)
    assert regions.kind_at(1, 1) == CODE  # `x`, after the byte-order mark
    assert regions.kind_at(1, 6) == STRING
    assert regions.kind_at(1, 11) == COMMENT
    assert regions.kind_at(3, 2) == STRING  # inside a triple-quoted string
    assert regions.kind_at(5, 0) == CODE
    assert [(c.line, c.text) for c in regions.comments] == [(1, "# c")]


def test_strings_that_are_statements_of_their_own_are_docstrings():
    text = (
        '"""Module."""\n\n\ndef f(x):\n    """Function."""  # note\n    y = "value"\n    g("arg")\n'
        '    "a" "b"\n    return """\n    text"""\n'
    )
    regions = SourceRegions(text)
    assert regions.kind_at(1, 2) == DOCSTRING
    assert regions.kind_at(5, 6) == DOCSTRING  # a comment after it does not change that
    assert regions.kind_at(6, 9) == STRING
    assert regions.kind_at(7, 7) == STRING
    assert regions.kind_at(8, 5) == STRING  # implicit concatenation: not a lone string
    assert regions.kind_at(10, 4) == STRING  # returned, not a statement of its own


def test_an_unterminated_string_leaves_the_rest_as_code():
    regions = SourceRegions('ok = "fine"\nbad = """never closed\n\u200b\n')
    assert regions.kind_at(1, 6) == STRING
    assert regions.kind_at(3, 0) == CODE


def test_findings_keep_python_line_numbers_after_a_form_feed(catalogue):
    text = "import os\n\x0c\n# ok\u2028still the comment\nname = 'admin\u200b'\n"
    assert ("DS602", 4) in _scan(catalogue, text, rules=("DS602",))


# --- DS60x ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'role = "admin\u200cuser"\n',  # a joiner between ASCII letters hides something
        'key = "\u2060token"\n',
        "x = 1  # two in a row\u200b\u200b\n",  # a run in a comment: hidden data
        "value = 1\u00a0+ 2\n",  # a non-ASCII space in code
    ],
)
def test_invisible_characters_that_hide_something(catalogue, text):
    assert [r for r, _ in _scan(catalogue, text, rules=("DS602",))] == ["DS602"]


@pytest.mark.parametrize(
    "text",
    [
        'IDENT = re.compile("[\\\\w\u17b4-\u17b5\ufe00-\ufe0f]+")\n',  # a regex class of non-ASCII ranges
        "x = 1  # one stray\u200b after a sentence\n",
        'label = "50\u202f%"\n',
        'ZALGO = "M\u0336\u034f\u0337o \u034f\u0349"\n',  # stacked diacritics, grapheme joiners (hypothesis)
    ],
)
def test_invisible_characters_that_are_text(catalogue, text):
    assert _scan(catalogue, text, rules=("DS602",)) == []


def test_bidi_marks_count_in_code_not_in_text(catalogue):
    assert _scan(catalogue, 'FMT = "d\u200f/m\u200f/Y"  # \u200f\n', rules=("DS601",)) == []
    assert _scan(catalogue, 'FMT = "d/m/Y"\u200f\n', rules=("DS601",)) == [("DS601", 1)]


# --- DS61x ------------------------------------------------------------------------------------------


def test_skeleton_maps_lookalikes_and_drops_invisibles():
    assert skeleton("pаssword") == "password"  # Cyrillic а
    assert skeleton("ｅｘｅｃ") == "exec"  # NFKC
    assert skeleton("token\u3164") == "token"  # Hangul filler
    assert skeleton("Δt") == "Δt"


def test_segments_split_at_underscores_digits_and_camel_case():
    assert segments("getПользователь_v2name") == ["get", "Пользователь", "v", "name"]
    assert segments("HTTPСlient") == ["HTTPСlient"]


@pytest.mark.parametrize(
    "name", ["σ_max", "Δt", "dθ", "ωt", "μs", "getПользователь", "user_имя", "用户名", "naïve_café", "x_ν", "価格Price"]
)
def test_legitimate_non_ascii_identifiers_are_not_mixed_script(name):
    assert mixed_script_letter(name) is None


@pytest.mark.parametrize("name", ["pаssword", "Оbject", "is_αdmin", "ѕubprocess", "deep_сору", "ραssword"])
def test_disguised_identifiers_are_mixed_script(name):
    assert mixed_script_letter(name) is not None


def test_a_russian_module_is_quiet(catalogue):
    text = (
        "def сумма(список):\n    итог = 0\n    for элемент in список:\n        итог += элемент\n"
        "    return итог\n\n\nclass Заказ:\n    def __init__(self, номер):\n        self.номер = номер\n"
    )
    assert _scan(catalogue, text) == []


def test_a_lookalike_of_a_name_elsewhere_in_the_file(catalogue):
    text = "def login(user, password):\n    if user.password_hash:\n        pass\n    return check(user, pаssword)\n"
    assert ("DS611", 4) in _scan(catalogue, text, rules=("DS611",))


# --- DS62x ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("# noqa: S102", "S102"),
        ("# noqa:S608,E501", "S608"),
        ("# type: ignore  # noqa: DUO116", "DUO116"),
        ("# ruff: noqa: S603", "whole file"),
        ("# pylint: disable-next=exec-used", "exec-used"),
        ("# NOSEMGREP: python.lang.security.audit.eval", "python.lang.security.audit.eval"),
        ("# lgtm[py/command-line-injection]", "lgtm"),
    ],
)
def test_security_suppressions_are_recognised(comment, expected):
    hits = security_suppressions(comment)
    assert hits and expected in hits[0][1]


@pytest.mark.parametrize(
    "comment",
    ["# noqa", "# noqa: F401, E501", "# noqa: S101", "# type: ignore[arg-type]", "# pylint: disable=W0611",
     "# nosec B602", "# diffsentry: ignore[DS201] constant", "# see the no-semantics note", "# LGTM, ship it"],
)
def test_other_comments_are_not_security_suppressions(comment):
    assert security_suppressions(comment) == []


def test_diff_mode_reports_only_the_suppressions_a_change_adds(catalogue):
    text = (
        "def load(path):\n    code = open(path).read()\n    exec(code)  # noqa: S102\n"
        "    return eval(code)  # pylint: disable=eval-used\n"
    )
    assert _scan(catalogue, text, rules=("DS620",)) == [("DS620", 3), ("DS620", 4)]
    assert _scan(catalogue, text, changed=frozenset({4}), rules=("DS620",)) == [("DS620", 4)]
