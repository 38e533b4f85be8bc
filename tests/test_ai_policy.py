"""[tool.diffsentry.ai-policy] and rule DS540 (denied-ai-vendor-use)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import config
from analyzer.ai import policy
from analyzer.ai.inventory import of_file
from analyzer.cli import main
from tests.gitrepo import GitRepo

POLICY = """\
    [project]
    name = "app"

    [tool.diffsentry]
    fail-on = "error"

    [tool.diffsentry.ai-policy]
    deny-vendors = ["deepseek"]
    """
CLIENT = 'from openai import OpenAI\n\nclient = OpenAI(api_key=KEY)\n'
TO_DEEPSEEK = 'from openai import OpenAI\n\nclient = OpenAI(base_url="https://api.deepseek.com", api_key=KEY)\n'


def invoke(*args: str, cwd: Path):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=cwd):
        import os
        os.chdir(cwd)
        return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture()
def repo(tmp_path) -> Repo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"pyproject.toml": textwrap.dedent(POLICY), "app.py": CLIENT})
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def test_diff_adding_a_denied_endpoint_fails_with_ds540(repo):
    repo.commit("point the client at DeepSeek", {"app.py": TO_DEEPSEEK})
    result = invoke("diff", "--base", "main", "--select", "DS540", "-f", "json", cwd=repo.path)
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule_id"], f["path"], f["start_line"], f["severity"]) for f in findings] == [
        ("DS540", "app.py", 3, "error")]
    assert 'deny-vendors = ["deepseek"] (pyproject.toml:8)' in findings[0]["message"]
    assert "https://api.deepseek.com" in findings[0]["message"]


def test_the_same_diff_without_a_policy_passes(repo):
    repo.commit("no policy", {"pyproject.toml": '[project]\nname = "app"\n'})
    repo.git("checkout", "-q", "main")
    repo.commit("no policy", {"pyproject.toml": '[project]\nname = "app"\n'})
    repo.git("checkout", "-q", "-b", "feature2")
    repo.commit("point the client at DeepSeek", {"app.py": TO_DEEPSEEK})
    result = invoke("diff", "--base", "main", cwd=repo.path)  # every rule: nothing else to find either
    assert result.exit_code == 0, result.output


def test_patch_mode_and_scan_mode(repo):
    patch = ("--- a/app.py\n+++ b/app.py\n@@ -1,3 +1,3 @@\n from openai import OpenAI\n \n"
             "-client = OpenAI(api_key=KEY)\n"
             '+client = OpenAI(base_url="https://api.deepseek.com", api_key=KEY)\n')
    (repo.path / "change.patch").write_text(patch)
    result = invoke("diff", "--patch", "change.patch", "--select", "DS540", cwd=repo.path)
    assert result.exit_code == 1 and "DS540" in result.output, result.output
    (repo.path / "app.py").write_text(TO_DEEPSEEK)
    result = invoke("scan", ".", "--select", "DS540", "-f", "json", cwd=repo.path)
    assert result.exit_code == 1
    assert [f["start_line"] for f in json.loads(result.stdout)["findings"]] == [3]


def test_a_change_that_only_edits_another_line_passes(repo):
    repo.git("checkout", "-q", "main")
    repo.commit("already there", {"app.py": TO_DEEPSEEK})
    repo.git("checkout", "-q", "-b", "feature3")
    repo.commit("unrelated", {"app.py": TO_DEEPSEEK + "TIMEOUT = 30\n"})
    result = invoke("diff", "--base", "main", "--select", "DS540", cwd=repo.path)
    assert result.exit_code == 0, result.output


def test_the_change_cannot_drop_the_policy_it_is_judged_by(repo):
    repo.commit("drop the policy and call DeepSeek",
                {"pyproject.toml": '[project]\nname = "app"\n', "app.py": TO_DEEPSEEK})
    result = invoke("diff", "--base", "main", "--select", "DS540,DS692", "-f", "json", cwd=repo.path)
    assert result.exit_code == 1
    assert {f["rule_id"] for f in json.loads(result.stdout)["findings"]} == {"DS540", "DS692"}



@pytest.mark.parametrize(("table", "text", "expected"), [
    ({"deny-countries": ["cn"]}, 'import dashscope\n', ['deny-countries = ["CN"]']),
    ({"deny-countries": ["CN"]}, 'import anthropic\n', []),
    ({"deny-hosts": ["deepseek.com"]}, 'U = "https://api.deepseek.com/v1"\n', ['deny-hosts = ["deepseek.com"]']),
    ({"deny-hosts": ["*.moonshot.cn"]}, 'U = "https://api.moonshot.cn/v1"\n', ['deny-hosts = ["*.moonshot.cn"]']),
    ({"allow-vendors": ["openai", "anthropic"]}, 'import anthropic\nimport mistralai\n',
     ['allow-vendors = ["openai", "anthropic"]']),
    # The OpenAI SDK with nothing pointing it elsewhere is OpenAI's.
    ({"deny-vendors": ["openai"]}, CLIENT, ['deny-vendors = ["openai"]']),
    ({"deny-vendors": ["openai"]}, TO_DEEPSEEK, []),
    # A local runtime has no vendor; the weights it loads do.
    ({"allow-vendors": ["openai"]}, 'import ollama\n', []),
    ({"deny-model-families": ["llama"]}, 'import ollama\nollama.chat(model="llama3.1:8b")\n',
     ['deny-model-families = ["llama"]']),
    ({"allow-hosts": ["api.openai.com"]}, 'U = "http://localhost:11434/api/chat"\n', []),
    ({"allow-hosts": ["api.openai.com"]}, 'U = "https://api.groq.com/openai/v1"\n', ['allow-hosts = ["api.openai.com"]']),
])
def test_what_each_key_denies(table, text, expected):
    rules = policy.parse(table)
    assert [str(rules.denies(e)) for e in _resolved(text) if rules.denies(e)] == expected


def _resolved(text: str):
    return [e for e in policy.resolved(of_file("app.py", text))]


@pytest.mark.parametrize(("body", "message"), [
    ('deny-vendor = ["deepseek"]', "[tool.diffsentry.ai-policy] unknown key 'deny-vendor' (did you mean 'deny-vendors'?)"),
    ('deny-vendors = ["deepsek"]', "[tool.diffsentry.ai-policy] deny-vendors: unknown vendor 'deepsek' (did you mean 'deepseek'?)"),
    ('deny-model-families = ["qwen3"]', "deny-model-families: unknown family 'qwen3' (did you mean 'qwen'?)"),
    ('deny-countries = ["China"]', "deny-countries: 'CHINA' is not an ISO 3166-1 alpha-2 country code"),
    ('deny-hosts = ["https://api.deepseek.com"]', "deny-hosts: 'https://api.deepseek.com' is not a host name"),
    ('deny-assistants = ["chatgpt"]', "deny-assistants: unknown assistant 'chatgpt'"),
    ('deny-vendors = "deepseek"\nallow-vendors = [1]', "allow-vendors must be a list of non-empty strings"),
    # the capability key in the policy's place: the message tells the two host lists apart
    ('allowed-hosts = ["api.openai.com"]', "[tool.diffsentry.ai-policy] unknown key 'allowed-hosts' ('allow-hosts' "
                                           "here denies every AI endpoint not listed; hosts the project is expected to "
                                           "talk to are 'allowed-hosts' in [tool.diffsentry])"),
])
def test_bad_policy_is_a_configuration_error_naming_the_key(tmp_path, body, message):
    target = tmp_path / "pyproject.toml"
    target.write_text(f"[tool.diffsentry.ai-policy]\n{body}\n")
    with pytest.raises(config.ConfigError, match=None) as caught:
        config.load_file(target)
    assert message in str(caught.value) and str(target) in str(caught.value)


def test_bad_policy_on_the_command_line_is_exit_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.diffsentry.ai-policy]\ndeny-vendors = ["deepsek"]\n')
    (tmp_path / "app.py").write_text("x = 1\n")
    result = invoke("scan", ".", "--select", "DS540", cwd=tmp_path)
    assert result.exit_code == 2 and "unknown vendor 'deepsek'" in result.output


def test_moving_the_policy_lines_is_not_an_edit():
    before = policy.parse({"deny-vendors": ["deepseek"]}, '[tool.diffsentry.ai-policy]\ndeny-vendors = ["deepseek"]\n')
    after = policy.parse({"deny-vendors": ["deepseek"]}, '\n\n[tool.diffsentry.ai-policy]\ndeny-vendors = ["deepseek"]\n')
    assert (before.entries[0].line, after.entries[0].line) == (2, 4) and before == after


@pytest.mark.parametrize(("name", "text"), [
    # A package's own pyproject.toml (the root one holds the configuration: unreadable, it is a
    # configuration error before any analysis).
    ("plugins/pyproject.toml", '[project]\nname = "plugin"\ndependencies = ["langchain-deepseek"\n'),
    ("tools/pyproject.toml", '[project]\nname = "tools"\ndependencies = ["dashscope"]\ndependencies = []\n'),
])
def test_a_manifest_the_policy_cannot_read_fails_the_run_even_with_only_ds540(repo, name, text):
    """Its dependencies (a denied vendor's SDK among them) were not checked: exit 2, never clean."""
    repo.commit("unreadable manifest", {name: text})
    result = invoke("diff", "--base", "main", "--select", "DS540", "-f", "json", cwd=repo.path)
    assert result.exit_code == 2, result.output
    notices = json.loads(result.stdout)["notices"]
    assert [(n["level"], n["path"]) for n in notices if n["source"] == "ai-policy"] == [("error", name)]
    assert "did not check the dependencies it declares" in result.stdout


def test_a_readable_manifest_gives_no_policy_notice(repo):
    repo.commit("add a dependency", {"requirements.txt": "flask>=3.0\nrequests==2.32.3\n"})
    result = invoke("diff", "--base", "main", "--select", "DS540", "-f", "json", cwd=repo.path)
    assert result.exit_code == 0, result.output
    assert not [n for n in json.loads(result.stdout)["notices"] if n["source"] == "ai-policy"]
