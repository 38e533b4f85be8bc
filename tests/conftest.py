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
