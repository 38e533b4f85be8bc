from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from analyzer.catalogue import Catalogue, load_catalogue
from analyzer.cli import main

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo"

# Scans in tests must behave as on a machine with no network, whatever this one has.
os.environ["SEMGREP_ENABLE_VERSION_CHECK"] = "0"
os.environ["SEMGREP_SEND_METRICS"] = "off"
# No progress lines in test output, even when the suite itself runs in CI (CI=true).
os.environ["DIFFSENTRY_PROGRESS"] = "off"


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


# --- helpers shared by the test modules ----------------------------------------------------------

SCHEMA = json.loads((REPO / "tests" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def validate_sarif(text: str) -> dict:
    """The SARIF log in `text`, checked against the 2.1.0 schema."""
    log = json.loads(text)
    jsonschema.validate(log, SCHEMA)
    return log


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    return result


def findings_of(result) -> list[dict]:
    return json.loads(result.stdout)["findings"]


# --- the offline proof's network guard (tests/test_offline.py, tests/test_check.py) ------------

NETGUARD_C = Path(__file__).parent / "netguard" / "netguard.c"


@pytest.fixture(scope="session")
def netguard(tmp_path_factory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler is needed to build the network guard for the offline proof"
    library = tmp_path_factory.mktemp("netguard") / "netguard.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(NETGUARD_C), "-ldl"], check=True)
    return library


def guarded_run(netguard: Path, log: Path, args: list[str], env_overrides: dict[str, str], timeout: float = 600):
    """Run `python args` under the guard; stop early once a network attempt is logged."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMGREP_")}
    env.update(env_overrides, LD_PRELOAD=str(netguard), NETGUARD_LOG=str(log), PYTHONPATH=str(REPO))
    # Output goes to files, not pipes: a SARIF log is larger than a pipe buffer, and an unread
    # pipe would block the child while we poll.
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            if log.exists() and log.read_text().strip():
                proc.kill()  # caught: no need to sit through Semgrep's ~100 s of retries
                break
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    stdout, stderr = out_path.read_bytes(), err_path.read_bytes()
    attempts = log.read_text().splitlines() if log.exists() else []
    return proc.returncode, stdout.decode(), stderr.decode(), attempts
