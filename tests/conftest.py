from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.catalogue import Catalogue, load_catalogue

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo"

# Scans in tests must behave as on a machine with no network, whatever this one has.
os.environ["SEMGREP_ENABLE_VERSION_CHECK"] = "0"
os.environ["SEMGREP_SEND_METRICS"] = "off"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


# `pytest --rule DS180` (repeatable; ids, names, id prefixes, families): only those rules' tests and
# cases, analysed with only those rules, instead of every rule's cases (seconds instead of ~20 s).
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--rule", action="append", default=[], metavar="SELECTOR",
                     help="run only the tests and cases of these rules (id, name, id prefix or family)")


@pytest.fixture(scope="session")
def selected_rules(request: pytest.FixtureRequest, catalogue: Catalogue) -> Catalogue:
    """The rules chosen with --rule; every rule without it."""
    selectors = request.config.getoption("--rule")
    return catalogue.select(selectors) if selectors else catalogue


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selectors = config.getoption("--rule")
    if not selectors:
        return
    chosen = load_catalogue().select(selectors)
    keys = {key for spec in chosen.rules for key in (spec.id, spec.name)}

    def wanted(item: pytest.Item) -> bool:
        params = getattr(getattr(item, "callspec", None), "params", {})
        return bool(keys & {str(v) for v in params.values()}) or item.name in RULE_RUN_CHECKS

    kept = [item for item in items if wanted(item)]
    config.hook.pytest_deselected(items=[item for item in items if not wanted(item)])
    items[:] = kept


# Tests without a rule parameter that still belong to a --rule run: the engines analysed every case.
RULE_RUN_CHECKS = {"test_case_run_is_complete"}


@pytest.fixture(scope="session", autouse=True)
def _private_result_cache(tmp_path_factory):
    """CLI runs cache results; keep the suite's cache out of the user's home directory."""
    os.environ["DIFFSENTRY_CACHE_DIR"] = str(tmp_path_factory.mktemp("result-cache"))


# Property-based tests (tests/test_fuzz_*.py): a small, deadline-free budget by default so that CI
# stays fast and never flakes on a slow machine; `HYPOTHESIS_PROFILE=fuzz` for a maintainer's long
# run (docs/hardening.md). Example databases stay out of the tree.
def _hypothesis_profiles() -> None:
    from hypothesis import HealthCheck, settings
    from hypothesis.database import InMemoryExampleDatabase

    common = {"deadline": None, "database": InMemoryExampleDatabase(),
              "suppress_health_check": [HealthCheck.too_slow]}
    settings.register_profile("ci", max_examples=60, print_blob=True, **common)
    settings.register_profile("fuzz", max_examples=20_000, print_blob=True, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profiles()
