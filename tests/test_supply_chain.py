"""Supply-chain facts: the shipped PyPI index, PEP 503 names, near-misses, manifests, project
context, and the issue's three examples through the real pipeline in diff mode."""

from __future__ import annotations

import gzip
import json
import textwrap
from pathlib import Path

import pytest

from analyzer import diff, pipeline
from analyzer.sources import Project
from analyzer.engines.cst.supply_chain import build_index, checks, index, manifests, names
from analyzer.engines.cst.supply_chain.nearmiss import Targets, osa_distance

INDEX = index.load_index()


# --- the index --------------------------------------------------------------------------------


def test_shipped_index_is_compact_and_complete():
    size = index.INDEX_PATH.stat().st_size
    assert size < 3_500_000, f"index grew to {size:,} bytes"
    assert len(INDEX) > 800_000 and INDEX.snapshot == "2026-11"
    assert len(INDEX.ranks) > 14_000 and INDEX.rank("boto3") == 1


@pytest.mark.parametrize("name", ["requests", "huggingface-hub", "requests-oauthlib", "transformers", "sklearn",
                                  "dashscope", "zhipuai", "0"])
def test_known_projects_are_found(name):
    assert name in INDEX


@pytest.mark.parametrize("name", ["huggingface-hubb", "requests-oauth2lib", "cv2", "pil", "yaml",
                                  "langchain-qwen-tools", "x" * 60])
def test_unknown_projects_are_not_found(name):
    assert name not in INDEX


@pytest.mark.parametrize("spelling", ["Requests_OAuthlib", "requests.oauthlib", "requests--oauthlib",
                                      "REQUESTS_oauthlib"])
def test_lookups_use_pep_503_names(spelling):
    assert names.normalise(spelling) == "requests-oauthlib"
    assert spelling in INDEX and INDEX.rank(spelling) == INDEX.rank("requests-oauthlib")


def test_suspects_are_unpopular_imitations_of_popular_names():
    numpu = INDEX.suspect("numpu")
    assert numpu is not None and numpu.target == "numpy" and numpu.kind == "one edit"
    assert INDEX.suspect("ollama-python").kind == "prefix/suffix"
    assert INDEX.suspect("numpy") is None and INDEX.suspect("requests") is None
    assert INDEX.suspect("python-magic-bin") is None  # a real provider of `import magic`


def test_builder_round_trips_and_is_deterministic(tmp_path):
    snapshot = tmp_path / "pypi-projects-2031-01.tsv.gz"
    rows = ["name\tdownload_rank\tlast_release_month", "requests\t1\t2026-05", "Flask\t2\t2026-01",
            "reqeusts\t\t2024-02", "private_thing\t\t2019-07", "flask-py\t\t2023-03"]
    with gzip.open(snapshot, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(rows) + "\n")
    out = tmp_path / "index.bin"
    assert build_index.main([str(snapshot), "-o", str(out)]) == 0
    built = index.PackageIndex(out.read_bytes())
    assert built.snapshot == "2031-01" and len(built) == 5
    assert "private-thing" in built and "Private.Thing" in built and "reqeust" not in built
    assert built.ranks == {"requests": 1, "flask": 2}
    assert built.suspect("reqeusts").target == "requests" and built.suspect("reqeusts").kind == "swapped letters"
    assert built.suspect("flask-py").kind == "prefix/suffix"
    again = build_index.build(build_index.read_snapshot(snapshot), "2031-01", snapshot.name,
                              built.header["source_sha256"])
    assert again == out.read_bytes()


def test_corrupt_index_is_refused():
    with pytest.raises(index.IndexFormatError):
        index.PackageIndex(b"not an index")


# --- near-misses --------------------------------------------------------------------------------


def test_osa_distance_counts_swaps_as_one_edit():
    assert osa_distance("requests", "reqeusts") == 1
    assert osa_distance("requests", "requets") == 1
    assert osa_distance("requests", "flask", 2) == 3


@pytest.mark.parametrize(("name", "target", "kind"), [
    ("reqeusts", "requests", "swapped letters"),
    ("huggingface-hubb", "huggingface-hub", "one edit"),
    ("requests-oauth2lib", "requests-oauthlib", "one edit"),
    ("scikitlearn", "scikit-learn", "separators"),
    ("python-requests", "requests", "prefix/suffix"),
    ("requests-oauthlibbb", "requests-oauthlib", "two edits"),
])
def test_near_miss_kinds(name, target, kind):
    miss = checks.popular_targets().closest(name)
    assert (miss.target, miss.kind) == (target, kind)


def test_near_misses_ignore_short_and_unrelated_names():
    targets = Targets({"requests": 6, "six": 14})
    assert targets.closest("sox") is None  # too short to mean anything
    assert targets.closest("blueprint-tools") is None
    assert targets.closest("requests") is None  # the popular name itself


# --- manifests ----------------------------------------------------------------------------------


def test_requirements_lines():
    text = textwrap.dedent("""\
        # comment
        requests[socks]>=2.31 ; python_version >= "3.9"  # trailing comment
        -r base.txt
        --extra-index-url https://pypi.acme.example/simple
        git+https://github.com/acme/tool.git@main#egg=acme-tool
        ./vendor/local-pkg
        uvicorn==0.30 \\
            --hash=sha256:0123
        """)
    parsed = manifests.parse_requirements(text)
    assert [(d.name, d.span.line, d.span.column) for d in parsed.dependencies] == [
        ("requests", 2, 1), ("acme-tool", 5, 1), ("uvicorn", 7, 1)]
    assert parsed.dependencies[1].url and not parsed.dependencies[1].hashed
    assert parsed.dependencies[2].hashed
    assert parsed.adds_index and not parsed.replaces_pypi


PYPROJECT = '''\
# "fake-in-a-comment>=1" is not a dependency, nor is [tool.poetry.dependencies] here
[project]
name = "demo"
description = 'Needs "httpx" and [brackets]: "uvicorn[standard]>=0.30"'
readme = """
[tool.poetry.dependencies]
evil-from-a-string = "1"
"""
dependencies = [
    "uvicorn[standard]>=0.30",  # the ] inside the string does not end the array
    'httpx',
    "httpx ; python_version < '3.9'",
]

[project.optional-dependencies]
test = ["pytest>=8", "httpx"]
docs = [
    "sphinx",
]

[dependency-groups]
dev = [{include-group = "test"}, "ruff"]

[build-system]
requires = ["setuptools>=69"]

[tool.poetry.dependencies]
python = "^3.11"
Flask = "^3.0"
"zope.interface" = { version = "^6" }
private-lib = { git = "https://git.example/private-lib.git", rev = "0123456789abcdef0123456789abcdef01234567" }
tip = { git = "https://git.example/tip.git" }

[tool.poetry.group.lint.dependencies]
black = "*"

[[tool.uv.index]]
name = "acme"
url = "https://pypi.acme.example/simple"
'''


def _spans(text: str) -> list[tuple[str, int, int, int]]:
    return [(d.name, d.span.line, d.span.column, d.span.end_column) for d in manifests.parse_pyproject(text).dependencies]


def test_pyproject_values_by_tomllib_on_the_lines_that_write_them():
    parsed = manifests.parse_pyproject(PYPROJECT)
    assert parsed.error == ""
    # Comments, the description and a multi-line string holding the same words are not read;
    # a requirement written twice (httpx) is placed on each line that writes it.
    assert sorted(_spans(PYPROJECT), key=lambda d: (d[1], d[2])) == [
        ("uvicorn", 10, 6, 13),
        ("httpx", 11, 6, 11),
        ("httpx", 12, 6, 11),
        ("pytest", 16, 10, 16),
        ("httpx", 16, 23, 28),
        ("sphinx", 18, 6, 12),
        ("ruff", 22, 35, 39),
        ("setuptools", 25, 14, 24),
        ("Flask", 29, 1, 6),
        ("zope.interface", 30, 2, 16),
        ("private-lib", 31, 1, 12),
        ("tip", 32, 1, 4),
        ("black", 35, 1, 6),
    ]
    urls = {d.name: (d.url, d.hashed) for d in parsed.dependencies if d.url}
    assert urls == {"private-lib": ("https://git.example/private-lib.git", True),
                    "tip": ("https://git.example/tip.git", False)}
    assert [(i.option, i.value, i.span) for i in parsed.indexes] == [
        ("--index-url", "https://pypi.acme.example/simple", manifests.Span(39, 8, 40))]


def test_pyproject_dotted_keys_and_inline_tables():
    text = 'project.name = "x"\nproject.dependencies = ["requests"]\ntool.uv = { dev-dependencies = ["mypy"] }\n'
    assert _spans(text) == [("requests", 2, 26, 34), ("mypy", 3, 34, 38)]


def test_pyproject_value_in_a_form_not_searched_for_is_placed_at_its_key():
    text = '[project]\nname = "x"\ndependencies = [\n  """\nrequests""",\n  "\\u0066lask",\n]\n'
    assert _spans(text) == [("requests", 3, 1, 9), ("flask", 3, 1, 6)]


def test_malformed_pyproject_is_an_error_not_an_empty_manifest():
    text = '[project]\nname = "x"\ndependencies = ["requests",\n'
    parsed = manifests.parse_pyproject(text)
    assert parsed.dependencies == [] and parsed.error.startswith("not valid TOML (")
    with pytest.raises(manifests.UnreadManifest, match="not valid TOML"):
        checks.problems_for("pyproject.toml", text, None)


def test_malformed_pyproject_is_reported_by_scan_and_inventory(tmp_path):
    from tests.conftest import run_cli

    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["huggingface-hubb",\n', encoding="utf-8")
    (tmp_path / "app.py").write_text("import requests\n", encoding="utf-8")
    result = run_cli("scan", str(tmp_path), "-f", "json")
    assert result.exit_code == 2, result.output
    notices = {(n["level"], n["path"], n["message"].split(" (")[0]) for n in json.loads(result.stdout)["notices"]}
    assert notices == {("error", "pyproject.toml", "not valid TOML"),
                       ("warning", "app.py", "pyproject.toml is not valid TOML")}
    inventory = run_cli("inventory", str(tmp_path))
    assert inventory.exit_code == 2 and "pyproject.toml: not valid TOML" in inventory.stderr


def test_project_names_come_from_project_and_poetry_tables_only():
    from analyzer.engines.cst.supply_chain.project import _pyproject_project_names

    text = '[project]\nname = "My.Pkg"\n[tool.poetry]\nname = "poetry-pkg"\n[[tool.uv.index]]\nname = "acme"\n'
    assert _pyproject_project_names(text) == {"my-pkg", "poetry-pkg"}
    assert _pyproject_project_names('[project\nname = "broken"\n') == set()


@pytest.mark.parametrize(("text", "expected"), [
    ("pip install requests-oauth2lib && python app.py", ["requests-oauth2lib"]),
    ("python3 -m pip install -U --extra-index-url https://x.example/simple foo 'bar>=1'", ["foo", "bar"]),
    ("Install it with `pip install huggingface_hubb`.", ["huggingface_hubb"]),
    ("pip install {package}", []),
    ("pip install -r requirements.txt", []),
    ("pipx install black", None),
    ("npm install left-pad", None),
])
def test_pip_commands_in_strings(text, expected):
    commands = manifests.pip_commands_in_string(text)
    if expected is None:
        assert commands == []
    else:
        assert [d.name for c in commands for d in c.dependencies] == expected


@pytest.mark.parametrize(("path", "manifest"), [
    ("requirements.txt", True), ("requirements-dev.txt", True), ("requirements/base.txt", True),
    ("sub/pyproject.toml", True), ("docs/notes.txt", False), ("setup.py", False), ("requirements.py", False),
])
def test_manifest_names(path, manifest):
    from analyzer.sources import is_manifest_name

    assert is_manifest_name(path) is manifest


# --- judgement with project context -------------------------------------------------------------


def _problems(tmp_path: Path, files: dict[str, str], path: str) -> dict[str, list[checks.Problem]]:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    project = Project(tmp_path, {path: files[path]})
    return checks.problems_for(path, files[path], project)


def test_stdlib_popular_and_own_imports_are_never_reported(tmp_path):
    code = textwrap.dedent("""\
        from __future__ import annotations
        import os, sys, json, sqlite3, tomllib, asyncio, zoneinfo
        import requests, numpy, flask, boto3, pydantic, openai, anthropic, dashscope
        import yaml, cv2, sklearn, PIL, bs4, dateutil, google.protobuf, azure.identity
        from . import models
        from .utils import helper
        import helpers
        from mypkg.core import run
        try:
            import cPickle as pickle
        except ImportError:
            import pickle
        """)
    files = {"app/main.py": code, "app/helpers.py": "", "src/mypkg/__init__.py": "", "src/mypkg/core.py": ""}
    assert _problems(tmp_path, files, "app/main.py") == {}


def test_unknown_import_is_reported_with_a_suggestion(tmp_path):
    found = _problems(tmp_path, {"tool.py": "import os\nimport huggingface_hubb\n"}, "tool.py")
    (problem,) = found[checks.IMPORT_OF_UNKNOWN]
    assert problem.region.start_line == 2 and problem.region.start_column == 8
    assert "`huggingface_hubb`" in problem.message and "Did you mean `huggingface_hub`" in problem.message


def test_declared_private_package_is_not_an_unknown_import(tmp_path):
    files = {"requirements.txt": "--index-url https://pypi.acme.example/simple\nacme-billing\n",
             "svc.py": "import acme_billing\n"}
    assert _problems(tmp_path, files, "svc.py") == {}
    # ... and the requirements file itself is not checked against PyPI (a private index replaces it)
    assert checks.IMPORT_OF_UNKNOWN not in _problems(tmp_path, files, "requirements.txt")


def test_undeclared_distribution_needs_a_manifest(tmp_path):
    code = "import yaml\nfrom bs4 import BeautifulSoup\n"
    assert _problems(tmp_path, {"a/app.py": code}, "a/app.py") == {}
    files = {"b/requirements.txt": "beautifulsoup4\nflask\n", "b/app.py": code}
    (problem,) = _problems(tmp_path, files, "b/app.py")[checks.UNDECLARED_DISTRIBUTION]
    assert problem.region.start_line == 1 and "`PyYAML`" in problem.message


def test_monorepo_subprojects_use_their_own_manifests(tmp_path):
    files = {"svc-a/requirements.txt": "PyYAML\n", "svc-a/app.py": "import yaml\n",
             "svc-b/requirements.txt": "flask\n", "svc-b/app.py": "import yaml\n"}
    assert _problems(tmp_path, files, "svc-a/app.py") == {}
    assert checks.UNDECLARED_DISTRIBUTION in _problems(tmp_path, files, "svc-b/app.py")


def test_runtime_install_and_install_hints(tmp_path):
    code = textwrap.dedent("""\
        import subprocess, sys
        subprocess.check_call([sys.executable, "-m", "pip", "install", "requests-oauth2lib"])
        print("optional: pip install rich")
        """)
    found = _problems(tmp_path, {"boot.py": code}, "boot.py")
    assert [p.region.start_line for p in found[checks.RUNTIME_INSTALL]] == [2]
    assert [p.region.start_line for p in found[checks.DEPENDENCY_UNKNOWN]] == [2]


# --- through the pipeline -----------------------------------------------------------------------


def _patch(path: str, old: list[str], new: list[str]) -> str:
    import difflib

    return "".join(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"))


@pytest.fixture(scope="module")
def done_when_report(tmp_path_factory, catalogue):
    """The issue's "done when": one change adding a hallucinated import, a squat-bait requirement
    and trust_remote_code, next to popular and standard-library imports."""
    root = tmp_path_factory.mktemp("repo")
    app_before = ["import os\n", "\n", "import requests\n", "\n", "\n", "def main():\n",
                  "    return requests.get(os.environ['URL'], timeout=5)\n"]
    reqs_before = ["requests>=2.31\n", "transformers>=4.44\n"]
    (root / "app.py").write_text("".join(app_before))
    (root / "requirements.txt").write_text("".join(reqs_before))
    app_after = ["import json\n", "import os\n", "\n", "import huggingface_hubb\n", "import numpy as np\n",
                 "import requests\n", "import yaml\n", "from transformers import AutoModel\n", "\n", "\n",
                 "def main():\n", "    return requests.get(os.environ['URL'], timeout=5)\n", "\n", "\n",
                 "def load():\n",
                 "    return AutoModel.from_pretrained(\"Qwen/Qwen-VL-Chat\", trust_remote_code=True)\n"]
    reqs_after = ["requests>=2.31\n", "transformers>=4.44\n", "requests-oauth2lib==1.6.0\n", "PyYAML>=6\n",
                  "numpy\n"]
    patch = _patch("app.py", app_before, app_after) + _patch("requirements.txt", reqs_before, reqs_after)
    return pipeline.scan_change(diff.Revisions.for_patch(root, patch), catalogue.select(["DS4"]))


def test_done_when_examples_are_reported(done_when_report):
    by_rule = {(f.rule_id, f.path, f.region.start_line): f.message for f in done_when_report.findings}
    assert set(by_rule) == {("DS400", "app.py", 4), ("DS401", "requirements.txt", 3), ("DS420", "app.py", 16)}
    assert "`huggingface_hubb`" in by_rule[("DS400", "app.py", 4)]
    assert "Did you mean `requests-oauthlib`" in by_rule[("DS401", "requirements.txt", 3)]
    assert "trust_remote_code=True" in by_rule[("DS420", "app.py", 16)]
    assert not done_when_report.failed


def test_manifests_reach_only_the_text_checks(done_when_report):
    assert "requirements.txt" in done_when_report.files
    assert not [n for n in done_when_report.notices if n.path == "requirements.txt"]


def test_setup_cfg_extras_declare_distributions(tmp_path):
    setup_cfg = textwrap.dedent("""\
        [metadata]
        name = client

        [options]
        install_requires =
            requests>=2.0  # http
            click; python_version > "3.8"

        [options.extras_require]
        security =
            pyopenssl>=0.14
            cryptography>=1.3.4
        """)
    code = "import OpenSSL\nimport click\nimport requests\nimport yaml\n"
    found = _problems(tmp_path, {"setup.cfg": setup_cfg, "client/tls.py": code}, "client/tls.py")
    (problem,) = found[checks.UNDECLARED_DISTRIBUTION]
    assert "`PyYAML`" in problem.message  # only what no section declares
