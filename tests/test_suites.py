"""Rule suites: `default` (precise) and `extended` (adds name-only checks), chosen by flag, config or Action."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from analyzer import config
from analyzer.rulespec import SUITES, CatalogueError
from analyzer.cli import main
from tests.conftest import REPO

SQL = 'import sqlite3\n\ndef find(db, name):\n    return db.execute("SELECT * FROM t WHERE name = \'%s\'" % name)\n'


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_extended_rules_are_name_only_checks_that_a_default_rule_covers(catalogue):
    """The suite's promise: leaving `extended` out loses no problem class, only name-only noise."""
    extended = [spec for spec in catalogue.rules if spec.suite == "extended"]
    assert {"B608", "B703", "B301", "B102"} <= {spec.id for spec in extended}
    default_groups = {spec.group for spec in catalogue.rules if spec.suite == "default" and spec.id.startswith("DS")}
    uncovered = [spec.id for spec in extended if spec.group not in default_groups]
    assert not uncovered, f"extended rules with no default DS rule in their group: {uncovered}"


def test_default_suite_leaves_extended_rules_out_unless_named(catalogue):
    default = catalogue.in_suite("default")
    assert default.get("B608") is None and default.get("DS201") is not None
    assert catalogue.in_suite("extended").get("B608") is not None
    assert catalogue.in_suite("default", named=["B608"]).get("B608") is not None
    assert catalogue.in_suite("default", named=["B6"]).get("B608") is None  # a prefix is not a name
    with pytest.raises(CatalogueError, match="unknown suite"):
        catalogue.in_suite("everything")


def test_the_suite_is_declared_with_the_rule(catalogue):
    rows = yaml.safe_load((REPO / "rulesets" / "bandit.yaml").read_text(encoding="utf-8"))["tests"]
    for rule_id, row in rows.items():
        assert catalogue[rule_id].suite == row.get("suite", "default")
    assert set(config.SUITES) == set(SUITES)


def test_flag_and_configuration_choose_the_suite(tmp_path):
    (tmp_path / "app.py").write_text(SQL, encoding="utf-8")
    target = str(tmp_path / "app.py")
    assert "B608" not in run("scan", target, "--select", "B6", "-f", "json").output
    assert "B608" in run("scan", target, "--select", "B6", "--suite", "extended", "-f", "json").output
    (tmp_path / "pyproject.toml").write_text('[tool.diffsentry]\nsuite = "extended"\n', encoding="utf-8")
    assert "B608" in run("scan", target, "--select", "B6", "-f", "json").output
    assert "B608" not in run("scan", target, "--select", "B6", "--suite", "default", "-f", "json").output


def test_a_bad_suite_is_a_configuration_error_naming_the_key(tmp_path):
    with pytest.raises(config.ConfigError, match=r"\[tool.diffsentry\] suite must be one of default, extended"):
        config.parse('[tool.diffsentry]\nsuite = "all"\n', tmp_path / "pyproject.toml")
    assert run("scan", str(tmp_path), "--suite", "all").exit_code == 2


def test_sarif_and_docs_show_each_rules_suite(tmp_path):
    (tmp_path / "app.py").write_text(SQL, encoding="utf-8")
    log = json.loads(run("scan", str(tmp_path / "app.py"), "--select", "B608", "-f", "sarif").output)
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["B608"]["properties"]["suite"] == "extended"
    docs = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "| low | extended | bandit |" in docs


def test_the_action_passes_its_suite_input():
    action = yaml.safe_load(Path(REPO / "action.yml").read_text(encoding="utf-8"))
    assert "suite" in action["inputs"]
    analyse = next(step for step in action["runs"]["steps"] if step.get("id") == "analyse")
    assert analyse["env"]["SUITE"] == "${{ inputs.suite }}" and '--suite "$SUITE"' in analyse["run"]
