"""What Semgrep is given, worked out once per set of rule files and stored in the cache directory.

Building it reads every Semgrep rule file (YAML), splices the shared untrusted-input block into
the rules that take it (`shared_input`) and derives each taint rule's pre-filter condition
(`taint_prefilter`, which tokenizes ~2,800 patterns). That is ~0.7 s of CPU (measured on the
2-core machine: YAML 0.2 s, conditions 0.5 s) in the thread that starts Semgrep, while the main
thread runs libcst: on a 5-file change it held Semgrep's start back by about a second. Stored as
JSON keyed by a digest of the rule files and of the code that builds it, it loads in a few ms.

A missing, stale, unreadable or damaged copy (its own digest is checked) is rebuilt and written
again; one that cannot be written costs only the next run the build. Never an error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer import stored
from analyzer.engines import shared_input, taint_prefilter
from analyzer.rulespec import read_rule_file

STORED_SCHEMA = 1
log = logging.getLogger("diffsentry.cache")


@dataclass(frozen=True)
class Plan:
    """Every rule of the rule files as Semgrep must see it, and each taint rule's condition."""

    rules: tuple[Mapping[str, Any], ...]
    conditions: Mapping[str, taint_prefilter.Condition]  # by rule id; taint rules only

    def config(self, wanted: set[str]) -> dict[str, Any]:
        """The Semgrep configuration of the rules named in `wanted` (callers must not mutate it)."""
        return {"rules": [rule for rule in self.rules if rule["id"] in wanted]}


def load(rule_files: Sequence[Path]) -> Plan:
    """The plan of these rule files: the stored copy when it was built from them by this code."""
    key = _key(rule_files)
    path = stored.default_directory() / f"semgrep-plan-v{STORED_SCHEMA}.json"
    kept = _read(path, key)
    if kept is not None:
        return kept
    plan = build(rule_files)
    _write(path, key, plan)
    return plan


def build(rule_files: Sequence[Path]) -> Plan:
    block = shared_input.load(rule_files)
    rules = tuple(shared_input.splice(rule, block, where=path.name)
                  for path in rule_files for rule in read_rule_file(path).get("rules", ()))
    conditions = {rule["id"]: taint_prefilter.rule_condition(rule) for rule in rules if rule.get("mode") == "taint"}
    return Plan(rules, conditions)


@functools.cache
def _code_digest() -> str:
    here = Path(__file__).parent
    return hashlib.sha256(b"".join(
        (here / name).read_bytes() for name in ("semgrep_plan.py", "shared_input.py", "taint_prefilter.py")
    )).hexdigest()


def _key(rule_files: Sequence[Path]) -> str:
    from analyzer import cache

    return hashlib.sha256(f"{STORED_SCHEMA}\0{_code_digest()}\0{cache.sources_digest(rule_files)}".encode()).hexdigest()


def _payload(plan: Plan) -> str:
    return json.dumps({"rules": plan.rules, "conditions": taint_prefilter.to_rows(plan.conditions)},
                      sort_keys=True, ensure_ascii=False)


def _read(path: Path, key: str) -> Plan | None:
    try:
        data = path.read_bytes()
    except OSError:  # not there yet (or not readable): built and stored
        return None
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or doc.get("key") != key:
            return None  # other rule files' or another version's: rebuilt, not an error
        payload = doc["payload"]
        # The key says what it was built from; the digest that it is all there as written.
        if hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest() != doc["digest"]:
            raise ValueError("its digest does not match its content")
        body = json.loads(payload)
        rules = tuple(body["rules"])
        if not all(isinstance(rule, dict) and isinstance(rule.get("id"), str) for rule in rules):
            raise TypeError("a rule is not a mapping with an id")
        return Plan(rules, taint_prefilter.from_rows(body["conditions"]))
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        log.warning("Semgrep plan cache %s was unreadable (%s); rebuilt", path, str(exc)[:120] or type(exc).__name__)
        return None


def _write(path: Path, key: str, plan: Plan) -> None:
    payload = _payload(plan)
    digest = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()
    stored.replace_document(path, {"key": key, "digest": digest, "payload": payload})
