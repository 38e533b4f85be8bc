"""The vendor table (`vendors.toml`): services, SDKs, model families and coding assistants, each
mapped to the company behind it and the company's country.

Read once per process and checked on load: every row names a known vendor, every pattern compiles,
no SDK module or distribution belongs to two services. Lookups answer with row ids; `vendor_of`
turns any of them into the company.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TABLE_FILE = Path(__file__).with_name("vendors.toml")
LOCAL = "local"
OPENAI_COMPATIBLE = "openai-compatible"
UNKNOWN_ENDPOINT = "unknown-ai-endpoint"


class TableError(ValueError):
    """The vendor table is inconsistent (a bug in the shipped data, caught by its tests)."""


@dataclass(frozen=True)
class Vendor:
    id: str
    company: str
    country: str  # ISO 3166-1 alpha-2, "" when no company stands behind it


@dataclass(frozen=True)
class Provider:
    """A service that requests go to."""

    id: str
    vendor: str  # "" for the local runtimes and services this table cannot name
    hosts: tuple[re.Pattern[str], ...] = ()
    keys: tuple[str, ...] = ()
    sdks: tuple[str, ...] = ()
    distributions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    """A model family: who made the weights, wherever they run."""

    id: str
    vendor: str
    names: re.Pattern[str]


@dataclass(frozen=True)
class Assistant:
    id: str
    name: str
    vendor: str
    emails: tuple[re.Pattern[str], ...] = ()
    names: tuple[re.Pattern[str], ...] = ()
    bots: tuple[re.Pattern[str], ...] = ()
    author_suffixes: tuple[re.Pattern[str], ...] = ()
    footers: tuple[re.Pattern[str], ...] = ()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    version: str
    vendors: Mapping[str, Vendor]
    providers: Mapping[str, Provider]
    families: Mapping[str, Family]
    assistants: Mapping[str, Assistant]
    trailer_keys: frozenset[str]

    # --- lookups --------------------------------------------------------------------------------

    def provider_of_host(self, host: str) -> str | None:
        host = host.lower().rstrip(".")
        return next((p.id for p in self.providers.values() if any(h.fullmatch(host) for h in p.hosts)), None)

    @functools.cached_property
    def _modules(self) -> dict[str, str]:
        return {module: p.id for p in self.providers.values() for module in p.sdks}

    def provider_of_module(self, module: str) -> tuple[str, str] | None:
        """(the SDK's module prefix, its service) for an imported module, longest prefix first."""
        parts = module.split(".")
        for size in range(len(parts), 0, -1):
            prefix = ".".join(parts[:size])
            if prefix in self._modules:
                return prefix, self._modules[prefix]
        return None

    def provider_of_distribution(self, normalised_name: str) -> str | None:
        return next((p.id for p in self.providers.values() if normalised_name in p.distributions), None)

    def provider_of_key(self, variable: str) -> str | None:
        """The service an API-key variable name belongs to; the longest marker wins
        (AZURE_OPENAI_API_KEY is Azure's, not OpenAI's)."""
        words = set(re.split(r"_+", variable.upper()))
        joined = "_" + variable.upper() + "_"
        best = max(((len(k), p.id) for p in self.providers.values() for k in p.keys
                    if (k in words if "_" not in k else f"_{k}_" in joined)), default=None)
        return best[1] if best else None

    @functools.cached_property
    def key_markers(self) -> tuple[str, ...]:
        return tuple(sorted({k for p in self.providers.values() for k in p.keys}, key=len, reverse=True))

    def family_of_model(self, model: str) -> str | None:
        bare = model.rsplit("/", 1)[-1].lower()
        return next((f.id for f in self.families.values() if f.names.match(bare)), None)

    def vendor_of(self, row: str) -> Vendor | None:
        """The company behind a provider, family, assistant or vendor id."""
        for table in (self.providers, self.families, self.assistants):
            if row in table:
                return self.vendors.get(table[row].vendor)  # type: ignore[attr-defined]
        return self.vendors.get(row)


@functools.cache
def load(path: Path = TABLE_FILE) -> Table:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return parse(data, str(path.name))


def parse(data: Mapping, where: str = "vendors.toml") -> Table:
    vendors = {key: Vendor(key, str(row["company"]), str(row.get("country", "")))
               for key, row in data.get("vendors", {}).items()}
    for vendor in vendors.values():
        if vendor.country and not re.fullmatch(r"[A-Z]{2}", vendor.country):
            raise TableError(f"{where}: vendors.{vendor.id}: country {vendor.country!r} is not an ISO 3166 code")

    def known(section: str, key: str, vendor: str) -> str:
        if vendor and vendor not in vendors:
            raise TableError(f"{where}: {section}.{key}: unknown vendor {vendor!r}")
        return vendor

    def patterns(section: str, key: str, values: list[str]) -> tuple[re.Pattern[str], ...]:
        try:
            return tuple(re.compile(v, re.IGNORECASE) for v in values)
        except re.error as exc:
            raise TableError(f"{where}: {section}.{key}: bad pattern: {exc}") from None

    providers = {
        key: Provider(key, known("providers", key, row.get("vendor", "")), patterns("providers", key, row.get("hosts", [])),
                      tuple(row.get("keys", [])), tuple(row.get("sdks", [])), tuple(row.get("distributions", [])))
        for key, row in data.get("providers", {}).items()
    }
    families = {
        key: Family(key, known("families", key, row["vendor"]), patterns("families", key, [f"(?:{row['names']})"])[0])
        for key, row in data.get("families", {}).items()
    }
    assistants = {
        key: Assistant(
            key, str(row["name"]), known("assistants", key, row.get("vendor", "")),
            *(patterns("assistants", key, row.get(field, []))
              for field in ("emails", "names", "bots", "author-suffixes", "footers")),
            files=tuple(row.get("files", [])),
        )
        for key, row in data.get("assistants", {}).items()
    }
    for attribute in ("sdks", "distributions"):
        seen: dict[str, str] = {}
        for provider in providers.values():
            for value in getattr(provider, attribute):
                if value in seen:
                    raise TableError(f"{where}: {attribute} {value!r} belongs to {seen[value]} and {provider.id}")
                seen[value] = provider.id
    return Table(str(data["version"]), vendors, providers, families, assistants,
                 frozenset(k.lower() for k in data.get("trailers", {}).get("keys", [])))
