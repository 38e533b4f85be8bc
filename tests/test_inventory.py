"""`diffsentry inventory`: which files talk to which AI providers, endpoints and models."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from analyzer.ai import inventory
from analyzer.cli import main
from tests.conftest import DEMO, REPO

SCHEMA = json.loads((REPO / "tests" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

FILES = {
    "app/chat.py": """\
        import os
        from openai import OpenAI

        client = OpenAI(base_url=os.getenv("LLM_BASE_URL", "https://api.deepseek.com"),
                        api_key=os.environ["DEEPSEEK_API_KEY"])

        def ask(question: str) -> str:
            reply = client.chat.completions.create(model="deepseek-chat",
                                                   messages=[{"role": "user", "content": question}])
            return reply.choices[0].message.content
        """,
    "app/summary.py": """\
        raise SystemExit("never run by the inventory")
        import anthropic

        claude = anthropic.Anthropic()
        MODEL = "claude-sonnet-4-5"
        """,
    "app/local.py": """\
        import ollama

        def ask(q):
            return ollama.chat(model="qwen2.5:7b", messages=[{"role": "user", "content": q}])
        """,
    "app/plain_openai.py": """\
        from openai import OpenAI

        OpenAI().responses.create(model="gpt-4.1-mini", input="hi")
        """,
    "app/util.py": """\
        import json

        def dump(value):
            return json.dumps({"model": "linear", "url": "https://example.com/api"})
        """,
    "requirements.txt": "flask>=3.0\nopenai>=1.40\ndashscope==1.20.0\n",
}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["inventory", *args], catch_exceptions=False)


def test_text_lists_files_providers_endpoints_and_models(project):
    result = run(str(project))
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"app/chat\.py\s+->\s+deepseek\n", out)
    assert re.search(r"app/summary\.py\s+->\s+anthropic\n", out)
    assert re.search(r"app/local\.py\s+->\s+local\n", out)
    assert re.search(r"app/plain_openai\.py\s+->\s+openai\n", out)
    assert re.search(r"requirements\.txt\s+->\s+alibaba-qwen, openai-compatible\n", out)
    assert "app/util.py" not in out  # "model" and a URL that are not AI
    assert "https://api.deepseek.com: app/chat.py" in out
    assert "deepseek-chat [DeepSeek, CN]: app/chat.py" in out and "qwen2.5:7b [Alibaba Cloud, CN]: app/local.py" in out
    assert "anthropic [Anthropic, US]: app/summary.py" in out


def test_json_document(project, tmp_path):
    target = tmp_path / "inventory.json"
    assert run(str(project), "-f", "json", "-o", str(target)).exit_code == 0
    document = json.loads(target.read_text())
    files = {f["path"]: f for f in document["files"]}
    assert set(files) == {"app/chat.py", "app/summary.py", "app/local.py", "app/plain_openai.py", "requirements.txt"}
    chat = files["app/chat.py"]
    assert chat["providers"] == ["deepseek"] and chat["endpoints"] == ["https://api.deepseek.com"]
    assert chat["models"] == ["deepseek-chat"]
    line = (project / "app/chat.py").read_text().splitlines()[4]
    assert {"kind": "credential", "provider": "deepseek", "vendor": "deepseek", "country": "CN",
            "detail": "DEEPSEEK_API_KEY", "line": 5,
            "column": line.index('"DEEPSEEK') + 1} in chat["evidence"]
    assert document["providers"]["anthropic"] == ["app/summary.py"]


def test_sarif_is_valid_and_note_level(project):
    result = run(str(project), "-f", "sarif", "--category", "ai-inventory")
    log = json.loads(result.output)
    jsonschema.validate(log, SCHEMA)
    run_ = log["runs"][0]
    assert run_["automationDetails"] == {"id": "ai-inventory/"}
    assert {r["level"] for r in run_["results"]} == {"note"}
    assert {r["ruleId"] for r in run_["results"]} == {inventory.SERVICE_RULE_ID}
    assert [rule["id"] for rule in run_["tool"]["driver"]["rules"]] == [inventory.SERVICE_RULE_ID]
    located = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["message"]["text"].split()[4])
               for r in run_["results"]}
    assert ("app/chat.py", "deepseek") in located and ("app/local.py", "local.") in located
    assert all("primaryLocationLineHash" in r["partialFingerprints"] for r in run_["results"])


def test_nothing_found(tmp_path):
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    result = run(str(tmp_path))
    assert result.exit_code == 0 and result.output == "No AI provider, endpoint or model found.\n"


def test_missing_path_is_an_error(tmp_path):
    assert run(str(tmp_path / "missing")).exit_code == 2


@pytest.mark.parametrize(("url", "provider"), [
    ("https://dashscope.aliyuncs.com/compatible-mode/v1", "alibaba-qwen"),
    ("https://my-resource.openai.azure.com/", "azure-openai"),
    ("http://localhost:11434/api/chat", "local"),
    ("http://127.0.0.1:11434", "local"),  # Ollama's port: its API whatever the path
    ("http://localhost:8000/v1/chat/completions", "local"),  # vLLM's OpenAI-compatible server
    ("http://[::1]:8080/v1/embeddings", "local"),
    # #15: a web app's own test server is not an AI service (Flask, httpie: "5 endpoints").
    ("http://localhost/", None),
    ("http://localhost:5000/api/users", None),
    ("http://127.0.0.1:8000/json", None),
    ("http://0.0.0.0:8080/get?x=1", None),
    ("https://api.deepseek.com", "deepseek"),
    ("https://api.deepseek.com.attacker.example/v1", None),  # a host that only starts like one
    ("https://llm.internal.example/v1/chat/completions", "unknown-ai-endpoint"),
    ("https://example.com/api/users", None),
])
def test_endpoint_providers(url, provider):
    assert inventory.provider_of_url(url) == provider


def test_demo_app(tmp_path):
    """The bundled demo: every demo file that imports an AI client library is listed."""
    result = run(str(DEMO), "-f", "json")
    assert result.exit_code == 0, result.output
    listed = {f["path"] for f in json.loads(result.output)["files"]}
    sdk = re.compile(r"^\s*(import|from)\s+(openai|anthropic|dashscope|ollama|langchain_\w+|litellm)\b", re.MULTILINE)
    expected = {p.relative_to(REPO).as_posix() for p in DEMO.rglob("*.py") if sdk.search(p.read_text())}
    assert expected <= listed


def test_sarif_goes_through_the_scan_writer(tmp_path):
    """The same URI encoding as `scan` (#14: the inventory's own writer left `%` and spaces raw)."""
    (tmp_path / "odd dir").mkdir()
    (tmp_path / "odd dir" / "50% chat.py").write_text("import anthropic\n")
    log = json.loads(run(str(tmp_path), "-f", "sarif").output)
    jsonschema.validate(log, SCHEMA)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "odd%20dir/50%25%20chat.py"


def test_localhost_in_web_app_tests_is_not_an_ai_service(tmp_path):
    (tmp_path / "test_app.py").write_text(
        'import httpx\n\nBASE = "http://localhost:5000"\n\ndef test_home():\n'
        '    assert httpx.get("http://localhost/").status_code == 200\n'
        '    httpx.get("http://127.0.0.1:8000/api/users?page=2")\n')
    (tmp_path / "local_llm.py").write_text(
        'import requests\n\nrequests.post("http://localhost:11434/api/generate", json={"model": "qwen2.5:7b"})\n')
    document = json.loads(run(str(tmp_path), "-f", "json").output)
    assert [f["path"] for f in document["files"]] == ["local_llm.py"]
    assert document["files"][0]["providers"] == ["local"]


def test_evidence_names_vendor_and_country(project):
    document = json.loads(run(str(project), "-f", "json").output)
    chat = next(f for f in document["files"] if f["path"] == "app/chat.py")
    endpoint = next(e for e in chat["evidence"] if e["kind"] == "endpoint")
    assert (endpoint["vendor"], endpoint["country"]) == ("deepseek", "CN")
    local = next(f for f in document["files"] if f["path"] == "app/local.py")
    model = next(e for e in local["evidence"] if e["kind"] == "model")
    assert (model["provider"], model["vendor"], model["country"]) == ("qwen", "alibaba", "CN")
    assert document["vendor_table"]


def test_cyclonedx_ai_bom_validates_against_1_6(project):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    result = run(str(project), "-f", "cyclonedx")
    assert result.exit_code == 0, result.output
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(result.output) is None
    bom = json.loads(result.output)
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    services = {s["name"]: s for s in bom["services"]}
    assert set(services) == {"deepseek", "anthropic", "openai", "alibaba-qwen", "openai-compatible"}
    assert services["deepseek"]["endpoints"] == ["https://api.deepseek.com"]
    assert services["deepseek"]["provider"]["name"] == "DeepSeek"
    assert {"name": "diffsentry:country", "value": "CN"} in services["deepseek"]["properties"]
    assert any(p["name"] == "diffsentry:evidence" and p["value"].startswith("app/chat.py:4 endpoint")
               for p in services["deepseek"]["properties"])
    components = {(c["type"], c["name"]): c for c in bom["components"]}
    model = components[("machine-learning-model", "qwen2.5:7b")]
    assert model["manufacturer"]["name"] == "Alibaba Cloud"
    column = (project / "app/local.py").read_text().splitlines()[3].index('"qwen') + 1
    assert [{k: v for k, v in o.items() if k != "bom-ref"} for o in model["evidence"]["occurrences"]] == [
        {"location": "app/local.py", "line": 4, "offset": column, "symbol": "qwen2.5:7b"}]
    assert components[("library", "dashscope")]["purl"] == "pkg:pypi/dashscope"
    assert ("library", "anthropic") in components  # the import
    # The same tree gives the same document.
    assert run(str(project), "-f", "cyclonedx").output == result.output


def test_cyclonedx_of_nothing_is_valid(tmp_path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    result = run(str(tmp_path), "-f", "cyclonedx")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(result.output) is None
    assert "services" not in json.loads(result.output) or not json.loads(result.output)["services"]
