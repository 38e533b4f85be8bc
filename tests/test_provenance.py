"""`diffsentry provenance` on a repository built here: exactly the expected commits, files and lines."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from tests.gitrepo import GitRepo

CLAUDE_FOOTER = "\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    repo = GitRepo(tmp_path_factory.mktemp("prov") / "repo")
    shas = {}
    shas["human"] = repo.commit("initial", {"app/core.py": "def add(a, b):\n    return a + b\n", "README.md": "app\n"})
    shas["claude"] = repo.commit("Add chat client" + CLAUDE_FOOTER, {
        "app/chat.py": 'from openai import OpenAI\nclient = OpenAI(base_url="https://api.deepseek.com")\n'
                       'MODEL = "deepseek-chat"\n',
        "CLAUDE.md": "Run the tests before committing.\n"})
    shas["edit"] = repo.commit("Use env for the key", {
        "app/chat.py": 'from openai import OpenAI\nclient = OpenAI(base_url=BASE_URL)\nMODEL = "deepseek-chat"\n'})
    shas["copilot"] = repo.commit("Add summary", {"app/summary.py": "import anthropic\n\nclaude = anthropic.Anthropic()\n"},
                                  author="copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>")
    shas["aider"] = repo.commit("feat: subtract", {"app/core.py": "def add(a, b):\n    return a + b\n\n\n"
                                                                 "def sub(a, b):\n    return a - b\n"},
                                author="Test User (aider) <test@example.com>")
    # Look-alikes: a human co-author, an assistant named only in the subject, agent files.
    shas["pair"] = repo.commit("Fix Copilot and Claude docs\n\nCo-authored-by: Jane Doe <jane@example.com>", {
        "AGENTS.md": "Style: black.\n", ".cursor/rules/style.mdc": "Use type hints.\n", "README.md": "app v2\n"})
    shas["qwen"] = repo.commit("Add qwen helper\n\nCo-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>",
                               {"app/qwen.py": "import dashscope\n"})
    (repo.path / ".aider.chat.history.md").write_text("# aider chat\n")  # git-ignored by aider: not committed
    return repo, shas


def run(*args: str):
    return CliRunner().invoke(main, ["provenance", *args], catch_exceptions=False)


def test_json_attributes_exactly_the_expected_commits_files_and_lines(history):
    repo, shas = history
    result = run(str(repo.path), "-f", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["commits_read"] == 7
    commits = {c["sha"]: c for c in document["commits"]}
    assert {sha: (c["assistant"], c["vendor"], c["confidence"]) for sha, c in commits.items()} == {
        shas["claude"]: ("claude-code", "anthropic", "high"),
        shas["copilot"]: ("copilot", "github", "high"),
        shas["aider"]: ("aider", "aider", "high"),
        shas["qwen"]: ("qwen-code", "alibaba", "high"),
    }
    claude = commits[shas["claude"]]
    assert {(e["kind"], e["detail"]) for e in claude["evidence"]} == {
        ("trailer", "Co-Authored-By: Claude <noreply@anthropic.com>"),
        ("footer", "🤖 Generated with [Claude Code](https://claude.com/claude-code)")}
    assert claude["files"] == ["CLAUDE.md", "app/chat.py"]
    assert commits[shas["qwen"]]["country"] == "CN"
    assert commits[shas["copilot"]]["evidence"][0]["kind"] == "bot-author"
    files = {f["path"]: f["lines"] for f in document["files"]}
    assert files == {
        "CLAUDE.md": {"claude-code": [[1, 1]]},
        "app/chat.py": {"claude-code": [[1, 1], [3, 3]]},  # line 2 was rewritten by a human since
        "app/core.py": {"aider": [[3, 6]]},
        "app/qwen.py": {"qwen-code": [[1, 1]]},
        "app/summary.py": {"copilot": [[1, 3]]},
    }
    agents = {(a["path"], a["assistant"], a["tracked"]) for a in document["agent_files"]}
    assert agents == {("AGENTS.md", "any-agent", True), ("CLAUDE.md", "claude-code", True),
                      (".cursor/rules/style.mdc", "cursor", True), (".aider.chat.history.md", "aider", False)}


def test_text_names_commits_lines_and_evidence(history):
    repo, shas = history
    out = run(str(repo.path)).stdout
    assert out.startswith("4 of 7 commit(s) written with an AI assistant; 11 line(s) in 5 file(s) at HEAD; 4 agent file(s).")
    assert f"{shas['claude'][:12]}  Claude Code (anthropic, US)  high  Add chat client" in out
    assert "      trailer: Co-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>" in out
    assert "  app/chat.py  claude-code  lines 1, 3" in out
    assert "Jane Doe" not in out and shas["pair"][:12] not in out
    assert "Limits: Only assistants that leave metadata are seen" in out


def test_since_and_path_limit_what_is_read(history):
    repo, shas = history
    document = json.loads(run(str(repo.path), "--since", shas["copilot"], "-f", "json").stdout)
    assert [c["sha"] for c in document["commits"]] == [shas["qwen"], shas["aider"]]
    document = json.loads(run(str(repo.path / "app"), "-f", "json").stdout)
    assert sorted(f["path"] for f in document["files"]) == ["app/chat.py", "app/core.py", "app/qwen.py",
                                                             "app/summary.py"]


def test_deny_assistants_gates_configured_paths(history, tmp_path):
    repo, _ = history
    policy = tmp_path / "policy.toml"
    policy.write_text('[tool.diffsentry.ai-policy]\ndeny-assistants = ["qwen-code"]\nassistant-paths = ["app"]\n')
    result = run(str(repo.path), "--config", str(policy))
    assert result.exit_code == 1
    assert "app/qwen.py: lines 1 written with qwen-code, which the AI policy denies" in result.stdout
    policy.write_text('[tool.diffsentry.ai-policy]\ndeny-assistants = ["qwen-code"]\nassistant-paths = ["docs"]\n')
    assert run(str(repo.path), "--config", str(policy)).exit_code == 0
    policy.write_text('[tool.diffsentry.ai-policy]\ndeny-assistants = ["qwen"]\n')
    result = run(str(repo.path), "--config", str(policy))
    assert result.exit_code == 2 and "deny-assistants: unknown assistant 'qwen'" in result.output


def test_no_repository_is_a_one_line_error(tmp_path):
    result = run(str(tmp_path))
    assert result.exit_code == 2 and result.output.startswith("diffsentry: error: git")


def test_repository_config_commands_never_run(tmp_path):
    """A signature program, fsmonitor and textconv named by the repository's own config."""
    repo = GitRepo(tmp_path / "repo")
    marker = tmp_path / "ran"
    trap = tmp_path / "trap.sh"
    trap.write_text(f"#!/bin/sh\necho ran >> {marker}\ncat \"$1\" 2>/dev/null\n")
    trap.chmod(trap.stat().st_mode | stat.S_IEXEC)
    repo.commit("x\n\nCo-authored-by: Claude <noreply@anthropic.com>", {"a.py": "x = 1\n", ".gitattributes": "*.py diff=trap\n"})
    for key, value in (("log.showSignature", "true"), ("gpg.program", str(trap)), ("core.fsmonitor", str(trap)),
                       ("diff.trap.textconv", str(trap)), ("core.pager", str(trap))):
        repo.git("config", key, value)
    repo.git("blame", "HEAD", "--", "a.py")  # control: plain blame runs the textconv the repository names
    assert marker.exists()
    marker.unlink()
    result = run(str(repo.path), "-f", "json")
    assert result.exit_code == 0, result.output
    assert "a.py" in {f["path"] for f in json.loads(result.stdout)["files"]}
    assert not marker.exists()


def test_ai_bom_carries_provenance_when_asked(history):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    repo, shas = history
    result = CliRunner().invoke(main, ["inventory", str(repo.path), "-f", "cyclonedx", "--provenance"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(result.stdout) is None
    bom = json.loads(result.stdout)
    files = {c["name"]: {(p["name"], p["value"]) for p in c["properties"]}
             for c in bom["components"] if c["type"] == "file"}
    assert set(files) == {"CLAUDE.md", "app/chat.py", "app/core.py", "app/qwen.py", "app/summary.py"}
    assert {("diffsentry:assistant", "claude-code"), ("diffsentry:assistant-lines:claude-code", "1,3"),
            ("diffsentry:assistant-vendor", "anthropic"), ("diffsentry:commit", shas["claude"])} <= files["app/chat.py"]
    commits = {p["value"] for p in bom["metadata"]["properties"] if p["name"] == "diffsentry:provenance:ai-commit"}
    assert commits == {f"{shas['claude']} claude-code high", f"{shas['copilot']} copilot high",
                       f"{shas['aider']} aider high", f"{shas['qwen']} qwen-code high"}
    services = {s["name"] for s in bom["services"]}
    assert {"openai", "anthropic", "alibaba-qwen"} <= services
    plain = CliRunner().invoke(main, ["inventory", str(repo.path), "--provenance"])
    assert plain.exit_code == 2
