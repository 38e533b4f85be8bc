"""`diffsentry inventory`: which files talk to which AI providers, endpoints and models.

A map of where code or data leaves for an AI service, read statically (Python via `ast`, never
imported or run; requirements files and pyproject.toml as text). Evidence per file:

* `sdk`: an import of a provider's client library (`openai`, `anthropic`, `dashscope`, ...);
* `endpoint`: a URL of an AI API (`https://api.deepseek.com`, `.../v1/chat/completions`);
* `model`: a model name given to a client (`model="qwen-max"`) or written as a known model id;
* `credential`: the name of a provider's API-key variable (`DEEPSEEK_API_KEY`);
* `dependency`: a provider SDK declared in a manifest.

The OpenAI SDK talks to many providers (DeepSeek, Qwen, vLLM...), so it only counts as "openai"
when nothing in the file points it elsewhere. Local runtimes (Ollama on localhost, transformers,
vLLM, llama.cpp) are listed as `local`: the data stays on the machine, the weights do not.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from analyzer import __version__
from analyzer.findings import Notice
from analyzer.fingerprints import github_line_hashes
from analyzer.sources import DEFAULT_MAX_BYTES, collect_files, is_manifest_name
from analyzer.engines.cst.supply_chain.manifests import parse_manifest
from analyzer.engines.cst.supply_chain.names import normalise

LOCAL = "local"
# (host pattern, provider). Matched against the host of every URL literal.
_HOSTS: tuple[tuple[str, str], ...] = (
    (r"api\.openai\.com", "openai"), (r".*\.openai\.azure\.com", "azure-openai"),
    (r"api\.anthropic\.com", "anthropic"), (r"api\.deepseek\.com", "deepseek"),
    (r"dashscope(-intl)?\.aliyuncs\.com", "alibaba-qwen"), (r"generativelanguage\.googleapis\.com", "google-gemini"),
    (r".*aiplatform\.googleapis\.com", "google-vertex"), (r"api\.mistral\.ai", "mistral"),
    (r"api\.groq\.com", "groq"), (r"openrouter\.ai", "openrouter"), (r"api\.together\.(xyz|ai)", "together"),
    (r"api\.moonshot\.(cn|ai)", "moonshot"), (r"open\.bigmodel\.cn", "zhipu"), (r"api\.x\.ai", "xai"),
    (r"ark\.[\w-]+\.volces\.com", "volcengine-ark"), (r"(qianfan|aip)\.baidubce\.com", "baidu-qianfan"),
    (r"api\.cohere\.(ai|com)", "cohere"), (r"api\.perplexity\.ai", "perplexity"),
    (r"api\.fireworks\.ai", "fireworks"), (r"(api-inference|router)\.huggingface\.co", "huggingface"),
    (r"bedrock-runtime\.[\w-]+\.amazonaws\.com", "aws-bedrock"), (r"api\.siliconflow\.(cn|com)", "siliconflow"),
    (r"(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])", LOCAL),
)
_AI_PATH = re.compile(r"/(v\d+/)?(chat/completions|completions|messages|embeddings|responses)\b|/api/(chat|generate)\b")
_URL = re.compile(r"^https?://([^/:?#\s]+)(?::\d+)?(/[^\s]*)?$", re.IGNORECASE)
# Top-level (or dotted) module -> provider of its SDK; None: the OpenAI-compatible SDK.
_SDKS: dict[str, str | None] = {
    "openai": None, "langchain_openai": None, "llama_index.llms.openai": None,
    "anthropic": "anthropic", "langchain_anthropic": "anthropic", "claude_agent_sdk": "anthropic",
    "dashscope": "alibaba-qwen", "langchain_community.chat_models.tongyi": "alibaba-qwen",
    "langchain_deepseek": "deepseek", "ollama": LOCAL, "langchain_ollama": LOCAL,
    "google.generativeai": "google-gemini", "google.genai": "google-gemini", "langchain_google_genai": "google-gemini",
    "vertexai": "google-vertex", "mistralai": "mistral", "langchain_mistralai": "mistral", "groq": "groq",
    "langchain_groq": "groq", "cohere": "cohere", "together": "together", "zhipuai": "zhipu",
    "zai": "zhipu", "qianfan": "baidu-qianfan", "volcenginesdkarkruntime": "volcengine-ark",
    "replicate": "replicate", "litellm": "litellm", "transformers": LOCAL, "vllm": LOCAL, "llama_cpp": LOCAL,
    "sentence_transformers": LOCAL, "mlx_lm": LOCAL,
}
_MODEL_PREFIXES: tuple[tuple[str, str], ...] = (
    (r"(gpt-|o[134](-|$)|chatgpt|text-embedding-|dall-e|whisper-1|tts-1)", "openai"), (r"claude", "anthropic"),
    (r"deepseek", "deepseek"), (r"(qwen|qwq|qvq)", "alibaba-qwen"), (r"(glm-|chatglm)", "zhipu"),
    (r"gemini", "google-gemini"), (r"(mistral|mixtral|codestral|magistral|ministral)", "mistral"),
    (r"(moonshot|kimi)", "moonshot"), (r"ernie", "baidu-qianfan"), (r"doubao", "volcengine-ark"),
    (r"grok", "xai"), (r"command-r", "cohere"), (r"(llama|meta-llama)", "meta-llama"),
)
_MODEL_NAME = re.compile(r"^(?:[\w.-]+/)?(?:" + "|".join(p for p, _ in _MODEL_PREFIXES) + r")[\w.:-]*$", re.IGNORECASE)
_MODEL_KEYWORDS = frozenset({"model", "model_name", "model_id", "deployment_name", "azure_deployment", "engine"})
_MODEL_CALLS = frozenset({"from_pretrained", "LLM", "pipeline", "GenerativeModel", "SentenceTransformer", "Llama"})
_KEY_VARIABLE = re.compile(
    r"^[A-Z0-9_]*(OPENAI|ANTHROPIC|CLAUDE|DEEPSEEK|DASHSCOPE|QWEN|GEMINI|GOOGLE_API|MISTRAL|GROQ|COHERE|TOGETHER|"
    r"ZHIPU|MOONSHOT|KIMI|ARK|QIANFAN|XAI|OPENROUTER|HF|HUGGINGFACE|AZURE_OPENAI|SILICONFLOW)[A-Z0-9_]*"
    r"_(API_KEY|KEY|TOKEN|SECRET_KEY)$"
)
_KEY_PROVIDERS = (
    ("AZURE_OPENAI", "azure-openai"), ("OPENAI", "openai"), ("ANTHROPIC", "anthropic"), ("CLAUDE", "anthropic"),
    ("DEEPSEEK", "deepseek"), ("DASHSCOPE", "alibaba-qwen"), ("QWEN", "alibaba-qwen"), ("GEMINI", "google-gemini"),
    ("GOOGLE_API", "google-gemini"), ("MISTRAL", "mistral"), ("GROQ", "groq"), ("COHERE", "cohere"),
    ("TOGETHER", "together"), ("ZHIPU", "zhipu"), ("MOONSHOT", "moonshot"), ("KIMI", "moonshot"),
    ("QIANFAN", "baidu-qianfan"), ("ARK", "volcengine-ark"), ("XAI", "xai"), ("OPENROUTER", "openrouter"),
    ("SILICONFLOW", "siliconflow"), ("HUGGINGFACE", "huggingface"), ("HF", "huggingface"),
)
_SDK_DISTRIBUTIONS = {
    "openai": None, "anthropic": "anthropic", "dashscope": "alibaba-qwen", "ollama": LOCAL,
    "google-generativeai": "google-gemini", "google-genai": "google-gemini", "mistralai": "mistral", "groq": "groq",
    "cohere": "cohere", "together": "together", "zhipuai": "zhipu", "litellm": "litellm", "qianfan": "baidu-qianfan",
    "volcengine-python-sdk": "volcengine-ark", "langchain-openai": None, "langchain-anthropic": "anthropic",
    "langchain-deepseek": "deepseek", "langchain-ollama": LOCAL, "langchain-google-genai": "google-gemini",
    "vllm": LOCAL, "transformers": LOCAL, "llama-cpp-python": LOCAL,
}
SARIF_RULE_ID = "ai-service-use"


@dataclass(frozen=True, order=True)
class Evidence:
    line: int
    column: int
    kind: str  # sdk | endpoint | model | credential | dependency
    # The service (for a model: its family). "openai-compatible": the OpenAI SDK, which serves
    # many providers and counts as "openai" only when nothing in the file points it elsewhere.
    provider: str
    detail: str


@dataclass
class FileInventory:
    path: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def providers(self) -> list[str]:
        """Services the file talks to, from SDKs, endpoints, key variables and dependencies (a
        model's family says who made it, not who serves it: `qwen2.5` may run on Ollama)."""
        services = [e for e in self.evidence if e.kind != "model"]
        found = {e.provider for e in services if e.provider != "openai-compatible"}
        if any(e.provider == "openai-compatible" for e in services):
            if not (found - {LOCAL, "litellm"}):
                found.add("openai")  # the OpenAI SDK with nothing pointing it elsewhere
            elif not any(e.kind == "endpoint" and e.provider != LOCAL for e in services):
                found.add("openai-compatible")  # pointed somewhere this file does not say
        return sorted(found)

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
    found = []
    for source in files:
        evidence = sorted(set(_manifest_evidence(source.path, source.text) if is_manifest_name(source.path)
                              else _character_columns(source.text, _python_evidence(source.text))))
        if evidence:
            found.append(FileInventory(source.path, evidence))
    return Inventory(root, found, {f.path: f.text for f in files if any(i.path == f.path for i in found)},
                     list(notices))


# --- detection -------------------------------------------------------------------------------


def provider_of_url(url: str) -> str | None:
    match = _URL.match(url.strip())
    if not match:
        return None
    host = match.group(1).lower()
    for pattern, provider in _HOSTS:
        if re.fullmatch(pattern, host):
            return provider
    return "unknown-ai-endpoint" if _AI_PATH.search(match.group(2) or "") else None


def provider_of_model(name: str) -> str:
    bare = name.rsplit("/", 1)[-1].lower()
    for pattern, provider in _MODEL_PREFIXES:
        if re.match(pattern, bare):
            return provider
    return "huggingface-hub" if "/" in name else "unknown"


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
        for size in range(module.count(".") + 1, 0, -1):
            prefix = ".".join(module.split(".")[:size])
            if prefix in _SDKS:
                provider = _SDKS[prefix] or "openai-compatible"
                yield Evidence(node.lineno, node.col_offset + 1, "sdk", provider, prefix)
                break


def _string_evidence(node: ast.Constant, value: str) -> Iterable[Evidence]:
    provider = provider_of_url(value)
    if provider is not None:
        yield Evidence(node.lineno, node.col_offset + 1, "endpoint", provider, value.strip().rstrip("/"))
    elif _KEY_VARIABLE.match(value):
        key = next((p for marker, p in _KEY_PROVIDERS if marker in value), "unknown")
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


def _manifest_evidence(path: str, text: str) -> Iterable[Evidence]:
    for dependency in parse_manifest(path, text).dependencies:
        key = normalise(dependency.name) if dependency.name else ""
        if key in _SDK_DISTRIBUTIONS or key.startswith(("langchain-", "llama-index-llms-")):
            provider = _SDK_DISTRIBUTIONS.get(key) or ("openai-compatible" if key in _SDK_DISTRIBUTIONS else
                                                       _provider_of_integration(key))
            yield Evidence(dependency.span.line, dependency.span.column, "dependency", provider, dependency.name)


def _provider_of_integration(key: str) -> str:
    """`langchain-deepseek` -> deepseek; integrations of frameworks without a provider -> framework."""
    tail = key.removeprefix("langchain-").removeprefix("llama-index-llms-")
    for module, provider in _SDKS.items():
        if provider and module.replace("_", "-") == tail:
            return provider
    return {"openai": "openai-compatible", "dashscope": "alibaba-qwen", "community": "langchain",
            "core": "langchain"}.get(tail, "langchain" if key.startswith("langchain") else "llama-index")


# --- output ----------------------------------------------------------------------------------


def render_text(inventory: Inventory) -> str:
    if not inventory.files:
        return "No AI provider, endpoint or model found.\n"
    providers, endpoints, models = inventory.by("providers"), inventory.by("endpoints"), inventory.by("models")
    lines = [f"{len(inventory.files)} file(s) use AI services: {len(providers)} provider(s), "
             f"{len(endpoints)} endpoint(s), {len(models)} model(s).", ""]
    for item in inventory.files:
        lines.append(f"{item.path}  ->  {', '.join(item.providers) or 'unknown'}")
        for e in item.evidence:
            note = f"{e.provider} family" if e.kind == "model" else e.provider
            lines.append(f"  {e.line:>5}  {e.kind:<10} {e.detail}" + (f"  ({note})" if e.kind != "sdk" else ""))
        lines.append("")
    for title, table in (("Providers", providers), ("Endpoints", endpoints), ("Models", models)):
        if table:
            lines.append(f"{title}:")
            lines += [f"  {key}: {', '.join(paths)}" for key, paths in table.items()]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_json(inventory: Inventory) -> str:
    document = {
        "version": 1,
        "tool": {"name": "diffsentry", "version": __version__},
        "files": [
            {"path": f.path, "providers": f.providers, "endpoints": f.endpoints, "models": f.models,
             "evidence": [{"kind": e.kind, "provider": e.provider, "detail": e.detail, "line": e.line,
                           "column": e.column} for e in f.evidence]}
            for f in inventory.files
        ],
        "providers": inventory.by("providers"),
        "endpoints": inventory.by("endpoints"),
        "models": inventory.by("models"),
        "notices": [n.one_line() for n in inventory.notices],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_sarif(inventory: Inventory, *, category: str | None = None) -> str:
    """One note-level result per file and provider, at its first evidence.

    Results rather than notifications: GitHub code scanning shows notifications only on the tool's
    status page, while results are listed, filtered by rule and tag, and annotated on the lines
    of a pull request that adds a new AI call. Upload with its own category (`--category
    ai-inventory`) so these notes never mix with (or close) the security alerts of `scan`.
    """
    results = []
    for item in inventory.files:
        hashes = github_line_hashes(inventory.texts.get(item.path, ""))
        for provider in item.providers:
            evidence = [e for e in item.evidence if e.kind != "model" and (
                e.provider == provider or (provider == "openai" and e.provider == "openai-compatible"))]
            first = evidence[0]
            details = ", ".join(dict.fromkeys(f"{e.kind} {e.detail}" for e in evidence))
            result = {
                "ruleId": SARIF_RULE_ID, "ruleIndex": 0, "level": "note",
                "message": {"text": f"{item.path} uses the AI provider {provider}. Evidence: {details}."},
                "locations": [_location(item.path, first)],
                "relatedLocations": [dict(_location(item.path, e), id=i) for i, e in enumerate(evidence[1:], 1)],
                "partialFingerprints": {"diffsentry-inventory/v1": f"{item.path}:{provider}"},
                "properties": {"provider": provider, "endpoints": item.endpoints, "models": item.models},
            }
            if 0 < first.line <= len(hashes):
                result["partialFingerprints"]["primaryLocationLineHash"] = hashes[first.line - 1]
            if not result["relatedLocations"]:
                del result["relatedLocations"]
            results.append(result)
    run: dict = {
        "tool": {"driver": {
            "name": "diffsentry", "semanticVersion": __version__, "version": __version__,
            "informationUri": "https://github.com/diffsentry/diffsentry",
            "rules": [{
                "id": SARIF_RULE_ID, "name": SARIF_RULE_ID,
                "shortDescription": {"text": "Code that talks to an AI provider (inventory)."},
                "fullDescription": {"text": "Lists where code or data leaves for an AI service: provider SDKs, API "
                                            "endpoints, model names and API-key variables. Informational."},
                "help": {"text": "Review which data these calls send and whether the provider is approved.",
                         "markdown": "Review which data these calls send and whether the provider is approved. "
                                     "Produced by `diffsentry inventory`."},
                "defaultConfiguration": {"level": "note"},
                "properties": {"tags": ["ai-inventory"], "precision": "high"},
            }],
        }},
        "results": results,
        "originalUriBaseIds": {"%SRCROOT%": {"uri": inventory.root.resolve().as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "properties": {"kind": "ai-inventory"},
    }
    if category:
        run["automationDetails"] = {"id": category if category.endswith("/") else category + "/"}
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _location(path: str, evidence: Evidence) -> dict:
    return {"physicalLocation": {
        "artifactLocation": {"uri": PurePosixPath(path).as_posix(), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": evidence.line, "startColumn": evidence.column},
    }, "message": {"text": f"{evidence.kind}: {evidence.detail}"}}


RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif}
