"""Project configuration: `[tool.diffsentry]` in pyproject.toml.

Found upward from the target (the nearest pyproject.toml that has the table, as Ruff does);
command-line flags win over it. Unknown keys and wrong types are errors with a message, never
silently ignored: a misspelt `ignore` would otherwise look like a working one.

    [tool.diffsentry]
    select = ["DS", "B6"]          # rules to run (ids, names, id prefixes, families); default all
    ignore = ["DS190"]             # rules to skip
    suite = "default"              # default | extended (adds name-only rules, e.g. Bandit B608)
    fail-on = "error"              # error | warning | note | none
    exclude = ["migrations", "tests/fixtures/*"]
    baseline = ".diffsentry-baseline.json"
    nosec = true                   # honour Bandit's `# nosec` for Bandit findings
    trust-added-suppressions = false
    allowed-hosts = ["telemetry.example.com"]  # expected egress: not listed as a new capability
                                   # (not the AI policy's `allow-hosts`, a gate: see _HOSTS_DIFFER)
    [tool.diffsentry.severity]     # per-rule severity overrides
    B602 = "error"
    DS4 = "note"
    [tool.diffsentry.ai-policy]    # AI vendors, countries, hosts, model families (analyzer/ai/policy.py)
    deny-vendors = ["deepseek"]

In diff modes a change that edits this table or the baseline is analysed with the versions from
before it, and the edit is reported (DS692, declared here): a change cannot reconfigure its own
review.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from analyzer import baseline as baseline_file
from analyzer import defaults
from analyzer.findings import Finding, Region, Severity
from analyzer.rulespec import SUITES as RULE_SUITES
from analyzer.rulespec import StageCase, StageRule, spec_from_mapping

if TYPE_CHECKING:
    from analyzer.ai import policy as ai_policy
    from analyzer.catalogue import Catalogue
    from analyzer.diff import Revisions

FILE_NAME = "pyproject.toml"
FAIL_ON = defaults.FAIL_ON  # defined where the CLI's help reads it
DEFAULT_FAIL_ON = "warning"
SUITES = tuple(RULE_SUITES)


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    """Settings from `[tool.diffsentry]`; defaults when there is none."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    suite: str = "default"
    fail_on: str = DEFAULT_FAIL_ON
    exclude: tuple[str, ...] = ()
    baseline: Path | None = None  # absolute, resolved against the config file's directory
    severity: Mapping[str, Severity] = field(default_factory=dict)  # rule selector -> severity
    nosec: bool = True
    trust_added_suppressions: bool = False
    allowed_hosts: tuple[str, ...] = ()  # egress to these hosts (and subdomains) is expected
    ai_policy: ai_policy.Policy | None = None  # [tool.diffsentry.ai-policy]; None: no AI vendor gate
    path: Path | None = None  # the file it came from

    def changed_keys(self, other: Config) -> list[str]:
        """Keys whose values differ from `other` (empty when the two configure the same run)."""
        return [key for key, attr in _KEYS.items() if getattr(self, attr) != getattr(other, attr)]


# TOML key -> attribute; the keys users write are kebab-case, as in Ruff and Black.
_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "fail-on": "fail_on",
    "exclude": "exclude",
    "baseline": "baseline",
    "severity": "severity",
    "nosec": "nosec",
    "trust-added-suppressions": "trust_added_suppressions",
    "suite": "suite",
    "allowed-hosts": "allowed_hosts",
    "ai-policy": "ai_policy",
}
# Two host lists that are not one: `allowed-hosts` quiets the capability delta for any egress the
# project expects (telemetry, its own API) and denies nothing; the AI policy's `allow-hosts` is a
# gate that denies every AI endpoint not listed (DS540). Merged, declaring a telemetry host would
# deny every AI provider, and allowing an AI endpoint would hide new egress to it from the delta.
_HOSTS_DIFFER = ("hosts the project is expected to talk to are 'allowed-hosts' here; 'allow-hosts' is the "
                 "AI policy's allow-list, which denies every AI endpoint not listed, under [tool.diffsentry.ai-policy]")
# A host name or address, optionally with a leading dot; no scheme, path, port or wildcard.
_HOST = re.compile(r"^\.?[A-Za-z0-9]([A-Za-z0-9-]{0,62})?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62})?)*$|^[0-9a-fA-F:]+$")


def find_config_file(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a `[tool.diffsentry]` table."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / FILE_NAME
        if not candidate.is_file():
            continue
        text = candidate.read_text(encoding="utf-8", errors="replace")
        # Another project's pyproject.toml, even a broken one, is none of our business.
        if "diffsentry" in text and "diffsentry" in _read_toml(text, candidate).get("tool", {}):
            return candidate
    return None


def load_file(path: Path) -> Config:
    """Read one config file (pyproject.toml, or any TOML file with a `[tool.diffsentry]` table)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Config:
    """The `[tool.diffsentry]` table of a TOML document; defaults when the table is absent."""
    table = _read_toml(text, path).get("tool", {}).get("diffsentry")
    if table is None:
        return Config(path=path)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.diffsentry] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        attr = _KEYS.get(key)
        if attr is None:
            close = difflib.get_close_matches(key.replace("_", "-"), _KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(_KEYS)})"
            if key == "allow-hosts":
                hint = f" ({_HOSTS_DIFFER})"
            raise ConfigError(f"{path}: [tool.diffsentry] unknown key '{key}'{hint}")
        values[attr] = _policy(value, text, path) if key == "ai-policy" else _convert(key, value, path)
    return Config(path=path, **values)


def _policy(table: Any, text: str, path: Path) -> ai_policy.Policy:
    from analyzer.ai import policy as ai_policy  # its vendor tables load only when the table is there

    try:
        return ai_policy.parse(table, text, path.name)
    except ai_policy.PolicyError as exc:
        raise ConfigError(f"{path}: {ai_policy.TABLE_NAME} {exc}") from None


def _read_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _convert(key: str, value: Any, path: Path) -> Any:
    where = f"{path}: [tool.diffsentry] {key}"
    if key in ("select", "ignore", "exclude"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where} must be a list of non-empty strings")
        return tuple(v.strip() for v in value)
    if key == "allowed-hosts":
        if isinstance(value, str):
            value = [value]
        bad = [v for v in value if not isinstance(v, str) or not _HOST.match(v.strip())] if isinstance(value, list) else [value]
        if bad:
            raise ConfigError(f"{where} must be a list of host names such as 'telemetry.example.com' "
                              f"(no scheme, path or port), not {bad[0]!r}")
        return tuple(v.strip().lstrip(".").lower() for v in value)
    if key == "suite":
        if value not in SUITES:
            raise ConfigError(f"{where} must be one of {', '.join(SUITES)}, not {value!r}")
        return value
    if key == "fail-on":
        if value not in FAIL_ON:
            raise ConfigError(f"{where} must be one of {', '.join(FAIL_ON)}, not {value!r}")
        return value
    if key == "baseline":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} must be a file path")
        return (path.parent / value).resolve()
    if key == "severity":
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table of rule = \"error\" | \"warning\" | \"note\"")
        out = {}
        for rule, level in value.items():
            try:
                out[str(rule)] = Severity.parse(str(level))
            except ValueError as exc:
                raise ConfigError(f"{where}.{rule}: {exc}") from None
        return out
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    return value


def load(start: Path, explicit: Path | None = None) -> Config:
    """The explicit file when given, else the nearest one above `start`, else defaults."""
    if explicit is not None:
        return load_file(explicit)
    found = find_config_file(start)
    return load_file(found) if found is not None else Config()


# --- applying it --------------------------------------------------------------------------------


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    """Whether a repo-relative path matches an `exclude` pattern.

    A bare name (`migrations`) matches any path component, as in Ruff; a pattern with a slash or
    a glob matches the path or any directory above it (`tests/fixtures` and `tests/fixtures/*`
    both exclude everything below that directory).
    """
    pure = PurePosixPath(path)
    ancestors = [pure.as_posix(), *(p.as_posix() for p in pure.parents if p.as_posix() != ".")]
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/").removeprefix("./")
        if not pattern:
            continue
        if "/" not in pattern and not any(c in pattern for c in "*?["):
            if pattern in pure.parts:
                return True
        elif any(fnmatch.fnmatchcase(candidate, pattern) for candidate in ancestors):
            return True
    return False


def severity_by_rule(overrides: Mapping[str, Severity], catalogue: Catalogue) -> dict[str, Severity]:
    """Resolve `severity` selectors (ids, prefixes, names, families) to rule ids; the most
    specific (longest) selector wins. Unknown selectors raise CatalogueError."""
    out: dict[str, Severity] = {}
    for selector in sorted(overrides, key=len):
        for spec in catalogue.select([selector]).rules:
            out[spec.id] = overrides[selector]
    return out


def override_severity(findings: Iterable[Finding], by_rule: Mapping[str, Severity]) -> list[Finding]:
    """Findings with the configured severity of their (shown) rule."""
    return [
        dataclasses.replace(f, severity=by_rule[f.rule_id]) if f.rule_id in by_rule else f for f in findings
    ]


# --- the configuration a run uses ---------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """What a run uses: the configuration, the baseline, and findings about edits to either."""

    config: Config
    baseline: baseline_file.Baseline | None
    findings: tuple[Finding, ...] = ()


BASELINE_MAX_BYTES = 100_000_000


def resolve(
    start: Path,
    *,
    explicit: Path | None = None,
    baseline_path: Path | None = None,
    trust: bool = False,
    revisions: Revisions | None = None,  # in diff modes
    use_baseline: bool = True,
    default_baseline: Path | None = None,
) -> Resolved:
    """The configuration and baseline for a run.

    In diff modes (`revisions` given) both are taken from before the change when the change edits
    them, and the edit is reported (DS692), unless trusted by the flag or by the configuration
    from before the change. A file named on the command line (`--config`) is always used as is.
    """
    findings: list[Finding] = []
    if explicit is not None:
        config = load_file(explicit)
    else:
        found = find_config_file(start)
        config = load_file(found) if found is not None else Config()
        candidate = found or (revisions.root / FILE_NAME if revisions is not None else None)
        rel = _inside(candidate, revisions)
        if rel is not None:
            before_text, after_text = revisions.before(rel), revisions.after(rel)
            before = parse(before_text, candidate) if before_text is not None else Config(path=candidate)
            after = parse(after_text, candidate) if after_text is not None else Config(path=candidate)
            trust = trust or before.trust_added_suppressions
            changed = after.changed_keys(before)
            config = after if trust or not changed else before
            if changed and not trust:
                findings.append(config_edited(rel, after_text or "", f"[tool.diffsentry] ({', '.join(changed)})"))
    path = (baseline_path or config.baseline or _default_baseline(default_baseline, revisions)) if use_baseline \
        else None
    loaded = None
    if path is not None:
        rel = _inside(path, revisions)
        text = _read_baseline(path) if rel is None else revisions.after(rel, max_bytes=BASELINE_MAX_BYTES)
        if rel is not None:
            before_text = revisions.before(rel, max_bytes=BASELINE_MAX_BYTES)
            if text is None and before_text is None:  # not tracked by git: not part of the change
                text = before_text = _read_baseline(path)
            if before_text != text and not trust:
                findings.append(config_edited(rel, "", f"the baseline file {rel}"))
                text = before_text
        loaded = baseline_file.parse(text, str(path)) if text is not None else None
    return Resolved(config, loaded, tuple(findings))


def _default_baseline(path: Path | None, revisions: Revisions | None) -> Path | None:
    """The file `baseline create` writes by default, when it exists (on disk, or before the change:
    a change that deletes it is reported as editing it)."""
    if path is None:
        return None
    rel = _inside(path, revisions)
    exists = path.is_file() or (rel is not None and revisions is not None and revisions.before(rel) is not None)
    return path if exists else None


def _inside(path: Path | None, revisions: Revisions | None) -> str | None:
    """`path` relative to the repository of a diff mode, or None (not a diff mode, or outside)."""
    if path is None or revisions is None:
        return None
    try:
        return path.resolve().relative_to(revisions.root.resolve()).as_posix()
    except ValueError:
        return None


def _read_baseline(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"baseline file {path} does not exist (create it with `diffsentry baseline create`)") from None
    except OSError as exc:
        raise ConfigError(f"baseline file {path}: cannot read: {exc.strerror or exc}") from None


# --- DS692: the configuration edited by the change ----------------------------------------------

CONFIG_ID = "DS692"
ENGINE = "config"


def config_edited(path: str, after_text: str, what: str) -> Finding:
    """DS692: the change edits the scanner's configuration or baseline, which was not used."""
    line = next((n for n, text in enumerate(after_text.splitlines(), start=1)
                 if text.strip().startswith("[tool.diffsentry")), 1)
    return Finding(CONFIG_ID, path, Region(line), f"This change edits {what}; a change cannot reconfigure its own "
                   "review, so the version from before the change was used (run with --trust-added-suppressions "
                   "to use the new one).", SPEC.severity, SPEC.confidence, (ENGINE,))


def _check_config(case: StageCase, catalogue: object) -> list[Finding]:
    before = parse(case.before or "", Path(case.path))
    after = parse(case.after, Path(case.path))
    keys = after.changed_keys(before)
    return [config_edited(case.path, case.after, "[tool.diffsentry] (" + ", ".join(keys) + ")")] if keys else []


SPEC = spec_from_mapping(
    {
        "severity": "warning",
        "scope": "lines",
        "id": CONFIG_ID,
        "name": "scanner-config-edited-by-change",
        "confidence": "medium",
        "cwe": [693],
        "security-severity": "4.0",
        "summary": "The change edits diffsentry's configuration or baseline.",
        "what": (
            "Reports, in diff modes, a change to `[tool.diffsentry]` in pyproject.toml or to the baseline file. "
            "The run uses the configuration and baseline from before the change."
        ),
        "why": (
            "Ignoring a rule, excluding a directory, raising `fail-on` or adding baseline entries switches the "
            "check off for the very change that does it, and for every change after it."
        ),
        "fix": "Change the scanner's configuration in a change of its own that a maintainer reviews.",
        "example": '[tool.diffsentry]\nignore = ["DS1"]\n',
        "use-instead": '[tool.diffsentry]\nfail-on = "warning"\n',
        "references": ["https://cwe.mitre.org/data/definitions/693.html"],
    },
    engine=ENGINE,
    source="analyzer/config.py",
)

_PYPROJECT = '''[project]
name = "notes"
version = "1.0"

[tool.diffsentry]
fail-on = "warning"
exclude = ["migrations"]
'''

RULES = (
    StageRule(
        spec=SPEC,
        invalid=(
            StageCase(_PYPROJECT + 'ignore = ["DS1", "B6"]\n', _PYPROJECT, "pyproject.toml"),
            StageCase(_PYPROJECT.replace('fail-on = "warning"', 'fail-on = "none"'), _PYPROJECT, "pyproject.toml"),
            StageCase(_PYPROJECT, _PYPROJECT.split("[tool.diffsentry]")[0], "pyproject.toml"),
        ),
        valid=(
            StageCase(_PYPROJECT.replace('version = "1.0"', 'version = "1.1"'), _PYPROJECT, "pyproject.toml"),
            StageCase(_PYPROJECT.replace('exclude = ["migrations"]', "exclude = [ 'migrations' ]  # generated"),
                      _PYPROJECT, "pyproject.toml"),
        ),
        check=_check_config,
    ),
)
