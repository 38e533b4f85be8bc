"""The catalogue: every rule of every engine and pipeline stage, and selections of them.

What a rule is lives in `analyzer.rulespec` (a leaf module the engines import); this module is the
registry on top: it imports each engine and stage that declares rules and collects their specs.
Everything else (SARIF rule metadata, `diffsentry rules`/`explain`, `docs/rules.md`, the rule
tests) is derived from the `Catalogue` built here.

Building it imports every engine's rules (libcst's with them) and reads every rule file: ~0.5 s
that `diffsentry rules` and a run answered from the result cache would otherwise pay each time.
So the built catalogue is kept as JSON in the cache directory (`analyzer.stored`), keyed by
diffsentry's version and a digest of its code and rule files (`cache.rules_digest`), which is
computed only when the files' signature (size, time, inode) differs from the stored one; a stale,
missing or unreadable copy is rebuilt, and one that cannot be written only costs the next run the
build. The document also holds `diffsentry rules`' listings, which it prints without loading this.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer import __version__
from analyzer import stored as stored_files
from analyzer.findings import Confidence, Severity
from analyzer.rulespec import (
    CatalogueError,
    RuleSpec,
    SUITES,
    StageRule,
    bandit_table_path,
    declared_in,
    read_rule_file,
    semgrep_rule_files,
    spec_from_mapping,
)

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["Catalogue", "CatalogueError", "RuleSpec", "build_catalogue", "load_catalogue", "stage_rules"]

STORED_SCHEMA = stored_files.SCHEMA
log = logging.getLogger("diffsentry.cache")


def stage_rule_modules() -> tuple[ModuleType, ...]:
    """Pipeline stages that declare rules of their own (`RULES`, see `StageRule`)."""
    from analyzer import config, suppress, unparsable
    from analyzer.ai import inventory, policy
    from analyzer.engines import removed

    return (removed, suppress, config, inventory, policy, unparsable)


def load_semgrep_specs(files: Iterable[Path]) -> list[RuleSpec]:
    specs = []
    for path in files:
        doc = read_rule_file(path)
        for rule in doc.get("rules", ()):
            meta = dict(rule.get("metadata") or {})
            meta["name"] = rule["id"]
            meta.setdefault("severity", {"ERROR": "error", "WARNING": "warning", "INFO": "note"}[rule["severity"]])
            specs.append(spec_from_mapping(meta, engine="semgrep", source=declared_in(path)))
    return specs


def load_bandit_specs(path: Path) -> list[RuleSpec]:
    doc = read_rule_file(path)
    return [
        spec_from_mapping({"id": test_id, **row}, engine="bandit", source=declared_in(path))
        for test_id, row in (doc.get("tests") or {}).items()
    ]


@dataclass(frozen=True)
class Catalogue:
    rules: tuple[RuleSpec, ...]

    def __post_init__(self) -> None:
        seen: dict[str, RuleSpec] = {}
        for spec in self.rules:
            for key in (spec.id, spec.name):
                if key in seen and seen[key] is not spec:
                    raise CatalogueError(f"{spec.source}: {key} is already declared in {seen[key].source}")
                seen[key] = spec

    @functools.cached_property
    def _index(self) -> dict[str, RuleSpec]:
        return {key: spec for spec in self.rules for key in (spec.id, spec.name)}

    def get(self, id_or_name: str) -> RuleSpec | None:
        return self._index.get(id_or_name) or self._index.get(id_or_name.upper())

    def __getitem__(self, id_or_name: str) -> RuleSpec:
        spec = self.get(id_or_name)
        if spec is None:
            raise KeyError(id_or_name)
        return spec

    def for_engine(self, engine: str) -> tuple[RuleSpec, ...]:
        return tuple(spec for spec in self.rules if spec.engine == engine)

    def select(self, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Catalogue:
        """Rules matching `select` (all when empty) minus `ignore`.

        A selector is a rule id, a name, an id prefix (`DS1`, `B6`), a family name or an engine
        name (`bandit`, `semgrep`, `cst`, and the stages `diff`, `suppress`, `config`, `parse`).
        """
        selectors, ignores = list(select), list(ignore)
        unknown = [s for s in selectors + ignores if not any(_matches(spec, s) for spec in self.rules)]
        if unknown:
            raise CatalogueError(f"unknown rule selector(s): {', '.join(unknown)}")
        chosen = [
            spec
            for spec in self.rules
            if (not selectors or any(_matches(spec, s) for s in selectors))
            and not any(_matches(spec, s) for s in ignores)
        ]
        return Catalogue(tuple(chosen))

    def in_suite(self, suite: str, named: Iterable[str] = ()) -> Catalogue:
        """The rules of `suite`, plus any rule that `named` selects by its exact id or name (asking
        for B608 by name runs it in the default suite too)."""
        if suite not in SUITES:
            raise CatalogueError(f"unknown suite {suite!r} (expected one of {', '.join(SUITES)})")
        exact = {s.strip().upper() for s in named} | {s.strip() for s in named}
        return Catalogue(tuple(spec for spec in self.rules
                               if spec.suite in SUITES[suite] or spec.id in exact or spec.name in exact))


def _matches(spec: RuleSpec, selector: str) -> bool:
    selector = selector.strip()
    return (
        spec.id.upper().startswith(selector.upper())
        or spec.name == selector
        or spec.family == selector
        or spec.engine == selector
    )


def stage_rules() -> list[StageRule]:
    return [rule for module in stage_rule_modules() for rule in module.RULES]


def build_catalogue() -> Catalogue:
    """Every rule of every engine and stage, sorted by id, read from the declarations."""
    from analyzer.engines.cst.framework import cst_rule_classes

    specs = [cls.spec for cls in cst_rule_classes()]
    specs += load_semgrep_specs(semgrep_rule_files())
    specs += load_bandit_specs(bandit_table_path())
    specs += [rule.spec for rule in stage_rules()]
    return Catalogue(tuple(sorted(specs, key=lambda s: (s.id, s.name))))


@functools.cache
def load_catalogue() -> Catalogue:
    """Every rule of every engine and stage, sorted by id: the stored copy when it was built from
    this very code and these rule files, else built (and stored for the next run).

    The stored copy is current when the files' signature is the one it was stored with, else
    when its content key is this code's (then it is stored again with the new signature)."""
    directory = stored_files.default_directory()
    path = stored_path(directory)
    signature = stored_files.signature()  # before any key or build: an edit meanwhile shows next run
    doc = _read_document(path)
    if doc is not None:
        by_signature = stored_files.is_current(doc, signature)
        if by_signature or doc.get("key") == _key():
            stored = _from_document(path, doc)
            if stored is not None:
                if not by_signature:
                    _write(directory, path, str(doc["key"]), signature, stored)
                return stored
    catalogue = build_catalogue()
    _write(directory, path, _key(), signature, catalogue)
    return catalogue


def stored_path(directory: Path) -> Path:
    return stored_files.catalogue_path(directory)


def _key() -> str:
    from analyzer import cache

    return hashlib.sha256(f"{STORED_SCHEMA}\0{__version__}\0{cache.rules_digest()}".encode()).hexdigest()


def _read_document(path: Path) -> dict[str, Any] | None:
    """The stored document; None when there is none (built and stored) or it is unreadable (a note)."""
    try:
        return stored_files.read_document(path)
    except (ValueError, RecursionError) as exc:
        log.warning("rule catalogue cache %s was unreadable (%s); rebuilt", path, _short(exc))
        return None


def _from_document(path: Path, doc: Mapping[str, Any]) -> Catalogue | None:
    try:
        return Catalogue(tuple(spec_from_stored(row) for row in doc["rules"]))
    except (ValueError, KeyError, TypeError, RecursionError, CatalogueError) as exc:
        log.warning("rule catalogue cache %s was unreadable (%s); rebuilt", path, _short(exc))
        return None


def _write(directory: Path, path: Path, key: str, signature: list[list[Any]], catalogue: Catalogue) -> None:
    """Store the catalogue and, beside it, what `diffsentry rules` prints (`analyzer.stored`),
    each under the files' signature."""
    from analyzer.report.docs import render_rules_markdown, render_rules_table

    listings = {"text": render_rules_table(catalogue), "markdown": render_rules_markdown(catalogue)}
    for fmt in stored_files.LISTINGS:  # first: a current catalogue never has older listings beside it
        stored_files.replace_document(stored_files.listing_path(directory, fmt),
                 {"version": __version__, "signature": signature, "listing": listings[fmt]})
    stored_files.replace_document(path, {"key": key, "version": __version__, "signature": signature,
                               "rules": [spec_to_stored(spec) for spec in catalogue.rules]})


def spec_to_stored(spec: RuleSpec) -> dict[str, Any]:
    row = {f.name: getattr(spec, f.name) for f in dataclasses.fields(RuleSpec)}
    row["severity"], row["confidence"] = spec.severity.label, spec.confidence.label
    row["cwe"], row["references"] = list(spec.cwe), list(spec.references)
    return row


def spec_from_stored(row: Mapping[str, Any]) -> RuleSpec:
    """A stored spec, checked for shape (its content was validated when the catalogue was built)."""
    fields = {f.name: row[f.name] for f in dataclasses.fields(RuleSpec)}
    fields["severity"] = Severity.parse(fields["severity"])
    fields["confidence"] = Confidence.parse(fields["confidence"])
    fields["cwe"] = tuple(int(n) for n in fields["cwe"])
    fields["references"] = tuple(str(r) for r in fields["references"])
    texts = [v for k, v in fields.items() if k not in ("severity", "confidence", "cwe", "references")]
    if not all(isinstance(v, str) for v in texts):
        raise TypeError("a text field is not a string")
    return RuleSpec(**fields)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
