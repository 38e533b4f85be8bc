"""Which files talk to which AI services, endpoints and models: the detector behind `diffsentry
inventory`, the AI bill of materials and the vendor policy (DS540).

A map of where code or data leaves for an AI service, read statically (Python via `ast`, never
imported or run; requirements files and pyproject.toml as text). Evidence per file:

* `sdk`: an import of a provider's client library (`openai`, `anthropic`, `dashscope`, ...);
* `endpoint`: a URL of an AI API (`https://api.deepseek.com`, `.../v1/chat/completions`);
* `model`: a model name given to a client (`model="qwen-max"`) or written as a known model id;
* `credential`: the name of a provider's API-key variable (`DEEPSEEK_API_KEY`);
* `dependency`: a provider SDK declared in a manifest.

Who is behind each one comes from the vendor table (`vendors.toml`). The OpenAI SDK talks to many
providers (DeepSeek, Qwen, vLLM...), so it only counts as "openai" when nothing in the file points
it elsewhere. Local runtimes (Ollama, transformers, vLLM, llama.cpp) are listed as `local`: the
data stays on the machine, the weights do not. A loopback URL counts only with evidence that it is
an LLM API (an LLM API path, or Ollama's port 11434): tests and examples of ordinary web apps are
full of `http://localhost/...` (Flask and httpie had five such "AI endpoints" each).
Renderers live in `analyzer.report.inventory` and `analyzer.report.cyclonedx`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analyzer import fingerprints
from analyzer.ai.vendors import LOCAL, OPENAI_COMPATIBLE, UNKNOWN_ENDPOINT, Table, load
from analyzer.rulespec import StageCase, StageRule, spec_from_mapping
from analyzer.findings import Finding, Notice, NoticeLevel, Region
from analyzer.sources import DEFAULT_MAX_BYTES, collect_files, is_manifest_name
from analyzer.engines.cst.supply_chain.manifests import Manifest, parse_manifest
from analyzer.engines.cst.supply_chain.names import normalise

_LOOPBACK = re.compile(r"localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|host\.docker\.internal")
# Ollama's default port: registered by nothing else common, unlike vLLM's 8000 or LM Studio's 1234.
_LOCAL_LLM_PORTS = frozenset({11434})
_AI_PATH = re.compile(r"/(v\d+/)?(chat/completions|completions|messages|embeddings|responses)\b|/api/(chat|generate)\b")
_URL = re.compile(r"^https?://([^/:?#\s]+|\[[0-9a-f:]*\])(?::(\d+))?(/[^\s]*)?$", re.IGNORECASE)
_MODEL_KEYWORDS = frozenset({"model", "model_name", "model_id", "deployment_name", "azure_deployment", "engine"})
_MODEL_CALLS = frozenset({"from_pretrained", "LLM", "pipeline", "GenerativeModel", "SentenceTransformer", "Llama"})
_KEY_SUFFIX = re.compile(r"^[A-Z0-9_]+_(API_KEY|KEY|TOKEN|SECRET_KEY)$")
_INTEGRATION_PREFIXES = ("langchain-", "llama-index-llms-")


@dataclass(frozen=True, order=True)
class Evidence:
    line: int
    column: int
    kind: str  # sdk | endpoint | model | credential | dependency
    # The service (a provider id of the vendor table); for a model, its family (who made it).
    # "openai-compatible": the OpenAI SDK, which serves many providers and counts as "openai"
    # only when nothing in the file points it elsewhere.
    provider: str
    detail: str

    @property
    def vendor(self) -> str:
        """The company behind the service or, for a model, the family's maker ("" when unknown)."""
        found = load().vendor_of(self.provider)
        return found.id if found else ""

    @property
    def host(self) -> str:
        match = _URL.match(self.detail) if self.kind == "endpoint" else None
        return match.group(1).lower() if match else ""


@dataclass
class FileInventory:
    path: str
    evidence: list[Evidence] = field(default_factory=list)
    unread: str = ""  # why a manifest could not be read (its dependencies are not in `evidence`)

    @property
    def providers(self) -> list[str]:
        """Services the file talks to, from SDKs, endpoints, key variables and dependencies (a
        model's family says who made it, not who serves it: `qwen2.5` may run on Ollama)."""
        services = [e for e in self.evidence if e.kind != "model"]
        found = {e.provider for e in services if e.provider != OPENAI_COMPATIBLE}
        if any(e.provider == OPENAI_COMPATIBLE for e in services):
            if not (found - {LOCAL, "litellm"}):
                found.add("openai")  # the OpenAI SDK with nothing pointing it elsewhere
            elif not any(e.kind == "endpoint" and e.provider != LOCAL for e in services):
                found.add(OPENAI_COMPATIBLE)  # pointed somewhere this file does not say
        return sorted(found)

    def evidence_of(self, provider: str) -> list[Evidence]:
        """The evidence behind one of `providers` (the OpenAI SDK counts for "openai")."""
        return [e for e in self.evidence if e.kind != "model" and (
            e.provider == provider or (provider == "openai" and e.provider == OPENAI_COMPATIBLE))]

    @property
    def endpoints(self) -> list[str]:
        return sorted({e.detail for e in self.evidence if e.kind == "endpoint"})

    @property
    def models(self) -> list[str]:
        return sorted({e.detail for e in self.evidence if e.kind == "model"})


@dataclass
class Inventory:
    root: Path
    files: list[FileInventory]
    texts: dict[str, str] = field(repr=False, default_factory=dict)
    notices: list[Notice] = field(default_factory=list)

    def by(self, attribute: str) -> dict[str, list[str]]:
        """provider / endpoint / model -> the files that use it."""
        out: dict[str, list[str]] = {}
        for item in self.files:
            for value in getattr(item, attribute):
                out.setdefault(value, []).append(item.path)
        return dict(sorted(out.items()))


def build(targets: Sequence[Path], root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Inventory:
    files, notices = collect_files(targets, root, max_bytes=max_bytes)
    items = [of_file(source.path, source.text) for source in files]
    found = [item for item in items if item.evidence]
    paths = {item.path for item in found}
    unread = [Notice(NoticeLevel.ERROR, "inventory", f"{item.unread}: its dependencies were not inventoried",
                     item.path) for item in items if item.unread]
    return Inventory(root, found, {f.path: f.text for f in files if f.path in paths}, [*notices, *unread])


def of_file(path: str, text: str) -> FileInventory:
    """The evidence of one Python file or dependency manifest."""
    if is_manifest_name(path):
        manifest = parse_manifest(path, text)
        return FileInventory(path, sorted(set(_manifest_evidence(manifest))), unread=manifest.error)
    return FileInventory(path, sorted(set(_character_columns(text, _python_evidence(text)))))


# --- detection -------------------------------------------------------------------------------


def provider_of_url(url: str) -> str | None:
    match = _URL.match(url.strip())
    if not match:
        return None
    host, port, path = match.group(1).lower(), match.group(2), match.group(3) or ""
    llm_path = bool(_AI_PATH.search(path))
    if _LOOPBACK.fullmatch(host):
        return LOCAL if llm_path or (port and int(port) in _LOCAL_LLM_PORTS) else None
    known = load().provider_of_host(host)
    if known is not None:
        return known
    return UNKNOWN_ENDPOINT if llm_path else None


def provider_of_model(name: str) -> str:
    """The model's family (who made the weights), "unknown" when the table does not know it."""
    return load().family_of_model(name) or "unknown"


def _model_name_pattern(table: Table) -> re.Pattern[str]:
    families = "|".join(f.names.pattern for f in table.families.values())
    return re.compile(r"^(?:[\w.-]+/)?(?:" + families + r")[\w.:-]*$", re.IGNORECASE)


_MODEL_NAME = _model_name_pattern(load())


def _python_evidence(text: str) -> Iterable[Evidence]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from _sdk_evidence(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from _string_evidence(node, node.value)
        elif isinstance(node, ast.Call):
            yield from _model_arguments(node)
        elif isinstance(node, ast.Assign) and isinstance(getattr(node.value, "value", None), str):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(re.search(r"(^|_)MODEL(_NAME|_ID)?$", n, re.IGNORECASE) for n in names):
                yield _model(node.value, node.value.value)


def _character_columns(text: str, found: Iterable[Evidence]) -> Iterable[Evidence]:
    """`ast` columns count UTF-8 bytes; SARIF and editors count characters."""
    lines = text.splitlines()
    for e in found:
        line = lines[e.line - 1] if 0 < e.line <= len(lines) else ""
        column = len(line.encode("utf-8")[: e.column - 1].decode("utf-8", "replace")) + 1
        yield Evidence(e.line, column, e.kind, e.provider, e.detail)


def _sdk_evidence(node: ast.Import | ast.ImportFrom) -> Iterable[Evidence]:
    modules = [a.name for a in node.names] if isinstance(node, ast.Import) else (
        [node.module, *(f"{node.module}.{a.name}" for a in node.names)] if node.module and not node.level else [])
    for module in modules:
        found = load().provider_of_module(module)
        if found is not None:
            yield Evidence(node.lineno, node.col_offset + 1, "sdk", found[1], found[0])


def _string_evidence(node: ast.Constant, value: str) -> Iterable[Evidence]:
    provider = provider_of_url(value)
    if provider is not None:
        yield Evidence(node.lineno, node.col_offset + 1, "endpoint", provider, value.strip().rstrip("/"))
    elif _KEY_SUFFIX.match(value) and (key := load().provider_of_key(value)) is not None:
        yield Evidence(node.lineno, node.col_offset + 1, "credential", key, value)
    elif _MODEL_NAME.match(value) and any(c.isdigit() for c in value) and " " not in value:
        yield _model(node, value)


def _model_arguments(call: ast.Call) -> Iterable[Evidence]:
    for keyword in call.keywords:
        if keyword.arg in _MODEL_KEYWORDS and isinstance(keyword.value, ast.Constant) \
                and isinstance(keyword.value.value, str) and keyword.value.value.strip():
            yield _model(keyword.value, keyword.value.value)
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name in _MODEL_CALLS and call.args and isinstance(call.args[0], ast.Constant) \
            and isinstance(call.args[0].value, str) and "/" in call.args[0].value \
            and not call.args[0].value.startswith((".", "/", "~")):
        yield _model(call.args[0], call.args[0].value)


def _model(node: ast.expr, name: str) -> Evidence:
    return Evidence(node.lineno, node.col_offset + 1, "model", provider_of_model(name), name)


def _manifest_evidence(manifest: Manifest) -> Iterable[Evidence]:
    table = load()
    for dependency in manifest.dependencies:
        key = normalise(dependency.name) if dependency.name else ""
        provider = table.provider_of_distribution(key)
        if provider is None and key.startswith(_INTEGRATION_PREFIXES):
            provider = _provider_of_integration(key, table)
        if provider is not None:
            yield Evidence(dependency.span.line, dependency.span.column, "dependency", provider, dependency.name)


def _provider_of_integration(key: str, table: Table) -> str:
    """`langchain-deepseek` -> deepseek; integrations of frameworks without a provider -> framework."""
    tail = key.removeprefix("langchain-").removeprefix("llama-index-llms-")
    for provider in table.providers.values():
        if provider.id not in (LOCAL, OPENAI_COMPATIBLE) and any(m.replace("_", "-") == tail for m in provider.sdks):
            return provider.id
    return {"openai": OPENAI_COMPATIBLE, "dashscope": "alibaba-qwen", "community": "langchain",
            "core": "langchain"}.get(tail, "langchain" if key.startswith("langchain") else "llama-index")


# --- the inventory as findings (SARIF goes through the one writer that `scan` uses) ------------


def findings(inventory: Inventory) -> list[Finding]:
    """One note per file and service, at its first evidence (DS541), in report order."""
    found = [_service_finding(item, provider) for item in inventory.files for provider in item.providers]
    return fingerprints.assign_fingerprints(sorted(found, key=lambda f: f.sort_key), inventory.texts)


def _service_finding(item: FileInventory, provider: str) -> Finding:
    evidence = item.evidence_of(provider)
    first = evidence[0]
    vendor = load().vendor_of(provider)
    who = f" ({vendor.company}, {vendor.country or 'no country'})" if vendor else ""
    details = ", ".join(dict.fromkeys(f"{e.kind} {e.detail} (line {e.line})" for e in evidence))
    return Finding(SERVICE_RULE_ID, item.path, Region(first.line, first.column),
                   f"Uses the AI service {provider}{who}. Evidence: {details}.",
                   SERVICE_SPEC.severity, SERVICE_SPEC.confidence, ("inventory",))


def _check(case: StageCase, _catalogue: object = None) -> list[Finding]:
    inventory = Inventory(Path("."), [item] if (item := of_file(case.path, case.after)).evidence else [],
                          {case.path: case.after})
    return findings(inventory)


SERVICE_RULE_ID = "DS541"
SERVICE_SPEC = spec_from_mapping(
    {
        "id": SERVICE_RULE_ID,
        "name": "ai-service-use",
        "severity": "note",
        "confidence": "high",
        "cwe": [201],
        "security-severity": "2.0",
        "scope": "file",
        "summary": "Code that talks to an AI service (reported by `diffsentry inventory`, not by `scan`).",
        "what": "Lists where code or data leaves for an AI service: a provider's SDK imported, an LLM API "
                "endpoint, an API-key variable of a provider, or the SDK declared as a dependency. One note per "
                "file and service, with every piece of evidence. Only `diffsentry inventory --format sarif` "
                "reports it; `scan` and `diff` list it among the rules and never raise it.",
        "why": "Whatever these calls send (prompts, source code, customer data) reaches the provider's servers "
               "and its jurisdiction. Knowing where that happens is the first step of approving providers; the "
               "vendor policy (DS540) then enforces the decision.",
        "fix": "Check which data the call sends and whether the provider is approved; deny the ones that are not "
               "in [tool.diffsentry.ai-policy].",
        "example": 'from openai import OpenAI\n\nclient = OpenAI(base_url="https://api.deepseek.com")\n',
        "use-instead": '# An approved provider, or a model served on the machine itself:\nimport ollama\n\n'
                       'ollama.chat(model="llama3.1:8b", messages=messages)\n',
        "references": ["https://cyclonedx.org/capabilities/mlbom/"],
    },
    engine="inventory",
    source="analyzer/ai/inventory.py",
)
RULES = (
    StageRule(
        spec=SERVICE_SPEC,
        invalid=(
            StageCase('from openai import OpenAI\n\nclient = OpenAI(base_url="https://api.deepseek.com")\n'),
            StageCase('import anthropic\n\nclient = anthropic.Anthropic()\n'),
            StageCase('import requests\n\nrequests.post("http://localhost:11434/api/chat", json=body)\n'),
            StageCase("flask>=3.0\ndashscope==1.20.0\n", path="requirements.txt"),
        ),
        valid=(
            # A web app's own test server: loopback, but no LLM API path or port.
            StageCase('BASE = "http://localhost:5000/api/users"\n\ndef test_get(client):\n'
                      '    assert client.get(BASE).status_code == 200\n'),
            # "model" that is not a language model, and a URL of no AI service.
            StageCase('import json\n\njson.dumps({"model": "linear", "url": "https://example.com/api"})\n'),
            # A module whose name starts like an SDK's.
            StageCase("import openapi_spec_validator\nimport anthropic_bench_utils\n"),
        ),
        check=_check,
    ),
)
