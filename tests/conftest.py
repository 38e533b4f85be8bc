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
