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
