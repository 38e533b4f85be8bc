"""The vendor table (analyzer/ai/vendors.toml): one row per company, used by inventory,
provenance and the AI policy."""

from __future__ import annotations

import re

import pytest

from analyzer.ai import vendors

TABLE = vendors.load()


def test_table_is_versioned_and_consistent():
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", TABLE.version)
    rows = [*TABLE.providers.values(), *TABLE.families.values(), *TABLE.assistants.values()]
    assert all(row.vendor == "" or row.vendor in TABLE.vendors for row in rows)
    used = {row.vendor for row in rows}
    assert set(TABLE.vendors) <= used, "a vendor no row refers to"


@pytest.mark.parametrize(("family", "vendor", "country"), [
    ("qwen", "alibaba", "CN"), ("deepseek", "deepseek", "CN"), ("llama", "meta", "US"), ("gpt", "openai", "US"),
    ("claude", "anthropic", "US"), ("gemini", "google", "US"), ("mistral", "mistral", "FR"),
    ("glm", "zhipu", "CN"), ("kimi", "moonshot", "CN"), ("command", "cohere", "CA"),
])
def test_model_families(family, vendor, country):
    assert TABLE.families[family].vendor == vendor
    assert TABLE.vendor_of(family).country == country


@pytest.mark.parametrize(("model", "family"), [
    ("Qwen/Qwen2.5-7B-Instruct", "qwen"), ("deepseek-ai/DeepSeek-R1", "deepseek"), ("deepseek-chat", "deepseek"),
    ("meta-llama/Llama-3.1-8B", "llama"), ("gpt-4o-mini", "gpt"), ("o3-mini", "gpt"), ("claude-sonnet-4-5", "claude"),
    ("gemini-2.5-pro", "gemini"), ("mistral-large-latest", "mistral"), ("glm-4-plus", "glm"),
    ("bert-base-uncased", None), ("google/flan-t5-base", None), ("o365-connector", None), ("gptq-tools", None),
])
def test_family_of_model(model, family):
    assert TABLE.family_of_model(model) == family


@pytest.mark.parametrize(("host", "provider"), [
    ("api.deepseek.com", "deepseek"), ("API.DeepSeek.com.", "deepseek"), ("dashscope-intl.aliyuncs.com", "alibaba-qwen"),
    ("my-res.openai.azure.com", "azure-openai"), ("api.openai.com", "openai"), ("ark.cn-beijing.volces.com", "volcengine-ark"),
    ("deepseek.com", None), ("api.deepseek.com.evil.example", None), ("openai.com", None),
])
def test_provider_of_host(host, provider):
    assert TABLE.provider_of_host(host) == provider


@pytest.mark.parametrize(("variable", "provider"), [
    ("DEEPSEEK_API_KEY", "deepseek"), ("AZURE_OPENAI_API_KEY", "azure-openai"), ("OPENAI_API_KEY", "openai"),
    ("GOOGLE_API_KEY", "google-gemini"), ("HF_TOKEN", "huggingface"), ("STRIPE_API_KEY", None),
    ("SHARK_API_KEY", None),  # ARK is a word of the name, not a substring
])
def test_provider_of_key(variable, provider):
    assert TABLE.provider_of_key(variable) == provider


def test_sdk_modules_match_by_dotted_prefix():
    assert TABLE.provider_of_module("google.generativeai.types") == ("google.generativeai", "google-gemini")
    assert TABLE.provider_of_module("openai") == ("openai", "openai-compatible")
    assert TABLE.provider_of_module("openai_helpers") is None


def test_assistants_know_their_vendor():
    assert TABLE.vendor_of("qwen-code").country == "CN"
    assert TABLE.vendor_of("claude-code").company == "Anthropic"
    assert TABLE.vendor_of("copilot").id == "github"


@pytest.mark.parametrize(("data", "message"), [
    ({"version": "1", "vendors": {}, "providers": {"x": {"vendor": "nobody"}}}, "providers.x: unknown vendor 'nobody'"),
    ({"version": "1", "vendors": {"a": {"company": "A", "country": "China"}}}, "vendors.a: country 'China'"),
    ({"version": "1", "vendors": {"a": {"company": "A"}}, "families": {"f": {"vendor": "a", "names": "("}}},
     "families.f: bad pattern"),
    ({"version": "1", "vendors": {"a": {"company": "A"}},
      "providers": {"x": {"vendor": "a", "sdks": ["m"]}, "y": {"vendor": "a", "sdks": ["m"]}}},
     "sdks 'm' belongs to x and y"),
])
def test_broken_table_is_refused(data, message):
    with pytest.raises(vendors.TableError, match=re.escape(message)):
        vendors.parse(data)
