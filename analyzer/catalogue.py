"""The catalogue: every rule of every engine and pipeline stage, and selections of them.

What a rule is lives in `analyzer.rulespec` (a leaf module the engines import); this module is the
registry on top: it imports each engine and stage that declares rules and collects their specs.
Everything else (SARIF rule metadata, `diffsentry rules`/`explain`, `docs/rules.md`, the rule
tests) is derived from the `Catalogue` built here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analyzer import config, suppress, unparsable
from analyzer.ai import inventory, policy
from analyzer.engines import removed
from analyzer.engines.cst.framework import cst_rule_classes
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

__all__ = ["Catalogue", "CatalogueError", "RuleSpec", "load_catalogue", "stage_rules"]

# Pipeline stages that declare rules of their own (`RULES`, see `StageRule`).
STAGE_RULE_MODULES = (removed, suppress, config, inventory, policy, unparsable)


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
    return [rule for module in STAGE_RULE_MODULES for rule in module.RULES]


@functools.cache
def load_catalogue() -> Catalogue:
    """Every rule of every engine and stage, sorted by id."""
    specs = [cls.spec for cls in cst_rule_classes()]
    specs += load_semgrep_specs(semgrep_rule_files())
    specs += load_bandit_specs(bandit_table_path())
    specs += [rule.spec for rule in stage_rules()]
    return Catalogue(tuple(sorted(specs, key=lambda s: (s.id, s.name))))
