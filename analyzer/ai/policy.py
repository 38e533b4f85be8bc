"""The AI vendor policy: `[tool.diffsentry.ai-policy]`, and rule DS540 that enforces it.

    [tool.diffsentry.ai-policy]
    deny-vendors = ["deepseek"]            # ids of analyzer/ai/vendors.toml
    deny-countries = ["CN"]                # ISO 3166 codes of the company's headquarters
    deny-hosts = ["api.moonshot.cn"]       # a host and its subdomains; globs allowed
    deny-model-families = ["qwen"]         # who made the weights, wherever they run
    allow-vendors = ["openai", "anthropic"]  # allow-*: anything known and not listed is denied
    deny-assistants = ["devin"]            # provenance: assistants that may not author code...
    assistant-paths = ["src/payments/*"]   # ...here (default: anywhere)

In `diff` modes a change that adds use of a denied service, endpoint or model (SDK import,
endpoint URL, API-key variable, model name, `from_pretrained` of a denied family, a dependency on
its SDK) is an error of DS540 naming the evidence and the policy line; in `scan` the same over the
whole tree. What counts as use is the inventory's evidence (`analyzer.ai.inventory`), so the gate
and the inventory never disagree. An unknown key, vendor, family or assistant is a configuration
error naming the key.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from analyzer.ai.inventory import Evidence, FileInventory, of_file
from analyzer.ai.vendors import LOCAL, OPENAI_COMPATIBLE, load
from analyzer.diff import change_from_texts
from analyzer.findings import Finding, Notice, NoticeLevel, Region
from analyzer.rulespec import StageCase, StageRule, spec_from_mapping
from analyzer.sources import SourceFile
from analyzer.tomltext import TomlText

RULE_ID = "DS540"
TABLE_NAME = "[tool.diffsentry.ai-policy]"
# key -> what its values name (checked against the vendor table), in the order they are judged.
KEYS: Mapping[str, str] = {
    "deny-vendors": "vendor", "deny-countries": "country", "deny-hosts": "host",
    "deny-model-families": "family", "allow-vendors": "vendor", "allow-countries": "country",
    "allow-hosts": "host", "allow-model-families": "family", "deny-assistants": "assistant",
    "assistant-paths": "path",
}
_HOST = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


class PolicyError(ValueError):
    """A policy that cannot be used; the message names the key (config adds the file)."""


@dataclass(frozen=True)
class Entry:
    """One `key = [values]` line of the policy, with where it was written."""

    key: str
    values: tuple[str, ...]
    # Where it was written is not what it says: moving the line is not a policy edit (DS692).
    line: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.key} = [{', '.join(repr(v).replace(chr(39), chr(34)) for v in self.values)}]"


@dataclass(frozen=True)
class Policy:
    entries: tuple[Entry, ...] = ()
    source: str = field(default="", compare=False)  # the configuration file, as reports name it

    def get(self, key: str) -> Entry | None:
        return next((e for e in self.entries if e.key == key), None)

    def where(self, entry: Entry) -> str:
        return f"{self.source}:{entry.line}" if entry.line else self.source or TABLE_NAME

    def denies(self, evidence: Evidence) -> Entry | None:
        """The first policy line the evidence breaks, None when it is allowed."""
        table = load()
        vendor = table.vendor_of(evidence.provider)
        facts = {
            "vendor": vendor.id if vendor else "",
            "country": vendor.country if vendor else "",
            "host": evidence.host if evidence.provider != LOCAL else "",
            "family": evidence.provider if evidence.kind == "model" and evidence.provider in table.families else "",
        }
        for entry in self.entries:
            kind = KEYS[entry.key]
            fact = facts.get(kind, "")
            if not fact:
                continue  # nothing known about it: an allow-list cannot judge it either
            listed = any(_host_matches(fact, v) for v in entry.values) if kind == "host" else fact in entry.values
            if listed == entry.key.startswith("deny-"):
                return entry
        return None


def parse(table: object, text: str = "", source: str = "") -> Policy:
    """`[tool.diffsentry.ai-policy]` as read by tomllib; `text` locates each key's line."""
    if not isinstance(table, dict):
        raise PolicyError("must be a table of key = [values]")
    vendors = load()
    known = {"vendor": vendors.vendors, "family": vendors.families, "assistant": vendors.assistants}
    entries = []
    for key, value in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(str(key).replace("_", "-"), KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(KEYS)})"
            if key == "allowed-hosts":
                hint = (" ('allow-hosts' here denies every AI endpoint not listed; hosts the project is "
                        "expected to talk to are 'allowed-hosts' in [tool.diffsentry])")
            raise PolicyError(f"unknown key '{key}'{hint}")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise PolicyError(f"{key} must be a list of non-empty strings")
        kind = KEYS[key]
        values = tuple(v.strip().upper() if kind == "country" else v.strip() if kind == "path" else
                       v.strip().lower() for v in value)
        for v in values:
            if kind in known and v not in known[kind]:
                close = difflib.get_close_matches(v, known[kind], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(known[kind]))})"
                raise PolicyError(f"{key}: unknown {kind} '{v}'{hint}")
            if kind == "country" and not re.fullmatch(r"[A-Z]{2}", v):
                raise PolicyError(f"{key}: '{v}' is not an ISO 3166-1 alpha-2 country code such as \"CN\"")
            if kind == "host" and not _HOST.fullmatch(v):
                raise PolicyError(f"{key}: '{v}' is not a host name (api.example.com, *.example.com)")
        entries.append(Entry(key, values, None))
    # Each key's line, found in the text where it is written (inline `ai-policy = {...}` too).
    places = TomlText(text).key_places([("tool", "diffsentry", "ai-policy", entry.key) for entry in entries])
    return Policy(tuple(replace(entry, line=place.line if place else None) for entry, place in zip(entries, places)),
                  source)


def _host_matches(host: str, pattern: str) -> bool:
    if "*" in pattern:
        return fnmatch.fnmatchcase(host, pattern)
    return host == pattern or host.endswith("." + pattern)


# --- the rule ------------------------------------------------------------------------------------


def find(files: Iterable[SourceFile], policy: Policy) -> list[Finding]:
    """DS540 for every use of AI in `files` the policy denies (the pipeline keeps, in diff modes,
    those on lines the change touched)."""
    return check(files, policy)[0]


def check(files: Iterable[SourceFile], policy: Policy) -> tuple[list[Finding], list[Notice]]:
    """`find`, and an error for each dependency manifest that could not be read: the policy did
    not see the dependencies it declares, so a run that found nothing there is not clean."""
    findings: list[Finding] = []
    notices: list[Notice] = []
    for source in files:
        item = of_file(source.path, source.text)
        findings += _in_file(item, policy)
        if item.unread:
            notices.append(Notice(NoticeLevel.ERROR, "ai-policy", f"{item.unread}: the AI policy ({RULE_ID}) "
                                  "did not check the dependencies it declares", source.path))
    return findings, notices


def _in_file(item: FileInventory, policy: Policy) -> Iterable[Finding]:
    for evidence in resolved(item):
        entry = policy.denies(evidence)
        if entry is not None:
            yield _finding(item.path, evidence, entry, policy)


def resolved(item: FileInventory) -> Iterable[Evidence]:
    """The file's evidence, the OpenAI SDK counted as OpenAI's when nothing in the file points it
    elsewhere (as the inventory's `providers` count it)."""
    plain_openai = "openai" in item.providers
    for evidence in item.evidence:
        if evidence.provider == OPENAI_COMPATIBLE and plain_openai:
            evidence = Evidence(evidence.line, evidence.column, evidence.kind, "openai", evidence.detail)
        yield evidence


def _finding(path: str, evidence: Evidence, entry: Entry, policy: Policy) -> Finding:
    vendor = load().vendor_of(evidence.provider)
    who = f"{vendor.company}, {vendor.country or 'no country'}" if vendor else "unknown vendor"
    what = f"the {evidence.provider} model family" if evidence.kind == "model" else f"the AI service {evidence.provider}"
    verdict = "denies it" if entry.key.startswith("deny-") else "does not allow it"
    message = (f"Uses {what} ({who}) through {evidence.kind} `{evidence.detail}`; the AI policy {verdict}: "
               f"{entry} ({policy.where(entry)}).")
    return Finding(RULE_ID, path, Region(evidence.line, evidence.column), message, SPEC.severity, SPEC.confidence,
                   ("ai-policy",))


# The policy the rule's examples run under (the rule itself has no default policy: without one
# configured it never fires).
EXAMPLE_POLICY = Policy((Entry("deny-vendors", ("deepseek",), 12), Entry("deny-model-families", ("qwen",), 13)),
                        "pyproject.toml")


def _check(case: StageCase, _catalogue: object = None) -> list[Finding]:
    """Run the rule on one example as a change: only what the change added counts."""
    found = find([SourceFile(case.path, case.after)], EXAMPLE_POLICY)
    if case.before is None:
        return found
    added = change_from_texts(case.path, case.before, case.after).added_lines
    return [f for f in found if f.region.start_line in added]


SPEC = spec_from_mapping(
    {
        "id": RULE_ID,
        "name": "denied-ai-vendor-use",
        "severity": "error",
        "confidence": "high",
        "cwe": [1357],
        "security-severity": "6.5",
        "summary": "Uses an AI service, endpoint or model that the project's AI policy denies.",
        "what": "Reports code that uses an AI service, endpoint or model family that `[tool.diffsentry.ai-policy]` "
                "denies (by vendor, country, host or model family, or by not allowing it): an SDK import, an "
                "endpoint URL, an API-key variable, a model name or `from_pretrained` of a denied family, or a "
                "dependency on the SDK. In diff modes only uses the change adds; in `scan` every use. Without a "
                "policy configured it never fires. Who is behind each service and model comes from the vendor "
                "table shipped with diffsentry (analyzer/ai/vendors.toml).",
        "why": "Organisations decide which AI vendors may receive their code and data (the US Navy banned "
               "DeepSeek; regulators restrict transfers to some jurisdictions). Assistants add such calls freely: "
               "an OpenAI client pointed at another provider's `base_url` looks like any other. Whatever the "
               "call sends goes to that vendor's servers.",
        "fix": "Use an approved provider, or change the policy in a reviewed change of its own.",
        "example": '# [tool.diffsentry.ai-policy] deny-vendors = ["deepseek"]\nfrom openai import OpenAI\n\n'
                   'client = OpenAI(base_url="https://api.deepseek.com", api_key=key)\n',
        "use-instead": 'from openai import OpenAI\n\nclient = OpenAI()  # an approved provider\n',
        "references": ["https://cwe.mitre.org/data/definitions/1357.html"],
    },
    engine="ai-policy",
    source="analyzer/ai/policy.py",
)
_CLIENT = 'from openai import OpenAI\n\nclient = OpenAI(api_key=key)\n'
RULES = (
    StageRule(
        spec=SPEC,
        invalid=(
            # The assistant points the existing OpenAI client at DeepSeek.
            StageCase(_CLIENT.replace("OpenAI(api_key=key)", 'OpenAI(base_url="https://api.deepseek.com", api_key=key)'),
                      _CLIENT),
            # A denied model family, run locally.
            StageCase('from transformers import AutoModelForCausalLM\n\n'
                      'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", revision="a1b2c3")\n'),
            # A dependency on the vendor's SDK integration.
            StageCase("flask>=3.0\nlangchain-deepseek==0.1.3\n", "flask>=3.0\n", path="requirements.txt"),
            StageCase("import langchain_deepseek\n\nllm = langchain_deepseek.ChatDeepSeek()\n"),
        ),
        valid=(
            # The vendor named in a comment and a variable; the client is OpenAI's.
            StageCase(_CLIENT + '# We compared DeepSeek and chose OpenAI.\ndeepseek_enabled = False\n', _CLIENT),
            # A denied use that was already there; the change edits another line.
            StageCase('import os\nURL = "https://api.deepseek.com"\nTIMEOUT = 30\n',
                      'import os\nURL = "https://api.deepseek.com"\nTIMEOUT = 10\n'),
            # A host that only starts like the vendor's, and an allowed family.
            StageCase('import requests\n\nrequests.get("https://api.deepseek.com.example.org/health")\n'
                      'MODEL = "llama3.1:8b"\n'),
        ),
        check=_check,
    ),
)
