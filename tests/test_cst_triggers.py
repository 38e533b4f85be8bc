"""The libcst rules' shortcuts give the answers of what they replace (same findings, less CPU).

Triggers are tested first by their words, on ASCII text with the trigger compiled for ASCII;
DS350 looks for a token shape only in a file holding a literal part of it; `if __name__ ==
"__main__"` is recognised without rendering every condition; the supply-chain facts walk `ast`
without NodeVisitor's per-node overhead. Each is compared with the plain computation.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import libcst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.engines.cst import framework
from analyzer.engines.cst.rules import install_time, secret_literals
from analyzer.engines.cst.rules._support import source_of
from analyzer.engines.cst.supply_chain import python_facts

REPO = Path(__file__).resolve().parent.parent
TRIGGERED = [cls for cls in framework.cst_rule_classes() if cls.TRIGGER is not None]
WITH_WORDS = [cls for cls in TRIGGERED if cls.TRIGGER_WORDS]
CORPUS = sorted([*(REPO / "analyzer" / "engines" / "cst").rglob("*.py"), *(REPO / "tests").glob("test_*.py")])
ODD = [
    "", "CRON job", "ſystemd unit", "\u212aill at noon", "at", "AT once", "x = 1 if a==b else 2", "from datetime import date",
    "Ünïcödé = 'profile'", "import os\nos.environ['HOME']", "setup(name='x')", "SetUp()", "def\u00a0f(): pass",
    "# \u0430dmin", "global counter; counter += 1", "f.read()", "STARTUP", "CurrentVersion\\Run", "urllib3",
]


def test_every_rule_with_words_is_covered():
    assert {cls.id for cls in WITH_WORDS} >= {"DS151", "DS153", "DS160", "DS161", "DS162", "DS180", "DS181"}


@pytest.mark.parametrize("rule", WITH_WORDS, ids=lambda c: c.id)
def test_trigger_words_are_in_every_text_the_trigger_matches(rule):
    ignore_case = bool(rule.TRIGGER.flags & re.IGNORECASE)

    @settings(max_examples=200)
    @given(st.from_regex(rule.TRIGGER))
    def check(text: str) -> None:
        assert rule.TRIGGER.search(text)
        if ignore_case and not text.isascii():
            return  # words are not used on such a text
        haystack = text.lower() if ignore_case else text
        assert any(word in haystack for word in rule.TRIGGER_WORDS), text

    check()
    if ignore_case:
        assert all(word == word.lower() for word in rule.TRIGGER_WORDS)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(ODD))
def test_triggers_answer_as_their_regex_on_any_text(text):
    for rule in TRIGGERED:
        assert framework._Triggers(text)(rule) == bool(rule.TRIGGER.search(text)), (rule.id, text)


def test_triggers_answer_as_their_regex_on_real_code():
    for path in CORPUS:
        text = path.read_text(encoding="utf-8")
        for rule in TRIGGERED:
            assert framework._Triggers(text)(rule) == bool(rule.TRIGGER.search(text)), (rule.id, path)


@pytest.mark.parametrize("shape", secret_literals.TOKEN_SHAPES, ids=lambda s: f"{s[0]} {s[2][0]}")
def test_every_token_shape_match_holds_a_needle(shape):
    _provider, pattern, needles = shape

    @settings(max_examples=100)
    @given(st.from_regex(pattern))
    def check(text: str) -> None:
        match = pattern.search(text)
        assert match and any(needle in match.group() for needle in needles)

    check()


def _old_is_main_guard(node: libcst.If) -> bool:
    text = source_of(node.test).replace("'", '"').replace(" ", "")
    return text in ('__name__=="__main__"', '"__main__"==__name__')


@pytest.mark.parametrize("test", [
    "__name__ == '__main__'", '__name__=="__main__"', "'__main__' == __name__", "(__name__ == '__main__')",
    "__name__ != '__main__'", "__name__ == '__main__' == x", "__name__ is '__main__'", "__name__ == u'__main__'",
    "__name__ == '''__main__'''", "__name__ ==\t'__main__'", "main", "not __name__ == '__main__'",
    "__name__  ==  '__main__'", "__name__ == '__main__' and x", "x == y", "__name__ == \"__main__\"",
])
def test_main_guard_is_recognised_as_before(test):
    node = libcst.parse_module(f"if {test}:\n    pass\n").body[0]
    assert install_time._is_main_guard(node) == _old_is_main_guard(node)


class _PlainCollector(python_facts._Collector):
    """The collector with ast.NodeVisitor's own visit and generic_visit."""

    visit = ast.NodeVisitor.visit
    generic_visit = ast.NodeVisitor.generic_visit


def test_supply_chain_facts_are_collected_as_by_node_visitor():
    samples = [
        "import os, subprocess as sp\nfrom pip._internal import main\n"
        "CMD = ['pip', 'install', 'requests==2.0']\nsp.check_call(CMD)\nos.system(f'pip install {name}')\n"
        "main(['install', 'x'])\nsetup(install_requires=['a>=1', 'b'], extras_require={'x': ['c']})\n",
    ]
    for source in [*samples, *(path.read_text(encoding="utf-8") for path in CORPUS)]:
        tree = ast.parse(source)
        fast, plain = python_facts._Collector(source), _PlainCollector(source)
        fast.visit(tree)
        plain.visit(tree)
        assert fast.facts == plain.facts and fast.aliases == plain.aliases and fast.pip_names == plain.pip_names
    assert python_facts.collect(ast.parse(samples[0]), samples[0]).commands  # the sample has facts to compare


def _reference_cst_shape(tree: ast.AST) -> tuple[int, int]:
    """parse.cst_shape as written before it was made cheap (isinstance, iter_child_nodes)."""
    from analyzer.parse import _FLAT_DEPTH

    depth = cost = 0
    stack: list[tuple[ast.AST, int, int]] = [(tree, 0, 0)]
    while stack:
        node, level, expr_level = stack.pop()
        if isinstance(node, ast.BoolOp):
            extra = len(node.values) - 1
        elif isinstance(node, ast.alias):
            extra = node.name.count(".")
        elif isinstance(node, ast.ImportFrom):
            extra = (node.module or "").count(".")
        else:
            extra = 0
        level += 1 + extra
        expr_level = 0 if isinstance(node, (ast.stmt, ast.mod)) else expr_level + 1 + extra
        depth = max(depth, level)
        cost += max(0, expr_level - _FLAT_DEPTH)
        stack.extend((child, level, expr_level) for child in ast.iter_child_nodes(node))
    return depth, cost


def test_cst_shape_is_what_it_was():
    from analyzer.parse import cst_shape

    texts = [path.read_text(encoding="utf-8") for path in CORPUS] + [
        "x = " + " or ".join(["a"] * 200) + "\n", "import a" + ".b" * 300 + "\n", "from a" + ".b" * 50 + " import c\n",
        "x = a" + "[0]" * 60 + "\n", "def f():\n    return " + "(" * 40 + "1" + ")" * 40 + "\n",
        "match p:\n    case [a, {'k': b}] if a and b or c:\n        pass\n", "",
    ]
    for text in texts:
        tree = ast.parse(text)
        assert cst_shape(tree) == _reference_cst_shape(tree)
